/*
 * test_attribution.c — rgc-bench's slow-push classification
 * (perf/attribution.c) on hand-made pushes, pauses and stalls whose
 * causes are known: the order of the causes, the pause's two parts,
 * stalls of other threads, the strict levels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../perf/attribution.h"

#define US 1000ull
#define SELF 7
#define OTHER 8

static struct attribution classify(const struct slow_push *pushes, size_t n,
                                   const struct gc_span *pauses, size_t np,
                                   const struct gc_span *stalls, size_t ns)
{
    struct attribution a = {0};
    attribution_add(&a, &(struct attribution_input){
                            .pushes = pushes, .push_count = n,
                            .pauses = pauses, .pause_count = np,
                            .stalls = stalls, .stall_count = ns,
                            .tid = SELF});
    return a;
}

/* The causes of pushes[i] at level 0, one push each, in order. */
static void assert_causes(const struct attribution *a,
                          const enum attribution_cause *want, size_t n,
                          const struct slow_push *pushes)
{
    uint64_t count[ATTRIBUTION_CAUSES] = {0}, ns[ATTRIBUTION_CAUSES] = {0};
    for (size_t i = 0; i < n; i++) {
        count[want[i]]++;
        ns[want[i]] += pushes[i].end - pushes[i].start;
    }
    for (int k = 0; k < ATTRIBUTION_CAUSES; k++) {
        if (a->count[0][k] != count[k] || a->ns[0][k] != ns[k])
            fail_msg("%s: %llu pushes, %llu ns; expected %llu, %llu",
                     attribution_cause_label[k],
                     (unsigned long long)a->count[0][k],
                     (unsigned long long)a->ns[0][k],
                     (unsigned long long)count[k],
                     (unsigned long long)ns[k]);
    }
}

/* One push for each cause, each also carrying the later causes' marks,
 * so the first match must win. */
static void first_match_wins(void **state)
{
    (void)state;
    const struct gc_span pauses[] = {
        {.start = 100 * US, .ttsp_end = 150 * US, .end = 200 * US}};
    const struct gc_span stalls[] = {
        {.start = 300 * US, .end = 400 * US, .tid = SELF},
        {.start = 500 * US, .end = 600 * US, .tid = OTHER}};
    const struct slow_push pushes[] = {
        {90 * US, 140 * US, 1, 1, 1},    /* ttsp only                  */
        {160 * US, 260 * US, 3, 1, 1},   /* work only, and faults      */
        {350 * US, 380 * US, 1, 1, 1},   /* own stall, and the rest    */
        {520 * US, 540 * US, 0, 0, 0},   /* another thread's stall     */
        {700 * US, 720 * US, 2, 1, 1},   /* faults, and switches       */
        {800 * US, 1000 * US, 0, 1, 1},  /* preempted, and blocked     */
        {1100 * US, 1250 * US, 0, 0, 2}, /* blocked                    */
    };
    const enum attribution_cause want[] = {
        CAUSE_PAUSE_TTSP, CAUSE_PAUSE_WORK, CAUSE_STALL,  CAUSE_OTHER,
        CAUSE_FAULTS,     CAUSE_PREEMPTED,  CAUSE_BLOCKED};
    size_t n = sizeof pushes / sizeof pushes[0];
    struct attribution a = classify(pushes, n, pauses, 1, stalls, 2);
    assert_causes(&a, want, n, pushes);
}

/* A push over a whole pause, or over several, goes to the part it
 * overlapped most, summed over the pauses. */
static void pause_parts(void **state)
{
    (void)state;
    const struct gc_span pauses[] = {
        {.start = 100 * US, .ttsp_end = 130 * US, .end = 135 * US},
        {.start = 200 * US, .ttsp_end = 205 * US, .end = 245 * US},
        {.start = 400 * US, .ttsp_end = 410 * US, .end = 500 * US}};
    const struct slow_push pushes[] = {
        {90 * US, 140 * US, 0, 0, 0},  /* the first: 30 ttsp, 5 work   */
        {150 * US, 250 * US, 0, 0, 0}, /* the second: 5 ttsp, 40 work  */
        {300 * US, 320 * US, 0, 0, 0}, /* between them                 */
        {390 * US, 510 * US, 0, 0, 0}, /* the third, whole: work       */
    };
    const enum attribution_cause want[] = {CAUSE_PAUSE_TTSP, CAUSE_PAUSE_WORK,
                                           CAUSE_OTHER, CAUSE_PAUSE_WORK};
    struct attribution a = classify(pushes, 4, pauses, 3, NULL, 0);
    assert_causes(&a, want, 4, pushes);

    /* One push over two pauses, where only the sums decide: 30 + 20 µs
     * of ttsp beat 5 + 40 of work, and 5 + 40 of ttsp lose to 30 + 20 of
     * work. */
    const struct slow_push both[] = {{95 * US, 300 * US, 0, 0, 0}};
    const struct gc_span ttsp_sum[] = {
        {.start = 100 * US, .ttsp_end = 130 * US, .end = 135 * US},
        {.start = 200 * US, .ttsp_end = 220 * US, .end = 260 * US}};
    const struct gc_span work_sum[] = {
        {.start = 100 * US, .ttsp_end = 105 * US, .end = 135 * US},
        {.start = 200 * US, .ttsp_end = 240 * US, .end = 260 * US}};
    const enum attribution_cause ttsp[] = {CAUSE_PAUSE_TTSP};
    const enum attribution_cause work[] = {CAUSE_PAUSE_WORK};
    a = classify(both, 1, ttsp_sum, 2, NULL, 0);
    assert_causes(&a, ttsp, 1, both);
    a = classify(both, 1, work_sum, 2, NULL, 0);
    assert_causes(&a, work, 1, both);
}

/* Stalls of several threads interleave: another thread's long stall,
 * sorted between two of this thread's, neither hides the later one nor
 * counts for this thread. */
static void other_threads_stalls(void **state)
{
    (void)state;
    const struct gc_span stalls[] = {
        {.start = 100 * US, .end = 200 * US, .tid = SELF},
        {.start = 150 * US, .end = 1000 * US, .tid = OTHER},
        {.start = 300 * US, .end = 400 * US, .tid = SELF}};
    const struct slow_push pushes[] = {
        {110 * US, 130 * US, 0, 0, 0},
        {250 * US, 270 * US, 0, 0, 0},
        {350 * US, 360 * US + 1, 0, 0, 0},
        {500 * US, 520 * US, 0, 0, 0},
    };
    const enum attribution_cause want[] = {CAUSE_STALL, CAUSE_OTHER,
                                           CAUSE_STALL, CAUSE_OTHER};
    struct attribution a = classify(pushes, 4, NULL, 0, stalls, 3);
    assert_causes(&a, want, 4, pushes);
}

/* A push counts at every level it is strictly over; one at exactly a
 * level's bound does not count there. */
static void levels(void **state)
{
    (void)state;
    const struct slow_push pushes[] = {
        {0, 10 * US, 0, 0, 0},              /* at 10 µs: nowhere      */
        {100 * US, 150 * US, 0, 0, 0},      /* 50 µs                  */
        {200 * US, 300 * US, 0, 0, 0},      /* at 100 µs: level 0     */
        {1000 * US, 2500 * US, 0, 0, 0},    /* 1.5 ms: every level    */
    };
    struct attribution a = classify(pushes, 4, NULL, 0, NULL, 0);
    assert_int_equal(a.count[0][CAUSE_OTHER], 3);
    assert_int_equal(a.ns[0][CAUSE_OTHER], 1650 * US);
    assert_int_equal(a.count[1][CAUSE_OTHER], 1);
    assert_int_equal(a.ns[1][CAUSE_OTHER], 1500 * US);
    assert_int_equal(a.count[2][CAUSE_OTHER], 1);
    assert_int_equal(a.ns[2][CAUSE_OTHER], 1500 * US);
    /* Adding a second thread's pushes sums into the same figures. */
    attribution_add(&a, &(struct attribution_input){
                            .pushes = &pushes[3], .push_count = 1,
                            .tid = OTHER});
    assert_int_equal(a.count[2][CAUSE_OTHER], 2);
    assert_int_equal(a.ns[2][CAUSE_OTHER], 3000 * US);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_match_wins),
        cmocka_unit_test(pause_parts),
        cmocka_unit_test(other_threads_stalls),
        cmocka_unit_test(levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
