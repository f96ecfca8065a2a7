/*
 * slow_trace.h — one thread's slow pushes with their page faults and
 * context switches, for --attribute (perf/attribution.h).
 *
 * After every push (outside its timed span) the thread reads
 * getrusage(RUSAGE_THREAD) and keeps what its fault and context-switch
 * counters rose by since the previous read; a push over 10 µs is kept
 * with them.  That read is a system call on every push: its time is
 * summed (cost_ns) so the report can state what the mode costs.  The
 * trace is bounded like the MMU's (perf/mmu.h): reserved before the
 * loop, and marked truncated when it fills.
 */
#ifndef RGC_PERF_SLOW_TRACE_H
#define RGC_PERF_SLOW_TRACE_H

#include "attribution.h"

struct slow_trace {
    struct slow_push *ops;
    size_t count, cap;
    bool truncated;
    int tid;                /* gettid() of the thread that runs the loop */
    uint64_t last[3];       /* faults, involuntary and voluntary
                               switches at the last read              */
    uint64_t pushes;        /* pushes seen                              */
    uint64_t cost_ns;       /* spent reading the counters               */
};

/* Room for cap slow pushes; false without memory. */
bool slow_trace_init(struct slow_trace *t, size_t cap);
void slow_trace_free(struct slow_trace *t);

/* On the thread that runs the loop, just before it: its tid, and the
 * counters the first push's deltas start from. */
void slow_trace_begin(struct slow_trace *t);

/* After the push from t0 to t1. */
void slow_trace_push(struct slow_trace *t, uint64_t t0, uint64_t t1);

#endif
