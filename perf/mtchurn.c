/*
 * mtchurn.c — multi-threaded churn: `threads` mutator threads, each with
 * its own window (a ring of `window` slots, as in msgbuf) that it churns
 * through with `messages` pushes of msg_size bytes, all threads at once on
 * one heap or allocator.  Always on new threads (even for --threads 1), so
 * runs with different thread counts measure the same thing; the main
 * thread only starts, releases and joins them.  perf/ring.h has the loop.
 */
#include "bench.h"
#include "ring.h"

void mtchurn_run(const void *params, enum alloc_kind alloc,
                 struct run_result *r)
{
    ring_run("mtchurn", params, alloc, r, true);
}
