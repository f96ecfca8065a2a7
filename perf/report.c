/* report.c — side-by-side tables and the JSON object. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_W 22
#define COL_W 14

/* ---- formatting ---------------------------------------------------------- */

typedef char cell[32];

static void fmt_ns(cell c, uint64_t ns)
{
    if (ns < 1000)
        snprintf(c, sizeof(cell), "%llu ns", (unsigned long long)ns);
    else if (ns < 10000)
        snprintf(c, sizeof(cell), "%.2f us", ns / 1e3);
    else if (ns < 1000000)
        snprintf(c, sizeof(cell), "%.1f us", ns / 1e3);
    else if (ns < 1000000000)
        snprintf(c, sizeof(cell), "%.2f ms", ns / 1e6);
    else
        snprintf(c, sizeof(cell), "%.3f s", ns / 1e9);
}

static void fmt_bytes(cell c, uint64_t bytes)
{
    if (bytes < 10 * 1024)
        snprintf(c, sizeof(cell), "%llu B", (unsigned long long)bytes);
    else if (bytes < 10ull * 1024 * 1024)
        snprintf(c, sizeof(cell), "%.1f KiB", bytes / 1024.0);
    else if (bytes < 10ull * 1024 * 1024 * 1024)
        snprintf(c, sizeof(cell), "%.1f MiB", bytes / (1024.0 * 1024));
    else
        snprintf(c, sizeof(cell), "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
}

static void fmt_u64(cell c, uint64_t v)
{
    snprintf(c, sizeof(cell), "%llu", (unsigned long long)v);
}

static void fmt_rss(cell c, long kb)
{
    if (kb < 0)
        snprintf(c, sizeof(cell), "?");
    else
        fmt_bytes(c, (uint64_t)kb * 1024);
}

/* A row: the label, then one cell per run ("-" where a value does not
 * apply, blank for failed runs). */
typedef bool (*cell_fn)(cell c, const struct run_result *r, const void *arg);

/* Failed runs say so in the first row of a table and stay blank below. */
static bool first_row;

static void row(FILE *out, const struct report *rep, const char *label,
                cell_fn fn, const void *arg)
{
    fprintf(out, "%-*s", LABEL_W, label);
    for (unsigned i = 0; i < rep->count; i++) {
        const struct run_result *r = &rep->results[i];
        cell c = "";
        if (!r->ok)
            snprintf(c, sizeof c, "%s", first_row ? "FAILED" : "");
        else if (!fn(c, r, arg))
            snprintf(c, sizeof c, "-");
        fprintf(out, " %*s", COL_W, c);
    }
    fputc('\n', out);
    first_row = false;
}

static void header(FILE *out, const struct report *rep)
{
    fprintf(out, "%-*s", LABEL_W, "");
    for (unsigned i = 0; i < rep->count; i++)
        fprintf(out, " %*s", COL_W, alloc_name(rep->results[i].alloc));
    fputc('\n', out);
    first_row = true;
}

/* ---- cells ------------------------------------------------------------------ */

static bool c_latency(cell c, const struct run_result *r, const void *arg)
{
    const double *p = arg;
    fmt_ns(c, *p >= 1.0 ? r->latency.max
                        : histogram_percentile(&r->latency, *p));
    return true;
}

static bool c_over_1ms(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    fmt_u64(c, r->over_1ms);
    return true;
}

static bool c_total(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    fmt_ns(c, r->total_ns);
    return true;
}

static bool c_rss(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    fmt_rss(c, r->peak_rss_kb);
    return true;
}

enum gc_field {
    GC_CYCLES,
    GC_PAUSES,
    GC_P50,
    GC_P90,
    GC_P99,
    GC_P999,
    GC_MAX,
    GC_TOTAL,
    GC_COPIED,
    GC_ALLOCATED,
    GC_COMMITTED,
};

static bool c_gc(cell c, const struct run_result *r, const void *arg)
{
    if (!r->gc.present)
        return false;
    const rgc_heap_stats *st = &r->gc.stats;
    const rgc_percentiles *p = &r->gc.pauses;
    switch (*(const enum gc_field *)arg) {
    case GC_CYCLES: fmt_u64(c, st->cycles); break;
    case GC_PAUSES: fmt_u64(c, p->count); break;
    case GC_P50: fmt_ns(c, p->p50_ns); break;
    case GC_P90: fmt_ns(c, p->p90_ns); break;
    case GC_P99: fmt_ns(c, p->p99_ns); break;
    case GC_P999: fmt_ns(c, p->p999_ns); break;
    case GC_MAX: fmt_ns(c, p->max_ns); break;
    case GC_TOTAL: fmt_ns(c, st->pause_total_ns); break;
    case GC_COPIED: fmt_bytes(c, st->bytes_copied); break;
    case GC_ALLOCATED: fmt_bytes(c, st->bytes_allocated); break;
    case GC_COMMITTED: fmt_bytes(c, st->committed); break;
    }
    return true;
}

static bool c_phase(cell c, const struct run_result *r, const void *arg)
{
    unsigned i = *(const unsigned *)arg;
    if (i >= r->phase_count)
        return false;
    fmt_ns(c, r->phases[i].ns);
    return true;
}

static void gc_rows(FILE *out, const struct report *rep)
{
    static const struct {
        const char *label;
        enum gc_field f;
    } rows[] = {
        {"GC cycles", GC_CYCLES},      {"GC pauses", GC_PAUSES},
        {"  pause p50", GC_P50},       {"  pause p90", GC_P90},
        {"  pause p99", GC_P99},       {"  pause p99.9", GC_P999},
        {"  pause max", GC_MAX},       {"  pause total", GC_TOTAL},
        {"bytes copied", GC_COPIED},   {"bytes allocated", GC_ALLOCATED},
        {"committed at end", GC_COMMITTED},
    };
    bool any = false;
    for (unsigned i = 0; i < rep->count; i++)
        any |= rep->results[i].gc.present;
    if (!any)
        return;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        row(out, rep, rows[i].label, c_gc, &rows[i].f);
}

static void pause_histograms(FILE *out, const struct report *rep,
                             const char *between)
{
    for (unsigned i = 0; i < rep->count; i++) {
        const struct run_result *r = &rep->results[i];
        if (!r->ok || !r->gc.present)
            continue;
        fprintf(out,
                "\n%s GC pauses: %llu, rebuilt from rgc_stats read between "
                "%s",
                alloc_name(r->alloc), (unsigned long long)r->gc.probe.count,
                between);
        if (r->gc.probe_merged)
            fprintf(out, " (%llu shown at the mean of several between two "
                         "reads)",
                    (unsigned long long)r->gc.probe_merged);
        if (r->gc.probe.count != r->gc.pauses.count)
            fprintf(out, "; rgc counted %llu",
                    (unsigned long long)r->gc.pauses.count);
        fprintf(out, ":\n");
        if (r->gc.probe.count)
            histogram_print(&r->gc.probe, out);
        else
            fprintf(out, "  (none)\n");
    }
}

static void failures(FILE *out, const struct report *rep)
{
    for (unsigned i = 0; i < rep->count; i++)
        if (!rep->results[i].ok)
            fprintf(out, "\n%s FAILED: %s\n",
                    alloc_name(rep->results[i].alloc),
                    rep->results[i].error);
}

static const char *options_shown(const char *options)
{
    return options && *options ? options : "(defaults)";
}

/* ---- tables ------------------------------------------------------------------ */

static void msgbuf_table(const struct report *rep, bool histograms,
                         FILE *out)
{
    const struct msgbuf_params *p = rep->msgbuf;
    cell live;
    fmt_bytes(live, (uint64_t)p->window * p->msg_size);
    const char *env = getenv("RGC_OPTIONS");
    fprintf(out,
            "msgbuf: %llu pushes of %zu-byte messages into a window of %zu "
            "(%s live)\nrgc options: %s%s%s\n\n",
            (unsigned long long)p->messages, p->msg_size, p->window, live,
            options_shown(p->options), env ? ", RGC_OPTIONS=" : "",
            env ? env : "");
    header(out, rep);
    static const struct {
        const char *label;
        double p;
    } lat[] = {{"push p50", 0.50},     {"push p99", 0.99},
               {"push p99.9", 0.999},  {"push p99.99", 0.9999},
               {"push max", 1.0}};
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++)
        row(out, rep, lat[i].label, c_latency, &lat[i].p);
    row(out, rep, "pushes over 1 ms", c_over_1ms, NULL);
    row(out, rep, "loop time", c_total, NULL);
    row(out, rep, "peak RSS", c_rss, NULL);
    gc_rows(out, rep);
    pause_histograms(out, rep, "pushes");
    if (histograms)
        for (unsigned i = 0; i < rep->count; i++) {
            const struct run_result *r = &rep->results[i];
            if (!r->ok)
                continue;
            fprintf(out, "\n%s push latency (%llu pushes):\n",
                    alloc_name(r->alloc),
                    (unsigned long long)r->latency.count);
            histogram_print(&r->latency, out);
        }
    failures(out, rep);
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
    header(out, rep);
    row(out, rep, "total", c_total, NULL);
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
        row(out, rep, label, c_phase, &ph);
    }
    row(out, rep, "peak RSS", c_rss, NULL);
    gc_rows(out, rep);
    pause_histograms(out, rep, "trees");
    failures(out, rep);
}

void report_table(const struct report *rep, bool histograms, FILE *out)
{
    if (rep->msgbuf)
        msgbuf_table(rep, histograms, out);
    else
        gcbench_table(rep, out);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_u64(FILE *out, const char *key, uint64_t v, bool comma)
{
    fprintf(out, "\"%s\":%llu%s", key, (unsigned long long)v,
            comma ? "," : "");
}

static void json_gc(FILE *out, const struct gc_result *gc)
{
    if (!gc->present) {
        fputs("\"gc\":null", out);
        return;
    }
    const rgc_heap_stats *st = &gc->stats;
    const rgc_percentiles *p = &gc->pauses;
    fputs("\"gc\":{", out);
    json_u64(out, "cycles", st->cycles, true);
    fputs("\"pauses\":{", out);
    json_u64(out, "count", p->count, true);
    json_u64(out, "p50", p->p50_ns, true);
    json_u64(out, "p90", p->p90_ns, true);
    json_u64(out, "p99", p->p99_ns, true);
    json_u64(out, "p999", p->p999_ns, true);
    json_u64(out, "max", p->max_ns, true);
    json_u64(out, "total_ns", st->pause_total_ns, false);
    fputs("},", out);
    json_u64(out, "bytes_copied", st->bytes_copied, true);
    json_u64(out, "bytes_allocated", st->bytes_allocated, true);
    json_u64(out, "regions_freed", st->regions_freed, true);
    json_u64(out, "heap_max", st->heap_max, true);
    json_u64(out, "region_size", st->region_size, true);
    json_u64(out, "committed_bytes", st->committed, true);
    json_u64(out, "live_bytes", st->live_after_last_cycle, true);
    json_u64(out, "oom_count", st->oom_count, false);
    fputc('}', out);
}

static void json_result(FILE *out, const struct report *rep,
                        const struct run_result *r)
{
    fputs("{\"alloc\":", out);
    json_string(out, alloc_name(r->alloc));
    fprintf(out, ",\"ok\":%s,", r->ok ? "true" : "false");
    if (!r->ok) {
        fputs("\"error\":", out);
        json_string(out, r->error);
        fputc('}', out);
        return;
    }
    if (rep->msgbuf) {
        const struct histogram *h = &r->latency;
        fputs("\"latency_ns\":{", out);
        json_u64(out, "p50", histogram_percentile(h, 0.50), true);
        json_u64(out, "p99", histogram_percentile(h, 0.99), true);
        json_u64(out, "p999", histogram_percentile(h, 0.999), true);
        json_u64(out, "p9999", histogram_percentile(h, 0.9999), true);
        json_u64(out, "max", h->max, true);
        json_u64(out, "mean", h->count ? h->sum / h->count : 0, false);
        fputs("},", out);
        json_u64(out, "pushes", h->count, true);
        json_u64(out, "over_1ms", r->over_1ms, true);
    } else {
        fputs("\"phases\":[", out);
        for (unsigned i = 0; i < r->phase_count; i++) {
            const struct phase_result *ph = &r->phases[i];
            fprintf(out, "%s{\"phase\":", i ? "," : "");
            json_string(out, ph->name);
            fprintf(out, ",\"depth\":%d,", ph->depth);
            json_u64(out, "trees", ph->trees, true);
            json_u64(out, "ns", ph->ns, false);
            fputc('}', out);
        }
        fputs("],", out);
    }
    json_u64(out, "total_ns", r->total_ns, true);
    fprintf(out, "\"rss_start_kb\":%ld,\"peak_rss_kb\":%ld,", r->rss_start_kb,
            r->peak_rss_kb);
    json_gc(out, &r->gc);
    fputc('}', out);
}

void report_json(const struct report *rep, FILE *out)
{
    fputs("{\"workload\":", out);
    json_string(out, rep->workload);
    fputs(",\"params\":{", out);
    const char *options;
    if (rep->msgbuf) {
        const struct msgbuf_params *p = rep->msgbuf;
        json_u64(out, "window", p->window, true);
        json_u64(out, "messages", p->messages, true);
        json_u64(out, "msg_size", p->msg_size, true);
        options = p->options;
    } else {
        const struct gcbench_params *p = rep->gcbench;
        fprintf(out,
                "\"stretch_depth\":%d,\"long_lived_depth\":%d,"
                "\"min_depth\":%d,\"max_depth\":%d,\"depth_step\":%d,",
                p->stretch_depth, p->long_lived_depth, p->min_depth,
                p->max_depth, p->depth_step);
        json_u64(out, "array_size", p->array_size, true);
        options = p->options;
    }
    fputs("\"options\":", out);
    json_string(out, options ? options : "");
    fputs(",\"rgc_options_env\":", out);
    const char *env = getenv("RGC_OPTIONS");
    if (env)
        json_string(out, env);
    else
        fputs("null", out);
    fputc(',', out);
    json_u64(out, "settle_ms", rep->settle_ms, false);
    fputs("},\"results\":[", out);
    for (unsigned i = 0; i < rep->count; i++) {
        if (i)
            fputc(',', out);
        json_result(out, rep, &rep->results[i]);
    }
    fputs("]}\n", out);
}
