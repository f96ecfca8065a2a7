/* test_workers.c — parallel marking, evacuation and reference updating lose
 * nothing: a wide random graph and a long list, on several GC workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rgc.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define NODES 40000
#else
#define NODES 300000
#endif

typedef struct node {
    rgc_ref a, b;
    uint64_t id;
} node;

static void graph_survives_parallel_cycles(unsigned workers)
{
    char options[128];
    snprintf(options, sizeof options,
             "heap_max=256m,region_size=1m,gc_threads=%u,verify,checkmark", workers);
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, options), RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    static const size_t offs[] = {offsetof(node, a), offsetof(node, b)};
    rgc_type nt = rgc_type_register(
        heap, &(rgc_type_desc){"node", sizeof(node), offs, 2, NULL});
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);

    /* all nodes in an array (so the model is just the array), each with
     * two random edges, and garbage in between so regions get evacuated */
    rgc_ref *all = rgc_handle(t, rgc_alloc_refs(t, NODES));
    unsigned seed = 42 + workers;
    for (uint64_t i = 0; i < NODES; i++) {
        node *n = rgc_alloc(t, nt);
        n->id = i;
        rgc_store_elem(t, rgc_load(t, all), i, n);
        if (i % 3 == 0)
            rgc_alloc_bytes(t, 40);
    }
    uint32_t *edges = malloc(2 * NODES * sizeof *edges);
    void *arr = rgc_load(t, all);
    for (uint64_t i = 0; i < NODES; i++) {
        node *n = rgc_load_elem(t, arr, i);
        edges[2 * i] = (uint32_t)(rand_r(&seed) % NODES);
        edges[2 * i + 1] = (uint32_t)(rand_r(&seed) % NODES);
        rgc_store(t, &n->a, rgc_load_elem(t, arr, edges[2 * i]));
        rgc_store(t, &n->b, rgc_load_elem(t, arr, edges[2 * i + 1]));
    }
    /* drop the array: the graph stays reachable only through node 0's
     * edges (a wide, cyclic graph); record which nodes that keeps alive */
    rgc_ref *root = rgc_handle(t, rgc_load_elem(t, arr, 0));
    char *live = calloc(NODES, 1);
    uint32_t *stack = malloc(NODES * sizeof *stack);
    size_t top = 0, live_count = 0;
    stack[top++] = 0;
    live[0] = 1;
    while (top) {
        uint32_t i = stack[--top];
        live_count++;
        for (int e = 0; e < 2; e++)
            if (!live[edges[2 * i + e]]) {
                live[edges[2 * i + e]] = 1;
                stack[top++] = edges[2 * i + e];
            }
    }
    rgc_root_store(t, all, NULL);

    for (int cycle = 0; cycle < 3; cycle++) {
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
        rgc_heap_stats st;
        rgc_stats(heap, &st);
        assert_int_equal(st.used, live_count * (8 + sizeof(node)));
        assert_int_equal(st.live_after_last_cycle, st.used);
        /* walk the real graph and compare every edge with the model */
        char *seen = calloc(NODES, 1);
        node **nstack = malloc(NODES * sizeof *nstack);
        size_t ntop = 0, reached = 0;
        nstack[ntop++] = rgc_load(t, root);
        seen[0] = 1;
        while (ntop) {
            node *n = nstack[--ntop];
            reached++;
            assert_true(n->id < NODES && live[n->id]);
            node *kids[2] = {rgc_load(t, &n->a), rgc_load(t, &n->b)};
            for (int e = 0; e < 2; e++) {
                assert_int_equal(kids[e]->id, edges[2 * n->id + e]);
                if (!seen[kids[e]->id]) {
                    seen[kids[e]->id] = 1;
                    nstack[ntop++] = kids[e];
                }
            }
        }
        assert_int_equal(reached, live_count);
        free(seen);
        free(nstack);
    }
    free(edges);
    free(live);
    free(stack);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

static void one_worker(void **state)
{
    (void)state;
    graph_survives_parallel_cycles(1);
}

static void four_workers(void **state)
{
    (void)state;
    graph_survives_parallel_cycles(4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_worker),
        cmocka_unit_test(four_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
