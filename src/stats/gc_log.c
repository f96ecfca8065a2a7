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

/* " (worst 1.234 ms: ttsp, thread \"name\" tid 42)" or
 * " (worst 1.234 ms: mark-end work)"; "" when no pause was over. */
static void over_goal(char *buf, size_t size, const struct cycle_record *c)
{
    static const char *const phase[RGC_PAUSE_KINDS] = {
        "mark-start", "mark-end", "relocate", "full"};
    const rgc_event *w = &c->worst;
    if (!c->over_goal)
        *buf = 0;
    else if (w->cause == RGC_CAUSE_TTSP)
        snprintf(buf, size, " (worst %.3f ms: ttsp, thread \"%s\" tid %d)",
                 ms(w->duration_ns), w->holder_name, w->holder_tid);
    else
        snprintf(buf, size, " (worst %.3f ms: %s work)", ms(w->duration_ns),
                 phase[w->pause_kind]);
}

void gc_log_cycle(FILE *out, const struct cycle_record *c)
{
    char worst[96];
    over_goal(worst, sizeof worst, c);
    fprintf(out,
            "[rgc gc] #%llu %s: %u pauses, max %.3f ms, total %.3f ms "
            "(ttsp max %.3f ms, %u mark-end; longest start %.3f, end %.3f, "
            "relocate %.3f, full %.3f ms), over goal %u%s, cycle %.3f ms, "
            "used %.1fM->%.1fM, live %.1fM, copied %.1fM, freed %zu "
            "regions, committed %.1fM, %zu threads\n",
            (unsigned long long)c->cycle, c->kind, c->pauses,
            ms(c->pause_max_ns), ms(c->pause_total_ns), ms(c->ttsp_max_ns),
            c->mark_end_tries, ms(c->kind_max_ns[0]), ms(c->kind_max_ns[1]),
            ms(c->kind_max_ns[2]), ms(c->kind_max_ns[3]), c->over_goal,
            worst, (double)c->cycle_ns / 1e6, mib(c->used_before),
            mib(c->used_after), mib(c->live), mib(c->copied),
            c->regions_freed, mib(c->committed), c->threads);
}
