/* test_forwarding.c — per-region forwarding tables: insert, find, absence,
 * racing inserts, and the user count that guards a region's memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "relocate/forwarding.h"

static void finds_what_was_inserted_and_nothing_else(void **state)
{
    (void)state;
    enum { N = 10000 };
    struct forwarding *f = forwarding_create(N);
    assert_non_null(f);
    assert_true(f->mask + 1 >= 2 * N);
    for (size_t i = 0; i < N; i++)
        forwarding_insert(f, i * 3, 0x100000 + i * 8);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(forwarding_find(f, i * 3), 0x100000 + i * 8);
        assert_int_equal(forwarding_find(f, i * 3 + 1), 0);
    }
    assert_int_equal(forwarding_find(f, 0x3ffffff), 0);
    forwarding_destroy(f);
}

static void empty_table_finds_nothing(void **state)
{
    (void)state;
    struct forwarding *f = forwarding_create(0);
    assert_non_null(f);
    assert_int_equal(forwarding_find(f, 0), 0);
    forwarding_destroy(f);
}

enum { RACED = 20000 };
static struct forwarding *raced;
static uintptr_t winners[2][RACED];

static void *race(void *arg)
{
    uintptr_t me = (uintptr_t)arg; /* 1 or 2 */
    for (size_t i = 0; i < RACED; i++)
        winners[me - 1][i] = forwarding_insert(raced, i, me << 32 | i);
    return NULL;
}

/* Two relocators race to forward the same objects: each object gets one
 * target, and both see the same one. */
static void racing_inserts_agree_on_one_winner(void **state)
{
    (void)state;
    raced = forwarding_create(RACED);
    pthread_t a, b;
    pthread_create(&a, NULL, race, (void *)(uintptr_t)1);
    pthread_create(&b, NULL, race, (void *)(uintptr_t)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    for (size_t i = 0; i < RACED; i++) {
        assert_int_equal(winners[0][i], winners[1][i]);
        assert_int_equal(forwarding_find(raced, i), winners[0][i]);
        assert_int_equal(winners[0][i] & 0xffffffff, i);
    }
    forwarding_destroy(raced);
}

/* ---- retain / close / done ---- */

static struct forwarding *guarded;
static bool closed; /* set by the closer once forwarding_close returned */

static void *closer(void *arg)
{
    (void)arg;
    forwarding_close(guarded);
    __atomic_store_n(&closed, true, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A user that retained the table keeps the closer waiting until it
 * releases; once closed, nobody can retain it again.  Done is separate:
 * set by the owner once every live object has an entry. */
static void close_waits_for_users_and_refuses_new_ones(void **state)
{
    (void)state;
    guarded = forwarding_create(4);
    closed = false;
    assert_true(forwarding_retain(guarded));
    assert_true(forwarding_retain(guarded)); /* two users */
    pthread_t tid;
    pthread_create(&tid, NULL, closer, NULL);
    for (int i = 0; i < 50; i++) { /* the closer has ample time to run */
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        assert_false(__atomic_load_n(&closed, __ATOMIC_SEQ_CST));
    }
    forwarding_release(guarded);
    struct timespec ms = {0, 10000000};
    nanosleep(&ms, NULL);
    assert_false(__atomic_load_n(&closed, __ATOMIC_SEQ_CST)); /* one left */
    forwarding_release(guarded);
    pthread_join(tid, NULL);
    assert_true(closed);
    assert_false(forwarding_retain(guarded));
    assert_false(forwarding_done(guarded));
    forwarding_set_done(guarded);
    assert_true(forwarding_done(guarded));
    forwarding_destroy(guarded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_what_was_inserted_and_nothing_else),
        cmocka_unit_test(empty_table_finds_nothing),
        cmocka_unit_test(racing_inserts_agree_on_one_winner),
        cmocka_unit_test(close_waits_for_users_and_refuses_new_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
