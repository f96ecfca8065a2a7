/*
 * test_root_snapshot.c — roots are read while mutators run, and nothing a
 * root held at mark start is lost.
 *
 * The mark-start pause only takes the root snapshot; the driver reads each
 * thread's handles and the global roots afterwards (docs/design.md,
 * "Roots").  Until it has, a mutator may move the only reference to an
 * object out of a snapshot root into a root marking never reads (a handle
 * pushed after mark start) and then drop or overwrite the snapshot root.
 * Each test forces that window: a chaos hook holds the driver just before
 * it reads the test thread's handles, the thread does the move, and the
 * driver goes on.  `checkmark` re-traces from the roots once marking is
 * complete and aborts if a reachable object is unmarked, so a collector
 * that forgot the dropped value fails here; the object's contents are
 * checked after the cycle too (it was relocated or kept, never freed).
 *
 * What each test plants the bug against:
 *   dropped_handle             scope close below the watermark (its record)
 *   overwritten_handle         the store barrier of rgc_root_store
 *   unregistered_global_root   the record in rgc_root_unregister
 *   overwritten_global_root    rgc_root_store on a global root
 *   handle_dropped_in_earlier_chunk  the slow close across chunks
 *
 * And the scan's locking: while the driver is held reading one thread's
 * handles, another thread attaches and detaches (it must not wait for the
 * scan), and the thread being read detaches (it must wait until the
 * driver is done with its handle chunks, which detach frees):
 *   attach_during_the_root_scan        the scan holding the thread list
 *   detach_waits_for_its_root_scan     detach not waiting for the visit
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/chaos.h"  /* the hook that holds the driver */
#include "policy/driver.h"
#include "rgc_heap.h"    /* cycle count, the driver request */
#include "fixture.h"

typedef struct node {
    rgc_ref next;
    uint64_t value;
} node;

/* The hook's state: the driver announces it is about to read `target`'s
 * handles and waits for `go`. */
static struct rgc_thread *target;
static int at_scan, go;

static bool hold_root_scan(void *ctx, enum chaos_point point,
                           const void *subject)
{
    (void)ctx;
    if (point != CHAOS_ROOT_SCAN || subject != target)
        return false;
    __atomic_store_n(&at_scan, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
        sched_yield();
    return false;
}

struct fixture {
    rgc_heap *heap;
    rgc_thread *t;
    rgc_type node_type;
};

static struct fixture setup(void)
{
    struct fixture f;
    f.heap = heap_with("heap_max=32m,region_size=256k,gc_threads=1,"
                       "checkmark,verify");
    static const size_t refs[] = {offsetof(node, next)};
    f.node_type = rgc_type_register(
        f.heap, &(rgc_type_desc){"node", sizeof(node), refs, 1, NULL});
    f.t = rgc_thread_attach(f.heap);
    assert_non_null(f.t);
    return f;
}

static void teardown(struct fixture *f)
{
    assert_int_equal(rgc_thread_detach(f->t), RGC_OK);
    rgc_heap_destroy(f->heap);
}

/* An object with a child, allocated before the cycle (below TAMS), so
 * that only marking keeps it; returned raw (the caller makes it a root
 * before its next safepoint). */
static node *make_pair(struct fixture *f, uint64_t value)
{
    rgc_scope scope = rgc_scope_open(f->t);
    node *child = rgc_alloc(f->t, f->node_type);
    child->value = value + 1;
    rgc_ref *h = rgc_handle(f->t, child);
    node *n = rgc_alloc(f->t, f->node_type); /* may move child */
    n->value = value;
    rgc_store(f->t, &n->next, rgc_load(f->t, h));
    rgc_scope_close(f->t, scope); /* leaves no handle behind */
    return n;
}

static void check_pair(struct fixture *f, rgc_ref *h, uint64_t value)
{
    node *n = rgc_load(f->t, h);
    assert_non_null(n);
    assert_int_equal(n->value, value);
    node *child = rgc_load(f->t, &n->next);
    assert_non_null(child);
    assert_int_equal(child->value, value + 1);
}

/* Start a concurrent cycle and poll until the driver is about to read
 * this thread's handles: marking is on, the snapshot taken, nothing read. */
static uint64_t hold_at_root_scan(struct fixture *f)
{
    struct rgc_heap *heap = (struct rgc_heap *)f->heap;
    uint64_t cycles = HEAP_GET(heap->cycles);
    target = (struct rgc_thread *)f->t;
    __atomic_store_n(&at_scan, 0, __ATOMIC_SEQ_CST); /* others may read */
    __atomic_store_n(&go, 0, __ATOMIC_SEQ_CST);
    chaos_set_hook(hold_root_scan, NULL);
    driver_request(heap);
    while (!__atomic_load_n(&at_scan, __ATOMIC_SEQ_CST))
        rgc_safepoint(f->t);
    return cycles;
}

/* Let the driver go on, and take part in the cycle's pauses until it ends. */
static void finish_cycle(struct fixture *f, uint64_t cycles)
{
    struct rgc_heap *heap = (struct rgc_heap *)f->heap;
    __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
    while (HEAP_GET(heap->cycles) == cycles)
        rgc_safepoint(f->t);
    chaos_set_hook(NULL, NULL);
    target = NULL;
}

/* The only reference moves from a snapshot handle into a handle pushed
 * after mark start (the same position, reused), and the scope that held
 * the snapshot handle is closed before the driver reads it. */
static void dropped_handle(void **state)
{
    (void)state;
    struct fixture f = setup();
    rgc_scope outer = rgc_scope_open(f.t);
    rgc_scope inner = rgc_scope_open(f.t);
    rgc_ref *h = rgc_handle(f.t, NULL);
    rgc_root_store(f.t, h, make_pair(&f, 100));
    uint64_t cycles = hold_at_root_scan(&f);
    node *only = rgc_load(f.t, h); /* no safepoint until it is a handle */
    rgc_scope_close(f.t, inner);   /* drops h: below the watermark */
    rgc_ref *spacer = rgc_handle(f.t, NULL);
    rgc_ref *kept = rgc_handle(f.t, only); /* above: never read */
    (void)spacer;
    finish_cycle(&f, cycles);
    check_pair(&f, kept, 100);
    rgc_scope_close(f.t, outer);
    teardown(&f);
}

/* The snapshot handle is overwritten (with NULL) instead of dropped. */
static void overwritten_handle(void **state)
{
    (void)state;
    struct fixture f = setup();
    rgc_scope scope = rgc_scope_open(f.t);
    rgc_ref *h = rgc_handle(f.t, NULL);
    rgc_root_store(f.t, h, make_pair(&f, 200));
    uint64_t cycles = hold_at_root_scan(&f);
    rgc_ref *kept = rgc_handle(f.t, rgc_load(f.t, h));
    rgc_root_store(f.t, h, NULL);
    finish_cycle(&f, cycles);
    check_pair(&f, kept, 200);
    rgc_scope_close(f.t, scope);
    teardown(&f);
}

/* A global root's only reference moves into a new handle, and the global
 * loses it before the driver reads the globals (it reads them after the
 * threads' handles, so the hook holds it before that): unregistered, or
 * overwritten through rgc_root_store (then unregistered afterwards). */
static void global_root_loses_its_reference(bool unregister, uint64_t value)
{
    struct fixture f = setup();
    rgc_ref global = {0};
    assert_int_equal(rgc_root_register(f.heap, &global), RGC_OK);
    rgc_scope scope = rgc_scope_open(f.t);
    rgc_root_store(f.t, &global, make_pair(&f, value));
    /* A handle in the snapshot, so that the driver reads this thread's
     * handles (where the hook holds it) before the globals. */
    rgc_handle(f.t, NULL);
    uint64_t cycles = hold_at_root_scan(&f);
    rgc_ref *kept = rgc_handle(f.t, rgc_load(f.t, &global));
    if (unregister)
        assert_int_equal(rgc_root_unregister(f.heap, &global), RGC_OK);
    else
        rgc_root_store(f.t, &global, NULL);
    finish_cycle(&f, cycles);
    check_pair(&f, kept, value);
    rgc_scope_close(f.t, scope);
    if (!unregister)
        assert_int_equal(rgc_root_unregister(f.heap, &global), RGC_OK);
    teardown(&f);
}

static void unregistered_global_root(void **state)
{
    (void)state;
    global_root_loses_its_reference(true, 300);
}

static void overwritten_global_root(void **state)
{
    (void)state;
    global_root_loses_its_reference(false, 400);
}

/* The snapshot spans several handle chunks; a scope opened in the first
 * is closed from a later one (the out-of-line close), dropping snapshot
 * handles in every chunk, among them the only reference. */
static void handle_dropped_in_earlier_chunk(void **state)
{
    (void)state;
    struct fixture f = setup();
    rgc_scope outer = rgc_scope_open(f.t);
    rgc_ref *spacer = rgc_handle(f.t, NULL);
    (void)spacer;
    rgc_scope inner = rgc_scope_open(f.t);
    rgc_ref *h = NULL;
    for (int i = 0; i < 1000; i++) { /* about four chunks */
        rgc_ref *x = rgc_handle(f.t, NULL);
        if (i == 600)
            h = x;
    }
    rgc_root_store(f.t, h, make_pair(&f, 500));
    uint64_t cycles = hold_at_root_scan(&f);
    node *only = rgc_load(f.t, h);
    rgc_scope_close(f.t, inner);
    rgc_ref *kept = rgc_handle(f.t, NULL);
    for (int i = 0; i < 1200; i++) /* past the snapshot's end */
        kept = rgc_handle(f.t, NULL);
    rgc_root_store(f.t, kept, only);
    finish_cycle(&f, cycles);
    check_pair(&f, kept, 500);
    rgc_scope_close(f.t, outer);
    teardown(&f);
}

/* Another OS thread attaches and detaches while the driver is held in
 * this thread's root scan; it reports back. */
static void *attach_and_detach(void *heap)
{
    rgc_thread *t = rgc_thread_attach(heap);
    int ok = t && rgc_thread_detach(t) == RGC_OK;
    return (void *)(intptr_t)(ok ? 1 : 2);
}

static void attach_during_the_root_scan(void **state)
{
    (void)state;
    struct fixture f = setup();
    rgc_scope scope = rgc_scope_open(f.t);
    rgc_handle(f.t, NULL); /* a snapshot to read */
    uint64_t cycles = hold_at_root_scan(&f);
    pthread_t other;
    assert_int_equal(pthread_create(&other, NULL, attach_and_detach, f.heap),
                     0);
    /* The driver stays held until the other thread is done: if its attach
     * waited for the scan, neither would go on, so give up after 30 s. */
    void *res = NULL;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    int rc = pthread_timedjoin_np(other, &res, &until);
    finish_cycle(&f, cycles); /* releases the driver either way */
    if (rc != 0) {
        pthread_join(other, &res);
        fail_msg("rgc_thread_attach waited for the driver's root scan");
    }
    assert_int_equal((intptr_t)res, 1);
    rgc_scope_close(f.t, scope);
    teardown(&f);
}

/* The thread whose handles the driver is about to read closes its scope
 * and detaches; detach must not return (and free the handle chunks)
 * before the driver has read them. */
struct detacher {
    struct fixture f;
    int detached; /* atomic: set when rgc_thread_detach returned */
};

static void *hold_then_detach(void *arg)
{
    struct detacher *d = arg;
    d->f.t = rgc_thread_attach(d->f.heap);
    assert_non_null(d->f.t);
    rgc_scope scope = rgc_scope_open(d->f.t);
    rgc_handle(d->f.t, NULL); /* a snapshot to read */
    hold_at_root_scan(&d->f);
    rgc_scope_close(d->f.t, scope);
    assert_int_equal(rgc_thread_detach(d->f.t), RGC_OK);
    __atomic_store_n(&d->detached, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void detach_waits_for_its_root_scan(void **state)
{
    (void)state;
    struct detacher d = {.f.heap = heap_with("heap_max=32m,region_size=256k,"
                                             "gc_threads=1,checkmark,verify")};
    at_scan = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hold_then_detach, &d), 0);
    /* Once the driver is held at the detacher's handles, give the detach
     * 100 ms to return: it must not, until the driver is let go. */
    while (!__atomic_load_n(&at_scan, __ATOMIC_SEQ_CST))
        sched_yield();
    for (int i = 0; i < 100 && !__atomic_load_n(&d.detached, __ATOMIC_SEQ_CST);
         i++)
        usleep(1000);
    int early = __atomic_load_n(&d.detached, __ATOMIC_SEQ_CST);
    __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    chaos_set_hook(NULL, NULL);
    target = NULL;
    assert_false(early);
    assert_true(d.detached);
    rgc_heap_destroy(d.f.heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dropped_handle),
        cmocka_unit_test(overwritten_handle),
        cmocka_unit_test(unregistered_global_root),
        cmocka_unit_test(overwritten_global_root),
        cmocka_unit_test(handle_dropped_in_earlier_chunk),
        cmocka_unit_test(attach_during_the_root_scan),
        cmocka_unit_test(detach_waits_for_its_root_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
