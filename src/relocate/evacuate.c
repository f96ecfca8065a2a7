/*
 * evacuate.c — copy and forward (stop-the-world), and fix the roots.
 *
 * Copies are bump-allocated into fresh regions taken from the free set,
 * the evacuation reserve included (never into a region being evacuated: its forwarding table is still keyed
 * by its old addresses).  If the free set runs dry, evacuation of the
 * current region stops where it is: copied objects stay forwarded, the rest
 * stay in place, and the region is kept (G1's "evacuation failure").
 */
#include "relocate/evacuate.h"

#include <string.h>

#include "base/bitmap.h"
#include "base/error.h"
#include "mark/mark.h"
#include "object/header.h"
#include "relocate/forwarding.h"
#include "relocate/remap.h"

struct evacuation {
    struct region_table *rt;
    struct region *dest;
    size_t copied;
    bool out_of_space;
};

static uintptr_t copy_space(struct evacuation *ev, size_t bytes)
{
    struct region *d = ev->dest;
    if (!d || d->end - d->top < bytes) {
        if (d)
            region_set_state(d, REGION_FULL);
        d = ev->dest = region_table_take_reserve(ev->rt, REGION_ALLOC);
        if (!d)
            return 0;
    }
    uintptr_t p = d->top;
    d->top += bytes;
    return p;
}

static void copy_object(void *ctx, struct region *r, uintptr_t start)
{
    struct evacuation *ev = ctx;
    if (ev->out_of_space)
        return;
    size_t bytes = object_footprint(header_payload(object_header_at(start)));
    uintptr_t to = copy_space(ev, bytes);
    if (!to) {
        ev->out_of_space = true;
        r->evacuation_failed = true;
        return;
    }
    memcpy((void *)to, (void *)start, bytes);
    mark_object(ev->rt, ev->dest, to);
    /* One worker owns each source region, so its copy always wins. */
    if (forwarding_insert(r->forwarding, region_word_index(r, start), to) !=
        to)
        rgc_fatal("object %p was copied twice", (void *)start);
    ev->copied += bytes;
}

/* A partly evacuated region keeps only its uncopied objects marked. */
static void unmark_copied(void *ctx, struct region *r, uintptr_t start)
{
    (void)ctx;
    size_t word = region_word_index(r, start);
    if (!forwarding_find(r->forwarding, word))
        return;
    bitmap_clear(r->marks, word);
    r->live_bytes -= object_footprint(header_payload(object_header_at(start)));
    r->live_objects--;
}

/* Workers claim relocation-set regions one at a time; a region is copied
 * by one worker, into that worker's own destination region, so forwarding
 * entries and destination tops are never contended. */
struct evacuation_work {
    struct relocation_set *rs;
    struct region_table *rt;
    size_t next;   /* next region index to claim */
    size_t copied;
};

static void evacuate_worker(void *ctx, unsigned worker, unsigned nworkers)
{
    (void)worker;
    (void)nworkers;
    struct evacuation_work *work = ctx;
    struct evacuation ev = {.rt = work->rt};
    for (;;) {
        size_t i = __atomic_fetch_add(&work->next, 1, __ATOMIC_RELAXED);
        if (i >= work->rs->count)
            break;
        struct region *r = work->rs->regions[i];
        if (!r->live_objects)
            continue; /* nothing to copy, nothing to forward */
        r->forwarding = forwarding_create(r->live_objects);
        if (!r->forwarding || ev.out_of_space) {
            r->evacuation_failed = true;
            continue;
        }
        marked_objects_visit(work->rt, r, copy_object, &ev);
        if (r->evacuation_failed)
            marked_objects_visit(work->rt, r, unmark_copied, NULL);
    }
    if (ev.dest)
        region_set_state(ev.dest, REGION_FULL);
    __atomic_fetch_add(&work->copied, ev.copied, __ATOMIC_RELAXED);
}

size_t evacuate(struct relocation_set *rs, struct region_table *rt,
                struct workers *workers)
{
    struct evacuation_work work = {rs, rt, 0, 0};
    workers_run(workers, evacuate_worker, &work);
    return work.copied;
}

/* Roots are fixed in the relocation pause, so a root never holds a stale
 * reference: only heap slots are healed lazily. */
struct root_fixer {
    const struct region_table *rt;
    uintptr_t color;
};

static void fix_root(rgc_ref *slot, void *ctx)
{
    struct root_fixer *f = ctx;
    uintptr_t addr = slot->bits_ & RGC__ADDR_MASK;
    if (addr)
        slot->bits_ = remap_address(f->rt, addr) | f->color;
}

void relocate_roots(const struct region_table *rt, roots_fn roots,
                    void *roots_ctx, uintptr_t color)
{
    struct root_fixer f = {rt, color};
    roots(roots_ctx, fix_root, &f);
}
