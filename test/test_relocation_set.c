/* test_relocation_set.c — the selection rule: candidates, order, free space, tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/bitmap.h"
#include "relocate/forwarding.h"
#include "relocate/relocation_set.h"

#define REGION (256u << 10)

static struct region_table rt;

/* A FULL region holding `used` bytes of which `live` are live, all of them
 * older than the marking (top at mark start = top). */
static struct region *filled(size_t used, size_t live)
{
    struct region *r = region_table_take(&rt, REGION_FULL);
    assert_non_null(r);
    r->top = r->bottom + used;
    r->tams = r->top;
    r->live_bytes = live;
    return r;
}

static int setup(void **state)
{
    (void)state;
    return region_table_init(&rt, 16 * REGION, REGION, false, false);
}

static int teardown(void **state)
{
    (void)state;
    region_table_destroy(&rt);
    return 0;
}

static void routine_cycles_take_sparse_regions_sparsest_first(void **state)
{
    (void)state;
    struct region *dense = filled(REGION, REGION * 9 / 10);
    struct region *half = filled(REGION, REGION / 2);
    struct region *empty = filled(REGION, 0);
    struct region *clean = filled(REGION / 4, REGION / 4); /* no garbage */
    struct region *pinned = filled(REGION, 0);
    pinned->pin_count = 1;
    struct relocation_set rs;
    assert_int_equal(relocation_set_select(&rs, &rt, false, 75), 0);
    assert_int_equal(rs.count, 2);
    assert_ptr_equal(rs.regions[0], empty);
    assert_ptr_equal(rs.regions[1], half);
    assert_int_equal(rs.live_bytes, REGION / 2);
    assert_true(half->in_relocation_set && empty->in_relocation_set);
    assert_false(dense->in_relocation_set || clean->in_relocation_set ||
                 pinned->in_relocation_set);
    relocation_set_destroy(&rs);
}

static void full_collections_take_every_region_with_garbage(void **state)
{
    (void)state;
    filled(REGION, REGION * 9 / 10);
    filled(REGION, REGION - 8);
    struct region *dense = filled(REGION / 2, REGION / 2); /* a tail, */
    struct region *slid = filled(REGION / 2, REGION / 2); /* same, slid */
    slid->slid = true;
    struct relocation_set rs;
    assert_int_equal(relocation_set_select(&rs, &rt, false, 75), 0);
    assert_int_equal(rs.count, 0); /* routine cycles leave tails alone */
    relocation_set_destroy(&rs);
    assert_int_equal(relocation_set_select(&rs, &rt, true, 75), 0);
    assert_int_equal(rs.count, 3);
    assert_true(slid->in_relocation_set);   /* its tail is worth a region */
    assert_false(dense->in_relocation_set); /* e.g. a last destination */
    relocation_set_destroy(&rs);
}

static void selection_stops_at_the_free_space(void **state)
{
    (void)state;
    /* 12 half-live regions and 3 free ones: room for (3 - 1) regions of
     * copies, i.e. 4 half-live regions; empty regions always fit. */
    for (int i = 0; i < 12; i++)
        filled(REGION, REGION / 2);
    struct region *empty = filled(REGION, 0);
    (void)empty;
    assert_int_equal(rt.free_count, 3);
    struct relocation_set rs;
    assert_int_equal(relocation_set_select(&rs, &rt, true, 75), 0);
    assert_int_equal(rs.count, 1 + 4); /* the empty one + 2 regions of room */
    assert_int_equal(rs.live_bytes, 4 * (REGION / 2));
    relocation_set_destroy(&rs);
}

static void regions_allocated_in_since_mark_start_are_not_taken(void **state)
{
    (void)state;
    struct region *old = filled(REGION, 0);
    struct region *young = filled(REGION, 0);
    young->tams = young->bottom + REGION / 2; /* its upper half is new */
    struct relocation_set rs;
    assert_int_equal(relocation_set_select(&rs, &rt, true, 75), 0);
    assert_int_equal(rs.count, 1);
    assert_ptr_equal(rs.regions[0], old);
    relocation_set_destroy(&rs);
}

/* Marks n objects of 16 bytes at r's bottom, as marking would. */
static void mark_objects(struct region *r, size_t n)
{
    uint64_t *marks = region_marks(&rt, r);
    assert_non_null(marks);
    for (size_t i = 0; i < n; i++)
        assert_false(bitmap_test_and_set(marks, 2 * i));
    r->live_objects = n;
}

/* Regions with live objects get their forwarding tables at selection,
 * built from their marks; a region pinned before the relocate-start pause
 * leaves with its table. */
static void selection_makes_tables_and_dropping_pinned_frees_them(void **state)
{
    (void)state;
    struct region *a = filled(REGION, REGION / 4);
    struct region *b = filled(REGION, REGION / 4);
    struct region *empty = filled(REGION, 0);
    mark_objects(a, 100);
    mark_objects(b, 3);
    struct relocation_set rs;
    assert_int_equal(relocation_set_select(&rs, &rt, false, 75), 0);
    assert_int_equal(rs.count, 3);
    assert_null(empty->forwarding); /* nothing live: nothing to forward */
    assert_non_null(a->forwarding);
    assert_int_equal(a->forwarding->count, 100); /* one entry per object */
    assert_int_equal(forwarding_bytes(a->forwarding),
                     sizeof *a->forwarding + 100 * sizeof(uint64_t));
    assert_int_equal(forwarding_find(a->forwarding, 0), 0); /* not yet */
    assert_non_null(b->forwarding);
    assert_int_equal(meta_bytes(&rt.meta, META_FORWARDING),
                     forwarding_bytes(a->forwarding) +
                         forwarding_bytes(b->forwarding));
    relocation_set_drop_pinned(&rs); /* nothing pinned: nothing dropped */
    assert_int_equal(rs.count, 3);
    b->pin_count = 1;
    relocation_set_drop_pinned(&rs);
    assert_int_equal(rs.count, 2);
    assert_int_equal(rs.live_bytes, REGION / 4);
    assert_null(b->forwarding);
    assert_false(b->in_relocation_set);
    forwarding_destroy(a->forwarding);
    a->forwarding = NULL;
    assert_int_equal(meta_bytes(&rt.meta, META_FORWARDING), 0);
    relocation_set_destroy(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            regions_allocated_in_since_mark_start_are_not_taken, setup,
            teardown),
        cmocka_unit_test_setup_teardown(selection_makes_tables_and_dropping_pinned_frees_them,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            routine_cycles_take_sparse_regions_sparsest_first, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            full_collections_take_every_region_with_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(selection_stops_at_the_free_space,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
