/*
 * cpu_share.h — how much of the CPU the collector's threads take while the
 * mutators fill the cores.
 *
 * A GC thread that shares a core with a busy mutator would, left to the
 * scheduler, run for a whole scheduling quantum (milliseconds) and stall
 * that mutator for as long.  So every concurrent GC loop (tracing,
 * relocation, the root scan, bitmap clearing) calls cpu_share_pace at its
 * work points.  While the mutators online and the GC threads running
 * together outnumber the CPUs, a GC thread runs for at most one slice
 * (max_pause / 2) and then sleeps long enough to keep its duty cycle at
 * gc_cpu_percent: a mutator loses at most a slice to it at a time, and
 * the pause goal then bounds what the mutator sees from the GC's threads
 * as it bounds the pauses.  With a core to spare (fewer busy threads than
 * CPUs) nothing sleeps: the GC uses the idle cores freely.
 *
 * The share widens to all the CPU the GC can get once the heap's use
 * passes the limit the cycle set (cpu_share_set_limit): the cycle must
 * finish before the heap outgrows its goal, and both a heap that grows
 * (fresh memory is faulted in by the mutators) and an allocation stall
 * (the last resort) cost the mutators more than a GC that competes with
 * them.
 * Invariants: sleeping happens only outside pauses (online mutators are 0
 * in a pause, so a pause never counts as contended), and never while the
 * caller holds a resource a mutator can wait on spinning.
 */
#ifndef RGC_THREAD_CPU_SHARE_H
#define RGC_THREAD_CPU_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct safepoint;

struct cpu_share {
    unsigned cpus;              /* CPUs this process may run on          */
    unsigned percent;           /* duty cycle while contended (1..100)   */
    uint64_t slice_ns;          /* longest run between two sleeps        */
    const int32_t *online;      /* mutators online (the safepoint's)     */
    const size_t *used;         /* the heap's used bytes (atomic)        */
    size_t used_limit;          /* atomic: above it, never sleep         */
    int gc_running;             /* atomic: GC threads at concurrent work */
    uint64_t sleeps;            /* atomic: times a GC thread gave way    */
    uint64_t slept_ns;          /* atomic: and for how long in all       */
};

/* One GC thread's current slice. */
struct cpu_slice {
    uint64_t start_ns;
};

void cpu_share_init(struct cpu_share *cs, unsigned percent,
                    uint64_t max_pause_ns, const int32_t *online,
                    const size_t *used);
/* A GC thread starts (+1) or stops (-1) concurrent work: it counts as a
 * thread that wants a CPU. */
void cpu_share_busy(struct cpu_share *cs, int delta);
void cpu_slice_start(struct cpu_slice *s);
/* A work point: sleep if the slice is over and the cores are contended.
 * Cheap when the slice is not over (one clock read). */
void cpu_share_pace(struct cpu_share *cs, struct cpu_slice *s);
/* The cycle's limit: once used is above `bytes`, the share is unlimited
 * (SIZE_MAX: no limit, between cycles). */
void cpu_share_set_limit(struct cpu_share *cs, size_t bytes);

#endif
