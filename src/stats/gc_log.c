/* gc_log.c — formatting one cycle's line of the GC log. */
#include "stats/gc_log.h"

static double mib(size_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

void gc_log_cycle(FILE *out, const struct cycle_record *c)
{
    fprintf(out,
            "[rgc gc] #%llu %s: %u pauses, max %.3f ms, total %.3f ms "
            "(ttsp max %.3f ms, %u mark-end), cycle %.3f ms, used "
            "%.1fM->%.1fM, live %.1fM, copied %.1fM, freed %zu regions, "
            "committed %.1fM, %zu threads\n",
            (unsigned long long)c->cycle, c->kind, c->pauses,
            (double)c->pause_max_ns / 1e6, (double)c->pause_total_ns / 1e6,
            (double)c->ttsp_max_ns / 1e6, c->mark_end_tries,
            (double)c->cycle_ns / 1e6, mib(c->used_before),
            mib(c->used_after), mib(c->live), mib(c->copied),
            c->regions_freed, mib(c->committed), c->threads);
}
