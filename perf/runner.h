/*
 * runner.h — run one workload on one allocator in a forked child process,
 * so that its peak RSS, its heap and whatever the allocator keeps cached
 * belong to that run alone.  A child that crashes becomes a failed result.
 */
#ifndef RGC_PERF_RUNNER_H
#define RGC_PERF_RUNNER_H

#include "bench.h"

typedef void (*workload_fn)(const void *params, enum alloc_kind alloc,
                            struct run_result *out);

/* Room for n results that children do not inherit (MADV_DONTFORK): a
 * run_result is about a megabyte (a histogram per thread), and pages of
 * earlier results shared into a child would count in its RSS.  NULL if
 * memory cannot be had. */
struct run_result *run_results_alloc(unsigned n);
void run_results_free(struct run_result *results, unsigned n);

/* Run fn(params, alloc, ...) in a child and copy its result into *out. */
void run_isolated(workload_fn fn, const void *params, enum alloc_kind alloc,
                  struct run_result *out);

/* Sleep, so the guest can hand the last run's freed memory back to the host
 * before the next run faults memory in (docs/benchmarks.md). */
void run_settle(unsigned ms);

#endif
