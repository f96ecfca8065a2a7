/* histogram.c — bucket arithmetic, percentiles and printing. */
#include "stats/histogram.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < HISTOGRAM_SUB)
        return (unsigned)v;
    unsigned shift = 63u - (unsigned)__builtin_clzll(v) - HISTOGRAM_SUB_BITS;
    return HISTOGRAM_SUB + shift * HISTOGRAM_SUB +
           (unsigned)((v >> shift) - HISTOGRAM_SUB);
}

/* The largest value that falls into bucket i. */
static uint64_t bucket_upper(unsigned i)
{
    if (i < HISTOGRAM_SUB)
        return i;
    unsigned shift = (i - HISTOGRAM_SUB) / HISTOGRAM_SUB;
    uint64_t sub = (i - HISTOGRAM_SUB) % HISTOGRAM_SUB;
    uint64_t lower = (HISTOGRAM_SUB + sub) << shift;
    return lower + (((uint64_t)1 << shift) - 1);
}

void histogram_record(struct histogram *h, uint64_t value)
{
    h->count++;
    h->sum += value;
    if (value > h->max)
        h->max = value;
    h->buckets[bucket_of(value)]++;
}

uint64_t histogram_percentile(const struct histogram *h, double p)
{
    if (h->count == 0)
        return 0;
    uint64_t target = (uint64_t)(p * (double)h->count + 0.999999);
    if (target == 0)
        target = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= target) {
            uint64_t upper = bucket_upper(i);
            return upper < h->max ? upper : h->max;
        }
    }
    return h->max;
}

void histogram_print(const struct histogram *h, FILE *out)
{
    uint64_t ranges[65] = {0};
    uint64_t widest = 0;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        if (!h->buckets[i])
            continue;
        uint64_t upper = bucket_upper(i);
        unsigned log2 = upper ? 64u - (unsigned)__builtin_clzll(upper) : 0;
        ranges[log2] += h->buckets[i];
        if (ranges[log2] > widest)
            widest = ranges[log2];
    }
    for (unsigned k = 0; k < 65; k++) {
        if (!ranges[k])
            continue;
        uint64_t lo = k ? (uint64_t)1 << (k - 1) : 0;
        int bar = (int)(40 * ranges[k] / widest);
        fprintf(out, "  %12llu ns .. %-12llu %10llu  %.*s\n",
                (unsigned long long)lo,
                (unsigned long long)(k < 64 ? ((uint64_t)1 << k) : UINT64_MAX),
                (unsigned long long)ranges[k], bar > 0 ? bar : 1,
                "########################################");
    }
}
