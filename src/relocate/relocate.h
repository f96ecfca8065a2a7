/*
 * relocate.h — moving the live objects of the relocation set while
 * mutators run.
 *
 * Relocators: the GC workers (relocation_run), which go through the set
 * region by region, and mutators, whose load barrier meets a stale
 * reference into a region not yet done (relocate_object).  Each copies into
 * a bump buffer only it allocates from (a `copier`: a worker's destination
 * region, a mutator's TLAB) and publishes the copy with a CAS on the
 * forwarding entry; a loser gives its space back, so no object is copied
 * twice into the heap.
 *
 * Invariants (docs/design.md, "Concurrent relocation"):
 *   - once the good color has flipped, no mutator holds or loads a
 *     reference to a relocation-set object that is not forwarded: the load
 *     barrier forwards first.  So nobody writes from-space, and a copy is
 *     never stale;
 *   - a region's memory is freed (or its objects slid) only after its table
 *     is closed: no mutator is reading it;
 *   - when relocation_run returns, every live object of the set has an
 *     entry and every table is done.
 */
#ifndef RGC_RELOCATE_RELOCATE_H
#define RGC_RELOCATE_RELOCATE_H

#include "relocate/relocation_set.h"
#include "thread/workers.h"

/* A relocator's destination: alloc returns `bytes` of space (0: none);
 * undo takes back the last allocation (its copy lost the race) and leaves
 * it zeroed, as unallocated memory must be. */
struct copier {
    uintptr_t (*alloc)(void *ctx, size_t bytes);
    void (*undo)(void *ctx, uintptr_t p, size_t bytes);
    void *ctx;
};

/* What one relocate_object call did, for the caller's statistics. */
struct relocate_outcome {
    size_t copied; /* bytes of the copy this call made and published */
    bool waited;   /* it could not copy: it waited for the worker     */
};

/* The current start of the live object at start, in region r of the
 * relocation set: its copy if there is one, else a new copy made with c.
 * If the region is closed, or c has no room, the worker that owns the
 * region moves the object: wait for it. */
uintptr_t relocate_object(struct region *r, uintptr_t start,
                          const struct copier *c, struct relocate_outcome *out);

struct relocation_result {
    size_t copied;         /* bytes copied out by workers                 */
    size_t freed;          /* bytes of regions released or slid away      */
    size_t regions_freed;
    size_t in_place;       /* regions compacted in place                  */
};

/* Relocate the whole set on the workers; regions whose objects all moved
 * go back to the free set.  A region for which no destination space is
 * left is compacted within itself, and so is every region after `room`
 * of its objects were copied out (SIZE_MAX: no limit; a test hook). */
void relocation_run(struct relocation_set *rs, struct region_table *rt,
                    struct workers *workers, size_t room,
                    struct relocation_result *out);

#endif
