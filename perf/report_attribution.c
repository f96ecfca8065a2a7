/*
 * report_attribution.c — the --attribute table: per allocator, the pushes
 * over 10 µs, 100 µs and 1 ms by cause (perf/attribution.h), each cell
 * "count / total time".
 */
#include "report.h"

#include "report_cells.h"

struct attribution_cell {
    int level;
    int cause; /* ATTRIBUTION_CAUSES: every cause */
};

/* "*": a trace filled, so some pushes or events were not seen (below). */
static bool truncated(const struct attribution *a)
{
    return a->pushes_truncated || a->events_truncated;
}

/* Three significant digits, so "count / time" fits a column. */
static void fmt_short_ns(cell c, uint64_t ns)
{
    if (ns < 1000)
        snprintf(c, sizeof(cell), "%llu ns", (unsigned long long)ns);
    else if (ns < NS_PER_MS)
        snprintf(c, sizeof(cell), "%.3g us", ns / 1e3);
    else if (ns < 1000 * NS_PER_MS)
        snprintf(c, sizeof(cell), "%.3g ms", ns / 1e6);
    else
        snprintf(c, sizeof(cell), "%.3g s", ns / 1e9);
}

static bool c_cause(cell c, const struct run_result *r, const void *arg)
{
    const struct attribution_cell *ac = arg;
    const struct attribution *a = &r->attribution;
    if (!a->present)
        return false;
    uint64_t count = 0, ns = 0;
    for (int k = 0; k < ATTRIBUTION_CAUSES; k++)
        if (ac->cause == ATTRIBUTION_CAUSES || ac->cause == k) {
            count += a->count[ac->level][k];
            ns += a->ns[ac->level][k];
        }
    cell t;
    fmt_short_ns(t, ns);
    /* count fits: the traces hold at most 2^18 pushes for each of at
     * most 64 threads; %.3g takes at most 8 characters. */
    snprintf(c, sizeof(cell), "%u / %.10s%s", (unsigned)count,
             count ? t : "0", truncated(a) ? "*" : "");
    return true;
}

static bool c_events(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    const struct attribution *a = &r->attribution;
    if (!a->present || !r->gc.present)
        return false;
    snprintf(c, sizeof(cell), "%llu / %llu", (unsigned long long)a->pauses,
             (unsigned long long)a->stalls);
    return true;
}

static bool c_cost(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    const struct attribution *a = &r->attribution;
    if (!a->present || !a->pushes)
        return false;
    fmt_ns(c, a->cost_ns / a->pushes);
    return true;
}

void report_attribution_table(const struct report *rep, FILE *out)
{
    bool any = false, cut = false;
    for (unsigned i = 0; i < rep->count; i++) {
        any |= rep->results[i].attribution.present;
        cut |= truncated(&rep->results[i].attribution);
    }
    if (!any)
        return;
    fputs("\nslow pushes by cause (count / time; the first cause that "
          "matches, docs/benchmarks.md)\n",
          out);
    table_header(out, rep);
    for (int l = 0; l < ATTRIBUTION_LEVELS; l++) {
        struct attribution_cell all = {l, ATTRIBUTION_CAUSES};
        table_row(out, rep, attribution_level_label[l], c_cause, &all);
        for (int k = 0; k < ATTRIBUTION_CAUSES; k++) {
            char label[32];
            snprintf(label, sizeof label, "  %s", attribution_cause_label[k]);
            struct attribution_cell one = {l, k};
            table_row(out, rep, label, c_cause, &one);
        }
    }
    table_row(out, rep, "pauses / stalls seen", c_events, NULL);
    table_row(out, rep, "getrusage per push", c_cost, NULL);
    if (cut)
        fputs("* a trace filled: the slow pushes past it are not counted, "
              "the pauses or stalls\n  past it not seen (their pushes fall "
              "to a later cause)\n",
              out);
}
