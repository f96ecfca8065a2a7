/*
 * tlab.c — thread-local allocation buffers carved from a thread's region.
 *
 * A TLAB is zeroed when it is carved (only if its region held objects
 * before), so the inline fast path never clears memory and a refill costs
 * at most one tlab_size memset.
 */
#include <pthread.h>
#include <string.h>

#include "base/chaos.h"
#include "thread/thread.h"

size_t tlab_used(const struct rgc_thread *t)
{
    return t->fast.tlab_top - t->tlab_start;
}

void tlab_publish_limit(struct rgc_thread *t)
{
    __atomic_store_n(&t->fast.alloc_limit, t->tlab_end, __ATOMIC_SEQ_CST);
}

size_t tlab_retire(struct rgc_thread *t)
{
    size_t used = tlab_used(t);
    if (t->alloc_region && t->tlab_end) /* a TLAB is open */
        region_set_top(t->alloc_region, t->fast.tlab_top);
    t->tlab_start = t->fast.tlab_top = t->tlab_end = 0;
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
    region_zero(r, r->top, r->top + size);
    t->tlab_start = t->fast.tlab_top = r->top;
    t->tlab_end = r->top + size;
    region_set_top(r, r->top + size);
    tlab_publish_limit(t);
    return true;
}
