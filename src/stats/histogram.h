/*
 * histogram.h — a log-linear histogram of nanosecond durations.
 *
 * Values below 32 have a bucket each; above, every power of two is split
 * into 32 linear sub-buckets, so a reported percentile (the upper bound of
 * its bucket, capped at the exact maximum) is at most 1/32 above the true
 * value.  Fixed size, no allocation: safe to record into inside a pause.
 */
#ifndef RGC_STATS_HISTOGRAM_H
#define RGC_STATS_HISTOGRAM_H

#include <stdint.h>
#include <stdio.h>

#define HISTOGRAM_SUB_BITS 5
#define HISTOGRAM_SUB (1u << HISTOGRAM_SUB_BITS)
#define HISTOGRAM_BUCKETS (HISTOGRAM_SUB * (64 - HISTOGRAM_SUB_BITS + 1))

struct histogram {
    uint64_t count;
    uint64_t sum;
    uint64_t max;
    uint64_t buckets[HISTOGRAM_BUCKETS];
};

void histogram_record(struct histogram *h, uint64_t value);
/* p in [0, 1]; 0 when the histogram is empty. */
uint64_t histogram_percentile(const struct histogram *h, double p);
/* One line per non-empty power-of-two range: "  [lo, hi) ns  count  bar". */
void histogram_print(const struct histogram *h, FILE *out);

#endif
