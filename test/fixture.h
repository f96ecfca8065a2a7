/*
 * fixture.h — a heap for a test, from an option string.  Include after
 * <cmocka.h> and <rgc.h>.
 */
#ifndef RGC_TEST_FIXTURE_H
#define RGC_TEST_FIXTURE_H

/* A heap with the defaults and `options` on top (RGC_OPTIONS, as always,
 * on top of those); the test fails if either is refused. */
__attribute__((unused)) static rgc_heap *heap_with(const char *options)
{
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, options), RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    assert_non_null(heap);
    return heap;
}

#endif
