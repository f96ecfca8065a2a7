/*
 * rgc_heap.h — struct rgc_heap, the aggregate that ties the layers together.
 * Only the cycle driver (policy/) and the API layer (api/) include it; the
 * layers below receive the one component they work on.
 */
#ifndef RGC_HEAP_H
#define RGC_HEAP_H

#include "heap/region_table.h"
#include "mark/satb.h"
#include "object/type_table.h"
#include "policy/driver.h"
#include "policy/predictor.h"
#include "rgc.h"
#include "roots/global_roots.h"
#include "stats/events.h"
#include "stats/histogram.h"
#include "thread/safepoint.h"
#include "thread/thread.h"
#include "thread/workers.h"

/* Colors (docs/design.md, "References and colors"), in the low
 * RGC__COLOR_BITS bits of a slot: the good color alternates between two
 * relocation epochs, flipping in every relocate-start pause; a slot of the
 * other epoch is stale (relocated and healed by the load barrier, or healed
 * by marking).  The remapped color is reserved (unused); bits 3..15 are
 * free for a second generation's colors. */
#define RGC_COLOR_MARKED0 ((uintptr_t)1 << 0)
#define RGC_COLOR_MARKED1 ((uintptr_t)1 << 1)
#define RGC_COLOR_REMAPPED ((uintptr_t)1 << 2)
#define RGC_COLOR_MASK                                                         \
    (RGC_COLOR_MARKED0 | RGC_COLOR_MARKED1 | RGC_COLOR_REMAPPED)

struct rgc_heap {
    rgc_config config;
    struct region_table regions;
    struct type_table types;
    struct global_roots roots;
    struct safepoint safepoint;      /* attached threads; stopping them */
    pthread_mutex_t gc_lock;         /* one collection at a time          */
    pthread_mutex_t types_lock;      /* type registration                 */
    pthread_mutex_t large_lock;      /* humongous run search              */
    struct rgc_thread *spare_threads; /* detached, kept for reuse         */
    struct spare_regions spare_regions; /* allocation regions left behind */
    struct workers workers;          /* gc_threads, the pausing one too   */
    uintptr_t good_color;            /* changes only in a pause           */
    bool marking;                    /* SATB barrier on; pauses change it */
    bool relocating;                 /* atomic: from relocate start until
                                        the set is relocated              */
    struct satb_queue satb;          /* full SATB buffers                 */
    struct driver driver;            /* runs the concurrent cycles        */

    /* Counters written by mutators use atomic adds; the rest change only
     * under gc_lock (in a pause, or by the driver during relocation). */
    size_t used;         /* object bytes in regions, retired TLABs included */
    size_t live;         /* live bytes found by the last cycle             */
    size_t trigger;      /* start a cycle when used reaches this           */
    uint64_t cycles;
    uint64_t bytes_allocated; /* retired TLABs and large objects         */
    uint64_t bytes_copied;
    uint64_t regions_freed;
    uint64_t oom_count;
    uint64_t full_cycles;     /* stop-the-world cycles (any reason)      */
    uint64_t degenerated_cycles; /* of which an allocation's last resort */
    uint64_t alloc_stalls;
    uint64_t regions_in_place;  /* relocated by sliding within themselves */
    uint64_t regions_uncommitted; /* by the driver, after uncommit_delay */
    uint64_t load_slow;         /* load barrier slow paths taken, and    */
    uint64_t load_relocations;  /* objects it copied, and                */
    uint64_t load_waits;        /* loads that could not copy and waited
                                   for a worker: threads' counts, as of
                                   their last pause or detach            */
    uint64_t pauses_over_goal;  /* pauses longer than max_pause        */
    uint64_t assist_ns;         /* mutators' GC work: load barrier copies
                                   (wall time), full collections (CPU)   */

    /* Pacing and pause budgets (policy/collector.c), measured by the
     * cycles themselves; only the driver or a pause writes them. */
    double alloc_rate;        /* bytes allocated per ns, smoothed        */
    uint64_t last_cycle_start_ns;
    uint64_t last_alloc_total;
    uint64_t last_cycle_ns;   /* duration of the last concurrent cycle   */
    struct predictor predictor; /* the planned pauses' measured costs    */

    /* Test hooks (set by tests before cycles run; never by the API):
     * relocate_in_place = n > 0: workers copy at most n - 1 objects out
     * of each set region of a concurrent cycle and slide the rest in
     * place (full collections still copy out); call relocation_hook on the
     * driver between the relocate-start pause and the relocation, while
     * mutators run; let the first mark-end pause of each cycle trace
     * nothing, so that any SATB entry left for it forces the retry loop;
     * judge pauses against a goal of 0 instead of max_pause, so that every
     * pause is over it (counted, logged, reported); make every mark-end
     * pause sleep slow_mark_end_ns (< 1 s) before its work (a fixed part over the
     * goal, as many threads to flush would give: the predictor learns it
     * and finds that the pause would not fit). */
    unsigned relocate_in_place;
    bool starve_first_mark_end;
    bool zero_pause_goal;
    uint64_t slow_mark_end_ns;
    void (*relocation_hook)(struct rgc_heap *heap, void *ctx);
    void *relocation_hook_ctx;

    struct events events;         /* the listener (rgc_set_event_listener) */
    pthread_mutex_t stats_lock;   /* the histograms                      */
    struct histogram pauses;  /* whole pause: time-to-safepoint + work   */
    struct histogram pause_kind[RGC_PAUSE_KINDS]; /* the same, by kind  */
    struct histogram pause_work[RGC_PAUSE_KINDS]; /* by kind, less ttsp */
    struct histogram ttsp;    /* time-to-safepoint alone                 */
    struct histogram stalls;  /* allocation stalls                       */
};

/* Counters are read without locks (rgc_stats, the trigger), so every
 * access is atomic; relaxed suffices: they order nothing. */
#define HEAP_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define HEAP_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define HEAP_ADD(field, v) __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)
#define HEAP_SUB(field, v) __atomic_fetch_sub(&(field), (v), __ATOMIC_RELAXED)

/* Fold a thread's load barrier counts into the totals (a pause, or the
 * thread itself on detach). */
static inline void heap_count_loads(struct rgc_heap *heap, struct rgc_thread *t)
{
    HEAP_ADD(heap->load_slow, t->load_slow);
    HEAP_ADD(heap->load_relocations, t->load_relocations);
    HEAP_ADD(heap->load_waits, t->load_waits);
    t->load_slow = t->load_relocations = t->load_waits = 0;
}

/* Bytes handed to the mutator (a retired TLAB, a large object). */
static inline void heap_count_allocated(struct rgc_heap *heap, size_t bytes)
{
    HEAP_ADD(heap->used, bytes);
    HEAP_ADD(heap->bytes_allocated, bytes);
}

#endif
