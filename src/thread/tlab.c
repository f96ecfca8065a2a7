/*
 * tlab.c — thread-local allocation buffers carved from a thread's region.
 *
 * A TLAB is zeroed when it is carved (only if its region held objects
 * before), so the inline fast path never clears memory and a refill costs
 * at most one tlab_size memset.
 */
#include <string.h>

#include "thread/thread.h"

size_t tlab_used(const struct rgc_thread *t)
{
    return t->fast.tlab_top - t->tlab_start;
}

size_t tlab_retire(struct rgc_thread *t)
{
    size_t used = tlab_used(t);
    if (t->alloc_region && t->fast.tlab_end) /* a TLAB is open */
        t->alloc_region->top = t->fast.tlab_top;
    t->tlab_start = t->fast.tlab_top = t->fast.tlab_end = 0;
    return used;
}

size_t tlab_retire_region(struct rgc_thread *t)
{
    size_t used = tlab_retire(t);
    if (t->alloc_region)
        t->alloc_region->state = REGION_FULL;
    t->alloc_region = NULL;
    return used;
}

bool tlab_refill(struct rgc_thread *t, struct region_table *rt, size_t bytes,
                 size_t tlab_size)
{
    struct region *r = t->alloc_region;
    if (!r || r->end - r->top < bytes) {
        tlab_retire_region(t);
        r = region_table_take(rt, REGION_ALLOC);
        if (!r)
            return false;
        t->alloc_region = r;
    }
    size_t want = bytes > tlab_size ? bytes : tlab_size;
    size_t room = r->end - r->top;
    size_t size = want < room ? want : room;
    region_zero(r, r->top, r->top + size);
    t->tlab_start = t->fast.tlab_top = r->top;
    t->fast.tlab_end = r->top + size;
    r->top += size;
    return true;
}
