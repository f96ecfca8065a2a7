/*
 * trace.h — the one graph traversal of the collector: serial or parallel,
 * in a pause or concurrently with the mutators, bounded or not.
 *
 * A trace calls `reach` for every non-null reference it finds (in roots,
 * in scanned objects, and in SATB buffers if it has a queue), and scans
 * each object that `reach` returns.  Each worker keeps an explicit, growable
 * stack, so depth never touches the C stack (a 10-million-long list is
 * fine).  Reference arrays longer than TRACE_ARRAY_CHUNK slots are scanned a
 * chunk at a time, the rest going back on the stack as a continuation, so
 * one huge array neither monopolises a worker nor overruns a budget.
 *
 * Load balancing is work stealing: each worker's stack is a Chase-Lev
 * deque, and a worker that runs dry steals from the others.  A run ends
 * when every worker is idle and the pool (and SATB queue) are empty — or
 * when the run's budget of work units (one per object scanned plus one per
 * slot visited) is spent: then every worker spills what it holds into the
 * pool, and a later trace_run continues from there.  `reach` must be safe
 * to call from several workers at once.  Marking and the heap verifier are two
 * `reach` functions over this engine.
 */
#ifndef RGC_MARK_TRACE_H
#define RGC_MARK_TRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mark/satb.h"
#include "object/type_table.h"
#include "thread/workers.h"

#define TRACE_ARRAY_CHUNK 2048 /* slots of a reference array per scan step */
#define TRACE_UNLIMITED INT64_MAX

/* Visits every root slot: roots(roots_ctx, visit, visit_ctx). */
typedef void (*roots_fn)(void *roots_ctx, rgc_visit_fn visit, void *visit_ctx);

/* A reference with value `bits` (color included, address nonzero) was found
 * in slot (NULL: in a SATB buffer).  Returns the start (header address) of
 * the object to scan, or 0 when there is nothing to scan (already reached,
 * or not to be traced).  reach should not read the object: the engine
 * prefetches it when it is queued and touches it only when it is scanned,
 * so cache misses overlap. */
typedef uintptr_t (*reach_fn)(void *ctx, rgc_ref *slot, uintptr_t bits);
/* Called once per scanned object, before its slots are visited. */
typedef void (*scan_fn)(void *ctx, uintptr_t start);

struct trace_chunk;
struct deque;

struct trace {
    const struct type_table *types;
    reach_fn reach;
    scan_fn scan;             /* may be NULL */
    void *ctx;
    struct satb_queue *satb;  /* drained when the pool runs dry, or NULL */
    struct cpu_share *share;  /* the workers' pacing, during a run        */
    /* the shared state of a run */
    pthread_mutex_t lock;     /* the pool                                */
    struct trace_chunk *pool; /* work between runs: roots, spills        */
    struct deque *deques;     /* one per worker, during a run            */
    unsigned idle, nworkers;
    bool stop;                /* the budget is spent                     */
    int64_t budget;           /* work units left in this run             */
    uint64_t work;            /* work units done, all runs               */
};

void trace_init(struct trace *tr, const struct type_table *types,
                reach_fn reach, scan_fn scan, void *ctx,
                struct satb_queue *satb);
void trace_destroy(struct trace *tr);
/* Reach every root now, on the calling thread; the objects to scan wait in
 * the pool for trace_run. */
void trace_add_roots(struct trace *tr, roots_fn roots, void *roots_ctx);
/* Trace on the workers (NULL: on the calling thread alone) until no work is
 * left or `budget` work units are done (a budget is checked every 1,024
 * units per worker, so it may be overrun by that; a budget <= 0 does no
 * work at all).  Returns true if no work is left (the SATB queue may have
 * been refilled since: check it). */
bool trace_run(struct trace *tr, struct workers *workers, int64_t budget);

/* trace_init, trace_add_roots, trace_run without a budget, trace_destroy. */
void trace_from_roots(const struct type_table *types, reach_fn reach,
                      scan_fn scan, void *ctx, roots_fn roots,
                      void *roots_ctx, struct workers *workers);

#endif
