/* test_region_table.c — address arithmetic, free set, runs, commit/uncommit
 * (and the uncommit's claim against a take). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "heap/region_table.h"

#define REGION (256u << 10)

static void regions_tile_the_reservation(void **state)
{
    (void)state;
    struct region_table rt;
    assert_int_equal(region_table_init(&rt, 16 * REGION, REGION, false, false),
                     0);
    assert_int_equal(rt.count, 16);
    assert_int_equal(rt.base % REGION, 0);
    for (size_t i = 0; i < rt.count; i++) {
        struct region *r = &rt.regions[i];
        assert_ptr_equal(region_of(&rt, r->bottom), r);
        assert_ptr_equal(region_of(&rt, r->end - 1), r);
        assert_true(heap_contains(&rt, r->bottom));
    }
    assert_false(heap_contains(&rt, rt.base + 16 * REGION));
    assert_false(heap_contains(&rt, rt.base - 1));
    assert_int_equal(rt.committed_count, 0);
    region_table_destroy(&rt);
}

/* A table of 8 regions, two of them taken (a, then b). */
static void table_with_two_taken(struct region_table *rt, struct region **a,
                                 struct region **b)
{
    assert_int_equal(region_table_init(rt, 8 * REGION, REGION, false, false),
                     0);
    *a = region_table_take(rt, REGION_ALLOC);
    *b = region_table_take(rt, REGION_ALLOC);
    assert_non_null(*a);
    assert_non_null(*b);
}

static void take_commits_and_prefers_warm_regions(void **state)
{
    (void)state;
    struct region_table rt;
    struct region *a, *b;
    table_with_two_taken(&rt, &a, &b);
    assert_int_equal(rt.committed_count, 2);
    assert_int_equal(rt.free_count, 6);
    memset((void *)b->bottom, 0xab, REGION); /* committed: writable */
    b->top = b->end;
    region_table_release(&rt, b);
    assert_int_equal(b->dirty_end, b->end); /* written to its end */
    assert_int_equal(rt.free_count, 7);
    /* the warm (committed) region comes back before a cold one */
    struct region *c = region_table_take(&rt, REGION_FULL);
    assert_ptr_equal(c, b);
    assert_int_equal(rt.committed_count, 2);
    region_table_release(&rt, c);
    region_table_release(&rt, a);
    assert_int_equal(region_table_uncommit_free(&rt), 2 * REGION);
    assert_int_equal(rt.committed_count, 0);
    assert_int_equal(b->dirty_end, b->bottom);
    region_table_destroy(&rt);
}

/* An uncommit claims its region as a take does: a region in use, or one
 * freed after the cutoff, is left alone; an idle one goes, and comes back
 * committed and zeroed when it is taken again. */
static void uncommit_claims_against_takes(void **state)
{
    (void)state;
    struct region_table rt;
    struct region *a, *b;
    table_with_two_taken(&rt, &a, &b);
    memset((void *)a->bottom, 0xcd, REGION);
    a->top = a->end;
    region_table_release(&rt, a);
    uint64_t freed = region_idle_since(&rt, a->index);
    assert_true(freed != UINT64_MAX);
    /* in use, or never committed: not idle */
    assert_int_equal(region_idle_since(&rt, b->index), UINT64_MAX);
    assert_int_equal(region_idle_since(&rt, 5), UINT64_MAX);
    assert_false(region_table_uncommit(&rt, b->index, UINT64_MAX));
    assert_int_equal(b->state, REGION_ALLOC);
    /* free, but since after the cutoff */
    assert_false(region_table_uncommit(&rt, a->index, freed - 1));
    assert_true(a->committed);
    assert_int_equal(rt.free_count, 7); /* the failed claims gave back */
    assert_true(region_table_uncommit(&rt, a->index, freed));
    assert_false(a->committed);
    assert_int_equal(rt.committed_count, 1);
    assert_int_equal(rt.free_count, 7);
    assert_int_equal(region_idle_since(&rt, a->index), UINT64_MAX);
    struct region *c = region_table_take(&rt, REGION_ALLOC);
    assert_ptr_equal(c, a); /* the lowest, committed or not */
    assert_true(c->committed);
    for (size_t i = 0; i < REGION; i += 4096)
        assert_int_equal(((unsigned char *)c->bottom)[i], 0);
    region_table_destroy(&rt);
}

static void exhaustion_returns_null(void **state)
{
    (void)state;
    struct region_table rt;
    assert_int_equal(region_table_init(&rt, 4 * REGION, REGION, false, false),
                     0);
    for (int i = 0; i < 4; i++)
        assert_non_null(region_table_take(&rt, REGION_ALLOC));
    assert_null(region_table_take(&rt, REGION_ALLOC));
    assert_null(region_table_take_run(&rt, 1));
    region_table_destroy(&rt);
}

static void humongous_runs_are_contiguous(void **state)
{
    (void)state;
    struct region_table rt;
    assert_int_equal(region_table_init(&rt, 8 * REGION, REGION, true, false),
                     0);
    assert_int_equal(rt.committed_count, 8); /* pretouch */
    struct region *one = region_table_take(&rt, REGION_ALLOC);  /* 0 */
    struct region *gap = region_table_take(&rt, REGION_ALLOC);  /* 1 */
    region_table_take(&rt, REGION_ALLOC);                       /* 2 */
    region_table_release(&rt, gap); /* free: 1, 3..7 */
    struct region *run = region_table_take_run(&rt, 4);
    assert_non_null(run);
    assert_int_equal(run->index, 3);
    assert_int_equal(run->state, REGION_HUMONGOUS_START);
    assert_int_equal(run->span, 4);
    for (int i = 1; i < 4; i++)
        assert_int_equal(run[i].state, REGION_HUMONGOUS_CONT);
    assert_null(region_table_take_run(&rt, 2)); /* only 1 and 7 are free */
    region_table_release(&rt, run);
    assert_int_equal(rt.free_count, 6);
    assert_non_null(region_table_take_run(&rt, 5));
    (void)one;
    region_table_destroy(&rt);
}

/* A humongous object's mark lives on its start region: its continuations
 * get no bitmap, and lose the one they had from an earlier use.  Bitmap
 * bytes are counted while they exist. */
static void continuations_have_no_bitmap(void **state)
{
    (void)state;
    struct region_table rt;
    assert_int_equal(region_table_init(&rt, 8 * REGION, REGION, false, false),
                     0);
    const size_t bitmap = region_mark_words(&rt) * 8;
    assert_int_equal(bitmap, REGION / 64);
    assert_true(meta_bytes(&rt.meta, META_REGION_TABLE) >=
                8 * sizeof(struct region));
    struct region *r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = region_table_take(&rt, REGION_ALLOC);
        assert_non_null(r[i]->marks);
    }
    assert_int_equal(meta_bytes(&rt.meta, META_BITMAP), 4 * bitmap);
    for (int i = 0; i < 4; i++)
        region_table_release(&rt, r[i]);
    struct region *run = region_table_take_run(&rt, 3); /* regions 0..2 */
    assert_ptr_equal(run, r[0]);
    assert_non_null(run->marks);
    assert_null(run[1].marks);
    assert_null(run[2].marks);
    /* region 3 is free and keeps its bitmap until uncommitted */
    assert_int_equal(meta_bytes(&rt.meta, META_BITMAP), 2 * bitmap);
    assert_int_equal(rt.meta.peak, rt.meta.total + 2 * bitmap);
    region_table_release(&rt, run);
    /* taken again as ordinary regions, continuations get one back */
    for (int i = 0; i < 3; i++)
        assert_non_null(region_table_take(&rt, REGION_ALLOC)->marks);
    assert_int_equal(meta_bytes(&rt.meta, META_BITMAP), 4 * bitmap);
    region_table_destroy(&rt);
}

static size_t resident_pages(uintptr_t addr, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
    unsigned char vec[REGION / 4096 + 1];
    assert_int_equal(mincore((void *)addr, len, vec), 0);
    for (size_t i = 0; i < len / page; i++)
        n += vec[i] & 1;
    return n;
}

static void zeroing_touches_only_old_data(void **state)
{
    (void)state;
    struct region_table rt;
    assert_int_equal(region_table_init(&rt, 4 * REGION, REGION, false, false),
                     0);
    struct region *r = region_table_take(&rt, REGION_ALLOC);
    region_zero(r, r->bottom, r->end); /* fresh: nothing to clear */
    assert_int_equal(resident_pages(r->bottom, REGION), 0);

    memset((void *)r->bottom, 0x5a, REGION / 4); /* a quarter used */
    r->top = r->bottom + REGION / 4;
    region_table_release(&rt, r);
    assert_int_equal(r->dirty_end, r->bottom + REGION / 4);
    struct region *again = region_table_take(&rt, REGION_ALLOC);
    assert_ptr_equal(again, r); /* warm first */
    region_zero(r, r->bottom, r->end);
    /* the pages past the old data were never faulted in */
    assert_int_equal(resident_pages(r->bottom + REGION / 2, REGION / 2), 0);
    for (size_t i = 0; i < REGION; i++)
        assert_int_equal(((unsigned char *)r->bottom)[i], 0);
    region_table_destroy(&rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regions_tile_the_reservation),
        cmocka_unit_test(take_commits_and_prefers_warm_regions),
        cmocka_unit_test(uncommit_claims_against_takes),
        cmocka_unit_test(exhaustion_returns_null),
        cmocka_unit_test(humongous_runs_are_contiguous),
        cmocka_unit_test(continuations_have_no_bitmap),
        cmocka_unit_test(zeroing_touches_only_old_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
