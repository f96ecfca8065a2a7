/*
 * uncommit.c — which free regions go back to the OS in the background,
 * and when (docs/design.md, "Uncommit").
 *
 * Policy only: a region free for uncommit_delay or longer is returned
 * unless that would leave fewer committed regions than the floor, the
 * trigger rounded up to regions (what the heap fills to before the next
 * cycle anyway: Go's scavenger likewise keeps the heap goal).  The claim
 * that makes uncommitting safe against a mutator taking the same region
 * is region_table_uncommit's.  Each region is uncommitted under gc_lock,
 * so no cycle or pause runs meanwhile and the only racers are takers; the
 * lock is dropped between regions so that a full collection waits for one
 * madvise at most.
 */
#include "policy/uncommit.h"

#include "base/clock.h"

/* A cycle is wanted (or the heap is going away): the cycle first. */
static bool driver_wanted(const struct driver *d)
{
    return __atomic_load_n(&d->requested, __ATOMIC_RELAXED) ||
           __atomic_load_n(&d->stopping, __ATOMIC_RELAXED);
}

uint64_t uncommit_idle(struct rgc_heap *heap)
{
    uint64_t delay = heap->config.uncommit_delay_us * 1000;
    if (!delay || heap->config.pretouch)
        return UNCOMMIT_NEVER;
    struct region_table *rt = &heap->regions;
    uint64_t now = rgc_now_ns();
    uint64_t cutoff = now > delay ? now - delay : 0;
    uint64_t next = now + delay; /* a full collection may free regions
                                    without telling the driver */
    size_t floor = (HEAP_GET(heap->trigger) + rt->region_size - 1) /
                   rt->region_size;
    uint64_t done = 0;
    /* From the top: takers search from the bottom, so the highest free
     * regions are the coldest, and the two rarely meet. */
    for (size_t i = rt->count; i-- > 0;) {
        uint64_t since = region_idle_since(rt, i);
        if (since == UINT64_MAX)
            continue;
        if (since > cutoff) {
            if (since + delay < next)
                next = since + delay;
            continue;
        }
        if (driver_wanted(&heap->driver)) {
            next = now; /* the rest is due already: right after the cycle */
            break;
        }
        if (HEAP_GET(rt->committed_count) <= floor)
            break;
        pthread_mutex_lock(&heap->gc_lock);
        done += region_table_uncommit(rt, i, cutoff);
        pthread_mutex_unlock(&heap->gc_lock);
    }
    HEAP_ADD(heap->regions_uncommitted, done);
    return next;
}
