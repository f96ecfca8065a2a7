/*
 * mark.c — the marking `reach` function, live-byte accounting, and walking
 * marked objects.  A reference that leaves the heap or lands in a free region
 * can only come from a lying type descriptor or a stale pointer stored by the
 * embedder: it is reported as fatal rather than followed.
 */
#include "mark/mark.h"

#include "base/bitmap.h"
#include "base/error.h"
#include "object/header.h"

/* Set the mark bit; false if it was set already.  Does not read the object. */
static bool set_mark(struct region_table *rt, struct region *r, uintptr_t start)
{
    uint64_t *marks = region_marks(rt, r);
    if (!marks)
        rgc_fatal("no memory for the mark bitmap of region %u", r->index);
    size_t bit = region_word_index(r, start);
    /* the plain test spares a locked op when already marked */
    return !bitmap_test(marks, bit) && !bitmap_test_and_set(marks, bit);
}

static void count_live(struct region *r, uintptr_t start)
{
    __atomic_fetch_add(&r->live_bytes,
                       object_footprint(header_payload(object_header_at(start))),
                       __ATOMIC_RELAXED);
    __atomic_fetch_add(&r->live_objects, 1, __ATOMIC_RELAXED);
}

bool mark_object(struct region_table *rt, struct region *r, uintptr_t start)
{
    if (!set_mark(rt, r, start))
        return false;
    count_live(r, start);
    return true;
}

/* Live bytes are counted when an object is scanned, not when it is
 * reached, so that its header is read after the prefetch has landed. */
static void mark_scan(void *ctx, uintptr_t start)
{
    count_live(region_of(ctx, start), start);
}

static bool mark_reach(void *ctx, rgc_ref *slot, uintptr_t start)
{
    struct region_table *rt = ctx;
    if (!heap_contains(rt, start))
        rgc_fatal("slot %p holds %p, which is not in the heap",
                  (void *)slot, (void *)(start + RGC__HEADER_BYTES));
    struct region *r = region_of(rt, start);
    if (r->state == REGION_FREE || r->state == REGION_HUMONGOUS_CONT)
        rgc_fatal("slot %p holds %p, which is not an object (region %u is "
                  "%s): a stale or forged reference",
                  (void *)slot, (void *)(start + RGC__HEADER_BYTES), r->index,
                  r->state == REGION_FREE ? "free" : "inside a large object");
    return set_mark(rt, r, start);
}

size_t mark_live(struct region_table *rt, const struct type_table *types,
                 roots_fn roots, void *roots_ctx, struct workers *workers)
{
    /* Every bitmap exists before the workers start: marking never
     * allocates, and no two workers race to create one. */
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        r->live_bytes = 0;
        r->live_objects = 0;
        if (r->state == REGION_FREE || r->state == REGION_HUMONGOUS_CONT)
            continue;
        region_clear_marks(rt, r);
        if (!region_marks(rt, r))
            rgc_fatal("no memory for the mark bitmap of region %u", r->index);
    }
    struct trace tr = {
        .types = types, .reach = mark_reach, .scan = mark_scan, .ctx = rt};
    trace_from_roots(&tr, roots, roots_ctx, workers);
    size_t live = 0;
    for (size_t i = 0; i < rt->count; i++)
        live += rt->regions[i].live_bytes;
    return live;
}

void marked_objects_visit(struct region_table *rt, struct region *r,
                          object_fn fn, void *ctx)
{
    if (!r->marks)
        return;
    size_t nbits = rt->region_size / 8;
    for (size_t i = bitmap_next_set(r->marks, 0, nbits); i < nbits;
         i = bitmap_next_set(r->marks, i + 1, nbits))
        fn(ctx, r, r->bottom + i * 8);
}
