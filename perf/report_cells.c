/* report_cells.c — cells, rows and the shared blocks of the text tables. */
#include "report_cells.h"


/* ---- formatting ---------------------------------------------------------- */

void fmt_ns(cell c, uint64_t ns)
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

void fmt_bytes(cell c, uint64_t bytes)
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

void fmt_u64(cell c, uint64_t v)
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

/* ---- rows ------------------------------------------------------------------ */

/* Failed runs say so in the first row of a table and stay blank below. */
static bool first_row;

void table_row(FILE *out, const struct report *rep, const char *label,
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

void table_header(FILE *out, const struct report *rep)
{
    fprintf(out, "%-*s", LABEL_W, "");
    for (unsigned i = 0; i < rep->count; i++)
        fprintf(out, " %*s", COL_W, alloc_name(rep->results[i].alloc));
    fputc('\n', out);
    first_row = true;
}

/* ---- cells ------------------------------------------------------------------ */

bool c_latency(cell c, const struct run_result *r, const void *arg)
{
    const double *p = arg;
    fmt_ns(c, *p >= 1.0 ? r->latency.max
                        : histogram_percentile(&r->latency, *p));
    return true;
}

bool c_over_1ms(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    fmt_u64(c, r->over_1ms);
    return true;
}

bool c_mmu(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    snprintf(c, sizeof(cell), "%.1f / %.1f / %.1f %%%s", 100 * r->mmu[0],
             100 * r->mmu[1], 100 * r->mmu[2], r->mmu_truncated ? "*" : "");
    return true;
}

bool c_gc_cpu(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    if (!r->gc.present)
        return false;
    snprintf(c, sizeof(cell), "%.1f %%", 100 * gc_cpu_share(&r->gc));
    return true;
}

bool c_gc_cpu_per_gib(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    if (!r->gc.present)
        return false;
    fmt_ns(c, (uint64_t)gc_cpu_per_gib(&r->gc));
    return true;
}

bool c_total(cell c, const struct run_result *r, const void *arg)
{
    (void)arg;
    fmt_ns(c, r->total_ns);
    return true;
}

bool c_rss(cell c, const struct run_result *r, const void *arg)
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
    GC_OVER_GOAL,
    GC_TTSP_P50,
    GC_TTSP_P99,
    GC_TTSP_MAX,
    GC_START_P99,
    GC_START_MAX,
    GC_END_P99,
    GC_END_MAX,
    GC_RELOCATE_P99,
    GC_RELOCATE_MAX,
    GC_START_WORK,
    GC_END_WORK,
    GC_RELOCATE_WORK,
    GC_FULL_COUNT,
    GC_FULL_MAX,
    GC_STALLS,
    GC_STALL_MAX,
    GC_COPIED,
    GC_LOAD_SLOW,
    GC_LOAD_RELOCATIONS,
    GC_LOAD_WAITS,
    GC_ALLOCATED,
    GC_COMMITTED,
    GC_USED_PEAK,
    GC_META_PEAK,
    GC_META_END,
    GC_REGION_TABLE,
    GC_BITMAP_PEAK,
    GC_FORWARDING_PEAK,
    GC_SATB_PEAK,
};

static bool c_gc(cell c, const struct run_result *r, const void *arg)
{
    if (!r->gc.present)
        return false;
    const rgc_heap_stats *st = &r->gc.stats;
    const rgc_percentiles *p = &r->gc.pauses;
    const rgc_percentiles *tt = &r->gc.ttsp;
    const rgc_percentiles *k = r->gc.kinds, *w = r->gc.work;
    switch (*(const enum gc_field *)arg) {
    case GC_CYCLES: fmt_u64(c, st->cycles); break;
    case GC_PAUSES: fmt_u64(c, p->count); break;
    case GC_P50: fmt_ns(c, p->p50_ns); break;
    case GC_P90: fmt_ns(c, p->p90_ns); break;
    case GC_P99: fmt_ns(c, p->p99_ns); break;
    case GC_P999: fmt_ns(c, p->p999_ns); break;
    case GC_MAX: fmt_ns(c, p->max_ns); break;
    case GC_TOTAL: fmt_ns(c, st->pause_total_ns); break;
    case GC_OVER_GOAL: fmt_u64(c, st->pauses_over_goal); break;
    case GC_TTSP_P50: fmt_ns(c, tt->p50_ns); break;
    case GC_TTSP_P99: fmt_ns(c, tt->p99_ns); break;
    case GC_TTSP_MAX: fmt_ns(c, tt->max_ns); break;
    case GC_START_P99: fmt_ns(c, k[RGC_PAUSE_MARK_START].p99_ns); break;
    case GC_START_MAX: fmt_ns(c, k[RGC_PAUSE_MARK_START].max_ns); break;
    case GC_END_P99: fmt_ns(c, k[RGC_PAUSE_MARK_END].p99_ns); break;
    case GC_END_MAX: fmt_ns(c, k[RGC_PAUSE_MARK_END].max_ns); break;
    case GC_RELOCATE_P99: fmt_ns(c, k[RGC_PAUSE_RELOCATE].p99_ns); break;
    case GC_RELOCATE_MAX: fmt_ns(c, k[RGC_PAUSE_RELOCATE].max_ns); break;
    case GC_START_WORK: fmt_ns(c, w[RGC_PAUSE_MARK_START].max_ns); break;
    case GC_END_WORK: fmt_ns(c, w[RGC_PAUSE_MARK_END].max_ns); break;
    case GC_RELOCATE_WORK: fmt_ns(c, w[RGC_PAUSE_RELOCATE].max_ns); break;
    case GC_FULL_COUNT: fmt_u64(c, k[RGC_PAUSE_FULL].count); break;
    case GC_FULL_MAX: fmt_ns(c, k[RGC_PAUSE_FULL].max_ns); break;
    case GC_STALLS: fmt_u64(c, st->alloc_stalls); break;
    case GC_STALL_MAX: fmt_ns(c, st->alloc_stall_max_ns); break;
    case GC_COPIED: fmt_bytes(c, st->bytes_copied); break;
    case GC_LOAD_SLOW: fmt_u64(c, st->load_slow_paths); break;
    case GC_LOAD_RELOCATIONS: fmt_u64(c, st->load_relocations); break;
    case GC_LOAD_WAITS: fmt_u64(c, st->load_waits); break;
    case GC_ALLOCATED: fmt_bytes(c, st->bytes_allocated); break;
    case GC_COMMITTED: fmt_bytes(c, st->committed); break;
    case GC_USED_PEAK: fmt_bytes(c, r->gc.used_peak); break;
    case GC_META_PEAK: fmt_bytes(c, st->metadata_peak_bytes); break;
    case GC_META_END: fmt_bytes(c, st->metadata_bytes); break;
    case GC_REGION_TABLE: fmt_bytes(c, st->region_table_bytes); break;
    case GC_BITMAP_PEAK: fmt_bytes(c, r->gc.bitmap_peak); break;
    case GC_FORWARDING_PEAK: fmt_bytes(c, r->gc.forwarding_peak); break;
    case GC_SATB_PEAK: fmt_bytes(c, r->gc.satb_peak); break;
    }
    return true;
}

/* ---- shared blocks ---------------------------------------------------------- */

void table_gc_rows(FILE *out, const struct report *rep)
{
    static const struct {
        const char *label;
        enum gc_field f;
    } rows[] = {
        {"GC cycles", GC_CYCLES},      {"GC pauses", GC_PAUSES},
        {"  pause p50", GC_P50},       {"  pause p90", GC_P90},
        {"  pause p99", GC_P99},       {"  pause p99.9", GC_P999},
        {"  pause max", GC_MAX},       {"  pause total", GC_TOTAL},
        {"  over max_pause", GC_OVER_GOAL},
        {"  ttsp p50", GC_TTSP_P50},   {"  ttsp p99", GC_TTSP_P99},
        {"  ttsp max", GC_TTSP_MAX},
        {"  mark start p99", GC_START_P99},
        {"  mark start max", GC_START_MAX},
        {"  mark end p99", GC_END_P99},
        {"  mark end max", GC_END_MAX},
        {"  relocate p99", GC_RELOCATE_P99},
        {"  relocate max", GC_RELOCATE_MAX},
        {"  work max: mark start", GC_START_WORK},
        {"    mark end", GC_END_WORK},
        {"    relocate", GC_RELOCATE_WORK},
        {"  full pauses", GC_FULL_COUNT},
        {"  full max", GC_FULL_MAX},
        {"allocation stalls", GC_STALLS},
        {"  stall max", GC_STALL_MAX},
        {"bytes copied", GC_COPIED},
        {"  load slow paths", GC_LOAD_SLOW},
        {"  load relocations", GC_LOAD_RELOCATIONS},
        {"  load waits", GC_LOAD_WAITS},
        {"bytes allocated", GC_ALLOCATED},
        {"committed at end", GC_COMMITTED},
        {"used peak (sampled)", GC_USED_PEAK},
        {"metadata peak", GC_META_PEAK},
        {"  metadata at end", GC_META_END},
        {"  region table", GC_REGION_TABLE},
        {"  bitmaps peak", GC_BITMAP_PEAK},
        {"  forwarding peak", GC_FORWARDING_PEAK},
        {"  SATB peak", GC_SATB_PEAK},
    };
    bool any = false;
    for (unsigned i = 0; i < rep->count; i++)
        any |= rep->results[i].gc.present;
    if (!any)
        return;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        table_row(out, rep, rows[i].label, c_gc, &rows[i].f);
}

void table_pause_histograms(FILE *out, const struct report *rep,
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

void table_latency_histograms(FILE *out, const struct report *rep)
{
    for (unsigned i = 0; i < rep->count; i++) {
        const struct run_result *r = &rep->results[i];
        if (!r->ok)
            continue;
        fprintf(out, "\n%s push latency (%llu pushes%s):\n",
                alloc_name(r->alloc), (unsigned long long)r->latency.count,
                r->thread_count > 1 ? ", all threads" : "");
        histogram_print(&r->latency, out);
    }
}

void table_failures(FILE *out, const struct report *rep)
{
    for (unsigned i = 0; i < rep->count; i++)
        if (!rep->results[i].ok)
            fprintf(out, "\n%s FAILED: %s\n",
                    alloc_name(rep->results[i].alloc),
                    rep->results[i].error);
}

const char *options_shown(const char *options)
{
    return options && *options ? options : "(defaults)";
}
