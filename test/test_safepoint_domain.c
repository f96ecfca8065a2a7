/*
 * test_safepoint_domain.c — rgc's pauses wait for the heap's own attached
 * threads only, and leave the process's liburcu QSBR domain to the
 * embedder: a QSBR reader that never reports a quiescent state, and a
 * thread of another heap that never polls, do not hold a pause; attaching,
 * blocking regions and detaching do not touch the embedder's registration.
 *
 * A hang is the failure mode, so every test runs under alarm(): the handler
 * names the step that hung and exits.  Nothing here asserts on timing; the
 * collection time next to a slow QSBR reader is printed, not checked.
 *
 * argv[1], if given, is a cmocka test filter (e.g. "collect_time*").
 */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <urcu/urcu-qsbr.h>

#include <rgc.h>

#include "fixture.h"

#define HANG_LIMIT_S 30 /* generous: a pause here takes milliseconds */
#define STR_(x) #x
#define STR(x) STR_(x)
#define COLLECTIONS 5

/* ---- hang guard ---- */

static const char *volatile step = "start";

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_safepoint_domain: FAILED: hung for "
                              STR(HANG_LIMIT_S) " s at step: ";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    ignored = write(2, step, strlen(step));
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(1);
}

static void guard(const char *what)
{
    step = what;
    alarm(HANG_LIMIT_S);
}

static void unguard(void)
{
    alarm(0);
    step = "none";
}

/* ---- helpers ---- */

static rgc_heap *make_heap(void)
{
    return heap_with("heap_max=32m,region_size=1m");
}

static uint64_t full_cycles(rgc_heap *heap)
{
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    return s.full_cycles;
}

/* Each one a real stop-the-world cycle, not a no-op. */
static void collect_a_few(rgc_heap *heap, rgc_thread *t)
{
    uint64_t before = full_cycles(heap);
    for (int i = 0; i < COLLECTIONS; i++)
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    assert_int_equal(full_cycles(heap) - before, COLLECTIONS);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- 1. an unattached QSBR reader ---- */

static sem_t reader_ready, reader_release;

/* Registered (online) and silent until released: with rgc on the shared
 * QSBR domain, every pause would wait for this thread forever. */
static void *silent_reader(void *arg)
{
    (void)arg;
    urcu_qsbr_register_thread();
    sem_post(&reader_ready);
    while (sem_wait(&reader_release) != 0)
        ;
    urcu_qsbr_unregister_thread();
    return NULL;
}

static void silent_qsbr_reader_does_not_hold_pauses(void **state)
{
    (void)state;
    sem_init(&reader_ready, 0, 0);
    sem_init(&reader_release, 0, 0);
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, silent_reader, NULL), 0);
    sem_wait(&reader_ready);

    rgc_heap *heap = make_heap();
    guard("rgc_collect next to a silent, unattached QSBR reader");
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    collect_a_few(heap, t);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    unguard();
    rgc_heap_destroy(heap);

    sem_post(&reader_release);
    pthread_join(reader, NULL);
    sem_destroy(&reader_ready);
    sem_destroy(&reader_release);
}

static int slow_reader_stop; /* atomic */

/* Registered, and reports a quiescent state every 500 ms. */
static void *slow_reader(void *arg)
{
    (void)arg;
    urcu_qsbr_register_thread();
    sem_post(&reader_ready);
    while (!__atomic_load_n(&slow_reader_stop, __ATOMIC_ACQUIRE)) {
        nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
        urcu_qsbr_quiescent_state();
    }
    urcu_qsbr_unregister_thread();
    return NULL;
}

/* A measurement, not a check: the shared domain made this 400-500 ms. */
static void collect_time_with_slow_qsbr_reader(void **state)
{
    (void)state;
    sem_init(&reader_ready, 0, 0);
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, slow_reader, NULL), 0);
    sem_wait(&reader_ready);

    rgc_heap *heap = make_heap();
    guard("rgc_collect next to a QSBR reader reporting every 500 ms");
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    uint64_t ns[COLLECTIONS];
    for (int i = 0; i < COLLECTIONS; i++) {
        uint64_t start = now_ns();
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
        ns[i] = now_ns() - start;
    }
    assert_int_equal(full_cycles(heap), COLLECTIONS);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    unguard();
    rgc_heap_destroy(heap);
    qsort(ns, COLLECTIONS, sizeof ns[0], cmp_u64);
    printf("rgc_collect(FULL) on an empty heap, QSBR reader reporting every "
           "500 ms: median %.4f ms (min %.4f, max %.4f, %d runs)\n",
           ns[COLLECTIONS / 2] / 1e6, ns[0] / 1e6, ns[COLLECTIONS - 1] / 1e6,
           COLLECTIONS);

    __atomic_store_n(&slow_reader_stop, 1, __ATOMIC_RELEASE);
    pthread_join(reader, NULL);
    sem_destroy(&reader_ready);
}

/* ---- 2. the embedder's own registration ---- */

static int grace_period_done; /* atomic */

static void *synchronizer(void *arg)
{
    (void)arg;
    urcu_qsbr_synchronize_rcu();
    __atomic_store_n(&grace_period_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void embedder_registration_is_untouched(void **state)
{
    (void)state;
    rgc_heap *heap = make_heap();
    urcu_qsbr_register_thread();
    assert_true(urcu_qsbr_read_ongoing());

    guard("attach, blocking region, collect, detach of a QSBR reader");
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    assert_true(urcu_qsbr_read_ongoing());
    assert_int_equal(rgc_blocking_enter(t), RGC_OK);
    assert_true(urcu_qsbr_read_ongoing()); /* rgc offline, QSBR online */
    assert_int_equal(rgc_blocking_leave(t), RGC_OK);
    assert_true(urcu_qsbr_read_ongoing());
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    assert_true(urcu_qsbr_read_ongoing());
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    assert_true(urcu_qsbr_read_ongoing());
    unguard();
    rgc_heap_destroy(heap);
    assert_true(urcu_qsbr_read_ongoing());

    /* Still a reader the domain waits for: no grace period ends while this
     * thread stays online without a quiescent state. */
    guard("a grace period waiting for the embedder's reader");
    pthread_t sync;
    assert_int_equal(pthread_create(&sync, NULL, synchronizer, NULL), 0);
    for (int i = 0; i < 100; i++) {
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        assert_false(__atomic_load_n(&grace_period_done, __ATOMIC_ACQUIRE));
    }
    urcu_qsbr_quiescent_state();
    pthread_join(sync, NULL);
    assert_true(__atomic_load_n(&grace_period_done, __ATOMIC_ACQUIRE));
    unguard();
    urcu_qsbr_unregister_thread();
}

/* ---- 3. two heaps ---- */

static sem_t b_attached;
static int b_release; /* atomic */

/* Attached to heap B, online, and never polls until released. */
static void *heap_b_thread(void *arg)
{
    rgc_thread *t = rgc_thread_attach(arg);
    if (!t)
        abort();
    sem_post(&b_attached);
    while (!__atomic_load_n(&b_release, __ATOMIC_ACQUIRE))
        sched_yield(); /* a busy thread; not a safepoint */
    if (rgc_thread_detach(t) != RGC_OK)
        abort();
    return NULL;
}

static void heaps_do_not_wait_for_each_other(void **state)
{
    (void)state;
    rgc_heap *a = make_heap(), *b = make_heap();
    sem_init(&b_attached, 0, 0);
    pthread_t tb;
    assert_int_equal(pthread_create(&tb, NULL, heap_b_thread, b), 0);
    sem_wait(&b_attached);

    guard("rgc_collect on heap A while heap B's thread never polls");
    rgc_thread *t = rgc_thread_attach(a);
    assert_non_null(t);
    collect_a_few(a, t);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    unguard();

    __atomic_store_n(&b_release, 1, __ATOMIC_RELEASE);
    pthread_join(tb, NULL);
    sem_destroy(&b_attached);
    rgc_heap_destroy(a);
    rgc_heap_destroy(b);
}

int main(int argc, char **argv)
{
    signal(SIGALRM, on_alarm);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(silent_qsbr_reader_does_not_hold_pauses),
        cmocka_unit_test(collect_time_with_slow_qsbr_reader),
        cmocka_unit_test(embedder_registration_is_untouched),
        cmocka_unit_test(heaps_do_not_wait_for_each_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
