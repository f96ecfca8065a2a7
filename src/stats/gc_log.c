/* gc_log.c — formatting one cycle's line of the GC log. */
#include "stats/gc_log.h"

static double mib(size_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static const char *const phase[RGC_PAUSE_KINDS] = {"mark-start", "mark-end",
                                                   "relocate", "full"};

/* " (worst 1.234 ms: ttsp, thread \"name\" tid 42)",
 * " (worst 1.234 ms: mark-end work)" or
 * " (worst 1.234 ms: mark-end work, predicted 1.100 ms)"; "" when no pause
 * was over. */
static void over_goal(char *buf, size_t size, const struct cycle_record *c)
{
    const rgc_event *w = &c->worst;
    if (!c->over_goal)
        *buf = 0;
    else if (w->cause == RGC_CAUSE_TTSP)
        snprintf(buf, size, " (worst %.3f ms: ttsp, thread \"%s\" tid %d)",
                 ms(w->duration_ns), w->holder_name, w->holder_tid);
    else if (w->cause == RGC_CAUSE_PREDICTED)
        snprintf(buf, size, " (worst %.3f ms: %s work, predicted %.3f ms)",
                 ms(w->duration_ns), phase[w->pause_kind],
                 ms(w->predicted_ns));
    else
        snprintf(buf, size, " (worst %.3f ms: %s work)", ms(w->duration_ns),
                 phase[w->pause_kind]);
}

/* ", planned mark-end 0.850 ms took 0.120 ms (budget 91234 units, did
 * 1290, 56 SATB), relocate 0.040 ms took 0.030 ms" and, if a plan did not
 * fit, ", would not fit 3 (mark-end at least 3.200 ms), 2 rounds
 * deferred"; "" for a cycle without planned pauses (a full one). */
static void planned(char *buf, size_t size, const struct cycle_record *c)
{
    *buf = 0;
    if (!c->mark_end_ns)
        return;
    int n = snprintf(buf, size,
                     ", planned mark-end %.3f ms took %.3f ms (budget %lld "
                     "units, did %llu, %llu SATB), relocate %.3f ms took "
                     "%.3f ms",
                     ms(c->mark_end_planned_ns), ms(c->mark_end_ns),
                     (long long)c->mark_end_budget,
                     (unsigned long long)c->mark_end_units,
                     (unsigned long long)c->mark_end_satb,
                     ms(c->relocate_planned_ns), ms(c->relocate_ns));
    if (c->wont_fit && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n,
                 ", would not fit %u (%s at least %.3f ms), %u rounds "
                 "deferred",
                 c->wont_fit, phase[c->wont_fit_kind], ms(c->wont_fit_ns),
                 c->deferred);
}

void gc_log_cycle(FILE *out, const struct cycle_record *c)
{
    char worst[128], plans[256];
    over_goal(worst, sizeof worst, c);
    planned(plans, sizeof plans, c);
    fprintf(out,
            "[rgc gc] #%llu %s: %u pauses, max %.3f ms, total %.3f ms "
            "(ttsp max %.3f ms, %u mark-end; longest start %.3f, end %.3f, "
            "relocate %.3f, full %.3f ms), over goal %u%s%s, cycle %.3f ms, "
            "used %.1fM->%.1fM, live %.1fM, copied %.1fM, freed %zu "
            "regions, committed %.1fM, %zu threads\n",
            (unsigned long long)c->cycle, c->kind, c->pauses,
            ms(c->pause_max_ns), ms(c->pause_total_ns), ms(c->ttsp_max_ns),
            c->mark_end_tries, ms(c->kind_max_ns[0]), ms(c->kind_max_ns[1]),
            ms(c->kind_max_ns[2]), ms(c->kind_max_ns[3]), c->over_goal,
            worst, plans, (double)c->cycle_ns / 1e6, mib(c->used_before),
            mib(c->used_after), mib(c->live), mib(c->copied),
            c->regions_freed, mib(c->committed), c->threads);
}
