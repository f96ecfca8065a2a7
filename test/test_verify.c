/* test_verify.c — the heap verifier accepts a good heap and finds damage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <rgc.h>

#include "policy/collector.h"
#include "mark/mark.h"
#include "object/header.h"
#include "verify/verify.h"

typedef struct cell {
    rgc_ref a, b;
} cell;

struct fixture {
    rgc_heap *heap;
    rgc_thread *t;
    rgc_type cell_type;
    rgc_scope scope;
    rgc_ref *root;
};

static int setup(void **state)
{
    static struct fixture f;
    rgc_config c;
    rgc_config_init(&c);
    if (rgc_config_parse(&c, "heap_max=16m,region_size=1m") != RGC_OK)
        return -1;
    f.heap = rgc_heap_create(&c);
    static const size_t offs[] = {offsetof(cell, a), offsetof(cell, b)};
    f.cell_type = rgc_type_register(
        f.heap, &(rgc_type_desc){"cell", sizeof(cell), offs, 2, NULL});
    f.t = rgc_thread_attach(f.heap);
    f.scope = rgc_scope_open(f.t);
    cell *c0 = rgc_alloc(f.t, f.cell_type);
    f.root = rgc_handle(f.t, c0);
    cell *c1 = rgc_alloc(f.t, f.cell_type);
    c0 = rgc_load(f.t, f.root);
    rgc_store(f.t, &c0->a, c1);
    rgc_store(f.t, &c1->b, c0); /* a cycle */
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rgc_scope_close(f->t, f->scope);
    rgc_thread_detach(f->t);
    rgc_heap_destroy(f->heap);
    return 0;
}

static size_t verify_with(struct fixture *f, unsigned flags)
{
    struct rgc_heap *h = f->heap;
    /* retire the TLAB so regions parse exactly, as a collection does */
    h->used += tlab_retire(f->t);
    return verify_heap(&h->regions, &h->types, collector_visit_roots, h,
                       h->good_color, flags, "test");
}

static size_t run_verifier(struct fixture *f)
{
    return verify_with(f, VERIFY_STALE_OK);
}

static void accepts_a_good_heap(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(run_verifier(f), 0);
    rgc_collect(f->t, RGC_COLLECT_FULL);
    assert_int_equal(run_verifier(f), 0);
}

static void finds_a_pointer_into_the_middle_of_an_object(void **state)
{
    struct fixture *f = *state;
    cell *c0 = rgc_load(f->t, f->root);
    cell *c1 = rgc_load(f->t, &c0->a);
    rgc_store(f->t, &c0->b, (char *)c1 + 8);
    assert_true(run_verifier(f) >= 1);
}

static void finds_a_reference_with_a_stale_color(void **state)
{
    struct fixture *f = *state;
    cell *c0 = rgc_load(f->t, f->root);
    /* a wrong color, written past the barrier */
    *rgc__slot_bits(&c0->b) =
        rgc__colored((uintptr_t)c0, f->heap->good_color << 1);
    assert_true(verify_with(f, 0) >= 1);
}

/* The checkmark: with every object older than a marking (TAMS at top) and
 * no mark bits, every reachable object is reported; once marked, none. */
static void checkmark_finds_unmarked_reachable_objects(void **state)
{
    struct fixture *f = *state;
    struct region_table *rt = &f->heap->regions;
    assert_int_equal(verify_with(f, VERIFY_MARKS), 0); /* all above TAMS */
    for (size_t i = 0; i < rt->count; i++)
        rt->regions[i].tams = rt->regions[i].top;
    assert_true(verify_with(f, VERIFY_MARKS) >= 1);
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (r->state == REGION_FREE)
            continue;
        for (uintptr_t p = r->bottom; p < r->top;
             p += object_footprint(header_payload(object_header_at(p))))
            mark_object(rt, r, p);
    }
    assert_int_equal(verify_with(f, VERIFY_MARKS), 0);
}

static void finds_a_broken_header(void **state)
{
    struct fixture *f = *state;
    cell *c0 = rgc_load(f->t, f->root);
    cell *c1 = rgc_load(f->t, &c0->a);
    ((uint64_t *)c1)[-1] = 0x7777; /* an unregistered type */
    assert_true(run_verifier(f) >= 1);
}

static void finds_a_pointer_outside_the_heap(void **state)
{
    struct fixture *f = *state;
    static cell outside;
    cell *c0 = rgc_load(f->t, f->root);
    rgc_store(f->t, &c0->b, &outside);
    assert_true(run_verifier(f) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepts_a_good_heap, setup, teardown),
        cmocka_unit_test_setup_teardown(
            finds_a_pointer_into_the_middle_of_an_object, setup, teardown),
        cmocka_unit_test_setup_teardown(finds_a_reference_with_a_stale_color,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            checkmark_finds_unmarked_reachable_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(finds_a_broken_header, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(finds_a_pointer_outside_the_heap,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
