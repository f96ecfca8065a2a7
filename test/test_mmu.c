/*
 * test_mmu.c — rgc-bench's minimum mutator utilization (perf/mmu.c) on
 * traces whose worst windows are known by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../perf/mmu.h"

#define MS 1000000ull

static void assert_near(double got, double want)
{
    if (got < want - 1e-9 || got > want + 1e-9)
        fail_msg("MMU %.6f, expected %.6f", got, want);
}

/* A 2 ms pause at 100 ms and five 0.5 ms operations 1 ms apart at 500 ms,
 * in a 1 s loop. */
static void known_windows(void **state)
{
    (void)state;
    struct mmu_trace t;
    assert_true(mmu_trace_init(&t, 16));
    mmu_trace_op(&t, 100 * MS, 102 * MS);
    for (uint64_t i = 0; i < 5; i++)
        mmu_trace_op(&t, (500 + i) * MS, (500 + i) * MS + MS / 2);
    mmu_trace_op(&t, 600 * MS, 600 * MS + MMU_SLOW_NS); /* not slow */
    assert_int_equal(t.count, 6);
    assert_near(mmu_of(&t, 0, 1000 * MS, 1 * MS), 0.0);
    assert_near(mmu_of(&t, 0, 1000 * MS, 3 * MS), 1.0 / 3);
    assert_near(mmu_of(&t, 0, 1000 * MS, 5 * MS), 0.5);   /* the pause */
    assert_near(mmu_of(&t, 0, 1000 * MS, 10 * MS), 0.75); /* the burst */
    assert_near(mmu_of(&t, 0, 1000 * MS, 100 * MS), 0.975);
    /* A loop shorter than the window: its own utilization. */
    assert_near(mmu_of(&t, 0, 200 * MS, 1000 * MS), 1.0 - 2.0 / 200);
    mmu_trace_free(&t);
}

/* Operations cut by the loop's edges count only inside it; a full trace
 * says so. */
static void edges_and_truncation(void **state)
{
    (void)state;
    struct mmu_trace t;
    assert_true(mmu_trace_init(&t, 2));
    mmu_trace_op(&t, 0, 4 * MS);
    mmu_trace_op(&t, 98 * MS, 100 * MS);
    mmu_trace_op(&t, 99 * MS, 100 * MS);
    assert_true(t.truncated);
    assert_near(mmu_of(&t, 2 * MS, 100 * MS, 4 * MS), 0.5);
    assert_near(mmu_of(&t, 0, 100 * MS, 50 * MS), 1.0 - 4.0 / 50);
    mmu_trace_free(&t);
}

static void empty_trace(void **state)
{
    (void)state;
    struct mmu_trace t;
    assert_true(mmu_trace_init(&t, 4));
    assert_near(mmu_of(&t, 0, 10 * MS, 1 * MS), 1.0);
    mmu_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_windows),
        cmocka_unit_test(edges_and_truncation),
        cmocka_unit_test(empty_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
