/*
 * mark.c — the marking `reach` function (remap, heal, TAMS, mark bit),
 * live-byte accounting, and walking marked objects.
 *
 * A reference that names no object — outside the heap, into a free region,
 * into the middle of a large object, or at or above its region's top
 * (nothing was allocated there) — can only come from a lying type
 * descriptor, a forged slot or a stale pointer stored by the embedder: it
 * is fatal, with the slot and the value, whatever TAMS says (above TAMS the
 * object is not traced, but it must still exist).  The check costs three
 * compares on the region entry marking reads anyway.
 */
#include "mark/mark.h"

#include <stdio.h>

#include "base/bitmap.h"
#include "base/error.h"
#include "object/header.h"
#include "relocate/remap.h"

/* Set the mark bit; false if it was set already.  Does not read the object. */
static bool set_mark(struct region *r, uintptr_t start)
{
    size_t bit = region_word_index(r, start);
    /* the plain test spares a locked op when already marked */
    return !bitmap_test(r->marks, bit) && !bitmap_test_and_set(r->marks, bit);
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
    if (!region_marks(rt, r))
        rgc_fatal("no memory for the mark bitmap of region %u", r->index);
    if (!set_mark(r, start))
        return false;
    count_live(r, start);
    return true;
}

/* Live bytes are counted when an object is scanned, not when it is
 * reached, so that its header is read after the prefetch has landed. */
static void mark_scan(void *ctx, uintptr_t start)
{
    struct marking *m = ctx;
    count_live(region_of(m->rt, start), start);
}

/* slot (NULL: a SATB entry) holds bits, which name no object: why, about
 * region r (NULL: outside the heap). */
static _Noreturn void bad_reference(const rgc_ref *slot, uintptr_t bits,
                                    const char *why, const struct region *r)
{
    char where[96] = "";
    if (r)
        snprintf(where, sizeof where, " %u (bottom %p, top %p)", r->index,
                 (void *)r->bottom, (void *)region_top(r));
    char who[48] = "a SATB entry";
    if (slot)
        snprintf(who, sizeof who, "slot %p", (const void *)slot);
    rgc_fatal("marking: %s holds %p, which is not an object: it lies %s%s "
              "(a stale or forged reference)",
              who, (void *)rgc__addr(bits), why, where);
}

static uintptr_t mark_reach(void *ctx, rgc_ref *slot, uintptr_t bits)
{
    struct marking *m = ctx;
    if (rgc__color(bits) != m->good_color)
        bits = slot ? heal_slot(m->rt, slot, bits, m->good_color)
                    : rgc__colored(remap_address(m->rt, rgc__addr(bits)),
                                   m->good_color);
    uintptr_t start = object_start((void *)rgc__addr(bits));
    if (!heap_contains(m->rt, start))
        bad_reference(slot, bits, "outside the heap", NULL);
    struct region *r = region_of(m->rt, start);
    enum region_state state = region_state(r); /* as new as the object: see
                                                  trace_slot */
    if (state == REGION_FREE)
        bad_reference(slot, bits, "in free region", r);
    if (state == REGION_HUMONGOUS_CONT)
        bad_reference(slot, bits, "inside a large object, in region", r);
    if (start >= region_top(r))
        bad_reference(slot, bits, "above the top of region", r);
    if (start >= region_tams(m->rt, r))
        return 0; /* allocated since marking began: live, nothing to do */
    return set_mark(r, start) ? start : 0;
}

void mark_prepare(struct region_table *rt)
{
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        r->live_bytes = 0;
        r->live_objects = 0;
        enum region_state state = region_state(r);
        if (state == REGION_FREE || state == REGION_HUMONGOUS_CONT)
            continue;
        /* Marking never allocates, and no two workers race to create a
         * bitmap: every one exists before the first mark (a region taken
         * after this gets one when it is taken). */
        if (!region_marks(rt, r))
            rgc_fatal("no memory for the mark bitmap of region %u", r->index);
    }
}

void mark_begin(struct marking *m, struct region_table *rt,
                const struct type_table *types, uintptr_t good_color,
                struct satb_queue *satb)
{
    m->rt = rt;
    m->good_color = good_color;
    region_table_begin_mark(rt);
    trace_init(&m->trace, types, mark_reach, mark_scan, m, satb);
}

void mark_roots(struct marking *m, roots_fn roots, void *roots_ctx)
{
    trace_add_roots(&m->trace, roots, roots_ctx);
}

bool mark_run(struct marking *m, struct workers *workers, int64_t budget)
{
    return trace_run(&m->trace, workers, budget);
}

uint64_t mark_work(const struct marking *m)
{
    return __atomic_load_n(&m->trace.work, __ATOMIC_RELAXED);
}

size_t mark_finish(struct marking *m)
{
    trace_destroy(&m->trace);
    struct region_table *rt = m->rt;
    size_t marked = 0;
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        enum region_state state = region_state(r);
        if (state != REGION_FREE && state != REGION_HUMONGOUS_CONT)
            marked += r->live_bytes;
    }
    return marked;
}

bool mark_is_live(const struct region_table *rt, const struct region *r,
                  uintptr_t start)
{
    return start >= region_tams(rt, r) ||
           (r->marks && bitmap_test(r->marks, region_word_index(r, start)));
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
