/*
 * test_roots.c — misuse of roots and references that the library must
 * catch, with a message naming the call or the slot.
 *
 *   - rgc_root_register refuses a slot inside the heap, NULL and a slot
 *     registered twice; rgc_root_unregister refuses a slot that is not
 *     registered (RGC_EINVAL each, and rgc_last_error names the call);
 *   - thousands of global roots, registered and unregistered in a shuffled
 *     order, are all visited and updated by collections (the hash index
 *     and the dense array the collector walks stay in step);
 *   - rgc_root_store on a slot that is neither a handle of the thread (in an
 *     open scope) nor a registered root aborts when the embedder is built
 *     with RGC_DEBUG, as this file is;
 *   - marking aborts on a reference into a free region or above a region's
 *     top, naming the slot and the value, whatever TAMS says (the forged
 *     slots are written through the slot's bits directly).
 *
 * Death tests run in a forked child (no heap exists in the parent then).
 */
#define RGC_DEBUG 1 /* rgc_root_store's check, as a debug embedder has it */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "child.h"
#include "fixture.h"
#include "rgc_heap.h"

typedef struct cell {
    rgc_ref next;
    uint64_t tag;
} cell;

static rgc_heap *new_heap(void)
{
    return heap_with("heap_max=16m,region_size=256k");
}

static rgc_type cell_type(rgc_heap *heap)
{
    static const size_t offs[] = {offsetof(cell, next)};
    rgc_type ty = rgc_type_register(
        heap, &(rgc_type_desc){"cell", sizeof(cell), offs, 1, NULL});
    assert_int_not_equal(ty, 0);
    return ty;
}

static cell *new_cell(rgc_thread *t, rgc_type ty, uint64_t tag)
{
    cell *c = rgc_alloc(t, ty);
    assert_non_null(c);
    c->tag = tag;
    return c;
}

/* A heap, the calling thread attached in an open scope, and one cell
 * (tag 1) that a handle keeps. */
struct one_cell {
    rgc_heap *heap;
    rgc_thread *t;
    rgc_scope scope;
    cell *c;
};

static struct one_cell one_cell(void)
{
    struct one_cell w = {.heap = new_heap()};
    rgc_type ty = cell_type(w.heap);
    w.t = rgc_thread_attach(w.heap);
    assert_non_null(w.t);
    w.scope = rgc_scope_open(w.t);
    w.c = new_cell(w.t, ty, 1);
    rgc_handle(w.t, w.c);
    return w;
}

/* Write a slot's bits as is, past every barrier. */
static void forge(rgc_ref *slot, uintptr_t bits)
{
    memcpy(slot, &bits, sizeof bits);
}

static void assert_error_has(const char *what)
{
    if (!strstr(rgc_last_error(), what))
        fail_msg("rgc_last_error() lacks \"%s\": %s", what, rgc_last_error());
}

/* ---- death tests ----------------------------------------------------- */

/* The child aborted, and its output holds every string of want[]. */
static void assert_aborted_with(const struct child *c, const char *const *want,
                                size_t n)
{
    assert_killed_by(c, SIGABRT, NULL);
    for (size_t i = 0; i < n; i++)
        if (!strstr(c->err, want[i]))
            fail_msg("child's output lacks \"%s\":\n%s", want[i], c->err);
}

/* ---- registration --------------------------------------------------------- */

static void register_errors(void **state)
{
    (void)state;
    struct one_cell w = one_cell();
    rgc_heap *heap = w.heap;
    rgc_thread *t = w.t;
    rgc_scope s = w.scope;
    cell *c = w.c;

    /* A field of a heap object is not a root. */
    assert_int_equal(rgc_root_register(heap, &c->next), RGC_EINVAL);
    assert_error_has("rgc_root_register");
    assert_error_has("inside the heap");
    char addr[32];
    snprintf(addr, sizeof addr, "%p", (void *)&c->next);
    assert_error_has(addr);
    assert_int_equal(rgc_root_unregister(heap, &c->next), RGC_EINVAL);

    assert_int_equal(rgc_root_register(heap, NULL), RGC_EINVAL);
    assert_error_has("rgc_root_register");
    assert_int_equal(rgc_root_unregister(heap, NULL), RGC_EINVAL);
    assert_error_has("rgc_root_unregister");

    static rgc_ref g;
    assert_int_equal(rgc_root_register(heap, &g), RGC_OK);
    assert_int_equal(rgc_root_register(heap, &g), RGC_EINVAL);
    assert_error_has("already registered");
    assert_int_equal(rgc_root_unregister(heap, &g), RGC_OK);
    assert_int_equal(rgc_root_unregister(heap, &g), RGC_EINVAL);
    assert_error_has("rgc_root_unregister");
    assert_error_has("not registered");
    /* Refused calls changed nothing: g registers again. */
    assert_int_equal(rgc_root_register(heap, &g), RGC_OK);
    assert_int_equal(rgc_root_unregister(heap, &g), RGC_OK);
    assert_int_equal(heap->roots.count, 0);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

#define MANY 5000
#define SPREAD 4 /* the slots are MANY of SPREAD * MANY, chosen at random */

/* A fixed permutation of [0, n), from xorshift64. */
static void shuffle(size_t *order, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % i), tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}

/* Every registered slot holds the cell tagged with its index, through
 * collections that move it; the set holds exactly the registered ones. */
static void check_roots(rgc_thread *t, rgc_ref **slots, const bool *on)
{
    struct rgc_heap *heap = t->heap;
    size_t n = 0;
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(global_roots_contains(&heap->roots, slots[i]),
                         on[i]);
        if (!on[i])
            continue;
        n++;
        cell *c = rgc_load(t, slots[i]);
        assert_non_null(c);
        assert_int_equal(c->tag, i);
    }
    assert_int_equal(heap->roots.count, n);
}

static void many_roots_through_collections(void **state)
{
    (void)state;
    rgc_heap *heap = new_heap();
    rgc_type ty = cell_type(heap);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    /* Slots scattered at random, not consecutive: consecutive addresses
     * hash without a single collision, and the index's collision handling
     * (probing, backward-shift deletion) would go untested. */
    rgc_ref *pool = calloc(SPREAD * MANY, sizeof *pool);
    rgc_ref **slots = malloc(MANY * sizeof *slots);
    size_t *pick = malloc(SPREAD * MANY * sizeof *pick);
    bool *on = calloc(MANY, sizeof *on);
    size_t *order = malloc(MANY * sizeof *order);
    assert_true(pool && slots && pick && on && order);
    shuffle(pick, SPREAD * MANY, 777);
    for (size_t i = 0; i < MANY; i++) {
        slots[i] = &pool[pick[i]];
        assert_int_equal(rgc_root_register(heap, slots[i]), RGC_OK);
        on[i] = true;
        rgc_root_store(t, slots[i], new_cell(t, ty, i));
    }
    shuffle(order, MANY, 12345); /* the order of removal */
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    check_roots(t, slots, on);

    /* Two thirds go, in the shuffled order; the rest must still be
     * visited (and updated) by the next collections. */
    for (size_t k = 0; k < 2 * MANY / 3; k++) {
        assert_int_equal(rgc_root_unregister(heap, slots[order[k]]),
                         RGC_OK);
        on[order[k]] = false;
    }
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    check_roots(t, slots, on);

    /* Back again, with new cells. */
    for (size_t k = 0; k < 2 * MANY / 3; k++) {
        size_t i = order[k];
        assert_int_equal(rgc_root_register(heap, slots[i]), RGC_OK);
        on[i] = true;
        rgc_root_store(t, slots[i], new_cell(t, ty, i));
    }
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    check_roots(t, slots, on);

    for (size_t i = 0; i < MANY; i++)
        assert_int_equal(rgc_root_unregister(heap, slots[i]), RGC_OK);
    assert_int_equal(heap->roots.count, 0);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
    free(pool);
    free(slots);
    free(pick);
    free(on);
    free(order);
}

/* ---- rgc_root_store (RGC_DEBUG) ---------------------------------------- */

static void root_store_on_roots(void **state)
{
    (void)state;
    rgc_heap *heap = new_heap();
    rgc_type ty = cell_type(heap);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    static rgc_ref g;
    assert_int_equal(rgc_root_register(heap, &g), RGC_OK);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = NULL;
    for (int i = 0; i < 600; i++) /* handles in three chunks */
        h = rgc_handle(t, NULL);
    rgc_root_store(t, h, new_cell(t, ty, 7));
    rgc_root_store(t, &g, new_cell(t, ty, 8));
    assert_int_equal(((cell *)rgc_load(t, h))->tag, 7);
    assert_int_equal(((cell *)rgc_load(t, &g))->tag, 8);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_root_unregister(heap, &g), RGC_OK);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void root_store_heap_slot_child(void)
{
    struct one_cell w = one_cell();
    fprintf(stderr, "child: slot %p\n", (void *)&w.c->next);
    rgc_root_store(w.t, &w.c->next, w.c); /* a heap slot: rgc_store's job */
    rgc_scope_close(w.t, w.scope);
}

static rgc_ref unregistered;

static void root_store_unregistered_child(void)
{
    rgc_heap *heap = new_heap();
    rgc_thread *t = rgc_thread_attach(heap);
    fprintf(stderr, "child: slot %p\n", (void *)&unregistered);
    rgc_root_store(t, &unregistered, NULL);
}

static void root_store_closed_handle_child(void)
{
    rgc_heap *heap = new_heap();
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, NULL);
    rgc_scope_close(t, s);
    fprintf(stderr, "child: slot %p\n", (void *)h);
    rgc_root_store(t, h, NULL); /* its scope is closed */
}

static void root_store_refuses_non_roots(void **state)
{
    (void)state;
    void (*children[])(void) = {root_store_heap_slot_child,
                                root_store_unregistered_child,
                                root_store_closed_handle_child};
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++) {
        struct child c = run_child(children[i]);
        /* the child printed the slot it stored to: find it twice */
        const char *line = strstr(c.err, "child: slot ");
        assert_non_null(line);
        char slot[40];
        assert_int_equal(sscanf(line, "child: slot %39s", slot), 1);
        char named[80];
        snprintf(named, sizeof named, "rgc_root_store: slot %s", slot);
        const char *want[] = {named, "neither a handle"};
        assert_aborted_with(&c, want, 2);
    }
}

/* ---- marking meets a reference to no object -------------------------- */

static rgc_ref forged;

/* Marks from a root holding bits; the child's output says where. */
static void mark_forged(rgc_heap *heap, rgc_thread *t, uintptr_t addr)
{
    assert_int_equal(rgc_root_register(heap, &forged), RGC_OK);
    forge(&forged, rgc__colored(addr, heap->good_color));
    fprintf(stderr, "child: slot %p value %p\n", (void *)&forged,
            (void *)addr);
    fflush(stderr);
    rgc_collect(t, RGC_COLLECT_FULL);
}

static void free_region_child(void)
{
    rgc_heap *heap = new_heap();
    rgc_thread *t = rgc_thread_attach(heap);
    struct region_table *rt = &heap->regions;
    struct region *r = &rt->regions[rt->count - 1];
    if (region_state(r) != REGION_FREE)
        _exit(3);
    mark_forged(heap, t, r->bottom + RGC__HEADER_BYTES);
}

static void above_top_child(void)
{
    struct one_cell w = one_cell();
    rgc_heap *heap = w.heap;
    rgc_thread *t = w.t;
    rgc_scope s = w.scope;
    cell *c = w.c;
    /* The cell's region holds a few objects from its bottom; its last
     * words are above its top once the collection retires the TLAB. */
    struct region *r = region_of(&heap->regions, (uintptr_t)c);
    mark_forged(heap, t, r->end - 64 + RGC__HEADER_BYTES);
    rgc_scope_close(t, s);
}

static void marking_refuses_references_to_no_object(void **state)
{
    (void)state;
    static const struct {
        void (*fn)(void);
        const char *why;
    } cases[] = {{free_region_child, "in free region"},
                 {above_top_child, "above the top of region"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct child c = run_child(cases[i].fn);
        const char *line = strstr(c.err, "child: slot ");
        assert_non_null(line);
        char slot[40], value[40];
        assert_int_equal(
            sscanf(line, "child: slot %39s value %39s", slot, value), 2);
        char named[128];
        snprintf(named, sizeof named, "marking: slot %s holds %s", slot,
                 value);
        const char *want[] = {named, cases[i].why, "not an object"};
        assert_aborted_with(&c, want, 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_errors),
        cmocka_unit_test(many_roots_through_collections),
        cmocka_unit_test(root_store_on_roots),
        cmocka_unit_test(root_store_refuses_non_roots),
        cmocka_unit_test(marking_refuses_references_to_no_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
