/*
 * alloc.c — the allocation slow path: safepoint poll, TLAB refill, large
 * objects, the collection trigger, and the out-of-memory protocol.
 *
 * Escalation, in order: if the trigger has fired, ask the driver for a
 * concurrent cycle (and go on); refill from free regions; if none is free,
 * stall: wait for concurrent cycles to finish (STALL_CYCLES of them at
 * most); then full stop-the-world cycles; if those free nothing large
 * enough, NULL with a reason, the oom callback, and a heap that is exactly
 * as usable as before.  When several threads run short at once, one
 * collects and the others, finding a newer cycle done, just retry.
 */
#include <string.h>

#include "thread/thread_check.h"
#include "base/error.h"
#include "object/header.h"
#include "base/clock.h"
#include "policy/collector.h"
#include "policy/report.h"
#include "rgc_heap.h"

#define STALL_CYCLES 2
#define OWN_FULL_CYCLES 3

static void *out_of_memory(struct rgc_heap *heap, uint64_t payload)
{
    HEAP_ADD(heap->oom_count, 1);
    const struct region_table *rt = &heap->regions;
    rgc_fail(RGC_ENOMEM,
             "rgc_alloc: heap exhausted: cannot allocate an object of %llu "
             "bytes (heap_max %zu, %zu bytes live after a full collection, "
             "%zu of %zu regions free, %zu of them kept for relocation)",
             (unsigned long long)payload, heap->config.heap_max,
             HEAP_GET(heap->live),
             __atomic_load_n(&rt->free_count, __ATOMIC_RELAXED), rt->count,
             rt->reserve);
    if (heap->config.oom_callback)
        heap->config.oom_callback(heap, (size_t)payload,
                                  heap->config.oom_ctx);
    return NULL;
}

static void retire_tlab(struct rgc_thread *t)
{
    heap_count_allocated(t->heap, tlab_retire(t));
}

static struct region *take_large(struct rgc_heap *heap, size_t bytes)
{
    size_t n = (bytes + heap->regions.region_size - 1) >>
               heap->regions.shift;
    pthread_mutex_lock(&heap->large_lock);
    struct region *r = region_table_take_run(&heap->regions, n);
    pthread_mutex_unlock(&heap->large_lock);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++)
        region_zero(&r[i], r[i].bottom, r->bottom + bytes);
    return r;
}

/* Try `attempt` after collecting as needed; NULL means out of memory. */
typedef bool (*attempt_fn)(struct rgc_thread *t, size_t bytes, void *out);

static bool try_refill(struct rgc_thread *t, size_t bytes, void *out)
{
    (void)out;
    struct rgc_heap *heap = t->heap;
    return tlab_refill(t, &heap->regions, &heap->spare_regions, bytes,
                       heap->config.tlab_size);
}

static bool try_large(struct rgc_thread *t, size_t bytes, void *out)
{
    return (*(struct region **)out = take_large(t->heap, bytes)) != NULL;
}

static void stall(struct rgc_thread *t)
{
    struct rgc_heap *heap = t->heap;
    uint64_t start = rgc_now_ns();
    uint64_t ns = driver_wait(heap, t);
    HEAP_ADD(heap->alloc_stalls, 1);
    pthread_mutex_lock(&heap->stats_lock);
    histogram_record(&heap->stalls, ns);
    pthread_mutex_unlock(&heap->stats_lock);
    report_stall(heap, start, ns);
}

static bool with_collections(struct rgc_thread *t, size_t bytes,
                             attempt_fn attempt, void *out)
{
    struct rgc_heap *heap = t->heap;
    if (collector_should_start(heap))
        driver_request(heap);
    if (attempt(t, bytes, out))
        return true;
    for (int i = 0; i < STALL_CYCLES; i++) {
        stall(t);
        if (attempt(t, bytes, out))
            return true;
    }
    /* Still no room: full cycles.  If another thread completed a cycle
     * while this one waited, retry first.  Other threads may take what our
     * cycle freed before we do, so give up only after OWN_FULL_CYCLES full
     * cycles of our own could not make room. */
    for (int own = 0; own < OWN_FULL_CYCLES;) {
        uint64_t seen = HEAP_GET(heap->cycles);
        own += collector_collect(heap, t, RGC_COLLECT_FULL, seen);
        if (attempt(t, bytes, out))
            return true;
    }
    return false;
}

static void *alloc_large(struct rgc_thread *t, rgc_type type, uint64_t payload)
{
    struct rgc_heap *heap = t->heap;
    size_t bytes = object_footprint(payload);
    struct region *r;
    if (bytes > heap->config.heap_max ||
        !with_collections(t, bytes, try_large, &r))
        return out_of_memory(heap, payload);
    *(uint64_t *)r->bottom = header_make(type, payload);
    region_set_top(r, r->bottom + bytes);
    heap_count_allocated(heap, bytes);
    return object_payload(r->bottom);
}

void *rgc__alloc_slow(rgc_thread *t, rgc_type type, uint64_t payload)
{
    if (!thread_check(t, "rgc_alloc"))
        return NULL;
    /* Either the fast path met the TLAB's zeroed frontier (zero a step
     * further, before polling, so the publishing below covers it), or the
     * collector zeroed alloc_limit to get here: stop, then give the TLAB
     * back to the fast path, unless the poll was armed again meanwhile
     * (arm() and this order make one of us see the other). */
    struct rgc_heap *heap = t->heap;
    size_t bytes = payload <= RGC__MAX_PAYLOAD ? object_footprint(payload) : 0;
    if (bytes <= heap->regions.region_size / 2)
        tlab_zero_ahead(t, bytes);
    do {
        rgc_safepoint(t);
        tlab_publish_limit(t);
    } while (__atomic_load_n(&t->fast.poll, __ATOMIC_SEQ_CST));
    if (payload == RGC__NO_TYPE) { /* rgc_alloc of a type with no size */
        rgc_fail(RGC_EINVAL, "rgc_alloc: type %u is %s", type,
                 type == RGC_TYPE_REFS || type == RGC_TYPE_BYTES
                     ? "a built-in array kind (use rgc_alloc_refs or "
                       "rgc_alloc_bytes)"
                     : "not registered");
        return NULL;
    }
    if (payload > RGC__MAX_PAYLOAD)
        return out_of_memory(heap, payload);
    if (bytes > heap->regions.region_size / 2)
        return alloc_large(t, type, payload);

    if (t->fast.tlab_top + bytes <= t->tlab_zeroed) /* zeroed, or polled */
        return rgc__alloc(t, type, payload);
    retire_tlab(t);
    if (!with_collections(t, bytes, try_refill, NULL))
        return out_of_memory(heap, payload);
    return rgc__alloc(t, type, payload); /* fits the fresh TLAB */
}
