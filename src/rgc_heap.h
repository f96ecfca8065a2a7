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
#include "rgc.h"
#include "roots/global_roots.h"
#include "stats/histogram.h"
#include "thread/safepoint.h"
#include "thread/thread.h"
#include "thread/workers.h"

/* Colors (docs/design.md, "Colors"): the good color alternates between two
 * relocation epochs, flipping in every relocation pause; a slot of the other
 * epoch is stale (healed through forwarding tables).  The remapped color is
 * reserved for concurrent relocation. */
#define RGC_COLOR_MARKED0 ((uintptr_t)1 << 60)
#define RGC_COLOR_MARKED1 ((uintptr_t)1 << 61)
#define RGC_COLOR_REMAPPED ((uintptr_t)1 << 62)
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
    struct satb_queue satb;          /* full SATB buffers                 */
    struct driver driver;            /* runs the concurrent cycles        */

    /* Counters written by mutators use atomic adds; the rest change only
     * in a pause (under gc_lock, world stopped). */
    size_t used;         /* object bytes in regions, retired TLABs included */
    size_t live;         /* live bytes found by the last cycle             */
    size_t trigger;      /* start a cycle when used reaches this           */
    uint64_t cycles;
    uint64_t bytes_allocated; /* retired TLABs and large objects         */
    uint64_t bytes_copied;
    uint64_t regions_freed;
    uint64_t oom_count;
    uint64_t full_cycles;     /* stop-the-world cycles (any reason)      */
    uint64_t alloc_stalls;

    /* Pacing and pause budgets (policy/collector.c), measured by the
     * cycles themselves; only the driver or a pause writes them. */
    double alloc_rate;        /* bytes allocated per ns, smoothed        */
    uint64_t last_cycle_start_ns;
    uint64_t last_alloc_total;
    uint64_t last_cycle_ns;   /* duration of the last concurrent cycle   */
    double mark_rate;         /* marking work units per ns               */
    double copy_rate;         /* bytes evacuated per ns                  */

    pthread_mutex_t stats_lock;   /* the histograms                      */
    struct histogram pauses;  /* whole pause: time-to-safepoint + work   */
    struct histogram pause_kind[RGC_PAUSE_KINDS]; /* the same, by kind  */
    struct histogram ttsp;    /* time-to-safepoint alone                 */
    struct histogram stalls;  /* allocation stalls                       */
};

/* Counters are read without locks (rgc_stats, the trigger), so every
 * access is atomic; relaxed suffices: they order nothing. */
#define HEAP_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define HEAP_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define HEAP_ADD(field, v) __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)

/* Bytes handed to the mutator (a retired TLAB, a large object). */
static inline void heap_count_allocated(struct rgc_heap *heap, size_t bytes)
{
    HEAP_ADD(heap->used, bytes);
    HEAP_ADD(heap->bytes_allocated, bytes);
}

#endif
