/*
 * predictor.h — pauses planned against max_pause from what earlier pauses
 * measured, in the manner of G1's G1Analytics: every cost is a decaying
 * average with a decaying variance (HotSpot's TruncatedSeq), predicted as
 * the average plus PREDICT_SIGMA decaying standard deviations, the
 * deviation inflated while samples are few.
 *
 * A planned pause's work (stop to resume, less its time-to-safepoint and
 * less the verify/checkmark options' checks) is modelled as
 *     fixed + per thread × threads + per unit × units
 * where a unit is a trace work unit (mark end: an object scanned, a slot
 * visited, an SATB entry drained) or a relocation-set region looked at
 * (relocate start).  The time-to-safepoint is the mutators' part and is
 * predicted apart, once for every pause of a concurrent cycle; a plan
 * subtracts it from the goal, since the pause as a mutator sees it
 * includes it.
 *
 * Pure arithmetic: no clock, no heap, no lock.  The cycle's runner (under
 * gc_lock) feeds it one sample per planned pause and asks it for plans.
 *
 * Invariants: a sequence's average and variance are finite and >= 0 once
 * it has a sample; a plan's budget is within [0, PREDICT_MAX_BUDGET]; the
 * floor (predictor_floor) is never below the SATB entries the pause found
 * plus PREDICT_MIN_TRACE, whatever the plan says.
 */
#ifndef RGC_POLICY_PREDICTOR_H
#define RGC_POLICY_PREDICTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREDICT_ALPHA 0.7  /* weight of the past in each new average      */
#define PREDICT_SIGMA 1.0  /* deviations added to an average              */
#define PREDICT_FEW 5      /* fewer samples: the deviation is inflated    */
/* Work units a mark-end pause traces beyond the SATB entries it found,
 * whatever the plan: the retry loop's progress guarantee (design.md). */
#define PREDICT_MIN_TRACE 20000
/* A trace charges its budget every 1,024 units per worker (trace.h), so it
 * may overrun it by that much on each. */
#define PREDICT_OVERRUN 1024
/* Runs shorter than this are dominated by waking the workers: their time
 * counts as the pause's fixed part, not as a per-unit cost. */
#define PREDICT_MIN_TRACE_SAMPLE 10000
#define PREDICT_MAX_BUDGET ((int64_t)1 << 40)

/* A decaying average and variance. */
struct seq {
    double avg, var;
    unsigned n;       /* samples (saturates: only "few or not" matters) */
};

void seq_add(struct seq *s, double x);
/* avg + PREDICT_SIGMA × deviation, the deviation at least
 * avg × (PREDICT_FEW − n) / 2 while n < PREDICT_FEW; 0 with no sample. */
double seq_predict(const struct seq *s);

/* One kind of planned pause. */
struct pause_model {
    struct seq fixed_ns;  /* work the counts below do not explain       */
    struct seq thread_ns; /* per attached thread (at least one counted):
                             TLAB retired, then SATB buffer flushed (mark
                             end) or colors flipped (relocate start)     */
    struct seq unit_ns;   /* per unit                                    */
    struct seq satb;      /* mark end: SATB entries the pause found      */
    uint64_t min_units;   /* fewer units: their time counts as fixed     */
};

struct predictor {
    struct seq ttsp_ns;   /* every pause of a concurrent cycle           */
    struct pause_model mark_end, relocate;
};

/* What one planned pause measured. */
struct pause_sample {
    uint64_t ttsp_ns;
    uint64_t work_ns;     /* stop to resume, less ttsp_ns and checks_ns  */
    uint64_t checks_ns;   /* the verify and checkmark options' walks     */
    uint64_t threads, threads_ns;
    uint64_t units, units_ns;
    uint64_t satb;        /* mark end: SATB entries found (in units too) */
};

/* The plan for a mark-end pause, made before it (the SATB entries it
 * will find are predicted; the pause applies predictor_floor with the
 * real count). */
struct mark_end_plan {
    int64_t budget;        /* work units the trace may do, before the floor:
                              0 while no per-unit cost is known           */
    uint64_t minimum_ns;   /* the pause with no tracing beyond its SATB
                              entries: ttsp, fixed, threads, entries      */
    bool fits;             /* minimum_ns <= the goal                      */
};

void predictor_init(struct predictor *p);

void predictor_record_ttsp(struct predictor *p, uint64_t ns);
/* One planned pause of model m measured s (s->work_ns already excludes
 * its ttsp and checks). */
void predictor_record(struct pause_model *m, const struct pause_sample *s);

/* threads: attached now; workers: gc_threads. */
struct mark_end_plan predictor_plan_mark_end(const struct predictor *p,
                                             uint64_t goal_ns, size_t threads,
                                             unsigned workers);
/* The minimum work: the plan's budget, but at least every SATB entry the
 * pause found plus PREDICT_MIN_TRACE. */
int64_t predictor_floor(int64_t budget, uint64_t satb_entries);
/* The predicted mark-end pause (ttsp included) if it spends `budget`. */
uint64_t predictor_mark_end_ns(const struct predictor *p, size_t threads,
                               int64_t budget);
/* The predicted relocate-start pause (ttsp included). */
uint64_t predictor_relocate_ns(const struct predictor *p, size_t threads,
                               size_t regions);

#endif
