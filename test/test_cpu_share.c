/*
 * test_cpu_share.c — the GC threads' duty cycle (thread/cpu_share.h),
 * driven directly: when a GC thread gives way and when it must not.
 *
 * The share reads four things: how many mutators want a CPU, whether the
 * world is stopped, how many GC threads are at work, and the heap's used
 * bytes; each test sets them
 * and asks for a pace once the slice is over.  What is checked is whether
 * the thread slept (the share's own count), never for how long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/clock.h"
#include "thread/cpu_share.h"

struct setup {
    int32_t online; /* the safepoint's runnable count */
    bool stopped;
    size_t used;
    struct cpu_share cs;
    struct cpu_slice slice;
};

/* percent: the duty cycle; a 100 us goal makes 50 us slices. */
static void init(struct setup *s, unsigned percent)
{
    *s = (struct setup){0};
    cpu_share_init(&s->cs, percent, 100000, &s->online, &s->stopped,
                   &s->used);
    s->used = 100;
}

/* As init, with every core taken by a busy mutator and this GC thread
 * wanting one too. */
static void init_contended(struct setup *s, unsigned percent)
{
    init(s, percent);
    s->online = (int32_t)s->cs.cpus;
    cpu_share_busy(&s->cs, 1);
}

/* Work (busy, as GC work would) for two periods, with a work point every
 * microsecond or so; returns whether the thread slept. */
static bool pace_for_two_periods(struct setup *s)
{
    uint64_t sleeps = s->cs.sleeps;
    cpu_slice_start(&s->slice);
    uint64_t start = rgc_now_ns();
    while (rgc_now_ns() - start < 2 * s->cs.period_ns) {
        uint64_t step = rgc_now_ns();
        while (rgc_now_ns() - step < 1000)
            ;
        cpu_share_pace(&s->cs, &s->slice);
    }
    return s->cs.sleeps != sleeps;
}

static void contended_cores_make_it_give_way(void **state)
{
    (void)state;
    struct setup s;
    init_contended(&s, 25);
    assert_true(pace_for_two_periods(&s));
    assert_true(s.cs.slept_ns > 0);
}

static void a_spare_core_is_used_freely(void **state)
{
    (void)state;
    struct setup s;
    init(&s, 25);
    s.online = (int32_t)s.cs.cpus - 1;
    cpu_share_busy(&s.cs, 1); /* mutators and GC fit on the cores */
    assert_false(pace_for_two_periods(&s));
    s.online = (int32_t)s.cs.cpus;
    s.stopped = true; /* a pause: parked mutators, never contended */
    assert_false(pace_for_two_periods(&s));
    s.stopped = false;
    assert_true(pace_for_two_periods(&s));
}

/* Above the cycle's limit the GC threads keep their windows but the gaps
 * shrink: they still sleep (a mutator sharing a core gets it back after
 * every slice), into the widened period's windows. */
static void an_outgrown_heap_widens_the_share(void **state)
{
    (void)state;
    struct setup s;
    init_contended(&s, 25);
    cpu_share_set_limit(&s.cs, 50);
    s.used = 51; /* above the cycle's limit */
    assert_true(pace_for_two_periods(&s));
    assert_int_equal(s.slice.until_ns % s.cs.widened_period_ns,
                     s.cs.slice_ns);
    assert_true(s.cs.widened_period_ns < s.cs.period_ns);
    s.used = 50;
    assert_true(pace_for_two_periods(&s));
    assert_int_equal(s.slice.until_ns % s.cs.period_ns, s.cs.slice_ns);
    cpu_share_set_limit(&s.cs, SIZE_MAX); /* between cycles: no limit */
    s.used = SIZE_MAX / 2;
    assert_true(pace_for_two_periods(&s));
    assert_int_equal(s.slice.until_ns % s.cs.period_ns, s.cs.slice_ns);
}

static void a_window_as_long_as_the_period_never_sleeps(void **state)
{
    (void)state;
    struct setup s;
    init_contended(&s, 25);
    s.cs.slice_ns = s.cs.period_ns; /* always inside a window */
    assert_false(pace_for_two_periods(&s));
}

/* Every GC thread runs in the same windows: one that slept was sent to the
 * start of a period, whatever the phase at which it began. */
static void sleepers_wake_into_the_common_window(void **state)
{
    (void)state;
    struct setup s;
    init_contended(&s, 25);
    for (int i = 0; i < 3; i++) {
        uint64_t phase = rgc_now_ns();
        while (rgc_now_ns() - phase < (uint64_t)i * s.cs.slice_ns / 2)
            ;
        assert_true(pace_for_two_periods(&s));
        assert_int_equal(s.slice.until_ns % s.cs.period_ns, s.cs.slice_ns);
    }
}

static void a_full_share_never_sleeps(void **state)
{
    (void)state;
    struct setup s;
    init(&s, 100);
    s.online = (int32_t)s.cs.cpus + 4;
    cpu_share_busy(&s.cs, 1);
    assert_false(pace_for_two_periods(&s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(contended_cores_make_it_give_way),
        cmocka_unit_test(a_spare_core_is_used_freely),
        cmocka_unit_test(an_outgrown_heap_widens_the_share),
        cmocka_unit_test(a_window_as_long_as_the_period_never_sleeps),
        cmocka_unit_test(sleepers_wake_into_the_common_window),
        cmocka_unit_test(a_full_share_never_sleeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
