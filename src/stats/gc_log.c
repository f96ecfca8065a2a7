/* gc_log.c — formatting one cycle's line of the GC log. */
#include "stats/gc_log.h"

static double mib(size_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

void gc_log_cycle(FILE *out, const struct cycle_record *c)
{
    fprintf(out,
            "[rgc gc] #%llu %s: pause %.3f ms (ttsp %.3f ms), used "
            "%.1fM->%.1fM, live %.1fM, copied %.1fM, freed %zu regions, "
            "committed %.1fM, %zu threads\n",
            (unsigned long long)c->cycle, c->kind, (double)c->pause_ns / 1e6,
            (double)c->ttsp_ns / 1e6, mib(c->used_before), mib(c->used_after),
            mib(c->live), mib(c->copied), c->regions_freed, mib(c->committed),
            c->threads);
}
