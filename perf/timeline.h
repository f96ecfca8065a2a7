/*
 * timeline.h — --timeline FILE: memory over time, sampled in each run's
 * child by a thread of its own, written as TSV rows into one file.
 *
 * Every --timeline-ms the sampler writes one row: the allocator, the time
 * since the child started its workload, the resident set (/proc/self/statm)
 * and, while an rgc heap exists, committed, used and live bytes and the
 * cycle and pause counters from rgc_stats, with the cycles and pauses that
 * happened since the previous row (how docs/img/timeline-*.png marks GC
 * cycles).  The sampler is a plain pthread, never attached to rgc: it calls
 * rgc_stats only, which takes the heap, not a thread.
 *
 * An rgc run recorded into a timeline ends, after its figures are taken,
 * with rgc_collect(RGC_COLLECT_RELEASE) and a few more samples, so the
 * picture shows the heap's memory going back to the OS; the last column,
 * phase, says "release" from the request on.  With an idle tail
 * (--timeline-idle-ms), the release is preceded by one RGC_COLLECT_FULL
 * and that long with nothing to do (phase "idle"): the regions the
 * collection freed go back to the OS by themselves after uncommit_delay.
 * docs/benchmarks.md, "Plots and timelines", lists the columns.
 */
#ifndef RGC_PERF_TIMELINE_H
#define RGC_PERF_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include <rgc.h>

#include "allocator.h"

/* In the parent, before any run: truncate path and write the header line;
 * every child then appends its rows.  idle_ms: the idle tail before the
 * release (0: none).  False (err filled) if path cannot be written. */
bool timeline_open(const char *path, unsigned period_ms, unsigned idle_ms,
                   char *err, size_t errlen);

/* In the child, around the workload (no-op without timeline_open). */
void timeline_begin(enum alloc_kind alloc);
void timeline_end(void);

/* The rgc heap to sample from now on; NULL before it is destroyed. */
void timeline_heap(rgc_heap *heap);

/* The end of an rgc run: the idle tail if asked for, then release the
 * heap's free memory to the OS (through t, or a thread attached for it
 * when t is NULL) and sample a little longer.  No-op without a
 * timeline. */
void timeline_release(rgc_heap *heap, rgc_thread *t);

#endif
