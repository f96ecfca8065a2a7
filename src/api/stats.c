/* stats.c — rgc_stats and pause percentiles. */
#include "rgc_heap.h"

void rgc_stats(rgc_heap *heap, rgc_heap_stats *out)
{
    size_t open_tlab = heap->thread ? tlab_used(heap->thread) : 0;
    *out = (rgc_heap_stats){
        .heap_max = heap->config.heap_max,
        .region_size = heap->regions.region_size,
        .committed = heap->regions.committed_count * heap->regions.region_size,
        .used = heap->used + open_tlab,
        .live_after_last_cycle = heap->live,
        .cycles = heap->cycles,
        .bytes_allocated = heap->bytes_allocated + open_tlab,
        .bytes_copied = heap->bytes_copied,
        .regions_freed = heap->regions_freed,
        .pause_count = heap->pauses.count,
        .pause_total_ns = heap->pauses.sum,
        .pause_max_ns = heap->pauses.max,
        .oom_count = heap->oom_count,
    };
}

void rgc_pause_percentiles(rgc_heap *heap, rgc_percentiles *out)
{
    const struct histogram *h = &heap->pauses;
    *out = (rgc_percentiles){
        .count = h->count,
        .p50_ns = histogram_percentile(h, 0.50),
        .p90_ns = histogram_percentile(h, 0.90),
        .p99_ns = histogram_percentile(h, 0.99),
        .p999_ns = histogram_percentile(h, 0.999),
        .max_ns = histogram_percentile(h, 1.0),
    };
}
