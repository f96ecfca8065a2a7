/*
 * cpu_share.h — how much of the CPU the collector's threads take while the
 * mutators fill the cores.
 *
 * A GC thread that shares a core with a busy mutator would, left to the
 * scheduler, run for a whole scheduling quantum (milliseconds) and stall
 * that mutator for as long.  So every concurrent GC loop (tracing,
 * relocation, the root scan, bitmap clearing) calls cpu_share_pace at its
 * work points.  While the mutators that want a CPU and the GC threads
 * running together outnumber the CPUs, GC threads run only inside a window
 * of one slice (max_pause / 2) at the start of each period of
 * slice * 100 / gc_cpu_percent, on the monotonic clock, and sleep to the
 * next period's start outside it: a mutator loses at most a slice at a
 * time, and the pause goal then bounds what the mutator sees from the GC's
 * threads as it bounds the pauses.  The windows are the same for every GC
 * thread (time-based scheduling, as Metronome's): with each GC thread
 * keeping its own duty cycle, two of them could take turns on one core and
 * keep the mutator there off it for two slices in a row.  With a core to
 * spare (fewer busy threads than CPUs) nothing sleeps: the GC uses the
 * idle cores freely.
 *
 * The share widens to CPU_SHARE_WIDENED percent once the heap's use passes
 * the limit the cycle set (cpu_share_set_limit): the cycle must finish
 * before the heap outgrows its goal, and both a heap that grows (fresh
 * memory is faulted in by the mutators) and an allocation stall (the last
 * resort) cost the mutators more than a GC that competes with them.  It
 * widens by shortening the gaps, not by dropping the windows: a GC thread
 * that never sleeps keeps a mutator sharing its core off it for a whole
 * scheduling quantum (4 ms here), while a short gap after every slice
 * hands the core back, so a mutator still loses at most a slice at a
 * time.
 * A mutator parked at a safepoint wants a CPU: the moment a pause ends,
 * every parked mutator becomes runnable at once, and a GC thread that
 * counted only the online ones (none yet: they have not run) would go on
 * at full speed and keep a woken mutator off its core for a scheduling
 * quantum (1.5-2.5 ms after each mark start in msgbuf --threads 2, before
 * this counted them).
 * Invariants: sleeping happens only outside pauses (a stopped world never
 * counts as contended), and never while the caller holds a resource a
 * mutator can wait on spinning.
 */
#ifndef RGC_THREAD_CPU_SHARE_H
#define RGC_THREAD_CPU_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_SHARE_WIDENED 90 /* percent, once the heap outgrows the limit */

struct safepoint;

struct cpu_share {
    unsigned cpus;              /* CPUs this process may run on          */
    unsigned percent;           /* duty cycle while contended (1..100)   */
    uint64_t slice_ns;          /* the window at the start of a period   */
    uint64_t period_ns;         /* slice_ns * 100 / percent              */
    uint64_t widened_period_ns; /* the same at CPU_SHARE_WIDENED         */
    const int32_t *runnable;    /* mutators that want a CPU (safepoint's) */
    const bool *stopped;        /* the world is stopped (safepoint's)    */
    const size_t *used;         /* the heap's used bytes (atomic)        */
    size_t used_limit;          /* atomic: above it, never sleep         */
    int gc_running;             /* atomic: GC threads at concurrent work */
    uint64_t sleeps;            /* atomic: times a GC thread gave way    */
    uint64_t slept_ns;          /* atomic: and for how long in all       */
};

/* One GC thread's pacing state. */
struct cpu_slice {
    uint64_t until_ns; /* no need to look at the clock's phase before */
};

void cpu_share_init(struct cpu_share *cs, unsigned percent,
                    uint64_t max_pause_ns, const int32_t *runnable,
                    const bool *stopped, const size_t *used);
/* A GC thread starts (+1) or stops (-1) concurrent work: it counts as a
 * thread that wants a CPU. */
void cpu_share_busy(struct cpu_share *cs, int delta);
void cpu_slice_start(struct cpu_slice *s);
/* A work point: if the cores are contended and the clock is past the
 * current period's window, sleep to the next period's start.  Cheap within
 * a window, or within a slice of the last look (one clock read). */
void cpu_share_pace(struct cpu_share *cs, struct cpu_slice *s);
/* The cycle's limit: once used is above `bytes`, the share is unlimited
 * (SIZE_MAX: no limit, between cycles). */
void cpu_share_set_limit(struct cpu_share *cs, size_t bytes);

#endif
