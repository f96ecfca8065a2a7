/* test_handles.c — handle scopes across chunk boundaries, global roots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rgc.h>

static rgc_heap *heap;
static rgc_thread *t;

static int setup(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    if (rgc_config_parse(&c, "heap_max=16m,region_size=1m,verify") != RGC_OK)
        return -1;
    heap = rgc_heap_create(&c);
    t = rgc_thread_attach(heap);
    return heap && t ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
    return 0;
}

static void *tagged_bytes(long tag)
{
    long *p = rgc_alloc_bytes(t, sizeof tag);
    *p = tag;
    return p;
}

static void scopes_nest_across_chunks(void **state)
{
    (void)state;
    enum { OUTER = 300, INNER = 700 }; /* both cross a 255-slot chunk */
    rgc_ref *outer[OUTER], *inner[INNER];
    rgc_scope s1 = rgc_scope_open(t);
    for (long i = 0; i < OUTER; i++)
        outer[i] = rgc_handle(t, tagged_bytes(i));
    for (int round = 0; round < 3; round++) {
        rgc_scope s2 = rgc_scope_open(t);
        for (long i = 0; i < INNER; i++)
            inner[i] = rgc_handle(t, tagged_bytes(1000 + i));
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
        for (long i = 0; i < INNER; i++)
            assert_int_equal(*(long *)rgc_load(t, inner[i]), 1000 + i);
        rgc_scope_close(t, s2);
        /* handles of the closed scope are no roots any more */
        rgc_collect(t, RGC_COLLECT_FULL);
        rgc_heap_stats st;
        rgc_stats(heap, &st);
        assert_int_equal(st.used, OUTER * 16);
    }
    for (long i = 0; i < OUTER; i++)
        assert_int_equal(*(long *)rgc_load(t, outer[i]), i);
    rgc_scope_close(t, s1);
}

static void detach_refuses_open_handles(void **state)
{
    (void)state;
    rgc_scope s = rgc_scope_open(t);
    rgc_handle(t, NULL);
    assert_int_equal(rgc_thread_detach(t), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "handles are still open"));
    rgc_scope_close(t, s);
}

static void global_roots_are_scanned_and_updated(void **state)
{
    (void)state;
    static rgc_ref root = {0};
    assert_int_equal(rgc_root_register(heap, &root), RGC_OK);
    assert_int_equal(rgc_root_register(heap, &root), RGC_EINVAL);
    rgc_root_store(t, &root, tagged_bytes(42));
    for (int i = 0; i < 1000; i++)
        tagged_bytes(i); /* garbage beside it: its region gets evacuated */
    void *before = rgc_load(t, &root);
    rgc_collect(t, RGC_COLLECT_FULL);
    void *after = rgc_load(t, &root);
    assert_ptr_not_equal(before, after);
    assert_int_equal(*(long *)after, 42);
    assert_int_equal(rgc_root_unregister(heap, &root), RGC_OK);
    assert_int_equal(rgc_root_unregister(heap, &root), RGC_EINVAL);
    rgc_collect(t, RGC_COLLECT_FULL);
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    assert_int_equal(st.used, 0);
    assert_int_equal(rgc_root_register(heap, NULL), RGC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(scopes_nest_across_chunks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(detach_refuses_open_handles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(global_roots_are_scanned_and_updated,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
