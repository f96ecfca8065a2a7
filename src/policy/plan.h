/*
 * plan.h — the planned pauses of a concurrent cycle (mark end, relocate
 * start): what the cycle (collector.c) asks of the predictor before each,
 * what it hands it after, and what the cycle's record and the pause's
 * event say of it.  The arithmetic is the predictor's (predictor.h); this
 * is the glue, so that the cycle stays a phase list.
 *
 * Only the cycle's runner calls these, under gc_lock; plan_mark_end_floor
 * inside the mark-end pause, the others while the world runs.
 */
#ifndef RGC_POLICY_PLAN_H
#define RGC_POLICY_PLAN_H

#include "rgc_heap.h"
#include "stats/gc_log.h"

#define PLAN_MAX_DEFERRED 2 /* mark-end pauses a cycle may put off because
                               they would not fit: then it pauses anyway */

/* One cycle's: the next pause's plan, and what that pause measured. */
struct pause_plan {
    struct pause_model *model; /* what the pause records into; NULL: the
                                  next pause is not planned               */
    uint64_t predicted_ns;     /* what it should take at most, ttsp in    */
    bool wont_fit;             /* even its least work would not fit       */
    unsigned deferred;         /* mark-end pauses put off this cycle      */
    struct pause_sample sample;
};

/* Plan the next mark-end pause: *budget gets its trace budget (before the
 * floor).  false: even its least work would not fit max_pause, so
 * marking runs one more concurrent round first (PLAN_MAX_DEFERRED times a
 * cycle at most). */
bool plan_mark_end(struct rgc_heap *heap, struct pause_plan *p,
                   struct cycle_record *rec, int64_t *budget);
/* Plan the relocate-start pause of a set of `regions`: reported only if
 * it would not fit (its work cannot go concurrent here). */
void plan_relocate(struct rgc_heap *heap, struct pause_plan *p,
                   struct cycle_record *rec, size_t regions);

/* Inside the mark-end pause, its SATB entries counted (p->sample.satb):
 * the budget it traces with, the floor applied, and the bound it is
 * planned to take. */
int64_t plan_mark_end_floor(struct rgc_heap *heap, struct pause_plan *p,
                            int64_t budget);

/* After any pause of the cycle, the world running: record its ttsp and,
 * if it was planned, its sample (budget: the mark-end pause's), in the
 * predictor and in rec; fill in ev's predicted_ns.  Returns whether the
 * pause was foreseen not to fit (report_pause's cause). */
bool plan_record(struct rgc_heap *heap, struct pause_plan *p,
                 struct cycle_record *rec, rgc_event *ev, int64_t budget);

#endif
