/*
 * evacuate.h — copying the live objects of the relocation set out, and
 * rewriting every reference to point at the copies in the new good color.
 *
 * After evacuate(): every marked object of a relocation-set region has a copy
 * (marked, in a destination region) and a forwarding entry, unless the
 * region is flagged evacuation_failed (free space ran out): such a region
 * keeps its uncopied objects marked in place and stays in the heap.
 *
 * After update_references(): no root or live object holds an address inside
 * a successfully evacuated region, and every such slot carries `color`.
 */
#ifndef RGC_RELOCATE_EVACUATE_H
#define RGC_RELOCATE_EVACUATE_H

#include "mark/trace.h"
#include "relocate/relocation_set.h"

/* Both run on all workers.  evacuate returns the bytes copied. */
size_t evacuate(struct relocation_set *rs, struct region_table *rt,
                struct workers *workers);

void update_references(struct region_table *rt,
                       const struct type_table *types, roots_fn roots,
                       void *roots_ctx, uintptr_t color,
                       struct workers *workers);

#endif
