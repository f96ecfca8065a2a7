/*
 * predictor.c — the arithmetic of planned pauses (predictor.h).
 *
 * Sums of upper estimates: each part of a pause is predicted as its
 * average plus a deviation, and the parts are added, so a plan errs on
 * the long side for each part at once (G1 does the same); the margin is
 * what keeps a pause under the goal when the costs wander by their
 * usual amount, not only when they sit at their average.
 */
#include "policy/predictor.h"

#include <math.h>

void seq_add(struct seq *s, double x)
{
    if (!s->n) {
        s->avg = x;
        s->var = 0;
    } else {
        s->avg = PREDICT_ALPHA * s->avg + (1 - PREDICT_ALPHA) * x;
        double d = x - s->avg;
        s->var = PREDICT_ALPHA * s->var + (1 - PREDICT_ALPHA) * d * d;
    }
    if (s->n < PREDICT_FEW)
        s->n++;
}

double seq_predict(const struct seq *s)
{
    if (!s->n)
        return 0;
    /* A deviation of one or two samples says little: until there are
     * PREDICT_FEW, assume at least a spread proportional to the average
     * (G1Predictions::stddev_estimate). */
    double sd = sqrt(s->var);
    double few = s->avg * (double)(PREDICT_FEW - s->n) / 2;
    return s->avg + PREDICT_SIGMA * (sd > few ? sd : few);
}

void predictor_init(struct predictor *p)
{
    *p = (struct predictor){0};
    p->mark_end.min_units = PREDICT_MIN_TRACE_SAMPLE;
    p->relocate.min_units = 1;
}

void predictor_record_ttsp(struct predictor *p, uint64_t ns)
{
    seq_add(&p->ttsp_ns, (double)ns);
}

static double minus(uint64_t a, uint64_t b)
{
    return a > b ? (double)(a - b) : 0; /* clocks read apart: no negatives */
}

void predictor_record(struct pause_model *m, const struct pause_sample *s)
{
    uint64_t threads = s->threads ? s->threads : 1;
    seq_add(&m->thread_ns, (double)s->threads_ns / (double)threads);
    uint64_t explained = s->threads_ns;
    if (s->units >= m->min_units) {
        seq_add(&m->unit_ns, (double)s->units_ns / (double)s->units);
        explained += s->units_ns;
    }
    seq_add(&m->fixed_ns, minus(s->work_ns, explained));
    seq_add(&m->satb, (double)s->satb);
}

/* ttsp + fixed + threads: what a pause of m costs before its units. */
static double base_ns(const struct predictor *p, const struct pause_model *m,
                      size_t threads)
{
    return seq_predict(&p->ttsp_ns) + seq_predict(&m->fixed_ns) +
           seq_predict(&m->thread_ns) * (double)(threads ? threads : 1);
}

struct mark_end_plan predictor_plan_mark_end(const struct predictor *p,
                                             uint64_t goal_ns, size_t threads,
                                             unsigned workers)
{
    const struct pause_model *m = &p->mark_end;
    double base = base_ns(p, m, threads);
    double unit = seq_predict(&m->unit_ns);
    double minimum = base + unit * seq_predict(&m->satb);
    struct mark_end_plan plan = {.minimum_ns = (uint64_t)minimum,
                                 .fits = minimum <= (double)goal_ns};
    if (!m->unit_ns.n)
        return plan; /* no cost known: the floor alone */
    /* The SATB entries are units too: the budget covers them. */
    double units = ((double)goal_ns - base) / unit -
                   (double)PREDICT_OVERRUN * (workers ? workers : 1);
    plan.budget = units <= 0                          ? 0
                  : units >= (double)PREDICT_MAX_BUDGET ? PREDICT_MAX_BUDGET
                                                        : (int64_t)units;
    return plan;
}

int64_t predictor_floor(int64_t budget, uint64_t satb_entries)
{
    uint64_t floor = satb_entries + PREDICT_MIN_TRACE;
    return budget > 0 && (uint64_t)budget >= floor ? budget : (int64_t)floor;
}

uint64_t predictor_mark_end_ns(const struct predictor *p, size_t threads,
                               int64_t budget)
{
    const struct pause_model *m = &p->mark_end;
    return (uint64_t)(base_ns(p, m, threads) +
                      seq_predict(&m->unit_ns) * (double)budget);
}

uint64_t predictor_relocate_ns(const struct predictor *p, size_t threads,
                               size_t regions)
{
    const struct pause_model *m = &p->relocate;
    return (uint64_t)(base_ns(p, m, threads) +
                      seq_predict(&m->unit_ns) * (double)regions);
}
