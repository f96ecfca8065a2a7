/*
 * trace.h — the one graph traversal of the collector, serial or parallel.
 *
 * A trace starts at the roots, calls `reach` for every non-null reference it
 * finds, and scans (through object_visit_refs) each object that `reach`
 * reports as newly reached.  Each worker keeps an explicit, growable stack,
 * so depth never touches the C stack (a 10-million-long list is fine).
 * Load balancing is work sharing: a worker with a deep stack donates a
 * chunk to a shared pool whenever another worker is idle; the trace ends
 * when every worker is idle and the pool is empty.  `reach` must be safe to
 * call from several workers at once when the trace is parallel.
 * Marking and the heap verifier are two `reach` functions over this engine.
 */
#ifndef RGC_MARK_TRACE_H
#define RGC_MARK_TRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object/type_table.h"
#include "thread/workers.h"

/* Visits every root slot: roots(roots_ctx, visit, visit_ctx). */
typedef void (*roots_fn)(void *roots_ctx, rgc_visit_fn visit, void *visit_ctx);

/* slot holds a reference to the object whose header is at start.  Return
 * true to have the object scanned (the first time it is reached).  reach
 * should not read the object: the engine prefetches it when it is queued
 * and touches it only when it is scanned, so cache misses overlap. */
typedef bool (*reach_fn)(void *ctx, rgc_ref *slot, uintptr_t start);
/* Called once per scanned object, before its slots are visited. */
typedef void (*scan_fn)(void *ctx, uintptr_t start);

struct trace_chunk;

struct trace {
    const struct type_table *types;
    reach_fn reach;
    scan_fn scan;  /* may be NULL */
    void *ctx;
    roots_fn roots;
    void *roots_ctx;
    /* the shared pool */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct trace_chunk *pool;
    unsigned idle;
    bool done;
};

/* Trace everything reachable from the roots, on the workers (NULL: on the
 * calling thread alone). */
void trace_from_roots(struct trace *tr, roots_fn roots, void *roots_ctx,
                      struct workers *workers);

#endif
