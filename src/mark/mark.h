/*
 * mark.h — marking: which objects are reachable, and how many bytes of each
 * region are live.  One mechanism for the concurrent cycle and for a full
 * collection in one pause; only where mark_run is called differs.
 *
 * Phases: mark_prepare (before the pause, while mutators run: live counts
 * zeroed, every bitmap there) → mark_begin (a pause: every region's
 * top-at-mark-start, TAMS, becomes its top, in O(1): region_table.h;
 * bitmaps are clean) → mark_roots (that pause for a full collection, after
 * it otherwise) → mark_run, as often as needed (concurrently, SATB buffers
 * feeding it; or in a pause with a budget) → mark_finish (once mark_run
 * reports no work and the SATB queue is empty: in a pause or after it).
 *
 * After mark_finish, an object in a non-free region is live exactly when
 * its bit is set in the region's mark bitmap (bit index: the header's word
 * offset from the region bottom) or it lies at or above the region's TAMS
 * (allocated since marking began: live without any work on the allocation
 * path).  live_bytes/live_objects of a region sum its marked objects.  And
 * every slot marking visited carries the good color (stale ones are healed).
 */
#ifndef RGC_MARK_MARK_H
#define RGC_MARK_MARK_H

#include "heap/region_table.h"
#include "mark/trace.h"

struct marking {
    struct region_table *rt;
    uintptr_t good_color;
    struct trace trace;
};

/* Between cycles, by the cycle's runner (the regions' live counts are
 * marking's alone until it ends). */
void mark_prepare(struct region_table *rt);
/* World stopped.  satb: the queue mutators' buffers go to (NULL: marking
 * runs inside this pause only). */
void mark_begin(struct marking *m, struct region_table *rt,
                const struct type_table *types, uintptr_t good_color,
                struct satb_queue *satb);
void mark_roots(struct marking *m, roots_fn roots, void *roots_ctx);
/* true: no marking work left (but the SATB queue may have refilled). */
bool mark_run(struct marking *m, struct workers *workers, int64_t budget);
/* Work units done so far (objects scanned + slots and SATB entries seen). */
uint64_t mark_work(const struct marking *m);
/* No work left (marking is complete).  Returns the marked bytes (what was
 * allocated since mark_begin is live too, and not counted here). */
size_t mark_finish(struct marking *m);

/* Whether the object at start is live (after mark_finish). */
bool mark_is_live(const struct region_table *rt, const struct region *r,
                  uintptr_t start);

/* Record start (in region r) as live: set its bit and count its bytes.
 * Returns false if it was marked already. */
bool mark_object(struct region_table *rt, struct region *r, uintptr_t start);

typedef void (*object_fn)(void *ctx, struct region *r, uintptr_t start);
/* Calls fn for every marked object of r, in address order. */
void marked_objects_visit(struct region_table *rt, struct region *r,
                          object_fn fn, void *ctx);

#endif
