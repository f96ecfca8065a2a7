/* report_json.c — the one JSON object of an invocation. */
#include "report.h"

#include <stdlib.h>

void json_string(FILE *out, const char *s)
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

void json_options(FILE *out, const char *options)
{
    fputs("\"options\":", out);
    json_string(out, options ? options : "");
    fputs(",\"rgc_options_env\":", out);
    const char *env = getenv("RGC_OPTIONS");
    if (env)
        json_string(out, env);
    else
        fputs("null", out);
}

static void json_u64(FILE *out, const char *key, uint64_t v, bool comma)
{
    fprintf(out, "\"%s\":%llu%s", key, (unsigned long long)v,
            comma ? "," : "");
}

/* "key":{"count":..,"p50":..,"p90":..,"p99":..,"p999":..,"max":.. */
static void json_percentiles_open(FILE *out, const char *key,
                                  const rgc_percentiles *p)
{
    fprintf(out, "\"%s\":{", key);
    json_u64(out, "count", p->count, true);
    json_u64(out, "p50", p->p50_ns, true);
    json_u64(out, "p90", p->p90_ns, true);
    json_u64(out, "p99", p->p99_ns, true);
    json_u64(out, "p999", p->p999_ns, true);
    json_u64(out, "max", p->max_ns, false);
}

static void json_gc(FILE *out, const struct gc_result *gc)
{
    if (!gc->present) {
        fputs("\"gc\":null", out);
        return;
    }
    const rgc_heap_stats *st = &gc->stats;
    fputs("\"gc\":{", out);
    json_u64(out, "cycles", st->cycles, true);
    json_percentiles_open(out, "pauses", &gc->pauses);
    fputc(',', out);
    json_u64(out, "total_ns", st->pause_total_ns, false);
    fputs("},", out);
    json_percentiles_open(out, "ttsp", &gc->ttsp);
    fputs("},", out);
    static const char *const kind_names[RGC_PAUSE_KINDS] = {
        "mark_start", "mark_end", "relocate", "full"};
    fputs("\"pause_kinds\":{", out);
    for (int k = 0; k < RGC_PAUSE_KINDS; k++) {
        json_percentiles_open(out, kind_names[k], &gc->kinds[k]);
        fputs(k + 1 < RGC_PAUSE_KINDS ? "}," : "}", out);
    }
    fputs("},\"pause_work\":{", out);
    for (int k = 0; k < RGC_PAUSE_KINDS; k++) {
        json_percentiles_open(out, kind_names[k], &gc->work[k]);
        fputs(k + 1 < RGC_PAUSE_KINDS ? "}," : "}", out);
    }
    fputs("},", out);
    json_percentiles_open(out, "stalls", &gc->stalls);
    fputs("},", out);
    json_u64(out, "pauses_over_goal", st->pauses_over_goal, true);
    json_u64(out, "gc_cpu_ns", gc->gc_cpu_ns, true);
    json_u64(out, "gc_assist_ns", st->gc_assist_ns, true);
    json_u64(out, "process_cpu_ns", gc->process_cpu_ns, true);
    json_u64(out, "full_cycles", st->full_cycles, true);
    json_u64(out, "degenerated_cycles", st->degenerated_cycles, true);
    json_u64(out, "bytes_copied", st->bytes_copied, true);
    json_u64(out, "load_slow_paths", st->load_slow_paths, true);
    json_u64(out, "load_relocations", st->load_relocations, true);
    json_u64(out, "load_waits", st->load_waits, true);
    json_u64(out, "bytes_allocated", st->bytes_allocated, true);
    json_u64(out, "regions_freed", st->regions_freed, true);
    json_u64(out, "heap_max", st->heap_max, true);
    json_u64(out, "region_size", st->region_size, true);
    json_u64(out, "committed_bytes", st->committed, true);
    json_u64(out, "live_bytes", st->live_after_last_cycle, true);
    json_u64(out, "used_peak_bytes", gc->used_peak, true);
    json_u64(out, "metadata_bytes", st->metadata_bytes, true);
    json_u64(out, "metadata_peak_bytes", st->metadata_peak_bytes, true);
    json_u64(out, "region_table_bytes", st->region_table_bytes, true);
    json_u64(out, "bitmap_bytes", st->bitmap_bytes, true);
    json_u64(out, "bitmap_peak_bytes", gc->bitmap_peak, true);
    json_u64(out, "forwarding_bytes", st->forwarding_bytes, true);
    json_u64(out, "forwarding_peak_bytes", gc->forwarding_peak, true);
    json_u64(out, "satb_bytes", st->satb_bytes, true);
    json_u64(out, "satb_peak_bytes", gc->satb_peak, true);
    json_u64(out, "oom_count", st->oom_count, false);
    fputc('}', out);
}

/* "mmu":{"1ms":U,"10ms":U,"100ms":U,"truncated":B}, */
static void json_mmu(FILE *out, const double *mmu, bool truncated)
{
    fputs("\"mmu\":{", out);
    for (int k = 0; k < MMU_WINDOWS; k++)
        fprintf(out, "\"%llums\":%.4f,",
                (unsigned long long)(mmu_window_ns[k] / NS_PER_MS), mmu[k]);
    fprintf(out, "\"truncated\":%s},", truncated ? "true" : "false");
}

/* "attribution":null, or {...,"over_10us":{"all":{"count":N,"ns":N},
 * "pause_ttsp":{...},...},"over_100us":{...},"over_1ms":{...}}, */
static void json_attribution(FILE *out, const struct attribution *a)
{
    if (!a->present) {
        fputs("\"attribution\":null,", out);
        return;
    }
    fputs("\"attribution\":{", out);
    json_u64(out, "pushes", a->pushes, true);
    json_u64(out, "getrusage_ns", a->cost_ns, true);
    json_u64(out, "pauses", a->pauses, true);
    json_u64(out, "stalls", a->stalls, true);
    fprintf(out, "\"pushes_truncated\":%s,\"events_truncated\":%s",
            a->pushes_truncated ? "true" : "false",
            a->events_truncated ? "true" : "false");
    for (int l = 0; l < ATTRIBUTION_LEVELS; l++) {
        fprintf(out, ",\"%s\":{", attribution_level_key[l]);
        uint64_t count = 0, total = 0;
        for (int k = 0; k < ATTRIBUTION_CAUSES; k++) {
            count += a->count[l][k];
            total += a->ns[l][k];
        }
        fprintf(out, "\"all\":{\"count\":%llu,\"ns\":%llu}",
                (unsigned long long)count, (unsigned long long)total);
        for (int k = 0; k < ATTRIBUTION_CAUSES; k++)
            fprintf(out, ",\"%s\":{\"count\":%llu,\"ns\":%llu}",
                    attribution_cause_key[k],
                    (unsigned long long)a->count[l][k],
                    (unsigned long long)a->ns[l][k]);
        fputc('}', out);
    }
    fputs("},", out);
}

/* "latency_ns":{...},"pushes":N,"over_1ms":N, */
static void json_latency(FILE *out, const struct histogram *h,
                         uint64_t over_1ms)
{
    fputs("\"latency_ns\":{", out);
    /* 1 - 1/10^k for k = 1..5 (and the median), so a plot can draw every
     * system up to five nines. */
    json_u64(out, "p50", histogram_percentile(h, 0.50), true);
    json_u64(out, "p90", histogram_percentile(h, 0.90), true);
    json_u64(out, "p99", histogram_percentile(h, 0.99), true);
    json_u64(out, "p999", histogram_percentile(h, 0.999), true);
    json_u64(out, "p9999", histogram_percentile(h, 0.9999), true);
    json_u64(out, "p99999", histogram_percentile(h, 0.99999), true);
    json_u64(out, "max", h->max, true);
    json_u64(out, "mean", h->count ? h->sum / h->count : 0, false);
    fputs("},", out);
    json_u64(out, "pushes", h->count, true);
    json_u64(out, "over_1ms", over_1ms, true);
}

static void json_threads(FILE *out, const struct run_result *r)
{
    fputs("\"per_thread\":[", out);
    for (unsigned i = 0; i < r->thread_count; i++) {
        const struct thread_result *t = &r->threads[i];
        fprintf(out, "%s{\"thread\":%u,", i ? "," : "", i);
        json_latency(out, &t->latency, t->over_1ms);
        json_mmu(out, t->mmu, t->mmu_truncated);
        json_u64(out, "loop_ns", t->loop_ns, false);
        fputc('}', out);
    }
    fputs("],", out);
}

static void json_phases(FILE *out, const struct run_result *r)
{
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
        json_latency(out, &r->latency, r->over_1ms);
        json_mmu(out, r->mmu, r->mmu_truncated);
        json_attribution(out, &r->attribution);
        json_threads(out, r);
    } else {
        json_phases(out, r);
    }
    json_u64(out, "total_ns", r->total_ns, true);
    fprintf(out, "\"gc_cpu_share\":%.4f,", gc_cpu_share(&r->gc));
    fprintf(out, "\"rss_start_kb\":%ld,\"peak_rss_kb\":%ld,", r->rss_start_kb,
            r->peak_rss_kb);
    json_gc(out, &r->gc);
    fputc('}', out);
}

static void json_params(FILE *out, const struct report *rep)
{
    fputs(",\"params\":{", out);
    const char *options;
    if (rep->msgbuf) {
        const struct msgbuf_params *p = rep->msgbuf;
        json_u64(out, "threads", p->threads, true);
        json_u64(out, "window", p->window, true);
        json_u64(out, "messages", p->messages, true);
        json_u64(out, "msg_size", p->msg_size, true);
        json_u64(out, "keep_every", p->keep_every, true);
        json_u64(out, "handles", p->handles, true);
        json_u64(out, "global_roots", p->global_roots, true);
        fprintf(out, "\"attribute\":%s,", p->attribute ? "true" : "false");
        fprintf(out, "\"random\":%s,", p->random ? "true" : "false");
        json_u64(out, "temps", p->temps, true);
        json_u64(out, "temp_size", p->temp_size, true);
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
    json_options(out, options);
    fputc(',', out);
    json_u64(out, "settle_ms", rep->settle_ms, false);
    fputs("}", out);
}

void report_json(const struct report *rep, FILE *out)
{
    fputs("{\"workload\":", out);
    json_string(out, rep->workload);
    json_params(out, rep);
    fputs(",\"results\":[", out);
    for (unsigned i = 0; i < rep->count; i++) {
        if (i)
            fputc(',', out);
        json_result(out, rep, &rep->results[i]);
    }
    fputs("]}\n", out);
}
