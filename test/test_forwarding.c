/* test_forwarding.c — per-region forwarding tables: insert, find, absence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_what_was_inserted_and_nothing_else),
        cmocka_unit_test(empty_table_finds_nothing),
        cmocka_unit_test(racing_inserts_agree_on_one_winner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
