/* report.c — the msgbuf and gcbench tables (mtchurn: report_threads.c). */
#include "report.h"

#include <stdlib.h>

#include "report_cells.h"

void ring_notes(FILE *out, const struct msgbuf_params *p)
{
    if (p->keep_every)
        fprintf(out, ", every %llu-th message kept %llu times longer",
                (unsigned long long)p->keep_every,
                (unsigned long long)p->keep_every);
    if (p->handles || p->global_roots)
        fprintf(out, ", %zu extra handles per thread, %zu global roots",
                p->handles, p->global_roots);
    if (p->random)
        fputs(", filled first, then random slots replaced", out);
    if (p->temps)
        fprintf(out, ", %u short-lived %zu-byte blocks per push", p->temps,
                p->temp_size);
}

static void msgbuf_title(const char *workload, const struct msgbuf_params *p,
                         FILE *out)
{
    cell live;
    fmt_bytes(live, ring_live_bytes(p));
    if (p->threads > 1) {
        cell all;
        fmt_bytes(all, ring_live_bytes(p) * p->threads);
        fprintf(out,
                "%s: %u threads, each %llu pushes of %zu-byte messages "
                "into its own window of %zu\n        (%s live per thread, "
                "%s in all",
                workload, p->threads, (unsigned long long)p->messages, p->msg_size,
                p->window, live, all);
    } else {
        fprintf(out,
                "%s: %llu pushes of %zu-byte messages into a window of "
                "%zu (%s live",
                workload, (unsigned long long)p->messages, p->msg_size, p->window,
                live);
    }
    ring_notes(out, p);
    fputs(")\n", out);
}

static void msgbuf_table(const struct report *rep, bool histograms,
                         FILE *out)
{
    const struct msgbuf_params *p = rep->msgbuf;
    const char *env = getenv("RGC_OPTIONS");
    msgbuf_title(rep->workload, p, out);
    fprintf(out, "rgc options: %s%s%s\n\n", options_shown(p->options),
            env ? ", RGC_OPTIONS=" : "", env ? env : "");
    table_header(out, rep);
    static const struct {
        const char *label;
        double p;
    } lat[] = {{"push p50", 0.50},     {"push p99", 0.99},
               {"push p99.9", 0.999},  {"push p99.99", 0.9999},
               {"push max", 1.0}};
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++)
        table_row(out, rep, lat[i].label, c_latency, &lat[i].p);
    report_push_rows(rep, p->threads > 1, histograms, out);
}

static bool c_phase(cell c, const struct run_result *r, const void *arg)
{
    unsigned i = *(const unsigned *)arg;
    if (i >= r->phase_count)
        return false;
    fmt_ns(c, r->phases[i].ns);
    return true;
}

static void gcbench_table(const struct report *rep, FILE *out)
{
    const struct gcbench_params *p = rep->gcbench;
    fprintf(out,
            "gcbench: stretch tree of depth %d, long-lived tree of depth %d "
            "and %zu doubles,\n         short-lived trees of depth %d..%d "
            "(step %d)\nrgc options: %s\n\n",
            p->stretch_depth, p->long_lived_depth, p->array_size,
            p->min_depth, p->max_depth, p->depth_step,
            options_shown(p->options));
    table_header(out, rep);
    table_row(out, rep, "total", c_total, NULL);
    table_row(out, rep, "GC CPU share", c_gc_cpu, NULL);
    /* Phase labels come from the first run that has them. */
    const struct run_result *model = NULL;
    for (unsigned i = 0; i < rep->count && !model; i++)
        if (rep->results[i].ok)
            model = &rep->results[i];
    for (unsigned ph = 0; model && ph < model->phase_count; ph++) {
        char label[64];
        const struct phase_result *x = &model->phases[ph];
        if (x->trees > 1)
            snprintf(label, sizeof label, "  %s d%d x%llu", x->name,
                     x->depth, (unsigned long long)x->trees);
        else
            snprintf(label, sizeof label, "  %s d%d", x->name, x->depth);
        table_row(out, rep, label, c_phase, &ph);
    }
    table_row(out, rep, "peak RSS", c_rss, NULL);
    table_gc_rows(out, rep);
    table_pause_histograms(out, rep, "trees");
    table_failures(out, rep);
}

void report_table(const struct report *rep, bool histograms, FILE *out)
{
    if (report_is_mtchurn(rep))
        report_mtchurn_table(rep, histograms, out);
    else if (rep->msgbuf)
        msgbuf_table(rep, histograms, out);
    else
        gcbench_table(rep, out);
}
