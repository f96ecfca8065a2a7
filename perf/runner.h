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

/* Run fn(params, alloc, ...) in a child and copy its result into *out. */
void run_isolated(workload_fn fn, const void *params, enum alloc_kind alloc,
                  struct run_result *out);

/* Sleep, so the guest can hand the last run's freed memory back to the host
 * before the next run faults memory in (docs/benchmarks.md). */
void run_settle(unsigned ms);

#endif
