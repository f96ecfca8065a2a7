/*
 * roots.c — rgc-bench roots: what rgc_root_register and rgc_root_unregister
 * cost with many roots registered.
 *
 * `count` rgc_ref slots, scattered at random over a calloc'd array four
 * times as large (outside the heap: consecutive addresses would hash
 * without a collision, the best case), are registered one by one, then
 * unregistered in a shuffled order (neither the registration order nor
 * its reverse, either of which a list could favour); both orders are
 * fixed xorshift permutations.  Each phase is timed as a whole
 * with CLOCK_MONOTONIC; `reps` repetitions on one heap, each starting from
 * no registered root.  Every call's result is checked, and each repetition
 * also checks that a duplicate registration and the unregistration of an
 * unknown slot fail with RGC_EINVAL.  Reported per phase: the median and
 * the minimum over the repetitions, in ms for the phase and ns per call.
 */
#include "roots.h"

#include <stdlib.h>
#include <string.h>

#include <rgc.h>

#include "bench.h"

struct phase_summary {
    double median_ms, min_ms;
};

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct phase_summary summarize(double *ms, unsigned n)
{
    qsort(ms, n, sizeof *ms, by_value);
    double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    return (struct phase_summary){median, ms[0]};
}

#define SPREAD 4

/* A fixed permutation of [0, n): Fisher-Yates driven by xorshift64. */
static void shuffle(size_t *order, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % i), tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}

/* One repetition; returns an error message or NULL. */
static const char *one_rep(rgc_heap *heap, rgc_ref *pool, const size_t *pick,
                           const size_t *order, size_t n, double *reg_ms,
                           double *unreg_ms)
{
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++)
        if (rgc_root_register(heap, &pool[pick[i]]) != RGC_OK)
            return "rgc_root_register failed";
    uint64_t t1 = bench_now_ns();
    if (rgc_root_register(heap, &pool[pick[n / 2]]) != RGC_EINVAL)
        return "a duplicate registration was accepted";
    uint64_t t2 = bench_now_ns();
    for (size_t i = 0; i < n; i++)
        if (rgc_root_unregister(heap, &pool[pick[order[i]]]) != RGC_OK)
            return "rgc_root_unregister failed";
    uint64_t t3 = bench_now_ns();
    if (rgc_root_unregister(heap, &pool[pick[0]]) != RGC_EINVAL)
        return "unregistering an unknown slot succeeded";
    *reg_ms = (double)(t1 - t0) / 1e6;
    *unreg_ms = (double)(t3 - t2) / 1e6;
    return NULL;
}

int roots_run(const struct roots_params *p, FILE *out)
{
    const char *error = NULL;
    size_t n = (size_t)p->count;
    rgc_ref *pool = calloc(SPREAD * n, sizeof *pool);
    size_t *pick = malloc(SPREAD * n * sizeof *pick);
    size_t *order = malloc(n * sizeof *order);
    double *reg = calloc(p->reps, sizeof *reg);
    double *unreg = calloc(p->reps, sizeof *unreg);
    rgc_heap *heap = NULL;
    if (!pool || !pick || !order || !reg || !unreg) {
        error = "out of memory";
        goto done;
    }
    rgc_config cfg;
    rgc_config_init(&cfg);
    if (p->options && *p->options &&
        rgc_config_parse(&cfg, p->options) != RGC_OK) {
        error = rgc_last_error();
        goto done;
    }
    if (!(heap = rgc_heap_create(&cfg))) {
        error = rgc_last_error();
        goto done;
    }
    shuffle(pick, SPREAD * n, 0x9E3779B97F4A7C15ull);
    shuffle(order, n, 0xD1B54A32D192ED03ull);
    for (unsigned r = 0; r < p->reps && !error; r++)
        error = one_rep(heap, pool, pick, order, n, &reg[r], &unreg[r]);
    if (!error) {
        struct phase_summary sr = summarize(reg, p->reps);
        struct phase_summary su = summarize(unreg, p->reps);
        fprintf(out, "rgc-bench roots: %llu roots, %u repetitions\n",
                (unsigned long long)p->count, p->reps);
        fprintf(out, "%-20s %10s %10s %12s\n", "phase", "median ms",
                "min ms", "ns/call med");
        fprintf(out, "%-20s %10.3f %10.3f %12.1f\n", "rgc_root_register",
                sr.median_ms, sr.min_ms, sr.median_ms * 1e6 / (double)n);
        fprintf(out, "%-20s %10.3f %10.3f %12.1f\n", "rgc_root_unregister",
                su.median_ms, su.min_ms, su.median_ms * 1e6 / (double)n);
    }
done:
    if (error)
        fprintf(stderr, "rgc-bench roots: %s\n", error);
    rgc_heap_destroy(heap);
    free(pool);
    free(pick);
    free(order);
    free(reg);
    free(unreg);
    return error ? 1 : 0;
}
