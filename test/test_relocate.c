/*
 * test_relocate.c — concurrent relocation, held open by a test hook.
 *
 * Each test builds a sparse region (a few live nodes among garbage, so it
 * is a relocation candidate) reachable from a registered root, then runs a
 * concurrent cycle whose driver stops between the relocate-start pause and
 * the relocation workers (heap->relocation_hook): in that window every
 * reference to the nodes is stale and nothing has been copied, so whatever
 * the test's threads load there they relocate themselves.
 *
 *   - the race: RACERS threads load the same stale references at once;
 *     each node ends up with one copy that every thread saw, every slot is
 *     healed to it in the good color, and the heap's copied bytes and the
 *     load barrier's relocation count say each node was copied once (the
 *     losers' copies were taken back);
 *   - pinning during relocation: a node loaded in the window is pinned and
 *     stays put through later cycles; a raw pointer from before the cycle
 *     is refused;
 *   - in place: with the hook that makes workers slide every set region
 *     within itself, the nodes move down inside their region, unchanged.
 *   - the from-space race, forced with a chaos hook in both of its paths:
 *     a mutator that cannot copy a node (its copy fails, or the table is
 *     already closed for a slide) waits for the region's worker; the
 *     worker publishes the node's entry and marks the table done exactly
 *     between two steps of the mutator's wait.  The mutator must return
 *     the node's new address, never the old one; and one held before the
 *     slid region is done may pin what it loaded there;
 *   - roots registered and unregistered by an unattached thread while the
 *     driver's pauses visit them (the root array's lock; TSan checks it).
 * Every cycle runs the verifier (at relocate start and after relocation).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/chaos.h"
#include "object/header.h"
#include "relocate/forwarding.h"
#include "rgc_heap.h"

#define NODES 200
#define RACERS 4
#define GARBAGE 1000 /* bytes of garbage after each node */

typedef struct node {
    uint64_t id;
    uint64_t check; /* ~id */
    uint64_t pad[2046]; /* 16 KiB: copies take long enough to collide */
} node;

static rgc_heap *heap;
static rgc_type node_t;
static rgc_ref root; /* -> reference array of NODES nodes */
static uintptr_t before[NODES]; /* node addresses before the cycle */
static uintptr_t array_before;

static int setup(void **state)
{
    (void)state;
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=64m,region_size=1m,"
                                          "tlab_size=16k,"
                                          "evacuate_live_percent=100,verify"),
                     RGC_OK);
    heap = rgc_heap_create(&c);
    assert_non_null(heap);
    node_t = rgc_type_register(heap, &(rgc_type_desc){"node", sizeof(node),
                                                      NULL, 0, NULL});
    assert_int_not_equal(node_t, 0);
    memset(&root, 0, sizeof root);
    assert_int_equal(rgc_root_register(heap, &root), RGC_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rgc_heap_destroy(heap);
    return 0;
}

/* The nodes, spread thin among garbage, then enough garbage that their
 * region is no thread's allocation region any more. */
static void build(rgc_thread *t)
{
    void *a = rgc_alloc_refs(t, NODES);
    rgc_root_store(t, &root, a);
    array_before = (uintptr_t)a;
    for (uint64_t i = 0; i < NODES; i++) {
        node *n = rgc_alloc(t, node_t);
        n->id = i;
        n->check = ~i;
        rgc_store_elem(t, rgc_load(t, &root), i, n);
        before[i] = (uintptr_t)n;
        assert_non_null(rgc_alloc_bytes(t, GARBAGE));
    }
    for (int i = 0; i < 1100; i++)
        assert_non_null(rgc_alloc_bytes(t, GARBAGE));
    /* No cycle ran meanwhile (less than the 8 regions of the first
     * trigger): the addresses noted are the ones the next cycle sees. */
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    assert_int_equal(s.cycles, 0);
}

static void check_node(const node *n, uint64_t i)
{
    assert_non_null(n);
    assert_int_equal(n->id, i);
    assert_int_equal(n->check, ~i);
}

/* ---- the window, held open by the hook ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool window_open;     /* the hook is waiting */
static int in_window_done;   /* threads finished with the window */
static int expected_done;
static bool hook_armed;

static void hold_window(struct rgc_heap *h, void *ctx)
{
    (void)h;
    (void)ctx;
    pthread_mutex_lock(&lock);
    if (hook_armed) {
        hook_armed = false;
        window_open = true;
        pthread_cond_broadcast(&cond);
        while (in_window_done < expected_done)
            pthread_cond_wait(&cond, &lock);
        window_open = false;
    }
    pthread_mutex_unlock(&lock);
}

static bool window_pending(void)
{
    pthread_mutex_lock(&lock);
    bool armed = hook_armed;
    pthread_mutex_unlock(&lock);
    return armed;
}

/* What each thread does inside the window; me: 0, 1, ... */
typedef void (*window_fn)(rgc_thread *t, int me);
static window_fn window_body;

/* Attach, wait (in a blocking region: the cycle's pauses must not wait for
 * us) until the window opens, run the body, say so, detach. */
static void *window_thread(void *arg)
{
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    rgc_blocking_enter(t);
    pthread_mutex_lock(&lock);
    while (!window_open)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    rgc_blocking_leave(t);
    window_body(t, (int)(intptr_t)arg);
    pthread_mutex_lock(&lock);
    in_window_done++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    return NULL;
}

/* Run `threads` threads through the window of the next concurrent cycle:
 * cycles run (t waiting for them) until one has held the window — the
 * first may have been under way already when the hook was armed.
 * Not under chaos: the window holds the workers back while the threads
 * must copy, and chaos fails mutators' copies (they would wait for a
 * worker forever); those tests force their interleaving themselves. */
static void run_in_window(rgc_thread *t, int threads, window_fn body)
{
    pthread_mutex_lock(&lock);
    hook_armed = true;
    window_open = false;
    in_window_done = 0;
    expected_done = threads;
    pthread_mutex_unlock(&lock);
    window_body = body;
    heap->relocation_hook = hold_window;
    pthread_t tids[RACERS];
    for (int i = 0; i < threads; i++)
        assert_int_equal(pthread_create(&tids[i], NULL, window_thread,
                                        (void *)(intptr_t)i),
                         0);
    while (window_pending())
        driver_wait(heap, t);
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    heap->relocation_hook = NULL;
}

/* ---- the race ---- */

static uintptr_t seen[RACERS][NODES + 1]; /* + the array */
static int start_line;

static void racer(rgc_thread *t, int me)
{
    /* All at once, all in the same order: the copies collide. */
    __atomic_fetch_add(&start_line, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&start_line, __ATOMIC_SEQ_CST) < RACERS)
        sched_yield();
    void *a = rgc_load(t, &root);
    seen[me][NODES] = (uintptr_t)a;
    for (size_t i = 0; i < NODES; i++)
        seen[me][i] = (uintptr_t)rgc_load_elem(t, a, i);
}

static void racing_loads_make_one_copy_and_heal_every_slot(void **state)
{
    (void)state;
    if (heap->config.chaos)
        skip();
    rgc_thread *t = rgc_thread_attach(heap);
    build(t);
    rgc_heap_stats s0, s1;
    rgc_stats(heap, &s0);
    size_t pending = tlab_used(t); /* counted when the cycle retires it */
    start_line = 0;
    run_in_window(t, RACERS, racer);
    rgc_stats(heap, &s1); /* the racers detached: their counts are in */

    size_t moved = 0, moved_bytes = 0;
    for (size_t i = 0; i <= NODES; i++) {
        for (int r = 1; r < RACERS; r++)
            assert_int_equal(seen[r][i], seen[0][i]); /* one copy */
        uintptr_t old = i < NODES ? before[i] : array_before;
        if (seen[0][i] != old) {
            moved++;
            moved_bytes += object_footprint(
                header_payload(object_header_at(object_start(
                    (void *)seen[0][i]))));
        }
    }
    /* The node region was sparse: it was in the set, and every node moved
     * (by a racer: the workers were held back). */
    for (size_t i = 0; i < NODES; i++)
        assert_int_not_equal(seen[0][i], before[i]);
    assert_int_equal(s1.load_relocations - s0.load_relocations, moved);
    assert_true(s1.gc_assist_ns > s0.gc_assist_ns); /* copies are assists */
    assert_int_equal(s1.bytes_copied - s0.bytes_copied, moved_bytes);
    assert_true(s1.load_slow_paths - s0.load_slow_paths >= moved);
    /* The racers allocated nothing but their copies, in their TLABs: the
     * losers' space went back, so the bytes handed out are the winners'. */
    assert_int_equal(s1.bytes_allocated - s0.bytes_allocated,
                     pending + moved_bytes);

    /* Every slot holds the surviving copy, healed to the good color. */
    rgc_ref *slots = (rgc_ref *)seen[0][NODES];
    for (size_t i = 0; i < NODES; i++) {
        uintptr_t bits = __atomic_load_n(&slots[i].bits_, __ATOMIC_RELAXED);
        assert_int_equal(rgc__addr(bits), seen[0][i]);
        assert_int_equal(rgc__color(bits), heap->good_color);
        check_node((node *)seen[0][i], i);
    }
    assert_int_equal(rgc__color(root.bits_), heap->good_color);
    rgc_collect(t, RGC_COLLECT_FULL); /* the verifier runs once more */
    void *a = rgc_load(t, &root);
    for (size_t i = 0; i < NODES; i++)
        check_node(rgc_load_elem(t, a, i), i);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
}

/* ---- pinning in the window ---- */

static uintptr_t pinned_at;

static void pinner(rgc_thread *t, int me)
{
    (void)me;
    /* A raw pointer from before the flip names from-space: refused. */
    assert_int_equal(rgc_pin(t, (void *)before[7]), RGC_EINVAL);
    node *n = rgc_load_elem(t, rgc_load(t, &root), 7); /* relocates it */
    assert_int_not_equal((uintptr_t)n, before[7]);
    assert_int_equal(rgc_pin(t, n), RGC_OK);
    pinned_at = (uintptr_t)n;
}

static void pinning_during_relocation_pins_the_copy(void **state)
{
    (void)state;
    if (heap->config.chaos)
        skip();
    rgc_thread *t = rgc_thread_attach(heap);
    build(t);
    run_in_window(t, 1, pinner);
    for (int i = 0; i < 3; i++)
        rgc_collect(t, RGC_COLLECT_FULL);
    node *n = rgc_load_elem(t, rgc_load(t, &root), 7);
    assert_int_equal((uintptr_t)n, pinned_at);
    check_node(n, 7);
    assert_int_equal(rgc_unpin(t, n), RGC_OK);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
}

/* ---- in place ---- */

static void in_place_relocation_slides_within_the_region(void **state)
{
    (void)state;
    rgc_thread *t = rgc_thread_attach(heap);
    build(t);
    heap->relocate_in_place = 1; /* copy nothing out: slide everything */
    rgc_heap_stats s0, s1;
    rgc_stats(heap, &s0);
    driver_wait(heap, t);
    driver_wait(heap, t); /* at least one whole cycle after build */
    heap->relocate_in_place = 0;
    rgc_stats(heap, &s1);
    assert_true(s1.regions_in_place > s0.regions_in_place);
    assert_int_equal(s1.bytes_copied, s0.bytes_copied); /* none copied out */

    void *a = rgc_load(t, &root);
    struct region_table *rt = &heap->regions;
    size_t slid = 0;
    for (size_t i = 0; i < NODES; i++) {
        node *n = rgc_load_elem(t, a, i);
        check_node(n, i);
        assert_true((uintptr_t)n <= before[i]); /* down, never up */
        assert_ptr_equal(region_of(rt, object_start(n)),
                         region_of(rt, object_start((void *)before[i])));
        slid += (uintptr_t)n != before[i];
    }
    assert_true(slid > 0);
    /* The garbage between the nodes is gone: they now lie back to back
     * (the first may keep garbage below it that preceded it). */
    for (size_t i = 1; i < NODES; i++) {
        uintptr_t prev = (uintptr_t)rgc_load_elem(t, a, i - 1);
        uintptr_t cur = (uintptr_t)rgc_load_elem(t, a, i);
        if (region_of(rt, prev) == region_of(rt, cur))
            assert_int_equal(cur - prev,
                             object_footprint(sizeof(node)));
    }
    rgc_collect(t, RGC_COLLECT_FULL);
    a = rgc_load(t, &root);
    for (size_t i = 0; i < NODES; i++)
        check_node(rgc_load_elem(t, a, i), i);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
}

/* ---- the from-space race, forced ---- */

#define RACE_NODE 7

enum race_path {
    COPY_FAILS,   /* the mutator retains the table, its copy fails */
    TABLE_CLOSED, /* the worker closed the table to slide the region */
    SLIDE_PIN,    /* TABLE_CLOSED, but the worker is held before done
                     until the mutator has pinned what it loaded */
};

static struct {
    enum race_path path;
    rgc_thread *mutator;
    struct forwarding *target; /* the table of RACE_NODE's region */
    int window, array_loaded, closed, waiting, pinned; /* steps (atomic) */
} race;

static void reach(int *step)
{
    __atomic_store_n(step, 1, __ATOMIC_SEQ_CST);
}

static void await(int *step)
{
    while (!__atomic_load_n(step, __ATOMIC_SEQ_CST))
        sched_yield();
}

/* Only the points of the target table and the racing mutator matter; the
 * worker completes the node's region (entry, done) while the mutator is
 * held at its wait point. */
static bool race_hook(void *ctx, enum chaos_point point, const void *subject)
{
    (void)ctx;
    switch (point) {
    case CHAOS_FAIL_MUTATOR_COPY:
        return race.path == COPY_FAILS && subject == race.mutator &&
               __atomic_load_n(&race.array_loaded, __ATOMIC_SEQ_CST);
    case CHAOS_FORWARDING_CLOSE:
        if (race.path != COPY_FAILS && subject == race.target) {
            reach(&race.closed);
            await(&race.waiting);
        }
        return false;
    case CHAOS_FORWARDING_WAIT:
        if (subject == race.target) {
            reach(&race.waiting);
            while (race.path != SLIDE_PIN && !forwarding_done(race.target))
                sched_yield();
        }
        return false;
    case CHAOS_FORWARDING_DONE:
        if (race.path == SLIDE_PIN && subject == race.target)
            await(&race.pinned);
        return false;
    default:
        return false;
    }
}

/* The driver, between relocate start and the workers: the set's tables
 * exist.  Hold the workers until the mutator has the array (it shares
 * the node's region, and must not be the object that races) and, for
 * copy-out, until the mutator waits for the node. */
static void open_race(struct rgc_heap *h, void *ctx)
{
    (void)ctx;
    struct region *r =
        region_of(&h->regions, object_start((void *)before[RACE_NODE]));
    assert_true(r->in_relocation_set);
    race.target = r->forwarding;
    reach(&race.window);
    await(&race.array_loaded);
    if (race.path == COPY_FAILS)
        await(&race.waiting);
}

static uintptr_t race_seen, race_again;
static bool race_pin_in_set;
static int race_pin_rc; /* asserted by the main thread */

static void *race_mutator(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    race.mutator = t;
    rgc_blocking_enter(t);
    await(&race.window);
    rgc_blocking_leave(t);
    void *a = rgc_load(t, &root); /* copied by this thread */
    reach(&race.array_loaded);
    if (race.path != COPY_FAILS)
        await(&race.closed);
    race_seen = (uintptr_t)rgc_load_elem(t, a, RACE_NODE);
    if (race.path == SLIDE_PIN) {
        /* The region is still being slid: what the load returned is
         * current, and pinning it must work. */
        race_pin_in_set =
            region_of(&heap->regions, race_seen)->in_relocation_set;
        race_pin_rc = rgc_pin(t, (void *)race_seen);
        reach(&race.pinned);
    }
    race_again = (uintptr_t)rgc_load_elem(t, a, RACE_NODE); /* healed */
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    return NULL;
}

static void force_race(enum race_path path)
{
    rgc_thread *t = rgc_thread_attach(heap);
    build(t);
    race = (__typeof__(race)){.path = path};
    heap->relocate_in_place = path != COPY_FAILS; /* slide everything */
    heap->relocation_hook = open_race;
    chaos_set_hook(race_hook, NULL);
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, race_mutator, NULL), 0);
    driver_wait(heap, t); /* a cycle that may have started before build */
    while (!__atomic_load_n(&race.window, __ATOMIC_SEQ_CST))
        driver_wait(heap, t);
    pthread_join(tid, NULL);
    chaos_set_hook(NULL, NULL);
    heap->relocation_hook = NULL;
    heap->relocate_in_place = 0;

    /* The mutator saw the node where it is now, not where it was. */
    assert_int_not_equal(race_seen, before[RACE_NODE]);
    assert_int_equal(race_again, race_seen);
    void *a = rgc_load(t, &root);
    assert_int_equal((uintptr_t)rgc_load_elem(t, a, RACE_NODE), race_seen);
    check_node((node *)race_seen, RACE_NODE);
    rgc_collect(t, RGC_COLLECT_FULL); /* verifier; the node is one object */
    a = rgc_load(t, &root);
    for (size_t i = 0; i < NODES; i++)
        check_node(rgc_load_elem(t, a, i), i);
    if (path == SLIDE_PIN) { /* pinned while still in the set; stayed put */
        assert_true(race_pin_in_set);
        assert_int_equal(race_pin_rc, RGC_OK);
        assert_int_equal((uintptr_t)rgc_load_elem(t, a, RACE_NODE),
                         race_seen);
        assert_int_equal(rgc_unpin(t, (void *)race_seen), RGC_OK);
    }
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
}

static void race_copy_fails_then_worker_finishes(void **state)
{
    (void)state;
    force_race(COPY_FAILS);
}

static void race_table_closed_then_slide_finishes(void **state)
{
    (void)state;
    force_race(TABLE_CLOSED);
}

static void pin_while_region_slides(void **state)
{
    (void)state;
    force_race(SLIDE_PIN);
}

/* ---- root registration while cycles run ---- */

#define CHURN_ROOTS 64

static rgc_ref churn_roots[CHURN_ROOTS];
static bool churn_stop;

/* An unattached thread: registration needs no attachment.  The array grows
 * and shrinks while the collector's pauses visit it. */
static void *root_churner(void *arg)
{
    (void)arg;
    unsigned long rounds = 0;
    while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < CHURN_ROOTS; i++)
            assert_int_equal(rgc_root_register(heap, &churn_roots[i]),
                             RGC_OK);
        for (int i = CHURN_ROOTS - 1; i >= 0; i--)
            assert_int_equal(rgc_root_unregister(heap, &churn_roots[i]),
                             RGC_OK);
        rounds++;
    }
    return (void *)rounds;
}

static void roots_register_while_cycles_run(void **state)
{
    (void)state;
    memset(churn_roots, 0, sizeof churn_roots);
    churn_stop = false;
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, root_churner, NULL), 0);
    rgc_thread *t = rgc_thread_attach(heap);
    node *n = rgc_alloc(t, node_t);
    n->id = 42;
    n->check = ~(uint64_t)42;
    rgc_root_store(t, &root, n);
    rgc_heap_stats s;
    do { /* garbage until the driver has run a few cycles */
        for (int i = 0; i < 1000; i++)
            assert_non_null(rgc_alloc_bytes(t, GARBAGE));
        check_node(rgc_load(t, &root), 42);
        rgc_stats(heap, &s);
    } while (s.cycles < 5);
    __atomic_store_n(&churn_stop, true, __ATOMIC_RELEASE);
    void *rounds;
    pthread_join(tid, &rounds);
    assert_true((uintptr_t)rounds > 0);
    check_node(rgc_load(t, &root), 42);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            racing_loads_make_one_copy_and_heal_every_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(
            pinning_during_relocation_pins_the_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(
            in_place_relocation_slides_within_the_region, setup, teardown),
        cmocka_unit_test_setup_teardown(
            race_copy_fails_then_worker_finishes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            race_table_closed_then_slide_finishes, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_while_region_slides, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(roots_register_while_cycles_run,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
