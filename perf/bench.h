/*
 * bench.h — what every part of rgc-bench shares: the result of one run of
 * one workload on one allocator, the workload entry points, the clock.
 *
 * Each run happens in a forked child (perf/runner.c), so a run's peak RSS and
 * heap state belong to that allocator alone; the child fills a struct
 * run_result and sends it to the parent through a pipe, which is why the
 * struct holds no pointers.
 */
#ifndef RGC_PERF_BENCH_H
#define RGC_PERF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rgc.h>

#include "allocator.h"
#include "attribution.h"
#include "mmu.h"
#include "stats/histogram.h"

#define NS_PER_MS 1000000ull

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- parameters ------------------------------------------------------------ */

/* msgbuf and mtchurn: every thread runs the same ring on its own window. */
struct msgbuf_params {
    size_t window;      /* messages kept live (slots of the ring), per thread */
    uint64_t messages;  /* pushes, each a fresh message, per thread          */
    size_t msg_size;    /* bytes per message                                 */
    unsigned threads;   /* mutator threads, each with its own ring           */
    uint64_t keep_every; /* 0, or K >= 2: every K-th message also goes into a
                            second ring of `window` slots, so it lives K
                            times longer (survivors scattered among the
                            dead: regions to relocate)                     */
    size_t handles;     /* extra roots each thread holds for the whole run,
                           each naming a small object of its own (rgc: a
                           handle; malloc: a pointer in an array)         */
    size_t global_roots; /* likewise, registered global roots (thread 0)  */
    bool random;        /* --random: the window is filled first (untimed),
                           then each push replaces a uniformly random slot
                           (a cache's replacement: lifetimes spread out)
                           instead of the oldest one                     */
    unsigned temps;     /* --temps N: short-lived blocks per push, each  */
    size_t temp_size;   /* temp_size bytes, written and dropped within the
                           push (a request's buffers)                    */
    bool attribute;     /* --attribute: find each slow push's cause (its
                           getrusage read after every push slows the
                           loop; perf/attribution.h)                     */
    const char *options; /* rgc options ("" for none)                        */
};

#define BENCH_MAX_THREADS 64

struct gcbench_params {
    int stretch_depth;    /* the first, short-lived tree               */
    int long_lived_depth; /* the tree kept for the whole run           */
    int min_depth, max_depth, depth_step; /* the short-lived trees     */
    size_t array_size;    /* doubles in the long-lived array           */
    const char *options;
};

/* ---- results ---------------------------------------------------------------- */

#define BENCH_ERROR_MAX 256
#define BENCH_MAX_PHASES 32

struct phase_result {
    char name[16];  /* "stretch", "long-lived", "top-down", "bottom-up" */
    int depth;      /* tree depth of the phase                          */
    uint64_t trees; /* trees built in the phase                         */
    uint64_t ns;    /* wall time of the phase                           */
};

/* What rgc says about itself at the end of a run (rgc runs only). */
struct gc_result {
    bool present;
    rgc_heap_stats stats;     /* rgc_stats at the end of the run           */
    rgc_percentiles pauses;   /* rgc_pause_percentiles at the end          */
    rgc_percentiles ttsp;     /* rgc_ttsp_percentiles at the end           */
    rgc_percentiles kinds[RGC_PAUSE_KINDS]; /* rgc_pause_kind_percentiles */
    rgc_percentiles work[RGC_PAUSE_KINDS];  /* rgc_pause_work_percentiles */
    rgc_percentiles stalls;   /* rgc_stall_percentiles at the end          */
    /* Pauses rebuilt from rgc_stats deltas (pause_count, pause_total_ns)
     * read between operations: exact when one pause fell between two reads,
     * the mean of the pauses otherwise (counted in probe_merged). */
    struct histogram probe;
    uint64_t probe_merged;
    /* Highest values seen by those reads (the library keeps the exact peak
     * of the metadata total, stats.metadata_peak_bytes; these are
     * sampled): */
    size_t used_peak, bitmap_peak, forwarding_peak, satb_peak;
    /* Over the run (heap creation to the last reading): rgc's gc_cpu_ns,
     * and the whole process's CPU time; their ratio is the GC CPU share. */
    uint64_t gc_cpu_ns, process_cpu_ns;
};

/* The GC's share of the process's CPU time over the run: rgc's gc_cpu_ns
 * over getrusage's user + system time; 0 for runs without rgc. */
static inline double gc_cpu_share(const struct gc_result *gc)
{
    return gc->present && gc->process_cpu_ns
               ? (double)gc->gc_cpu_ns / (double)gc->process_cpu_ns
               : 0;
}

/* The GC's CPU time per GiB the run allocated (issue 13's measure of what
 * a cycle costs per unit of allocation), in ns; 0 without figures. */
static inline double gc_cpu_per_gib(const struct gc_result *gc)
{
    uint64_t bytes = gc->stats.bytes_allocated;
    return gc->present && bytes
               ? (double)gc->gc_cpu_ns / ((double)bytes / (1u << 30))
               : 0;
}

/* One mutator thread of msgbuf or mtchurn. */
struct thread_result {
    struct histogram latency; /* ns per push of this thread              */
    uint64_t over_1ms;        /* its pushes that took more than 1 ms     */
    uint64_t loop_ns;         /* wall time of its push loop              */
    double mmu[MMU_WINDOWS];  /* its MMU over mmu_window_ns (perf/mmu.h) */
    bool mmu_truncated;       /* too many slow pushes to trace them all  */
};

struct run_result {
    enum alloc_kind alloc;
    bool ok;
    char error[BENCH_ERROR_MAX]; /* why !ok                                */
    uint64_t total_ns;           /* the measured loop, wall clock (threads:
                                    first start to last end)              */
    long rss_start_kb;           /* RSS before the workload started        */
    long peak_rss_kb;            /* VmHWM (ru_maxrss) at the end           */
    /* msgbuf, mtchurn: all threads merged, then each thread */
    struct histogram latency;    /* ns per push                            */
    uint64_t over_1ms;           /* pushes that took more than 1 ms        */
    double mmu[MMU_WINDOWS];     /* the lowest thread's MMU per window     */
    bool mmu_truncated;          /* some thread's trace was truncated      */
    unsigned thread_count;
    struct thread_result threads[BENCH_MAX_THREADS];
    struct attribution attribution; /* --attribute: all threads'        */
    /* gcbench */
    unsigned phase_count;
    struct phase_result phases[BENCH_MAX_PHASES];
    struct gc_result gc;
};

/* Record a failure (printf-style) and mark the run failed. */
void run_fail(struct run_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- workloads (run inside the child) ------------------------------------ */
/* msgbuf and cache run their ring on the calling thread when
 * params->threads is 1 and on that many new threads otherwise; mtchurn
 * always on new threads (perf/ring.h). */

void msgbuf_run(const void *params, enum alloc_kind alloc,
                struct run_result *out);
void cache_run(const void *params, enum alloc_kind alloc,
               struct run_result *out);
void gcbench_run(const void *params, enum alloc_kind alloc,
                 struct run_result *out);
void mtchurn_run(const void *params, enum alloc_kind alloc,
                 struct run_result *out);

/* ---- process ------------------------------------------------------------- */

/* Peak and current resident set of this process, in KiB (-1 if unknown). */
long proc_peak_rss_kb(void);
long proc_rss_kb(void);
/* CPU time this process has used, every thread's, user and system (0 if
 * unknown). */
uint64_t proc_cpu_ns(void);

#endif
