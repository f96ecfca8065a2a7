/* mmu.c — the MMU of a trace of slow operations (perf/mmu.h). */
#include "mmu.h"

#include <stdlib.h>

const uint64_t mmu_window_ns[MMU_WINDOWS] = {1000000, 10000000, 100000000};

bool mmu_trace_init(struct mmu_trace *t, size_t cap)
{
    *t = (struct mmu_trace){.cap = cap};
    t->start = malloc(cap * sizeof *t->start);
    t->end = malloc(cap * sizeof *t->end);
    if (!t->start || !t->end) {
        mmu_trace_free(t);
        return false;
    }
    return true;
}

void mmu_trace_free(struct mmu_trace *t)
{
    free(t->start);
    free(t->end);
    *t = (struct mmu_trace){0};
}

/* The first operation that ends after a, or starts at or after a
 * (binary searches over the sorted, disjoint operations). */
static size_t first_ending_after(const struct mmu_trace *t, uint64_t a)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->end[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t first_starting_from(const struct mmu_trace *t, uint64_t a)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->start[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Busy time in [a, b]: the whole operations between, from the prefix sums
 * (sum[i] = time of operations 0..i-1), less what the edge ones stick out. */
static uint64_t busy_in(const struct mmu_trace *t, const uint64_t *sum,
                        uint64_t a, uint64_t b)
{
    size_t i = first_ending_after(t, a), j = first_starting_from(t, b);
    if (j <= i)
        return 0;
    uint64_t busy = sum[j] - sum[i];
    if (t->start[i] < a)
        busy -= a - t->start[i];
    if (t->end[j - 1] > b)
        busy -= t->end[j - 1] - b;
    return busy;
}

double mmu_of(const struct mmu_trace *t, uint64_t from, uint64_t to,
              uint64_t w)
{
    if (to <= from)
        return 1.0;
    uint64_t *sum = malloc((t->count + 1) * sizeof *sum);
    if (!sum)
        return -1.0;
    sum[0] = 0;
    for (size_t i = 0; i < t->count; i++)
        sum[i + 1] = sum[i] + (t->end[i] - t->start[i]);
    double mmu;
    if (to - from <= w) {
        mmu = 1.0 - (double)busy_in(t, sum, from, to) / (double)(to - from);
    } else {
        /* Windows that begin where an operation begins, or end where one
         * ends, clamped into the loop: one of them is the worst. */
        uint64_t worst = 0;
        for (size_t i = 0; i < t->count; i++) {
            uint64_t a = t->start[i] < from ? from : t->start[i];
            if (a > to - w)
                a = to - w;
            uint64_t busy = busy_in(t, sum, a, a + w);
            if (busy > worst)
                worst = busy;
            uint64_t b = t->end[i] > to ? to : t->end[i];
            if (b < from + w)
                b = from + w;
            busy = busy_in(t, sum, b - w, b);
            if (busy > worst)
                worst = busy;
        }
        mmu = 1.0 - (double)worst / (double)w;
    }
    free(sum);
    return mmu;
}
