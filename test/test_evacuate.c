/* test_evacuate.c — evacuation that runs out of destination space keeps
 * every object, and the next cycles finish the job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rgc.h>

#define REGION (256u << 10)
#define OBJ (120u << 10) /* two per region, under the humongous limit */

static void evacuation_failure_loses_nothing(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=32m,region_size=256k,"
                                          "tlab_size=256k,evacuate_live_percent=0,"
                                          "verify"),
                     RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { N = 180 }; /* 90 regions, each to be half live */
    rgc_ref *keep = rgc_handle(t, rgc_alloc_refs(t, N / 2));
    for (int i = 0; i < N; i++) {
        unsigned char *b = rgc_alloc_bytes(t, OBJ);
        assert_non_null(b);
        memset(b, i, OBJ);
        if (i % 2 == 0)
            rgc_store_elem(t, rgc_load(t, keep), (size_t)i / 2, b);
    }
    /* Routine cycles during the setup evacuated only empty regions
     * (evacuate_live_percent=0): every region is still half live. */
    rgc_heap_stats after;

    /* 90 candidate regions, 60 KiB of live data each, ~37 free regions:
     * selection budgets by bytes, but copies pack two to a region, so the
     * destination space runs out before the selected regions are done. */
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    rgc_stats(heap, &after);
    assert_true(after.used > after.live_after_last_cycle); /* some kept */

    for (int round = 0; round < 3; round++) {
        void *arr = rgc_load(t, keep);
        for (int i = 0; i < N / 2; i++) {
            unsigned char *b = rgc_load_elem(t, arr, (size_t)i);
            assert_non_null(b);
            assert_int_equal(rgc_length(b), OBJ);
            assert_int_equal(b[0], (2 * i) & 0xff);
            assert_int_equal(b[OBJ - 1], (2 * i) & 0xff);
        }
        rgc_collect(t, RGC_COLLECT_FULL);
    }
    rgc_stats(heap, &after);
    assert_int_equal(after.used, after.live_after_last_cycle);

    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evacuation_failure_loses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
