/* test_histogram.c — log-linear buckets: exactness, error bound, percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stats/histogram.h"

static void small_values_are_exact(void **state)
{
    (void)state;
    static struct histogram h;
    memset(&h, 0, sizeof h);
    for (uint64_t v = 0; v < 32; v++)
        histogram_record(&h, v);
    assert_int_equal(h.count, 32);
    assert_int_equal(histogram_percentile(&h, 0.5), 15);
    assert_int_equal(histogram_percentile(&h, 1.0), 31);
    assert_int_equal(histogram_percentile(&h, 0.0), 0);
}

static void large_values_are_within_one_32nd(void **state)
{
    (void)state;
    static struct histogram h;
    for (uint64_t v = 33; v < (uint64_t)1 << 62; v = v * 3 + 7) {
        memset(&h, 0, sizeof h);
        histogram_record(&h, v);
        histogram_record(&h, v + 1000000000000ull); /* a larger maximum */
        uint64_t p = histogram_percentile(&h, 0.5);
        assert_true(p >= v);
        assert_true(p - v <= v / 32);
    }
}

static void percentiles_of_a_uniform_run(void **state)
{
    (void)state;
    static struct histogram h;
    memset(&h, 0, sizeof h);
    for (uint64_t v = 1; v <= 100000; v++)
        histogram_record(&h, v * 1000);
    uint64_t p50 = histogram_percentile(&h, 0.5);
    uint64_t p99 = histogram_percentile(&h, 0.99);
    assert_true(p50 >= 50000000 && p50 <= 50000000 + 50000000 / 32);
    assert_true(p99 >= 99000000 && p99 <= 99000000 + 99000000 / 32);
    assert_int_equal(histogram_percentile(&h, 1.0), 100000000);
    assert_int_equal(h.max, 100000000);
    assert_int_equal(h.sum, 1000ull * 100000 * 100001 / 2);
}

static void empty_histogram_reports_zero(void **state)
{
    (void)state;
    static struct histogram h;
    memset(&h, 0, sizeof h);
    assert_int_equal(histogram_percentile(&h, 0.99), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_are_exact),
        cmocka_unit_test(large_values_are_within_one_32nd),
        cmocka_unit_test(percentiles_of_a_uniform_run),
        cmocka_unit_test(empty_histogram_reports_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
