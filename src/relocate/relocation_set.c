/* relocation_set.c — candidate filtering, sparsest-first ordering, budget. */
#include "relocate/relocation_set.h"

#include <stdlib.h>

#include "base/error.h"
#include "base/meta.h"
#include "mark/mark.h"
#include "relocate/forwarding.h"

static int by_live_bytes(const void *a, const void *b)
{
    const struct region *x = *(struct region *const *)a;
    const struct region *y = *(struct region *const *)b;
    return (x->live_bytes > y->live_bytes) - (x->live_bytes < y->live_bytes);
}

static void add_key(void *ctx, struct region *r, uintptr_t start)
{
    forwarding_add(ctx, region_word_index(r, start));
}

/* The region's table, built from its marks (every live object of a
 * candidate is marked: it got no allocation after mark start), or NULL if
 * out of memory. */
static struct forwarding *build_table(struct region_table *rt,
                                      struct region *r)
{
    struct forwarding *f = forwarding_create(r->live_objects, rt->region_size,
                                             rt->base, &rt->meta);
    if (!f)
        return NULL;
    marked_objects_visit(rt, r, add_key, f);
    if (f->count != f->capacity)
        rgc_fatal("region %u: %zu marked objects, %zu counted live",
                  r->index, f->count, f->capacity);
    return f;
}

static bool is_candidate(const struct region_table *rt, const struct region *r,
                         bool full, unsigned live_percent)
{
    if (region_state(r) != REGION_FULL ||
        __atomic_load_n(&r->pin_count, __ATOMIC_RELAXED) ||
        r->top != region_tams(rt, r))
        return false;
    size_t used = r->top - r->bottom;
    if (full) /* garbage, or the free tail that sliding left */
        return r->live_bytes < used ||
               (r->slid && r->end - r->top >= rt->region_size / 8);
    if (r->live_bytes == used)
        return false; /* no garbage: copying gains nothing */
    return r->live_bytes * 100 <= (size_t)live_percent * rt->region_size;
}

int relocation_set_select(struct relocation_set *rs, struct region_table *rt,
                          bool full, unsigned live_percent)
{
    *rs = (struct relocation_set){0};
    rs->regions = rgc_meta_calloc(rt->count ? rt->count : 1,
                                  sizeof *rs->regions);
    if (!rs->regions)
        return rgc_fail(RGC_ENOMEM, "no memory to select a relocation set");
    size_t n = 0;
    for (size_t i = 0; i < rt->count; i++)
        if (is_candidate(rt, &rt->regions[i], full, live_percent))
            rs->regions[n++] = &rt->regions[i];
    qsort(rs->regions, n, sizeof *rs->regions, by_live_bytes);

    /* Copies are bump-allocated into free regions; an object never spans
     * two, so keep one region of slack for the tails left behind. */
    size_t free = __atomic_load_n(&rt->free_count, __ATOMIC_RELAXED);
    size_t room = free > 1 ? (free - 1) * rt->region_size : 0;
    for (size_t i = 0; i < n; i++) {
        struct region *r = rs->regions[i];
        if (r->live_bytes && rs->live_bytes + r->live_bytes > room)
            break;
        if (r->live_objects && !(r->forwarding = build_table(rt, r)))
            continue;
        rs->live_bytes += r->live_bytes;
        __atomic_store_n(&r->settled, r->bottom, __ATOMIC_RELAXED);
        __atomic_store_n(&r->in_relocation_set, true, __ATOMIC_RELAXED);
        rs->regions[rs->count++] = r;
    }
    return RGC_OK;
}

void relocation_set_drop_pinned(struct relocation_set *rs)
{
    size_t kept = 0;
    for (size_t i = 0; i < rs->count; i++) {
        struct region *r = rs->regions[i];
        if (r->pin_count) {
            __atomic_store_n(&r->in_relocation_set, false, __ATOMIC_RELAXED);
            rs->live_bytes -= r->live_bytes;
            forwarding_destroy(r->forwarding);
            r->forwarding = NULL;
        } else {
            rs->regions[kept++] = r;
        }
    }
    rs->count = kept;
}

void relocation_set_destroy(struct relocation_set *rs)
{
    rgc_meta_free(rs->regions);
    *rs = (struct relocation_set){0};
}
