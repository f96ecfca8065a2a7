/*
 * relocate.c — relocating one object (any relocator), and the workers'
 * pass over the relocation set: copy out, close, free; or, with no room
 * left, slide in place.
 */
#include "relocate/relocate.h"

#include <sched.h>
#include <string.h>

#include "base/chaos.h"
#include "base/error.h"
#include "mark/mark.h"
#include "object/header.h"
#include "relocate/forwarding.h"

/* Copy, then publish with a CAS; a loser takes its space back.  Returns
 * the winning copy, or 0 if c had no room. */
static uintptr_t copy_and_forward(struct forwarding *f, size_t word,
                                  uintptr_t start, size_t bytes,
                                  const struct copier *c, size_t *copied)
{
    uintptr_t copy = c->alloc(c->ctx, bytes);
    if (!copy)
        return 0;
    memcpy((void *)copy, (void *)start, bytes);
    uintptr_t won = forwarding_insert(f, word, copy);
    if (won == copy)
        *copied += bytes;
    else
        c->undo(c->ctx, copy, bytes);
    return won;
}

uintptr_t relocate_object(struct region *r, uintptr_t start,
                          const struct copier *c, struct relocate_outcome *out)
{
    struct forwarding *f = r->forwarding;
    size_t word = region_word_index(r, start);
    uintptr_t to = forwarding_find(f, word);
    if (to)
        return to;
    if (forwarding_retain(f)) {
        /* Retained: the region's memory stays put until we release.  Look
         * again first: a worker may have copied it meanwhile. */
        to = forwarding_find(f, word);
        if (!to) {
            size_t bytes =
                object_footprint(header_payload(object_header_at(start)));
            to = copy_and_forward(f, word, start, bytes, c, &out->copied);
        }
        forwarding_release(f);
        if (to)
            return to;
    }
    /* Closed, or no room: the region's worker moves it.  Done is read
     * before the lookup, never after: the worker marks the table done only
     * once every live object has an entry (slid objects included, even
     * one that stays where it was), so a lookup that follows a done table
     * cannot miss.  (Read the other way round, the worker can publish the
     * entry and finish between a miss and the check, and the caller would
     * be handed from-space.) */
    out->waited = true;
    for (;;) {
        bool done = forwarding_done(f);
        chaos_point(CHAOS_FORWARDING_WAIT, f);
        if ((to = forwarding_find(f, word)))
            return to;
        if (done)
            rgc_fatal("object %p (region %u) has no forwarding entry, but "
                      "its region is relocated: it was not live at the last "
                      "mark, so no reference to it should exist",
                      (void *)start, r->index);
        sched_yield();
    }
}

/* ---- the workers' pass ---- */

/* A worker's destination: a region it alone bumps (its GC allocation
 * buffer).  Top is written atomically: mutators may read it (rgc_pin's
 * object check) while copies land. */
struct destination {
    struct region_table *rt;
    struct region *region;
};

static uintptr_t destination_alloc(void *ctx, size_t bytes)
{
    struct destination *d = ctx;
    struct region *r = d->region;
    if (!r || r->end - r->top < bytes) {
        if (r)
            region_set_state(r, REGION_FULL);
        d->region = NULL;
        if (chaos_fail(CHAOS_FAIL_DESTINATION, d))
            return 0;
        r = d->region = region_table_take_reserve(d->rt, REGION_ALLOC);
        if (!r)
            return 0;
    }
    uintptr_t p = r->top;
    __atomic_store_n(&r->top, p + bytes, __ATOMIC_RELAXED);
    return p;
}

static void destination_undo(void *ctx, uintptr_t p, size_t bytes)
{
    struct destination *d = ctx;
    memset((void *)p, 0, bytes);
    __atomic_store_n(&d->region->top, p, __ATOMIC_RELAXED);
}

struct region_pass {
    struct region_table *rt;
    const struct copier *copier;
    size_t copied;
    size_t room;       /* objects the worker may still copy out (a test
                          hook lowers it to force sliding) */
    bool no_room;
    uintptr_t compact; /* sliding: where the next kept object goes */
};

static void copy_out(void *ctx, struct region *r, uintptr_t start)
{
    struct region_pass *p = ctx;
    size_t word = region_word_index(r, start);
    if (p->no_room || forwarding_find(r->forwarding, word))
        return; /* a mutator moved it already */
    size_t bytes = object_footprint(header_payload(object_header_at(start)));
    if (!p->room || !copy_and_forward(r->forwarding, word, start, bytes,
                                      p->copier, &p->copied))
        p->no_room = true;
    else
        p->room--;
}

/* The table is closed: nobody else touches the region.  Objects go down
 * in address order, so a move only overwrites memory of objects already
 * forwarded (moved out, or slid), and each is published after its bytes
 * are in place. */
static void slide(void *ctx, struct region *r, uintptr_t start)
{
    struct region_pass *p = ctx;
    size_t word = region_word_index(r, start);
    if (forwarding_find(r->forwarding, word))
        return; /* copied out before the region ran out of room */
    size_t bytes = object_footprint(header_payload(object_header_at(start)));
    if (p->compact != start)
        memmove((void *)p->compact, (void *)start, bytes);
    /* Settled before published: whoever finds the entry may pin it. */
    __atomic_store_n(&r->settled, p->compact + bytes, __ATOMIC_RELEASE);
    if (forwarding_insert(r->forwarding, word, p->compact) != p->compact)
        rgc_fatal("object %p was forwarded while its region was closed",
                  (void *)start);
    p->compact += bytes;
}

/* What stays is newer than the last mark for the verifier and the next
 * cycle: TAMS at the bottom, bitmap clear (its bits named old places). */
static size_t compact_in_place(struct region_pass *p, struct region *r)
{
    forwarding_close(r->forwarding);
    uintptr_t old_top = r->top;
    p->compact = r->bottom;
    marked_objects_visit(p->rt, r, slide, p);
    forwarding_set_done(r->forwarding);
    region_clear_marks(p->rt, r);
    if (old_top > r->dirty_end)
        r->dirty_end = old_top;
    __atomic_store_n(&r->top, p->compact, __ATOMIC_RELAXED);
    region_set_tams(p->rt, r, r->bottom);
    r->live_bytes = p->compact - r->bottom;
    r->slid = true;
    __atomic_store_n(&r->in_relocation_set, false, __ATOMIC_RELAXED);
    return old_top - p->compact;
}

struct relocation_work {
    struct relocation_set *rs;
    struct region_table *rt;
    size_t room; /* objects a worker copies out of a region at most */
    size_t next; /* next region index to claim */
    struct cpu_share *share;
    struct relocation_result result;
};

static void relocate_region(struct relocation_work *w, struct region *r,
                            const struct copier *c)
{
    struct region_pass p = {.rt = w->rt, .copier = c, .room = w->room};
    if (r->forwarding) /* no table: nothing live, nothing to copy */
        marked_objects_visit(w->rt, r, copy_out, &p);
    size_t freed;
    if (p.no_room) {
        freed = compact_in_place(&p, r);
        __atomic_fetch_add(&w->result.in_place, 1, __ATOMIC_RELAXED);
    } else {
        if (r->forwarding) {
            forwarding_close(r->forwarding);
            forwarding_set_done(r->forwarding);
        }
        freed = r->top - r->bottom;
        region_table_release(w->rt, r);
        __atomic_fetch_add(&w->result.regions_freed, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&w->result.copied, p.copied, __ATOMIC_RELAXED);
    __atomic_fetch_add(&w->result.freed, freed, __ATOMIC_RELAXED);
}

static void relocation_worker(void *ctx, unsigned worker, unsigned nworkers)
{
    (void)worker;
    (void)nworkers;
    struct relocation_work *w = ctx;
    struct destination d = {.rt = w->rt};
    struct copier c = {destination_alloc, destination_undo, &d};
    struct cpu_slice slice;
    cpu_slice_start(&slice);
    for (;;) {
        size_t i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
        if (i >= w->rs->count)
            break;
        relocate_region(w, w->rs->regions[i], &c);
        /* Between regions only: a mutator may be waiting for this worker
         * inside one (a slide, a copy it could not make). */
        cpu_share_pace(w->share, &slice);
    }
    if (d.region)
        region_set_state(d.region, REGION_FULL);
}

void relocation_run(struct relocation_set *rs, struct region_table *rt,
                    struct workers *workers, size_t room,
                    struct relocation_result *out)
{
    struct relocation_work w = {
        .rs = rs, .rt = rt, .room = room, .share = &workers->share};
    workers_run(workers, relocation_worker, &w);
    *out = w.result;
}
