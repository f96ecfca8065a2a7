/*
 * tlab.c — thread-local allocation buffers carved from a thread's region.
 *
 * The inline fast path never clears memory: it allocates only below
 * tlab_zeroed.  The TLAB is zeroed a step (TLAB_ZERO_STEP) at a time as the
 * fast path reaches that frontier, and only where its region held objects
 * before (below dirty_end): a whole 256 KiB memset in one allocation was the
 * largest part of the single-thread tail (benchmarks.md, "Where slow pushes
 * go"), while a step costs about as much as the allocations it serves.  The
 * TLAB itself stays tlab_size, so region tops and the heap's allocation
 * counters still move once per tlab_size.
 */
#include <pthread.h>
#include <string.h>

#include "base/chaos.h"
#include "thread/thread.h"

#define TLAB_ZERO_STEP (16 * 1024)

size_t tlab_used(const struct rgc_thread *t)
{
    return t->fast.tlab_top - t->tlab_start;
}

void tlab_publish_limit(struct rgc_thread *t)
{
    __atomic_store_n(&t->fast.alloc_limit, t->tlab_zeroed, __ATOMIC_SEQ_CST);
}

bool tlab_zero_ahead(struct rgc_thread *t, size_t bytes)
{
    uintptr_t need = t->fast.tlab_top + bytes;
    if (need > t->tlab_end)
        return false;
    if (need <= t->tlab_zeroed)
        return true;
    uintptr_t to = t->tlab_zeroed + TLAB_ZERO_STEP;
    if (to < need)
        to = need;
    if (to > t->tlab_end)
        to = t->tlab_end;
    region_zero(t->alloc_region, t->tlab_zeroed, to);
    t->tlab_zeroed = to;
    return true;
}

void tlab_fill_ahead(struct rgc_thread *t, size_t bytes)
{
    if (t->fast.tlab_top + bytes > t->tlab_zeroed)
        t->tlab_zeroed = t->fast.tlab_top + bytes;
}

size_t tlab_retire(struct rgc_thread *t)
{
    size_t used = tlab_used(t);
    if (t->alloc_region && t->tlab_end) /* a TLAB is open */
        region_set_top(t->alloc_region, t->fast.tlab_top);
    t->tlab_start = t->fast.tlab_top = t->tlab_zeroed = t->tlab_end = 0;
    __atomic_store_n(&t->fast.alloc_limit, 0, __ATOMIC_RELAXED);
    return used;
}

size_t tlab_retire_region(struct rgc_thread *t)
{
    size_t used = tlab_retire(t);
    if (t->alloc_region)
        region_set_state(t->alloc_region, REGION_FULL);
    t->alloc_region = NULL;
    return used;
}

size_t tlab_retire_to_spares(struct rgc_thread *t, struct spare_regions *s)
{
    size_t used = tlab_retire(t);
    struct region *r = t->alloc_region;
    t->alloc_region = NULL;
    if (r) {
        pthread_mutex_lock(&s->lock);
        r->link = s->head;
        __atomic_store_n(&s->head, r, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->lock);
    }
    return used;
}

void spare_regions_retire(struct spare_regions *s)
{
    for (struct region *r = s->head; r; r = r->link)
        region_set_state(r, REGION_FULL);
    __atomic_store_n(&s->head, NULL, __ATOMIC_RELAXED);
}

void spare_regions_collect(struct spare_regions *s, struct region_table *rt,
                           size_t min_room)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (region_state(r) != REGION_FULL ||
            __atomic_load_n(&r->in_relocation_set, __ATOMIC_RELAXED) ||
            r->end - region_top(r) < min_room)
            continue;
        region_set_state(r, REGION_ALLOC);
        r->link = s->head;
        __atomic_store_n(&s->head, r, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&s->lock);
}

/* A spare region with room for `bytes`, or NULL. */
static struct region *take_spare(struct spare_regions *s, size_t bytes)
{
    if (!__atomic_load_n(&s->head, __ATOMIC_RELAXED))
        return NULL; /* the common case takes no lock */
    pthread_mutex_lock(&s->lock);
    struct region **p = &s->head;
    while (*p && (*p)->end - (*p)->top < bytes)
        p = &(*p)->link;
    struct region *r = *p;
    if (r)
        __atomic_store_n(p, r->link, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->lock);
    return r;
}

bool tlab_refill(struct rgc_thread *t, struct region_table *rt,
                 struct spare_regions *spares, size_t bytes, size_t tlab_size)
{
    struct region *r = t->alloc_region;
    chaos_point(CHAOS_TLAB_REFILL, t);
    if (!r || r->end - r->top < bytes) {
        tlab_retire_region(t);
        r = take_spare(spares, bytes);
        if (!r)
            r = region_table_take(rt, REGION_ALLOC);
        if (!r)
            return false;
        t->alloc_region = r;
    }
    region_note_alloc(rt, r);
    size_t want = bytes > tlab_size ? bytes : tlab_size;
    size_t room = r->end - r->top;
    size_t size = want < room ? want : room;
    t->tlab_start = t->fast.tlab_top = t->tlab_zeroed = r->top;
    t->tlab_end = r->top + size;
    region_set_top(r, r->top + size);
    tlab_zero_ahead(t, bytes);
    tlab_publish_limit(t);
    return true;
}
