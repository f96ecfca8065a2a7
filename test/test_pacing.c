/* test_pacing.c — when the heap fills before a concurrent cycle can finish,
 * allocating threads stall (counted, timed, reported to the event listener)
 * and are let go by the cycle; a full stop-the-world collection is only the
 * last resort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include <rgc.h>

struct node {
    rgc_ref next;
    uint64_t id;
};

static rgc_type node_type(rgc_heap *heap)
{
    static const size_t offsets[] = {offsetof(struct node, next)};
    rgc_type_desc d = {"node", sizeof(struct node), offsets, 1, NULL};
    rgc_type ty = rgc_type_register(heap, &d);
    assert_true(ty != 0);
    return ty;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The stalled thread hears of each of its stalls (RGC_EVENT_STALL). */
struct stall_events {
    uint64_t count, total_ns;
};

static void count_stall(rgc_heap *heap, const rgc_event *ev, void *ctx)
{
    (void)heap;
    struct stall_events *e = ctx;
    if (ev->kind == RGC_EVENT_STALL) {
        e->count++;
        e->total_ns += ev->duration_ns;
    }
}

/* A long list makes marking slow (one object after another, no
 * parallelism); 4 KB garbage objects fill the heap's headroom quickly. */
static void a_full_heap_stalls_allocation_until_a_cycle_frees_memory(
    void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(
        rgc_config_parse(&c, "heap_max=32m,region_size=256k,gc_threads=1"),
        RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    assert_non_null(heap);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = node_type(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *head = rgc_handle(t, NULL);
    enum { NODES = 400000 }; /* 9.6 MB live */
    for (uint64_t i = 0; i < NODES; i++) {
        struct node *n = rgc_alloc(t, ty);
        assert_non_null(n);
        n->id = i;
        rgc_store(t, &n->next, rgc_load(t, head));
        rgc_root_store(t, head, n);
    }

    struct stall_events events = {0};
    assert_int_equal(rgc_set_event_listener(heap, count_stall, &events),
                     RGC_OK);
    rgc_heap_stats st;
    double deadline = seconds() + 20;
    do {
        for (int i = 0; i < 20000; i++)
            assert_non_null(rgc_alloc_bytes(t, 4000));
        rgc_stats(heap, &st);
    } while (st.alloc_stalls == 0 && seconds() < deadline);

    assert_true(st.alloc_stalls > 0);
    assert_int_equal(st.oom_count, 0);
    assert_int_equal(st.full_cycles, 0); /* stalls sufficed */
    assert_true(st.alloc_stall_max_ns > 0);
    assert_true(st.alloc_stall_total_ns >= st.alloc_stall_max_ns);
    rgc_percentiles p;
    rgc_stall_percentiles(heap, &p);
    assert_int_equal(p.count, st.alloc_stalls);
    assert_true(p.max_ns >= st.alloc_stall_max_ns); /* bucket upper bound */
    /* this thread alone allocates, so its stalls were all delivered */
    assert_int_equal(rgc_set_event_listener(heap, NULL, NULL), RGC_OK);
    assert_int_equal(events.count, st.alloc_stalls);
    assert_int_equal(events.total_ns, st.alloc_stall_total_ns);
    printf("%llu stalls, max %.3f ms, in %llu cycles\n",
           (unsigned long long)st.alloc_stalls,
           (double)st.alloc_stall_max_ns / 1e6,
           (unsigned long long)st.cycles);

    /* nothing was lost while the collector and the stalls went on */
    uint64_t expect = NODES;
    for (struct node *n = rgc_load(t, head); n; n = rgc_load(t, &n->next))
        assert_int_equal(n->id, --expect);
    assert_int_equal(expect, 0);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* Pause kinds: a concurrent cycle has one mark-start, at least one
 * mark-end and one relocation pause; a full collection one full pause. */
static void pauses_are_recorded_by_kind(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=16m,region_size=256k"),
                     RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_heap_stats st;
    do {
        for (int i = 0; i < 1000; i++)
            assert_non_null(rgc_alloc_bytes(t, 1000));
        rgc_stats(heap, &st);
    } while (st.cycles < 3);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    rgc_stats(heap, &st);

    rgc_percentiles start, end, reloc, full, all;
    assert_int_equal(
        rgc_pause_kind_percentiles(heap, RGC_PAUSE_MARK_START, &start),
        RGC_OK);
    assert_int_equal(rgc_pause_kind_percentiles(heap, RGC_PAUSE_MARK_END, &end),
                     RGC_OK);
    assert_int_equal(
        rgc_pause_kind_percentiles(heap, RGC_PAUSE_RELOCATE, &reloc), RGC_OK);
    assert_int_equal(rgc_pause_kind_percentiles(heap, RGC_PAUSE_FULL, &full),
                     RGC_OK);
    rgc_pause_percentiles(heap, &all);
    assert_int_equal(full.count, st.full_cycles);
    assert_true(full.count >= 1);
    /* concurrent cycles still under way have paused without finishing */
    uint64_t concurrent = st.cycles - st.full_cycles;
    assert_true(start.count >= concurrent && reloc.count >= concurrent);
    assert_true(start.count <= concurrent + 1);
    assert_true(end.count >= reloc.count);
    assert_int_equal(all.count, start.count + end.count + reloc.count +
                                    full.count);
    assert_int_equal(all.count, st.pause_count);
    assert_int_equal(rgc_pause_kind_percentiles(heap, RGC_PAUSE_KINDS, &all),
                     RGC_EINVAL);

    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_full_heap_stalls_allocation_until_a_cycle_frees_memory),
        cmocka_unit_test(pauses_are_recorded_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
