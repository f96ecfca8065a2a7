/* stats.c — rgc_stats and the pause, stall and time-to-safepoint
 * percentiles.  The GC threads' CPU time is read here, on demand, so
 * keeping it costs the collector nothing. */
#include "base/error.h"
#include "rgc_heap.h"

void rgc_stats(rgc_heap *heap, rgc_heap_stats *out)
{
    const struct region_table *rt = &heap->regions;
    pthread_mutex_lock(&heap->stats_lock);
    uint64_t pauses = heap->pauses.count, total = heap->pauses.sum,
             max = heap->pauses.max, stall_total = heap->stalls.sum,
             stall_max = heap->stalls.max;
    pthread_mutex_unlock(&heap->stats_lock);
    *out = (rgc_heap_stats){
        .heap_max = heap->config.heap_max,
        .region_size = rt->region_size,
        .committed = HEAP_GET(rt->committed_count) * rt->region_size,
        .used = HEAP_GET(heap->used),
        .live_after_last_cycle = HEAP_GET(heap->live),
        .cycles = HEAP_GET(heap->cycles),
        .bytes_allocated = HEAP_GET(heap->bytes_allocated),
        .bytes_copied = HEAP_GET(heap->bytes_copied),
        .regions_freed = HEAP_GET(heap->regions_freed),
        .pause_count = pauses,
        .pause_total_ns = total,
        .pause_max_ns = max,
        .pauses_over_goal = HEAP_GET(heap->pauses_over_goal),
        .gc_cpu_ns = driver_cpu_ns(heap) + workers_cpu_ns(&heap->workers) +
                     HEAP_GET(heap->assist_ns),
        .gc_assist_ns = HEAP_GET(heap->assist_ns),
        .gc_yields = HEAP_GET(heap->workers.share.sleeps),
        .gc_yield_ns = HEAP_GET(heap->workers.share.slept_ns),
        .oom_count = HEAP_GET(heap->oom_count),
        .full_cycles = HEAP_GET(heap->full_cycles),
        .degenerated_cycles = HEAP_GET(heap->degenerated_cycles),
        .alloc_stalls = HEAP_GET(heap->alloc_stalls),
        .alloc_stall_total_ns = stall_total,
        .alloc_stall_max_ns = stall_max,
        .load_slow_paths = HEAP_GET(heap->load_slow),
        .load_relocations = HEAP_GET(heap->load_relocations),
        .load_waits = HEAP_GET(heap->load_waits),
        .regions_in_place = HEAP_GET(heap->regions_in_place),
        .regions_uncommitted = HEAP_GET(heap->regions_uncommitted),
        .metadata_bytes = HEAP_GET(rt->meta.total),
        .metadata_peak_bytes = HEAP_GET(rt->meta.peak),
        .region_table_bytes = meta_bytes(&rt->meta, META_REGION_TABLE),
        .bitmap_bytes = meta_bytes(&rt->meta, META_BITMAP),
        .forwarding_bytes = meta_bytes(&rt->meta, META_FORWARDING),
        .satb_bytes = meta_bytes(&rt->meta, META_SATB),
    };
}

static void percentiles(rgc_heap *heap, const struct histogram *h,
                        rgc_percentiles *out)
{
    pthread_mutex_lock(&heap->stats_lock);
    *out = (rgc_percentiles){
        .count = h->count,
        .p50_ns = histogram_percentile(h, 0.50),
        .p90_ns = histogram_percentile(h, 0.90),
        .p99_ns = histogram_percentile(h, 0.99),
        .p999_ns = histogram_percentile(h, 0.999),
        .max_ns = histogram_percentile(h, 1.0),
    };
    pthread_mutex_unlock(&heap->stats_lock);
}

void rgc_pause_percentiles(rgc_heap *heap, rgc_percentiles *out)
{
    percentiles(heap, &heap->pauses, out);
}

void rgc_ttsp_percentiles(rgc_heap *heap, rgc_percentiles *out)
{
    percentiles(heap, &heap->ttsp, out);
}

/* kinds: one histogram per pause kind; call: the API call, for the error. */
static int kind_percentiles(rgc_heap *heap, struct histogram *kinds,
                            rgc_pause_kind kind, rgc_percentiles *out,
                            const char *call)
{
    if ((unsigned)kind >= RGC_PAUSE_KINDS)
        return rgc_fail(RGC_EINVAL, "%s: unknown pause kind %d", call,
                        (int)kind);
    percentiles(heap, &kinds[kind], out);
    return RGC_OK;
}

int rgc_pause_kind_percentiles(rgc_heap *heap, rgc_pause_kind kind,
                               rgc_percentiles *out)
{
    return kind_percentiles(heap, heap->pause_kind, kind, out,
                            "rgc_pause_kind_percentiles");
}

int rgc_pause_work_percentiles(rgc_heap *heap, rgc_pause_kind kind,
                               rgc_percentiles *out)
{
    return kind_percentiles(heap, heap->pause_work, kind, out,
                            "rgc_pause_work_percentiles");
}

void rgc_stall_percentiles(rgc_heap *heap, rgc_percentiles *out)
{
    percentiles(heap, &heap->stalls, out);
}
