/*
 * verify.h — the heap verifier (the `verify` option, and tests).
 *
 * Checks that every region parses as back-to-back objects with valid
 * headers, and that every reference reachable from the roots carries the
 * good color and points at the header of an object in a live region.  It
 * keeps its own bitmaps, so it never disturbs marking state.
 */
#ifndef RGC_VERIFY_VERIFY_H
#define RGC_VERIFY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "heap/region_table.h"
#include "mark/trace.h"

/* Returns the number of problems found; each is printed to stderr, prefixed
 * with `when` ("before collection", ...). */
size_t verify_heap(struct region_table *rt, const struct type_table *types,
                   roots_fn roots, void *roots_ctx, uintptr_t good_color,
                   const char *when);

#endif
