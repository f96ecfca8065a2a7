/*
 * thread.h — an attached mutator thread: its TLAB, its handle stack.
 *
 * Invariants:
 *   - fast (struct rgc__thread_fast) is the first member: the inline paths
 *     in <rgc/inline.h> read it through a cast;
 *   - the TLAB [tlab_start, tlab_end) is the top of alloc_region, which
 *     this thread alone allocates in; alloc_region->top is tlab_end while a
 *     TLAB is open and exact once it is retired;
 *   - fast.tlab_top <= tlab_zeroed <= tlab_end, and [fast.tlab_top,
 *     tlab_zeroed) is zeroed memory: a TLAB is zeroed a step at a time as
 *     allocation reaches it, not all at once when it opens;
 *   - fast.alloc_limit is tlab_zeroed or 0; only 0 while the poll is armed
 *     or no TLAB is open (tlab_publish_limit restores it);
 *   - only the owner OS thread touches its rgc_thread, except the collector
 *     during a pause (when the owner is parked or in a blocking region);
 *   - handle slots in use are the chunks from `handles` up to the chunk that
 *     ends at fast.handle_limit, the last one filled up to fast.handle_top;
 *     a handle's position is its index counted over the chunks (base);
 *   - while roots_pending (a marking has not yet scanned this thread's
 *     handles), every handle below position roots_wm holds the value it
 *     held at mark start or one written since through the store barrier,
 *     and fast.root_watermark points at position roots_wm if that lies in
 *     the current chunk (NULL otherwise).
 */
#ifndef RGC_THREAD_THREAD_H
#define RGC_THREAD_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/region_table.h"
#include "mark/satb.h"
#include "rgc.h"

#define HANDLE_CHUNK_SLOTS 255

struct handle_chunk {
    struct handle_chunk *next;
    size_t base;                  /* position of slots[0]                 */
    rgc_ref slots[HANDLE_CHUNK_SLOTS];
};

#define RGC_THREAD_MAGIC 0x7267635f74687264ull /* "rgc_thrd" */

struct rgc_thread;
/* A per-thread operation run by a handshake (thread/safepoint.h). */
typedef void (*handshake_fn)(struct rgc_thread *t, void *ctx);

#define RGC_CACHE_LINE 64

/* Cache-line aligned (and allocated so): the fast fields of two threads
 * never share a line. */
struct rgc_thread {
    _Alignas(RGC_CACHE_LINE) struct rgc__thread_fast fast; /* first */
    uint64_t magic;               /* RGC_THREAD_MAGIC while attached     */
    pthread_t owner;              /* the OS thread that attached          */
    int tid;                      /* its kernel thread id, and its name   */
    char name[16];                /* at attach (naming who holds a pause) */
    struct rgc_heap *heap;
    struct rgc_thread *next;      /* in the heap's thread list            */
    bool offline;                 /* parked or in a blocking region       */
    bool visiting;                /* the driver reads its handles (under
                                     the safepoint's threads_lock)       */
    handshake_fn handshake;       /* an operation pending for this thread */
    void *handshake_ctx;
    bool blocking;                /* inside rgc_blocking_enter/leave      */
    struct region *alloc_region;
    uintptr_t tlab_start, tlab_zeroed, tlab_end;
    struct handle_chunk *handles;
    /* The root snapshot of a marking (handles.c): the handles below
     * roots_snapshot at mark start are scanned by the driver while this
     * thread runs; until then (roots_pending, atomic) a scope close that
     * drops any below roots_wm records them first. */
    size_t roots_snapshot, roots_wm;
    bool roots_pending;
    struct satb_buffer *satb;     /* old values recorded while marking    */
    /* Load barrier counts since the last pause (or attach); each pause
     * and detach adds them to the heap's totals. */
    uint64_t load_slow, load_relocations, load_waits;
};

/* ---- TLAB (thread/tlab.c) ---- */

/* Allocation regions that detached threads left with room to spare: the
 * next refill on any thread takes one before a fresh region, so attach and
 * detach churn does not strand a region per attachment. */
struct spare_regions {
    pthread_mutex_t lock;
    struct region *head;
};

/* Close the TLAB: the region's top becomes exact.  Returns the bytes the
 * mutator allocated in it. */
size_t tlab_retire(struct rgc_thread *t);
/* Retire the TLAB and hand the allocation region back as FULL. */
size_t tlab_retire_region(struct rgc_thread *t);
/* Retire the TLAB and leave the allocation region to other threads (on
 * detach).  Returns the bytes allocated in the TLAB. */
size_t tlab_retire_to_spares(struct rgc_thread *t, struct spare_regions *s);
/* Turn every spare region FULL (a pause: they become collectable). */
void spare_regions_retire(struct spare_regions *s);
/* Offer every FULL region with at least min_room bytes free at its top as
 * a spare: regions a cycle left partly filled, such as its last relocation
 * destinations, fill up instead of piling up.  Safe while mutators run (no
 * one allocates in a FULL region); the caller keeps collections out. */
void spare_regions_collect(struct spare_regions *s, struct region_table *rt,
                           size_t min_room);
/* Open a TLAB of at least `bytes` (at most max(tlab_size, bytes)) in the
 * current region, a spare one, or a fresh one.  false: no region left. */
bool tlab_refill(struct rgc_thread *t, struct region_table *rt,
                 struct spare_regions *spares, size_t bytes, size_t tlab_size);
/* Zero the open TLAB far enough for `bytes` more at its top (one step, or
 * bytes if larger); false if they do not fit the TLAB.  Leaves alloc_limit
 * to tlab_publish_limit. */
bool tlab_zero_ahead(struct rgc_thread *t, size_t bytes);
/* Count [fast.tlab_top, +bytes), which the caller fills whole (a copy), as
 * zeroed; they must fit the TLAB. */
void tlab_fill_ahead(struct rgc_thread *t, size_t bytes);
/* Bytes allocated in the open TLAB so far. */
size_t tlab_used(const struct rgc_thread *t);
/* Let the inline fast path use the open TLAB's zeroed part again (after a
 * safepoint, or a zeroing step). */
void tlab_publish_limit(struct rgc_thread *t);

/* ---- handles (thread/handles.c) ---- */

int handles_init(struct rgc_thread *t);
void handles_destroy(struct rgc_thread *t);
size_t handles_in_use(const struct rgc_thread *t);
/* Whether slot is a handle of t in an open scope (O(chunks in use)). */
bool handles_contains(const struct rgc_thread *t, const rgc_ref *slot);
void handles_visit(struct rgc_thread *t, rgc_visit_fn visit, void *ctx);

/* Marking's view of the handles (docs/design.md, "Roots"): a snapshot at
 * mark start, scanned while the thread runs.
 *   handles_snapshot      the mark-start pause: the handles in use now are
 *                         the thread's part of the snapshot;
 *   handles_visit_snapshot  the driver, while the owner runs: visit them
 *                         (each slot holds its snapshot value or a newer
 *                         one), calling `between` after each chunk (where
 *                         the driver may pace itself), then clear
 *                         roots_pending; the owner may not detach
 *                         meanwhile (safepoint_visit_threads);
 *   handles_snapshot_pending  whether the snapshot is still to be read;
 *   handles_close         the owner closes a scope: `dropped` sees every
 *                         snapshot handle the close drops before the
 *                         driver has visited the snapshot;
 *   handles_snapshot_end  a pause once marking is complete. */
void handles_snapshot(struct rgc_thread *t);
bool handles_snapshot_pending(const struct rgc_thread *t);
void handles_visit_snapshot(struct rgc_thread *t, rgc_visit_fn visit,
                            void *ctx, void (*between)(void *),
                            void *between_ctx);
void handles_close(struct rgc_thread *t, rgc_scope scope,
                   rgc_visit_fn dropped, void *ctx);
void handles_snapshot_end(struct rgc_thread *t);

#endif
