/*
 * rgc.h — the embedder's whole world.
 *
 * rgc is a region-based, moving, precise garbage collector shipped as a C
 * library.  An embedder creates a heap, attaches its threads, registers the
 * layouts of its objects, and reads and writes every reference field through
 * the barriers below.  docs/api.md documents each function; this header keeps
 * the contracts short.
 *
 * The one rule to remember: a raw pointer returned by rgc is valid only until
 * the calling thread's next safepoint (any allocation, rgc_safepoint,
 * rgc_collect, rgc_blocking_enter).  Keep
 * pointers that must live longer in handles (rgc_handle) or registered roots.
 */
#ifndef RGC_H
#define RGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rgc_heap rgc_heap;
typedef struct rgc_thread rgc_thread;

/* ---- errors ------------------------------------------------------------ */

typedef enum rgc_status {
    RGC_OK = 0,
    RGC_EINVAL = -1,       /* invalid argument, option or descriptor      */
    RGC_ENOMEM = -2,       /* heap (or the OS) cannot satisfy the request */
    RGC_ESTATE = -4,       /* the call is not valid in the current state  */
} rgc_status;

/* The reason for the calling thread's most recent failure ("" if none).
 * The string stays valid until the thread's next failing rgc call. */
const char *rgc_last_error(void);

/* ---- configuration ----------------------------------------------------- */

typedef void (*rgc_oom_fn)(rgc_heap *heap, size_t request_bytes, void *ctx);

typedef struct rgc_config {
    size_t heap_max;              /* bytes reserved for the heap            */
    size_t region_size;           /* power of two, 256 KiB .. 512 MiB       */
    uint64_t max_pause_us;        /* pause-time goal (policy: see limits)   */
    unsigned gc_threads;          /* GC worker threads (see limitations)    */
    unsigned gc_cpu_percent;      /* each GC thread's share of a core while
                                     the mutators fill the cores (1..100;
                                     100: no limit)                        */
    unsigned growth_percent;      /* collect when used > live * (1 + g/100) */
    unsigned evacuate_live_percent; /* evacuate regions at most this % live */
    size_t tlab_size;             /* thread-local allocation buffer bytes   */
    bool pretouch;                /* fault the whole heap in at creation    */
    bool verify;                  /* run the heap verifier around each GC   */
    bool poison;                  /* protect freed regions (stale pointers) */
    bool log;                     /* one line per cycle on stderr           */
    bool checkmark;               /* after marking, re-trace from the roots
                                     in the pause and abort if a reachable
                                     object is unmarked (testing)          */
    unsigned chaos;               /* nonzero: a seed; inject random delays
                                     and failures where threads meet
                                     (testing; docs/api.md)                */
    uint64_t uncommit_delay_us;   /* free regions idle this long go back to
                                     the OS in the background; 0: never    */
    rgc_oom_fn oom_callback;      /* called before an allocation fails      */
    void *oom_ctx;
} rgc_config;

/* Fill *cfg with the defaults (docs/api.md lists them). */
void rgc_config_init(rgc_config *cfg);

/* Apply "key=value,key=value" on top of *cfg.  Sizes take k/m/g suffixes,
 * times us/ms/s, booleans 1/0/true/false/yes/no (a bare key means true).
 * On error returns RGC_EINVAL, leaves *cfg unchanged, and rgc_last_error()
 * names the key and the reason. */
int rgc_config_parse(rgc_config *cfg, const char *options);

/* ---- heap -------------------------------------------------------------- */

/* Create a heap from *cfg (NULL: defaults), with the RGC_OPTIONS environment
 * variable applied on top.  Returns NULL and sets rgc_last_error() on an
 * invalid configuration or when the reservation fails. */
rgc_heap *rgc_heap_create(const rgc_config *cfg);

/* Destroy the heap and return every byte (heap and metadata) to the OS.
 * No thread may be attached. */
void rgc_heap_destroy(rgc_heap *heap);

/* ---- reference slots ----------------------------------------------------- */

/* A reference field.  Its bits are a colored pointer, so it can only be read
 * with rgc_load and written with rgc_store (or rgc_root_store for roots).
 * None of these compiles, as each would bypass the barriers (the store's
 * SATB record, the load's repair) and copy a possibly stale color:
 *   obj->field = ptr;   ptr = obj->field;   a->field = b->field;
 *   *a = *b;  (a struct that contains an rgc_ref: copy fields one by one)
 * Zeroed memory is a valid null, and so are `rgc_ref r = {0};` and a static
 * rgc_ref without initialiser.  In C the member is const; C++ forbids the
 * same assignments with a deleted operator= instead, because a const member
 * would also forbid `rgc_ref r;` there. */
#ifdef __cplusplus
typedef struct rgc_ref {
    uintptr_t bits_; /* private: colored pointer */
    rgc_ref &operator=(const rgc_ref &) = delete;
} rgc_ref;
#else
typedef struct rgc_ref {
    const uintptr_t bits_; /* private: colored pointer */
} rgc_ref;
#endif

/* ---- types ------------------------------------------------------------- */

typedef uint32_t rgc_type; /* 0 is never a valid type */

typedef void (*rgc_visit_fn)(rgc_ref *slot, void *ctx);
/* Calls visit(slot, ctx) for every reference slot inside obj. */
typedef void (*rgc_trace_fn)(void *obj, rgc_visit_fn visit, void *ctx);

typedef struct rgc_type_desc {
    const char *name;          /* for diagnostics; copied                 */
    size_t size;               /* payload bytes of every instance, > 0    */
    const size_t *ref_offsets; /* byte offsets of the rgc_ref fields      */
    size_t ref_count;
    rgc_trace_fn trace;        /* instead of ref_offsets, for irregular
                                  layouts; must only visit slots inside obj */
} rgc_type_desc;

/* Register a type.  Rejects (returns 0, RGC_EINVAL) offsets that are out of
 * bounds, not aligned to a reference, or duplicated, and descriptors that
 * give both offsets and a trace callback. */
rgc_type rgc_type_register(rgc_heap *heap, const rgc_type_desc *desc);

/* ---- threads ------------------------------------------------------------ */

/* Attach the calling OS thread; any number of threads may be attached, at
 * any time.  An OS thread can be attached to one heap at a time (RGC_ESTATE
 * otherwise).  Every other call on the returned thread must come from the
 * same OS thread. */
rgc_thread *rgc_thread_attach(rgc_heap *heap);

/* Detach.  Fails with RGC_ESTATE while handle scopes are open or inside a
 * blocking region.  The rgc_thread must not be used afterwards: calls on a
 * detached thread fail with RGC_ESTATE (abort in debug builds). */
int rgc_thread_detach(rgc_thread *thread);

/* A safepoint poll: cheap; call it in long loops that do not allocate, so a
 * collection never waits long for this thread. */
static inline void rgc_safepoint(rgc_thread *thread);

/* Blocking (safe) regions: wrap calls that may block (I/O, locks, sleep).
 * Inside, the collector does not wait for the thread; the thread must not
 * touch the heap except pinned objects (which do not move), and raw
 * pointers do not survive the region (handles do).  Leaving waits for a
 * collection in progress to end.  Regions do not nest. */
int rgc_blocking_enter(rgc_thread *thread);
int rgc_blocking_leave(rgc_thread *thread);

/* ---- allocation ---------------------------------------------------------- */
/* All return zeroed memory, or NULL with rgc_last_error() set (and the
 * heap's oom_callback called) when even a full collection cannot make room.
 * Every allocation may be a safepoint: objects may move in any of them.
 * (The inline fast path does not poll; the slow path does, at least once
 * per tlab_size bytes allocated.) */

static inline void *rgc_alloc(rgc_thread *thread, rgc_type type);
/* An array of n references (read with rgc_load_elem / rgc_store_elem). */
static inline void *rgc_alloc_refs(rgc_thread *thread, size_t n);
/* n pointer-free bytes; never scanned. */
static inline void *rgc_alloc_bytes(rgc_thread *thread, size_t n);

/* Elements of a reference array, bytes of a byte array, payload bytes of a
 * fixed-size object (rounded up to 8). */
static inline size_t rgc_length(const void *obj);
rgc_type rgc_type_of(const void *obj);

#define RGC_TYPE_REFS ((rgc_type)1)  /* rgc_type_of an array of references */
#define RGC_TYPE_BYTES ((rgc_type)2) /* rgc_type_of a byte array            */

/* ---- barriers ------------------------------------------------------------ */

/* Read a reference slot (a heap field, a handle or a registered root). */
static inline void *rgc_load(rgc_thread *thread, rgc_ref *slot);
/* Write a reference field of a heap object.  Every slot write (this,
 * rgc_handle, rgc_root_store) is a release store and rgc_load an acquire
 * load, so a thread that loads value sees what was written to its object
 * before the store (a new object's fields, say), on every architecture. */
static inline void rgc_store(rgc_thread *thread, rgc_ref *slot, void *value);
static inline void *rgc_load_elem(rgc_thread *thread, void *refs, size_t i);
static inline void rgc_store_elem(rgc_thread *thread, void *refs, size_t i,
                                  void *value);

/* ---- roots ----------------------------------------------------------------- */

/* Handle scopes: a per-thread shadow stack.  rgc_scope_open records the top;
 * rgc_scope_close drops every handle created since.  Both are O(1). */
typedef struct rgc_scope {
    rgc_ref *top_;
    rgc_ref *limit_;
} rgc_scope;
static inline rgc_scope rgc_scope_open(rgc_thread *thread);
static inline void rgc_scope_close(rgc_thread *thread, rgc_scope scope);

/* A new handle holding obj in the innermost scope; read it with rgc_load,
 * overwrite it with rgc_root_store.  NULL only if memory for a new handle
 * chunk cannot be had (rgc_last_error says so). */
static inline rgc_ref *rgc_handle(rgc_thread *thread, void *obj);

/* Write a root slot: a handle or a registered global root. */
static inline void rgc_root_store(rgc_thread *thread, rgc_ref *root,
                                  void *value);

/* Global roots: rgc_ref variables outside the heap that the collector scans
 * and updates.  Initialise the slot (e.g. to {0}) before registering it. */
int rgc_root_register(rgc_heap *heap, rgc_ref *root);
int rgc_root_unregister(rgc_heap *heap, rgc_ref *root);

/* ---- pinning ------------------------------------------------------------ */

/* While pinned, obj never moves (its region is kept out of relocation), so
 * its address may be handed to the OS (write(2)).  Pinning does not keep obj
 * alive: it must stay reachable.  Pins nest; each rgc_pin needs an rgc_unpin.
 * obj must come from rgc_load/rgc_alloc since the last safepoint (then it
 * is never an object being relocated: the load barrier relocates first);
 * RGC_EINVAL for a raw pointer into the relocation set kept across one. */
int rgc_pin(rgc_thread *thread, void *obj);
int rgc_unpin(rgc_thread *thread, void *obj);

/* ---- control ------------------------------------------------------------ */

typedef enum rgc_collect_kind {
    RGC_COLLECT_FULL = 0,    /* mark everything, evacuate every region with
                                garbage that is not pinned or humongous   */
    RGC_COLLECT_RELEASE = 1, /* FULL, then return every free region's
                                memory to the OS (Go's FreeOSMemory), after
                                the world resumes, before returning        */
} rgc_collect_kind;

/* A safepoint.  Returns RGC_OK or RGC_EINVAL for an unknown kind. */
int rgc_collect(rgc_thread *thread, rgc_collect_kind kind);

/* ---- statistics ------------------------------------------------------------ */

typedef struct rgc_heap_stats {
    size_t heap_max;          /* reserved bytes                           */
    size_t region_size;
    size_t committed;         /* bytes of regions backed by memory        */
    size_t used;              /* bytes of objects not yet reclaimed, not
                                 counting threads' open TLABs              */
    size_t live_after_last_cycle; /* bytes marked live by the last cycle  */
    uint64_t cycles;
    uint64_t bytes_allocated; /* total, since creation                    */
    uint64_t bytes_copied;    /* total relocated (workers and load barrier) */
    uint64_t regions_freed;   /* total reclaimed by collections           */
    uint64_t pause_count;
    uint64_t pause_total_ns;
    uint64_t pause_max_ns;
    uint64_t pauses_over_goal; /* pauses longer than max_pause            */
    /* CPU time spent collecting: the GC's own threads (driver, workers),
     * read now, plus gc_assist_ns.  It includes event listener calls and
     * GC log lines made on those threads. */
    uint64_t gc_cpu_ns;
    uint64_t gc_assist_ns;    /* of which mutators' work: copies made in
                                 the load barrier (their wall time) and
                                 full collections run on a mutator (its
                                 CPU time)                                 */
    uint64_t gc_yields;       /* times a GC thread slept to leave a core
                                 to the mutators (gc_cpu_percent)         */
    uint64_t gc_yield_ns;     /* and for how long in all                  */
    uint64_t oom_count;       /* allocations that returned NULL           */
    uint64_t full_cycles;     /* stop-the-world cycles: rgc_collect, or an
                                 allocation that stalls found no room     */
    uint64_t degenerated_cycles; /* of those, the allocation's last resort */
    uint64_t alloc_stalls;    /* allocations that waited for a cycle      */
    uint64_t alloc_stall_total_ns;
    uint64_t alloc_stall_max_ns;
    /* Concurrent relocation, counted by each thread and added up at every
     * pause and detach (so as of the last one): */
    uint64_t load_slow_paths;     /* loads that found a stale reference   */
    uint64_t load_relocations;    /* objects the load barrier copied      */
    uint64_t load_waits;          /* stale loads that could not copy (no
                                     room, or the region was being slid)
                                     and waited for the region's worker   */
    uint64_t regions_in_place;    /* set regions compacted within
                                     themselves (no free region to copy to) */
    uint64_t regions_uncommitted; /* free regions returned to the OS in the
                                     background after uncommit_delay (not
                                     counting RGC_COLLECT_RELEASE's)       */
    /* The collector's own memory, outside the heap, now (requested sizes,
     * before the allocator's rounding): */
    size_t metadata_bytes;        /* the sum of the four below            */
    size_t metadata_peak_bytes;   /* the highest metadata_bytes so far    */
    size_t region_table_bytes;    /* per-region records, free/committed sets:
                                     fixed at creation                    */
    size_t bitmap_bytes;          /* mark bitmaps: 1/64 of each region that
                                     can hold marked objects              */
    size_t forwarding_bytes;      /* forwarding tables of the last
                                     relocation, kept until the next mark ends */
    size_t satb_bytes;            /* SATB buffers (8 KiB each) being filled
                                     or queued for the marker             */
} rgc_heap_stats;

void rgc_stats(rgc_heap *heap, rgc_heap_stats *out);

typedef struct rgc_percentiles {
    uint64_t count;
    uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
} rgc_percentiles;

/* Percentiles of every pause so far, from a log-linear histogram (values are
 * upper bounds of their bucket: at most 1/32 above the true value). */
void rgc_pause_percentiles(rgc_heap *heap, rgc_percentiles *out);

/* The pauses of a cycle.  A concurrent cycle has one mark-start pause, one
 * or more mark-end pauses (each bounded by max_pause; marking resumes
 * concurrently if one cannot finish) and one relocation pause; a full
 * collection is one pause of its own. */
typedef enum rgc_pause_kind {
    RGC_PAUSE_MARK_START = 0,
    RGC_PAUSE_MARK_END = 1,
    RGC_PAUSE_RELOCATE = 2,
    RGC_PAUSE_FULL = 3,
    RGC_PAUSE_KINDS = 4
} rgc_pause_kind;

/* Percentiles of one kind of pause (RGC_EINVAL for an unknown kind). */
int rgc_pause_kind_percentiles(rgc_heap *heap, rgc_pause_kind kind,
                               rgc_percentiles *out);
/* The same pauses less their time-to-safepoint: the collector's own work
 * while the world was stopped (RGC_EINVAL for an unknown kind). */
int rgc_pause_work_percentiles(rgc_heap *heap, rgc_pause_kind kind,
                               rgc_percentiles *out);

/* Percentiles of allocation stalls: how long allocations waited for a
 * concurrent cycle to free memory. */
void rgc_stall_percentiles(rgc_heap *heap, rgc_percentiles *out);

/* Percentiles of the time-to-safepoint of every pause: from the stop
 * request until every attached thread was parked or in a blocking region
 * (included in the pause times above). */
void rgc_ttsp_percentiles(rgc_heap *heap, rgc_percentiles *out);

/* ---- events ---------------------------------------------------------------- */

typedef enum rgc_event_kind {
    RGC_EVENT_CYCLE_START = 0,
    RGC_EVENT_CYCLE_END = 1,
    RGC_EVENT_PAUSE = 2,            /* one per pause, after the resume    */
    RGC_EVENT_PAUSE_OVER_GOAL = 3,  /* after its RGC_EVENT_PAUSE           */
    RGC_EVENT_STALL = 4,            /* an allocation waited for a cycle    */
} rgc_event_kind;

/* What made an over-goal pause long: whichever of its two parts was the
 * larger. */
typedef enum rgc_pause_cause {
    RGC_CAUSE_NONE = 0,  /* not over the goal                            */
    RGC_CAUSE_TTSP = 1,  /* waiting for threads to stop (holder_*: the
                            last one to arrive)                          */
    RGC_CAUSE_WORK = 2,  /* the pause's own work: pause_kind's phase     */
    RGC_CAUSE_PREDICTED = 3, /* its own work, and the predictor said before
                            it that even its least work would not fit
                            max_pause (predicted_ns): work that cannot go
                            concurrent, not a misprediction             */
} rgc_pause_cause;

/* Times are CLOCK_MONOTONIC nanoseconds.  Fields that do not apply to a
 * kind are 0 (or "").  The event is valid during the call only. */
typedef struct rgc_event {
    rgc_event_kind kind;
    uint64_t cycle;        /* the cycle's number, from 1 (a stall: the last
                              cycle completed when it ended)              */
    uint64_t start_ns;     /* cycle start, stop request, stall start      */
    uint64_t duration_ns;  /* cycle end: the cycle; pauses; stalls        */
    uint64_t ttsp_ns;      /* pauses: time-to-safepoint, in duration_ns   */
    rgc_pause_kind pause_kind; /* pauses                                  */
    rgc_pause_cause cause; /* RGC_EVENT_PAUSE_OVER_GOAL                   */
    uint64_t goal_ns;      /* RGC_EVENT_PAUSE_OVER_GOAL: max_pause        */
    /* Pauses: the attached thread that stopped last (took the count of
     * running threads to 0), or tid 0 and "" if none was running. */
    int holder_tid;        /* its kernel thread id (gettid)               */
    char holder_name[16];  /* its pthread name at attach, or "tid N"      */
    /* Mark-end and relocate-start pauses of a concurrent cycle: what the
     * predictor planned the pause to take at most, time-to-safepoint
     * included (compare with duration_ns); 0 for other pauses. */
    uint64_t predicted_ns;
} rgc_event;

typedef void (*rgc_event_fn)(rgc_heap *heap, const rgc_event *event,
                             void *ctx);

/* Call fn(heap, event, ctx) for every event from now on (NULL: none).
 * Safe from any thread at any time; once it returns, the previous
 * listener is not running and is never called again (its ctx may be
 * freed).  Calls are never made with the world stopped, and never two at
 * once.  The listener must be quick and must make no rgc call but the
 * statistics calls (docs/api.md, "Events"); RGC_ESTATE if called from
 * this heap's listener. */
int rgc_set_event_listener(rgc_heap *heap, rgc_event_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#include "rgc/inline.h"

#endif /* RGC_H */
