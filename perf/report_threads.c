/* report_threads.c — per-thread rows and the mtchurn table. */
#include "report.h"

#include <stdlib.h>

#include "report_cells.h"

struct thread_cell {
    unsigned thread;
    double p; /* percentile in [0, 1]; 1: the exact max; < 0: loop time */
};

static bool c_thread(cell c, const struct run_result *r, const void *arg)
{
    const struct thread_cell *tc = arg;
    if (tc->thread >= r->thread_count)
        return false;
    const struct thread_result *t = &r->threads[tc->thread];
    if (tc->p < 0)
        fmt_ns(c, t->loop_ns);
    else
        fmt_ns(c, tc->p >= 1.0 ? t->latency.max
                               : histogram_percentile(&t->latency, tc->p));
    return true;
}

void report_thread_rows(const struct report *rep, FILE *out)
{
    static const struct {
        const char *suffix;
        double p;
    } rows[] = {{"p50", 0.50}, {"p99", 0.99}, {"p99.9", 0.999},
                {"max", 1.0},  {"loop", -1.0}};
    for (unsigned t = 0; t < rep->msgbuf->threads; t++)
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            char label[32];
            snprintf(label, sizeof label, "thread %u %s", t, rows[i].suffix);
            struct thread_cell tc = {t, rows[i].p};
            table_row(out, rep, label, c_thread, &tc);
        }
}

void report_mtchurn_table(const struct report *rep, bool histograms,
                          FILE *out)
{
    const struct msgbuf_params *p = rep->msgbuf;
    cell live, all;
    fmt_bytes(live, ring_live_bytes(p));
    fmt_bytes(all, ring_live_bytes(p) * p->threads);
    const char *env = getenv("RGC_OPTIONS");
    fprintf(out,
            "mtchurn: %u thread%s, %s%llu pushes of %zu-byte messages "
            "into its own window of %zu\n         (%s live per thread, %s "
            "in all",
            p->threads, p->threads == 1 ? "" : "s",
            p->threads == 1 ? "" : "each ",
            (unsigned long long)p->messages, p->msg_size, p->window, live,
            all);
    ring_notes(out, p);
    fprintf(out, ")\nrgc options: %s%s%s\n\n", options_shown(p->options),
            env ? ", RGC_OPTIONS=" : "", env ? env : "");
    table_header(out, rep);
    static const struct {
        const char *label;
        double p;
    } lat[] = {{"all threads p50", 0.50},
               {"all threads p99", 0.99},
               {"all threads p99.9", 0.999},
               {"all threads max", 1.0}};
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++)
        table_row(out, rep, lat[i].label, c_latency, &lat[i].p);
    report_push_rows(rep, true, histograms, out);
}

void report_push_rows(const struct report *rep, bool per_thread,
                      bool histograms, FILE *out)
{
    table_row(out, rep, "pushes over 1 ms", c_over_1ms, NULL);
    table_row(out, rep, "MMU 1/10/100 ms", c_mmu, NULL);
    table_row(out, rep, "GC CPU share", c_gc_cpu, NULL);
    table_row(out, rep, "GC CPU per GiB", c_gc_cpu_per_gib, NULL);
    if (per_thread)
        report_thread_rows(rep, out);
    table_row(out, rep, per_thread ? "wall time" : "loop time", c_total,
              NULL);
    table_row(out, rep, "peak RSS", c_rss, NULL);
    table_gc_rows(out, rep);
    report_attribution_table(rep, out);
    table_pause_histograms(out, rep, "pushes");
    if (histograms)
        table_latency_histograms(out, rep);
    table_failures(out, rep);
}
