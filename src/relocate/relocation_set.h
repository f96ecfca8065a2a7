/*
 * relocation_set.h — choosing the regions a cycle evacuates.
 *
 * Selection rule (docs/design.md, "Selecting the relocation set"): among
 * full, unpinned, non-humongous regions that hold garbage, take those with
 * the fewest live bytes first; a concurrent cycle only takes regions at most
 * live_percent live, a full collection takes every region with garbage,
 * and every region slid in place with a free tail of at least 1/8 region
 * (else only spares could use those tails, and no full collection could
 * turn them into free regions for large objects; only slid ones, so that
 * a full collection's own last destination is not copied again by the
 * next); stop
 * before the live bytes to copy exceed the free space to copy them into.
 * Regions with nothing live are always taken: they cost no copying.  Each
 * region taken with live objects gets its forwarding table here, built
 * from its marks (one entry per live object), so no pause allocates or
 * fills one.  A region that received objects since marking began is never
 * a candidate: they are live but unmarked, so neither its table nor
 * marked_objects_visit would know them.
 *
 * Selection runs while mutators run (it reads only what they do not
 * write, or reads it atomically); the relocate-start pause then drops
 * regions pinned in the meantime (relocation_set_drop_pinned).
 */
#ifndef RGC_RELOCATE_RELOCATION_SET_H
#define RGC_RELOCATE_RELOCATION_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "heap/region_table.h"

struct relocation_set {
    struct region **regions;
    size_t count;
    size_t live_bytes;
};

/* Returns RGC_OK or RGC_ENOMEM (no memory for the candidate list; a
 * region whose table cannot be allocated is just not taken). */
int relocation_set_select(struct relocation_set *rs, struct region_table *rt,
                          bool full, unsigned live_percent);
/* World stopped: take out regions pinned since the selection (their
 * tables go). */
void relocation_set_drop_pinned(struct relocation_set *rs);
/* Forget the set (the tables stay with their regions). */
void relocation_set_destroy(struct relocation_set *rs);

#endif
