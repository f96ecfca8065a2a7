/*
 * verify.h — the heap verifier (the `verify` option, and tests).
 *
 * Checks that every region parses as back-to-back objects with valid
 * headers, and that every reference reachable from the roots points at the
 * header of an object in a live region and carries the good color — or,
 * with VERIFY_STALE_OK, the previous one, when it is followed through the
 * forwarding tables as the load barrier would.  With VERIFY_MARKS it is the
 * checkmark: every reachable object below its region's TAMS must be marked.
 * It keeps its own bitmaps and writes nothing to the heap, so it never
 * disturbs marking or heals a slot.
 */
#ifndef RGC_VERIFY_VERIFY_H
#define RGC_VERIFY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "heap/region_table.h"
#include "mark/trace.h"

/* Returns the number of problems found; each is printed to stderr, prefixed
 * with `when` ("before collection", ...). */
enum verify_flags {
    VERIFY_STALE_OK = 1, /* slots of the previous color are remapped     */
    VERIFY_MARKS = 2,    /* reachable objects below TAMS must be marked  */
};

size_t verify_heap(struct region_table *rt, const struct type_table *types,
                   roots_fn roots, void *roots_ctx, uintptr_t good_color,
                   unsigned flags, const char *when);

#endif
