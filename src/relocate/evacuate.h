/*
 * evacuate.h — copying the live objects of the relocation set out, and
 * pointing the roots at the copies in the new good color.
 *
 * After evacuate(): every marked object of a relocation-set region has a copy
 * (marked, in a destination region) and a forwarding entry, unless the
 * region is flagged evacuation_failed (free space ran out): such a region
 * keeps its uncopied objects marked in place and stays in the heap.
 *
 * Heap slots are not rewritten: a slot written before the relocation keeps
 * the old color, which the load barrier and the next marking treat as
 * stale and heal through the forwarding tables (relocate/remap.h).  Only
 * the roots are fixed, by relocate_roots(), in the same pause.
 */
#ifndef RGC_RELOCATE_EVACUATE_H
#define RGC_RELOCATE_EVACUATE_H

#include "mark/trace.h"
#include "relocate/relocation_set.h"

/* Runs on all workers; returns the bytes copied. */
size_t evacuate(struct relocation_set *rs, struct region_table *rt,
                struct workers *workers);

/* Forward every root and give it `color` (the new good color). */
void relocate_roots(const struct region_table *rt, roots_fn roots,
                    void *roots_ctx, uintptr_t color);

#endif
