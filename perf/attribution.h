/*
 * attribution.h — where the slow pushes of one run went (--attribute).
 *
 * Each slow push (over 10 µs, the MMU's threshold) comes with the page
 * faults and context switches its thread took since the previous push
 * (perf/slow_trace.h); rgc's pauses and allocation stalls come from its
 * event listener (perf/gc_spans.h).  After the loop every slow push gets
 * one cause, the first that matches, in this order:
 *
 *   pause: ttsp, pause: work  it overlaps a pause (both parts of it, when
 *                             it overlaps several: summed); the part it
 *                             overlaps most names it
 *   stall                     it overlaps an allocation stall of its own
 *                             thread
 *   page faults               its thread took a minor or major fault
 *   preempted                 an involuntary context switch
 *   blocked                   a voluntary one: it waited on a lock or in
 *                             the kernel
 *   other                     none of these: the push's own work (TLAB
 *                             refill and zeroing, barrier slow paths, ...)
 *
 * and is counted, with its duration, for each level it is over (10 µs,
 * 100 µs, 1 ms).  The classification is a pure function of its inputs
 * (test_attribution); struct attribution holds no pointers, since it
 * travels in a run_result through a pipe (perf/bench.h).
 */
#ifndef RGC_PERF_ATTRIBUTION_H
#define RGC_PERF_ATTRIBUTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum attribution_cause {
    CAUSE_PAUSE_TTSP,
    CAUSE_PAUSE_WORK,
    CAUSE_STALL,
    CAUSE_FAULTS,
    CAUSE_PREEMPTED,
    CAUSE_BLOCKED,
    CAUSE_OTHER,
    ATTRIBUTION_CAUSES
};

#define ATTRIBUTION_LEVELS 3 /* pushes over 10 µs, 100 µs, 1 ms */

extern const uint64_t attribution_level_ns[ATTRIBUTION_LEVELS];
/* "over 10 us", ... and "pause: ttsp", ... for the table; "over_10us",
 * ... and "pause_ttsp", ... for the JSON. */
extern const char *const attribution_level_label[ATTRIBUTION_LEVELS];
extern const char *const attribution_level_key[ATTRIBUTION_LEVELS];
extern const char *const attribution_cause_label[ATTRIBUTION_CAUSES];
extern const char *const attribution_cause_key[ATTRIBUTION_CAUSES];

/* One push over attribution_level_ns[0], with what its thread's
 * getrusage(RUSAGE_THREAD) counters rose by since the previous push. */
struct slow_push {
    uint64_t start, end;
    uint32_t faults;     /* minor + major */
    uint32_t preempted;  /* involuntary context switches */
    uint32_t blocked;    /* voluntary context switches */
};

/* A pause (start: the stop request; ttsp_end: every thread stopped; end:
 * the resume) or an allocation stall (ttsp_end unused; tid: the stalled
 * thread). */
struct gc_span {
    uint64_t start, ttsp_end, end;
    int tid;
};

/* One thread's slow pushes, in time order, beside the run's pauses and
 * stalls, each sorted by start (pauses never overlap; stalls of one
 * thread neither). */
struct attribution_input {
    const struct slow_push *pushes;
    size_t push_count;
    const struct gc_span *pauses;
    size_t pause_count;
    const struct gc_span *stalls;
    size_t stall_count;
    int tid; /* the thread's: only its own stalls count */
};

struct attribution {
    bool present;                /* the run had --attribute             */
    bool pushes_truncated;       /* a thread had more slow pushes than
                                    its trace holds: only the first count */
    bool events_truncated;       /* more pauses or stalls than recorded:
                                    later ones fall to the next causes   */
    uint64_t pauses, stalls;     /* recorded                            */
    uint64_t pushes;             /* every push, all threads             */
    uint64_t cost_ns;            /* time the getrusage reads took       */
    uint64_t count[ATTRIBUTION_LEVELS][ATTRIBUTION_CAUSES];
    uint64_t ns[ATTRIBUTION_LEVELS][ATTRIBUTION_CAUSES]; /* their time */
};

/* The cause of every push of in, added to *into (its counts and times;
 * the other fields are the caller's). */
void attribution_add(struct attribution *into,
                     const struct attribution_input *in);

#endif
