/* test_handshake.c — a handshake runs an operation once for every attached
 * thread: on the thread itself at its next safepoint, or on the requester
 * for a thread in a blocking region; the world is never stopped. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "policy/collector.h"

#define SPINNERS 2

static rgc_heap *heap;
static int stop_spinning, blocked_inside, release_blocked;

struct record {
    struct rgc_thread *t;
    pthread_t ran_on;
    int runs;
};
static struct record records[SPINNERS + 2];
static int record_count;

static void note(struct rgc_thread *t, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < record_count; i++)
        if (records[i].t == t) {
            records[i].runs++;
            records[i].ran_on = pthread_self();
            return;
        }
    fail_msg("handshake op for an unknown thread");
}

static struct rgc_thread *attach_recorded(void)
{
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    int i = __atomic_fetch_add(&record_count, 1, __ATOMIC_SEQ_CST);
    records[i].t = t;
    return t;
}

static int ready;

static void *spin(void *arg)
{
    (void)arg;
    rgc_thread *t = attach_recorded();
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&stop_spinning, __ATOMIC_SEQ_CST))
        rgc_safepoint(t); /* online, polling, never allocating */
    rgc_thread_detach(t);
    return NULL;
}

static void *block(void *arg)
{
    (void)arg;
    rgc_thread *t = attach_recorded();
    rgc_blocking_enter(t);
    __atomic_store_n(&blocked_inside, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release_blocked, __ATOMIC_SEQ_CST))
        usleep(1000);
    rgc_blocking_leave(t);
    rgc_thread_detach(t);
    return NULL;
}

static void every_thread_runs_the_operation_once(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=16m,region_size=1m"),
                     RGC_OK);
    heap = rgc_heap_create(&c);
    rgc_thread *self = attach_recorded();
    pthread_t tids[SPINNERS + 1];
    for (int i = 0; i < SPINNERS; i++)
        pthread_create(&tids[i], NULL, spin, NULL);
    pthread_create(&tids[SPINNERS], NULL, block, NULL);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < SPINNERS + 1)
        usleep(1000);

    collector_handshake(heap, self, note, NULL);

    for (int i = 0; i < record_count; i++) {
        assert_int_equal(records[i].runs, 1);
        struct rgc_thread *t = records[i].t;
        bool by_requester = t == self || t->blocking;
        /* spinners ran it themselves; the requester ran the rest */
        assert_true(pthread_equal(records[i].ran_on, by_requester
                                                         ? pthread_self()
                                                         : t->owner));
    }
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    assert_int_equal(s.pause_count, 0); /* nobody was stopped */

    __atomic_store_n(&stop_spinning, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&release_blocked, 1, __ATOMIC_SEQ_CST);
    rgc_blocking_enter(self);
    for (int i = 0; i <= SPINNERS; i++)
        pthread_join(tids[i], NULL);
    rgc_blocking_leave(self);
    rgc_thread_detach(self);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_thread_runs_the_operation_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
