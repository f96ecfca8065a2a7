/* test_gc_log.c — the `log` option prints one well-formed line per cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "policy/driver.h"

static void one_line_per_cycle(void **state)
{
    (void)state;
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);

    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=16m,region_size=1m,log"),
                     RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_handle(t, rgc_alloc_bytes(t, 1000));
    for (int i = 0; i < 20000; i++)
        rgc_alloc_bytes(t, 1000); /* garbage: concurrent cycles */
    rgc_collect(t, RGC_COLLECT_FULL);
    rgc_collect(t, RGC_COLLECT_RELEASE);
    /* A concurrent cycle requested by the loop may still be pending (a full
     * collection does not withdraw it): let it run now, with the thread
     * attached, so that no cycle starts after the counts are read. */
    driver_wait(heap, t);
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    char line[1024];
    unsigned long long lines = 0, routine = 0, full = 0, release = 0;
    while (fgets(line, sizeof line, capture)) {
        unsigned long long n;
        char kind[16];
        unsigned pauses, mark_ends;
        double max, total, ttsp;
        assert_int_equal(sscanf(line,
                                "[rgc gc] #%llu %15[a-z]: %u pauses, max %lf "
                                "ms, total %lf ms (ttsp max %lf ms, %u "
                                "mark-end)",
                                &n, kind, &pauses, &max, &total, &ttsp,
                                &mark_ends),
                         7);
        assert_int_equal(n, ++lines); /* numbered from 1, none missing */
        assert_true(ttsp <= max && max <= total);
        if (!strstr(line, "1 threads\n"))
            fail_msg("a cycle saw other than the one thread: %s", line);
        if (!strcmp(kind, "concurrent")) {
            /* mark start, mark end (at least once), relocate */
            assert_true(mark_ends >= 1);
            assert_int_equal(pauses, 2 + mark_ends);
        } else {
            assert_int_equal(pauses, 1);
        }
        routine += !strcmp(kind, "concurrent");
        full += !strcmp(kind, "full");
        release += !strcmp(kind, "release");
    }
    fclose(capture);
    assert_int_equal(lines, st.cycles);
    assert_true(routine >= 1);
    assert_int_equal(full, 1);
    assert_int_equal(release, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_line_per_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
