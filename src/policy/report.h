/*
 * report.h — what a cycle tells beyond its histograms: each pause judged
 * against max_pause (counted, the cycle's worst kept for its log line),
 * and the events the listener hears (stats/events.h).
 *
 * Every function here runs with the world running: pause events are
 * filled in while it is stopped and handed over after the resume, on the
 * thread that ran the pause.
 */
#ifndef RGC_POLICY_REPORT_H
#define RGC_POLICY_REPORT_H

#include "rgc_heap.h"
#include "stats/gc_log.h"

/* Inside a pause, once the world has stopped: the event for it, with the
 * thread that stopped last (still attached: the pause holds the list). */
rgc_event report_pause_begin(const struct safepoint *sp, rgc_pause_kind kind,
                             uint64_t start_ns, uint64_t ttsp_ns);
/* After the resume, with ev->duration_ns filled in: deliver the pause,
 * and if it was over the goal count it, keep it in rec if it is the
 * cycle's worst, and deliver that too.  foreseen: the predictor said
 * before the pause that its least work would not fit max_pause. */
void report_pause(struct rgc_heap *heap, struct cycle_record *rec,
                  rgc_event *ev, bool foreseen);

/* Number the cycle (rec->cycle) and deliver its start, before its first
 * pause; deliver its end after its last. */
void report_cycle_start(struct rgc_heap *heap, struct cycle_record *rec,
                        uint64_t start_ns);
void report_cycle_end(struct rgc_heap *heap, const struct cycle_record *rec,
                      uint64_t start_ns);

/* An allocation stall of ns that began at start_ns (the stalled thread,
 * online again). */
void report_stall(struct rgc_heap *heap, uint64_t start_ns, uint64_t ns);

#endif
