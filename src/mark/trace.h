/*
 * trace.h — the one graph traversal of the collector.
 *
 * A trace starts at the roots, calls `reach` for every non-null reference it
 * finds, and scans (through object_visit_refs) each object that `reach`
 * reports as newly reached.  The work list is an explicit, growable stack, so
 * depth never touches the C stack (a 10-million-long list is fine).
 * Marking and the heap verifier are two `reach` functions over this engine.
 */
#ifndef RGC_MARK_TRACE_H
#define RGC_MARK_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object/type_table.h"

/* Visits every root slot: roots(roots_ctx, visit, visit_ctx). */
typedef void (*roots_fn)(void *roots_ctx, rgc_visit_fn visit, void *visit_ctx);

/* slot holds a reference to the object whose header is at start.  Return
 * true to have the object scanned (the first time it is reached). */
typedef bool (*reach_fn)(void *ctx, rgc_ref *slot, uintptr_t start);

struct mark_stack {
    uintptr_t *items;
    size_t count, capacity;
};

struct trace {
    const struct type_table *types;
    reach_fn reach;
    void *ctx;
    struct mark_stack stack;
};

/* Trace everything reachable from the roots. */
void trace_from_roots(struct trace *tr, roots_fn roots, void *roots_ctx);

#endif
