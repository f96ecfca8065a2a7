/* test_types.c — descriptor validation and reference-slot visiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "object/header.h"
#include "object/type_table.h"

static struct type_table types;

static int setup(void **state)
{
    (void)state;
    return type_table_init(&types);
}

static int teardown(void **state)
{
    (void)state;
    type_table_destroy(&types);
    return 0;
}

static void rejected(const rgc_type_desc *d, const char *why)
{
    assert_int_equal(type_table_register(&types, d), 0);
    if (!strstr(rgc_last_error(), why))
        fail_msg("error '%s' should say '%s'", rgc_last_error(), why);
}

static void rejects_lying_descriptors(void **state)
{
    (void)state;
    size_t out_of_bounds[] = {0, 24};
    size_t misaligned[] = {4};
    size_t duplicated[] = {8, 8};
    rejected(&(rgc_type_desc){"oob", 24, out_of_bounds, 2, NULL},
             "out of bounds");
    rejected(&(rgc_type_desc){"mis", 16, misaligned, 1, NULL}, "not aligned");
    rejected(&(rgc_type_desc){"dup", 16, duplicated, 2, NULL}, "twice");
    rejected(&(rgc_type_desc){"zero", 0, NULL, 0, NULL}, "size is 0");
    rejected(&(rgc_type_desc){"tiny", 4, (size_t[]){0}, 1, NULL},
             "out of bounds");
    rejected(&(rgc_type_desc){"null", 16, NULL, 1, NULL}, "NULL");
    rejected(NULL, "NULL");
}

static void visit_count(rgc_ref *slot, void *ctx)
{
    (void)slot;
    ++*(size_t *)ctx;
}

static void trace_second(void *obj, rgc_visit_fn visit, void *ctx)
{
    visit((rgc_ref *)obj + 1, ctx);
}

static void visits_every_kind(void **state)
{
    (void)state;
    size_t offs[] = {0, 8};
    rgc_type t = type_table_register(
        &types, &(rgc_type_desc){"pair", 20, offs, 2, NULL});
    rgc_type traced = type_table_register(
        &types, &(rgc_type_desc){"traced", 16, NULL, 0, trace_second});
    assert_true(t >= RGC_FIRST_USER_TYPE);
    assert_int_equal(types.payload[t], 24); /* padded to a word */
    assert_string_equal(type_table_name(&types, t), "pair");

    uint64_t mem[8] = {0};
    uintptr_t start = (uintptr_t)mem;
    size_t n = 0;
    mem[0] = header_make(t, 24);
    object_visit_refs(&types, start, visit_count, &n);
    assert_int_equal(n, 2);
    n = 0;
    mem[0] = header_make(RGC_TYPE_REFS, 5 * 8);
    object_visit_refs(&types, start, visit_count, &n);
    assert_int_equal(n, 5);
    n = 0;
    mem[0] = header_make(RGC_TYPE_BYTES, 40);
    object_visit_refs(&types, start, visit_count, &n);
    assert_int_equal(n, 0);
    mem[0] = header_make(traced, 16);
    object_visit_refs(&types, start, visit_count, &n);
    assert_int_equal(n, 1);
}

static void unregistered_ids_are_invalid(void **state)
{
    (void)state;
    assert_false(type_table_valid(&types, 0));
    assert_false(type_table_valid(&types, 3));
    assert_false(type_table_valid(&types, types.next_id));
    assert_true(type_table_valid(&types, RGC_TYPE_REFS));
    assert_true(type_table_valid(&types, RGC_TYPE_BYTES));
    /* the inline fast path relies on an impossible size for invalid ids */
    assert_true(types.payload[0] > RGC__MAX_PAYLOAD);
    assert_true(types.payload[RGC__MAX_TYPES - 1] > RGC__MAX_PAYLOAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rejects_lying_descriptors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(visits_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(unregistered_ids_are_invalid, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
