/*
 * plan.c — planned pauses: the cycle's side of the predictor (plan.h).
 *
 * A plan is made against max_pause itself (not the zero_pause_goal test
 * hook's goal, which only judges pauses after the fact).  A sample's work
 * is the pause less its time-to-safepoint and less the verify and
 * checkmark options' walks: those are an option's cost, not something to
 * plan for, and would otherwise teach the predictor that nothing fits.
 */
#include "policy/plan.h"

static uint64_t goal_ns(const struct rgc_heap *heap)
{
    return heap->config.max_pause_us * 1000;
}

static size_t threads_now(const struct rgc_heap *heap)
{
    return __atomic_load_n(&heap->safepoint.thread_count, __ATOMIC_RELAXED);
}

/* A plan whose least work would not fit: counted, and the largest kept
 * for the cycle's log line. */
static void wont_fit(struct pause_plan *p, struct cycle_record *rec,
                     rgc_pause_kind kind, uint64_t ns)
{
    p->wont_fit = true;
    if (!rec->wont_fit++ || ns > rec->wont_fit_ns) {
        rec->wont_fit_ns = ns;
        rec->wont_fit_kind = kind;
    }
}

bool plan_mark_end(struct rgc_heap *heap, struct pause_plan *p,
                   struct cycle_record *rec, int64_t *budget)
{
    struct mark_end_plan plan =
        predictor_plan_mark_end(&heap->predictor, goal_ns(heap),
                                threads_now(heap), heap->config.gc_threads);
    *budget = plan.budget;
    p->model = &heap->predictor.mark_end;
    p->predicted_ns = plan.minimum_ns;
    p->wont_fit = false;
    if (plan.fits)
        return true;
    wont_fit(p, rec, RGC_PAUSE_MARK_END, plan.minimum_ns);
    if (p->deferred == PLAN_MAX_DEFERRED)
        return true;
    /* The SATB entries left for the pause may be fewer after another
     * round; a fixed part over the goal will not be, hence the bound. */
    p->deferred++;
    rec->deferred++;
    return false;
}

void plan_relocate(struct rgc_heap *heap, struct pause_plan *p,
                   struct cycle_record *rec, size_t regions)
{
    p->model = &heap->predictor.relocate;
    p->predicted_ns =
        predictor_relocate_ns(&heap->predictor, threads_now(heap), regions);
    p->wont_fit = false;
    if (p->predicted_ns > goal_ns(heap))
        wont_fit(p, rec, RGC_PAUSE_RELOCATE, p->predicted_ns);
}

int64_t plan_mark_end_floor(struct rgc_heap *heap, struct pause_plan *p,
                            int64_t budget)
{
    int64_t floored = predictor_floor(budget, p->sample.satb);
    p->predicted_ns = predictor_mark_end_ns(&heap->predictor,
                                            p->sample.threads, floored);
    return floored;
}

bool plan_record(struct rgc_heap *heap, struct pause_plan *p,
                 struct cycle_record *rec, rgc_event *ev, int64_t budget)
{
    if (ev->pause_kind != RGC_PAUSE_FULL)
        predictor_record_ttsp(&heap->predictor, ev->ttsp_ns);
    if (!p->model)
        return false;
    struct pause_sample *s = &p->sample;
    uint64_t work = ev->duration_ns - ev->ttsp_ns;
    s->ttsp_ns = ev->ttsp_ns;
    s->work_ns = work > s->checks_ns ? work - s->checks_ns : 0;
    predictor_record(p->model, s);
    ev->predicted_ns = p->predicted_ns;
    if (ev->pause_kind == RGC_PAUSE_MARK_END) {
        rec->mark_end_planned_ns = p->predicted_ns;
        rec->mark_end_ns = ev->duration_ns;
        rec->mark_end_budget = budget;
        rec->mark_end_units = s->units;
        rec->mark_end_satb = s->satb;
    } else {
        rec->relocate_planned_ns = p->predicted_ns;
        rec->relocate_ns = ev->duration_ns;
    }
    p->model = NULL;
    return p->wont_fit;
}
