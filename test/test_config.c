/* test_config.c — rgc_config_parse, RGC_OPTIONS, and every kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rgc.h>

static void parse_ok(rgc_config *c, const char *s)
{
    int rc = rgc_config_parse(c, s);
    if (rc != RGC_OK)
        fail_msg("'%s' rejected: %s", s, rgc_last_error());
}

/* The option is rejected, the error names `key` and says `why`, and the
 * configuration is left exactly as it was. */
static void parse_bad(const char *s, const char *key, const char *why)
{
    rgc_config c, before;
    rgc_config_init(&c);
    before = c;
    assert_int_equal(rgc_config_parse(&c, s), RGC_EINVAL);
    const char *err = rgc_last_error();
    if (!strstr(err, key) || !strstr(err, why))
        fail_msg("'%s': error '%s' should name '%s' and say '%s'", s, err,
                 key, why);
    assert_memory_equal(&c, &before, sizeof c);
}

static void defaults_are_consistent(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(c.region_size, 2u << 20);
    assert_true(c.heap_max >= 512u << 20);
    assert_int_equal(c.heap_max % c.region_size, 0);
    assert_true(c.gc_threads >= 1);
    assert_int_equal(c.uncommit_delay_us, 300000000); /* ZGC's 300 s */
    parse_ok(&c, ""); /* the defaults pass the consistency check */
}

static void parses_the_documented_example(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    parse_ok(&c, "heap_max=1g,region_size=2m,max_pause=500us,gc_threads=2");
    assert_int_equal(c.heap_max, 1u << 30);
    assert_int_equal(c.region_size, 2u << 20);
    assert_int_equal(c.max_pause_us, 500);
    assert_int_equal(c.gc_threads, 2);
}

static void units_and_booleans(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    parse_ok(&c, " heap_max=64M , region_size=512kb,tlab_size=8192 ,verify,"
                 "pretouch=no,poison=true,max_pause=2ms");
    assert_int_equal(c.heap_max, 64u << 20);
    assert_int_equal(c.region_size, 512u << 10);
    assert_int_equal(c.tlab_size, 8192);
    assert_true(c.verify);
    assert_false(c.pretouch);
    assert_true(c.poison);
    assert_int_equal(c.max_pause_us, 2000);
    parse_ok(&c, "max_pause=1s,growth_percent=50,evacuate_live_percent=90,"
                 "verify=0");
    assert_int_equal(c.max_pause_us, 1000000);
    assert_int_equal(c.growth_percent, 50);
    assert_int_equal(c.evacuate_live_percent, 90);
    assert_false(c.verify);
    parse_ok(&c, "uncommit_delay=10ms");
    assert_int_equal(c.uncommit_delay_us, 10000);
    parse_ok(&c, "uncommit_delay=0"); /* never; zero needs no unit */
    assert_int_equal(c.uncommit_delay_us, 0);
    parse_ok(&c, "uncommit_delay=60s");
    assert_int_equal(c.uncommit_delay_us, 60000000);
}

static void rejects_bad_input(void **state)
{
    (void)state;
    parse_bad("heap_maxx=1g", "heap_maxx", "unknown option");
    parse_bad("=1g", "empty option name", "");
    parse_bad("heap_max=1g,,verify", "empty option", "");
    parse_bad("heap_max", "heap_max", "needs a value");
    parse_bad("heap_max=", "heap_max", "not a size");
    parse_bad("heap_max=abc", "heap_max", "not a size");
    parse_bad("heap_max=-1g", "heap_max", "not a size");
    parse_bad("heap_max=1t", "heap_max", "unknown unit");
    parse_bad("heap_max=1gx", "heap_max", "trailing characters");
    parse_bad("heap_max=0", "heap_max", "above 0");
    parse_bad("heap_max=99999999999999999999", "heap_max", "too large");
    parse_bad("heap_max=99999999999g", "heap_max", "too large");
    parse_bad("max_pause=500", "max_pause", "needs a unit");
    parse_bad("max_pause=5min", "max_pause", "unknown unit");
    parse_bad("max_pause=0us", "max_pause", "above 0");
    parse_bad("max_pause=0", "max_pause", "above 0");
    parse_bad("uncommit_delay=5", "uncommit_delay", "needs a unit");
    parse_bad("uncommit_delay=9999999999999s", "uncommit_delay",
              "too large");
    parse_bad("uncommit_delay=500us", "uncommit_delay", "at least 1ms");
    parse_bad("gc_threads=two", "gc_threads", "whole number");
    parse_bad("gc_threads=0", "gc_threads", "between 1 and 1024");
    parse_bad("gc_threads=1.5", "gc_threads", "whole number");
    parse_bad("verify=maybe", "verify", "not a boolean");
    parse_bad("evacuate_live_percent=101", "evacuate_live_percent",
              "above 100");
}

static void rejects_inconsistent_combinations(void **state)
{
    (void)state;
    parse_bad("region_size=3m", "region_size", "power of two");
    parse_bad("region_size=128k", "region_size", "power of two");
    parse_bad("region_size=1g", "region_size", "power of two");
    parse_bad("heap_max=5m,region_size=2m", "heap_max", "not a multiple");
    parse_bad("heap_max=4m,region_size=2m", "heap_max", "fewer than 4");
    parse_bad("region_size=1m,tlab_size=2m", "tlab_size", "region_size");
    parse_bad("tlab_size=1k", "tlab_size", "4k");
    /* A forwarding entry holds the target's word offset in 64 minus
     * log2(region words) + 1 bits: 1 TiB of heap with 512 MiB regions. */
    rgc_config c;
    rgc_config_init(&c);
    parse_ok(&c, "heap_max=1024g,region_size=512m");
    parse_bad("heap_max=1536g,region_size=512m", "heap_max",
              "forwarding entry");
}

static void environment_overrides_the_config(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    parse_ok(&c, "heap_max=64m,region_size=1m");
    setenv("RGC_OPTIONS", "heap_max=32m", 1);
    rgc_heap *heap = rgc_heap_create(&c);
    assert_non_null(heap);
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    assert_int_equal(s.heap_max, 32u << 20);
    assert_int_equal(s.region_size, 1u << 20);
    rgc_heap_destroy(heap);

    setenv("RGC_OPTIONS", "heap_max=lots", 1);
    assert_null(rgc_heap_create(&c));
    assert_non_null(strstr(rgc_last_error(), "RGC_OPTIONS"));
    assert_non_null(strstr(rgc_last_error(), "heap_max"));
    unsetenv("RGC_OPTIONS");
}

static void create_checks_a_hand_built_config(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    c.region_size = 3 << 20;
    assert_null(rgc_heap_create(&c));
    assert_non_null(strstr(rgc_last_error(), "region_size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_consistent),
        cmocka_unit_test(parses_the_documented_example),
        cmocka_unit_test(units_and_booleans),
        cmocka_unit_test(rejects_bad_input),
        cmocka_unit_test(rejects_inconsistent_combinations),
        cmocka_unit_test(environment_overrides_the_config),
        cmocka_unit_test(create_checks_a_hand_built_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
