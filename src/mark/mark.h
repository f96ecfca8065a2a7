/*
 * mark.h — marking: which objects are reachable, and how many bytes of each
 * region are live.
 *
 * After mark_live(), an object in a non-free region is live exactly when its
 * bit in the region's mark bitmap is set (bit index: the header's word offset
 * from the region bottom), and live_bytes/live_objects of every region are
 * the sums over its marked objects.
 */
#ifndef RGC_MARK_MARK_H
#define RGC_MARK_MARK_H

#include "heap/region_table.h"
#include "mark/trace.h"

/* Clear all marks, mark everything reachable (on the workers; NULL: this
 * thread alone); returns total live bytes. */
size_t mark_live(struct region_table *rt, const struct type_table *types,
                 roots_fn roots, void *roots_ctx, struct workers *workers);

/* Record start (in region r) as live: set its bit and count its bytes.
 * Returns false if it was marked already. */
bool mark_object(struct region_table *rt, struct region *r, uintptr_t start);

typedef void (*object_fn)(void *ctx, struct region *r, uintptr_t start);
/* Calls fn for every marked object of r, in address order. */
void marked_objects_visit(struct region_table *rt, struct region *r,
                          object_fn fn, void *ctx);

#endif
