/*
 * test_misuse.c — calls through an rgc_thread that is no longer the
 * caller's: detached, or detached and then reused by another OS thread's
 * attach.  Each call must be refused: in release builds with RGC_ESTATE (or
 * NULL) and an rgc_last_error naming the call, nothing written; in the debug
 * build (RGC_DEBUG) by aborting with that message.  Each case runs in a
 * forked child (test/child.h), so the two builds share the code and differ
 * only in how the child must end.  ninja check runs this in the debug build
 * too.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rgc.h>

#include "child.h"
#include "fixture.h"

#define NOT_ATTACHED "the thread is not attached"
#define FOREIGN "the thread was attached by another OS thread"

static rgc_heap *make_heap(void)
{
    return heap_with("heap_max=16m,region_size=256k");
}

/* A thread that was detached after it allocated obj and refs (a reference
 * array whose element 0 holds obj, as does slot, a registered global root),
 * and opened a scope it never closed.  No collection runs after: both
 * objects stay where they are. */
struct detached {
    rgc_heap *heap;
    rgc_thread *t;
    void *obj;
    void *refs;
    rgc_ref slot;
    rgc_scope scope;
};

static struct detached D;

static void detached_setup(void)
{
    memset(&D, 0, sizeof D); /* D holds an rgc_ref: no struct assignment */
    D.heap = make_heap();
    D.t = rgc_thread_attach(D.heap);
    assert_non_null(D.t);
    D.obj = rgc_alloc_bytes(D.t, 16);
    D.refs = rgc_alloc_refs(D.t, 1);
    assert_non_null(D.obj);
    assert_non_null(D.refs);
    rgc_store_elem(D.t, D.refs, 0, D.obj);
    assert_int_equal(rgc_root_register(D.heap, &D.slot), RGC_OK);
    rgc_root_store(D.t, &D.slot, D.obj);
    D.scope = rgc_scope_open(D.t);
    assert_int_equal(rgc_thread_detach(D.t), RGC_OK);
}

/* The slot still names obj, untouched (read past the barrier). */
static void assert_holds_obj(const rgc_ref *slot)
{
    assert_int_equal(rgc__addr(slot->bits_), (uintptr_t)D.obj);
}

/* Each case makes one call through D.t and checks what the call returned
 * and that nothing changed; the caller checks the error, then runs `after`
 * (if any) for what the refusal must have left in place. */
struct misuse {
    const char *call; /* the name the error must give */
    void (*run)(void);
    void (*after)(void);
};

static void load(void)
{
    assert_null(rgc_load(D.t, &D.slot));
}

static void load_elem(void)
{
    assert_null(rgc_load_elem(D.t, D.refs, 0));
}

static void store(void)
{
    rgc_store(D.t, (rgc_ref *)D.refs, D.refs);
    assert_holds_obj((rgc_ref *)D.refs);
}

static void root_store(void)
{
    rgc_root_store(D.t, &D.slot, NULL);
    assert_holds_obj(&D.slot);
}

static void store_elem(void)
{
    rgc_store_elem(D.t, D.refs, 0, NULL);
    assert_holds_obj((rgc_ref *)D.refs);
}

static void alloc(void)
{
    assert_null(rgc_alloc(D.t, RGC_TYPE_BYTES));
}

static void alloc_refs(void)
{
    assert_null(rgc_alloc_refs(D.t, 2));
}

static void alloc_bytes(void)
{
    assert_null(rgc_alloc_bytes(D.t, 16));
}

static void handle(void)
{
    assert_null(rgc_handle(D.t, D.obj));
}

/* The scope names the handle chunk freed at detach: closing it must not
 * give that chunk back to the rgc_handle fast path (ASan would see the
 * handle written into freed memory). */
static void scope_close(void)
{
    rgc_scope_close(D.t, D.scope);
}

/* A scope opened on a detached thread holds nothing; its first handle is
 * refused, and closing it is harmless. */
static void scope_open(void)
{
    rgc_scope s = rgc_scope_open(D.t);
    assert_null(rgc_handle(D.t, D.obj));
    rgc_scope_close(D.t, s);
}

static void pin(void)
{
    assert_int_equal(rgc_pin(D.t, D.obj), RGC_ESTATE);
}

static void unpin(void)
{
    assert_int_equal(rgc_unpin(D.t, D.obj), RGC_ESTATE);
}

static void collect(void)
{
    assert_int_equal(rgc_collect(D.t, RGC_COLLECT_FULL), RGC_ESTATE);
}

static const struct misuse cases[] = {
    {"rgc_load", load, NULL},
    {"rgc_load", load_elem, NULL}, /* the _elem variants report as */
    {"rgc_store", store, NULL},    /* their plain call             */
    {"rgc_store", store_elem, NULL},
    {"rgc_root_store", root_store, NULL},
    {"rgc_alloc", alloc, NULL},
    {"rgc_alloc", alloc_refs, NULL},
    {"rgc_alloc", alloc_bytes, NULL},
    {"rgc_handle", handle, NULL},
    {"rgc_scope_close", scope_close, handle},
    {"rgc_handle", scope_open, NULL},
    {"rgc_pin", pin, NULL},
    {"rgc_unpin", unpin, NULL},
    {"rgc_collect", collect, NULL},
};
#define CASES (sizeof cases / sizeof cases[0])

/* Replace the last error with an unrelated one, so the next check sees the
 * error of the call under test, not a leftover. */
static void forget_error(void)
{
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "no_such_key"), RGC_EINVAL);
}

static void assert_error(const char *call, const char *why)
{
    char want[128];
    snprintf(want, sizeof want, "%s: %s", call, why);
    if (!strstr(rgc_last_error(), want))
        fail_msg("expected \"%s\", rgc_last_error() is \"%s\"", want,
                 rgc_last_error());
}

/* Every misuse runs in a child, which in the debug build must abort with
 * "rgc: fatal: <call>: <why>" and in release builds must run to its end,
 * its own assertions having checked the refusal. */
static void expect_refusal(void (*fn)(void), const char *call,
                           const char *why)
{
    struct child c = run_child(fn);
#ifdef RGC_DEBUG
    char want[128];
    snprintf(want, sizeof want, "rgc: fatal: %s: %s", call, why);
    assert_killed_by(&c, SIGABRT, want);
#else
    (void)call, (void)why;
    assert_survived(&c);
#endif
}

static size_t current; /* the case a child runs */

static void run_current(void)
{
    const struct misuse *m = &cases[current];
    detached_setup();
    forget_error();
    m->run(); /* the debug build aborts here */
    assert_error(m->call, NOT_ATTACHED);
    if (m->after)
        m->after();
    /* nothing was lost: attached again, the objects are all there */
    rgc_thread *t = rgc_thread_attach(D.heap);
    assert_ptr_equal(t, D.t); /* the detached struct, reused */
    assert_ptr_equal(rgc_load(t, &D.slot), D.obj);
    assert_ptr_equal(rgc_load_elem(t, D.refs, 0), D.obj);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(D.heap);
}

static void calls_on_a_detached_thread_are_refused(void **state)
{
    (void)state;
    for (current = 0; current < CASES; current++)
        expect_refusal(run_current, cases[current].call, NOT_ATTACHED);
}

/* ---- a detached struct reused by another OS thread's attach ---- */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rgc_thread *t; /* what the other thread's attach returned */
    bool attached, done;
} R = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, false,
       false};

/* Attaches, then waits in a blocking region (so no collection waits for
 * it) until the main thread is done with its stale pointer. */
static void *reuser(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(D.heap);
    rgc_blocking_enter(t);
    pthread_mutex_lock(&R.lock);
    R.t = t;
    R.attached = true;
    pthread_cond_broadcast(&R.cond);
    while (!R.done)
        pthread_cond_wait(&R.cond, &R.lock);
    pthread_mutex_unlock(&R.lock);
    rgc_blocking_leave(t);
    rgc_thread_detach(t);
    return NULL;
}

/* The slow paths see by the owner that the struct is not the caller's:
 * the fast paths do not look (docs/api.md). */
static void reused_struct_child(void)
{
    detached_setup();
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, reuser, NULL), 0);
    pthread_mutex_lock(&R.lock);
    while (!R.attached)
        pthread_cond_wait(&R.cond, &R.lock);
    pthread_mutex_unlock(&R.lock);
    assert_ptr_equal(R.t, D.t); /* the detached struct, reused */

    forget_error();
    assert_int_equal(rgc_pin(D.t, D.obj), RGC_ESTATE); /* debug: aborts */
    assert_error("rgc_pin", FOREIGN);
    /* the stale pointer must not detach the thread that owns it now */
    assert_int_equal(rgc_thread_detach(D.t), RGC_ESTATE);
    assert_error("rgc_thread_detach", FOREIGN);

    pthread_mutex_lock(&R.lock);
    R.done = true;
    pthread_cond_broadcast(&R.cond);
    pthread_mutex_unlock(&R.lock);
    pthread_join(tid, NULL);
    rgc_heap_destroy(D.heap);
}

static void a_reused_struct_is_refused_to_its_old_owner(void **state)
{
    (void)state;
    expect_refusal(reused_struct_child, "rgc_pin", FOREIGN);
}

/* Attached again by the same OS thread, the struct is a valid thread
 * again: the library cannot tell the old pointer from the new one. */
static void a_struct_reattached_by_its_os_thread_is_valid(void **state)
{
    (void)state;
    detached_setup();
    rgc_thread *t = rgc_thread_attach(D.heap);
    assert_ptr_equal(t, D.t);
    assert_ptr_equal(rgc_load(D.t, &D.slot), D.obj);
    rgc_store_elem(D.t, D.refs, 0, D.refs);
    assert_ptr_equal(rgc_load_elem(D.t, D.refs, 0), D.refs);
    assert_non_null(rgc_alloc_bytes(D.t, 16));
    assert_int_equal(rgc_pin(D.t, D.obj), RGC_OK);
    assert_int_equal(rgc_unpin(D.t, D.obj), RGC_OK);
    assert_int_equal(rgc_thread_detach(D.t), RGC_OK);
    rgc_heap_destroy(D.heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calls_on_a_detached_thread_are_refused),
        cmocka_unit_test(a_reused_struct_is_refused_to_its_old_owner),
        cmocka_unit_test(a_struct_reattached_by_its_os_thread_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
