/* test_forwarding.c — per-region forwarding tables: insert, find, absence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_what_was_inserted_and_nothing_else),
        cmocka_unit_test(empty_table_finds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
