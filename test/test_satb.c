/*
 * test_satb.c — the SATB buffer lifecycle: what rgc_store records while
 * marking runs, and every way a thread's buffer reaches the heap's queue.
 *
 *   - buffer full: the SATB_CAPACITY-th record pushes the buffer, which holds
 *     exactly the overwritten values in order, and the thread starts over,
 *     with a recycled buffer once the drained one is back in the free list;
 *     null slots and stores with marking off record nothing;
 *   - detach and safe-region (blocking) entry flush a partial buffer, and
 *     push nothing when there is nothing recorded;
 *   - end to end, on real concurrent cycles (checkmark and verify on): an
 *     object reachable at mark start only through a heap slot, loaded into a
 *     handle and cut from the slot after mark start, survives through the
 *     entry in its thread's partial buffer, handed over by the mark-end
 *     handshake (or at a second thread's blocking-region entry).
 *
 * Tests 1-3 set the thread's marking flag by hand with no cycle running, so
 * the queue can be inspected directly (includes internal headers).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/bitmap.h"
#include "object/header.h"
#include "rgc_heap.h"

#define E2E_ITERATIONS 200   /* concurrent cycles per gated test */
#define GATED_OBJECTS 100ul  /* holders; each holds an X, which holds a Y */
/* Without the gate: at least UNGATED_MIN cycles, then more until
 * UNGATED_HITS of them had the window or UNGATED_BUDGET_NS have passed.
 * The graph is sized so that marking usually outlasts a thread's wake-up
 * (TSan slows the marking most). */
#define UNGATED_MIN 50
#define UNGATED_HITS 20
#if defined(__SANITIZE_THREAD__)
#define UNGATED_OBJECTS 1000ul
#define UNGATED_BUDGET_NS (6ull * 1000 * 1000 * 1000)
#elif defined(__SANITIZE_ADDRESS__)
#define UNGATED_OBJECTS 5000ul
#define UNGATED_BUDGET_NS (6ull * 1000 * 1000 * 1000)
#else
#define UNGATED_OBJECTS 10000ul
#define UNGATED_BUDGET_NS (1500ull * 1000 * 1000)
#endif
#define POLL_TIMEOUT_NS (60ull * 1000 * 1000 * 1000)

/* A failure on a thread other than cmocka's: report and abort. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t pushed(struct rgc_heap *heap)
{
    return __atomic_load_n(&heap->satb.pushed, __ATOMIC_SEQ_CST);
}

static uintptr_t addr(uintptr_t bits)
{
    return rgc__addr(bits);
}

/* Entries in t's buffer (it may hold an empty one, or none). */
static size_t recorded(rgc_thread *t)
{
    return t->satb ? t->satb->count : 0;
}

/* ---- tests 1-3: the buffer by hand ------------------------------------- */

struct fixture {
    rgc_heap *heap;
    rgc_thread *t;
    rgc_scope scope; /* closed by teardown, should a test fail inside one */
};

static int setup(void **state)
{
    static struct fixture f;
    rgc_config c;
    rgc_config_init(&c);
    /* far below the first trigger (8 regions): no cycle runs */
    if (rgc_config_parse(&c, "heap_max=256m,region_size=1m") != RGC_OK)
        return -1;
    f.heap = rgc_heap_create(&c);
    if (!f.heap)
        return -1;
    f.t = rgc_thread_attach(f.heap);
    if (!f.t)
        return -1;
    f.scope = rgc_scope_open(f.t);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->t) {
        f->t->fast.marking = 0;
        if (f->t->blocking)
            rgc_blocking_leave(f->t);
        rgc_scope_close(f->t, f->scope);
        rgc_thread_detach(f->t);
    }
    rgc_heap_destroy(f->heap);
    return 0;
}

/* Nothing must be queued or pending when a test ends by hand; and no
 * cycle may have run meanwhile. */
static void drop_recorded(struct fixture *f)
{
    rgc_heap_stats st;
    rgc_stats(f->heap, &st);
    assert_int_equal(st.cycles, 0);
    f->t->fast.marking = 0;
    satb_flush(&f->t->satb, &f->heap->satb);
    satb_queue_recycle(&f->heap->satb, satb_queue_take(&f->heap->satb));
}

/* A reference array of n distinct small objects, in a new handle. */
static rgc_ref *make_targets(rgc_thread *t, size_t n)
{
    rgc_ref *h = rgc_handle(t, rgc_alloc_refs(t, n));
    assert_non_null(h);
    for (size_t k = 0; k < n; k++) {
        uint64_t *o = rgc_alloc_bytes(t, 8);
        assert_non_null(o);
        *o = k;
        rgc_store_elem(t, rgc_load(t, h), k, o);
    }
    return h;
}

/* With marking on, overwrite elements [from, from + n) of the array with
 * NULL; their old values go to want[]. */
static void overwrite(rgc_thread *t, rgc_ref *arr, size_t from, size_t n,
                      uintptr_t *want)
{
    void *a = rgc_load(t, arr);
    for (size_t k = 0; k < n; k++) {
        want[k] = (uintptr_t)rgc_load_elem(t, a, from + k);
        assert_true(want[k] != 0);
        rgc_store_elem(t, a, from + k, NULL);
    }
}

/* b holds exactly the slot values want[0..n), in the heap's good color. */
static void assert_entries(struct rgc_heap *heap, const struct satb_buffer *b,
                           const uintptr_t *want, size_t n)
{
    assert_non_null(b);
    assert_int_equal(b->count, n);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(addr(b->entries[k]), want[k]);
        /* the slot's bits as they were: the good color included */
        assert_int_equal(rgc__color(b->entries[k]),
                         heap->good_color);
    }
}

static void full_buffer_is_queued(void **state)
{
    struct fixture *f = *state;
    rgc_thread *t = f->t;
    struct rgc_heap *heap = f->heap;
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *arr = make_targets(t, SATB_CAPACITY + 2);
    rgc_ref *nulls = rgc_handle(t, rgc_alloc_refs(t, 4));
    assert_non_null(nulls);
    uintptr_t *want = malloc((SATB_CAPACITY + 2) * sizeof *want);
    assert_non_null(want);
    uint64_t p0 = pushed(heap);
    assert_true(satb_queue_empty(&heap->satb));
    assert_int_equal(recorded(t), 0);

    /* Marking off: overwriting references records nothing. */
    assert_int_equal(t->fast.marking, 0);
    void *a = rgc_load(t, arr);
    for (size_t k = 0; k < SATB_CAPACITY + 2; k++)
        rgc_store_elem(t, a, k, rgc_load_elem(t, a, k));
    assert_int_equal(recorded(t), 0);
    assert_int_equal(pushed(heap), p0);

    t->fast.marking = 1;
    /* Overwriting a null slot records nothing. */
    void *z = rgc_load(t, nulls);
    rgc_store_elem(t, z, 0, rgc_load_elem(t, a, 0));
    rgc_store_elem(t, z, 1, NULL);
    assert_int_equal(recorded(t), 0);

    /* One short of full: all in the thread's buffer, nothing queued. */
    overwrite(t, arr, 0, SATB_CAPACITY - 1, want);
    assert_entries(heap, t->satb, want, SATB_CAPACITY - 1);
    assert_int_equal(pushed(heap), p0);
    assert_true(satb_queue_empty(&heap->satb));
    /* A null slot still records nothing, even with a buffer open. */
    rgc_store_elem(t, rgc_load(t, nulls), 2, NULL);
    assert_int_equal(t->satb->count, SATB_CAPACITY - 1);

    /* The SATB_CAPACITY-th record: exactly one buffer is queued, holding
     * every overwritten value in order; the thread starts over. */
    overwrite(t, arr, SATB_CAPACITY - 1, 1, want + SATB_CAPACITY - 1);
    assert_int_equal(pushed(heap), p0 + 1);
    assert_null(t->satb);
    struct satb_buffer *b = satb_queue_take(&heap->satb);
    assert_entries(heap, b, want, SATB_CAPACITY);
    assert_null(b->next);
    /* Drained buffers are recycled, not freed: the next record takes this
     * one back from the free list, emptied. */
    satb_queue_recycle(&heap->satb, b);
    size_t total = heap->satb.total;

    overwrite(t, arr, SATB_CAPACITY, 1, want + SATB_CAPACITY);
    assert_ptr_equal(t->satb, b);
    assert_int_equal(heap->satb.total, total);
    assert_entries(heap, t->satb, want + SATB_CAPACITY, 1);
    assert_int_equal(pushed(heap), p0 + 1);
    assert_true(satb_queue_empty(&heap->satb));

    /* Marking off again: nothing more. */
    t->fast.marking = 0;
    a = rgc_load(t, arr);
    rgc_store_elem(t, a, SATB_CAPACITY + 1, NULL);
    assert_int_equal(t->satb->count, 1);

    drop_recorded(f);
    free(want);
    rgc_scope_close(t, s);
}

/* Attach the fixture's thread again (after a detach). */
static rgc_thread *reattach(struct fixture *f)
{
    f->t = rgc_thread_attach(f->heap);
    assert_non_null(f->t);
    f->scope = rgc_scope_open(f->t);
    return f->t;
}

static void detach(struct fixture *f)
{
    rgc_scope_close(f->t, f->scope);
    assert_int_equal(rgc_thread_detach(f->t), RGC_OK);
    f->t = NULL;
}

static void detach_flushes(void **state)
{
    struct fixture *f = *state;
    struct rgc_heap *heap = f->heap;
    rgc_thread *t = f->t;
    rgc_ref *arr = make_targets(t, 8);
    uintptr_t want[5];
    t->fast.marking = 1;
    overwrite(t, arr, 0, 5, want);
    t->fast.marking = 0;
    assert_entries(heap, t->satb, want, 5);
    uint64_t p0 = pushed(heap);
    assert_true(satb_queue_empty(&heap->satb));

    detach(f);
    assert_null(t->satb); /* (a detached thread's memory is kept) */
    assert_int_equal(pushed(heap), p0 + 1);
    struct satb_buffer *b = satb_queue_take(&heap->satb);
    assert_entries(heap, b, want, 5);
    assert_null(b->next);
    satb_queue_recycle(&heap->satb, b);

    /* Nothing recorded: detaching queues nothing. */
    t = reattach(f);
    assert_int_equal(recorded(t), 0);
    detach(f);
    assert_int_equal(pushed(heap), p0 + 1);
    assert_true(satb_queue_empty(&heap->satb));

    /* Records made with marking on are flushed whatever the flag is at
     * detach time. */
    t = reattach(f);
    arr = make_targets(t, 3);
    t->fast.marking = 1;
    overwrite(t, arr, 0, 3, want);
    detach(f);
    assert_int_equal(pushed(heap), p0 + 2);
    b = satb_queue_take(&heap->satb);
    assert_entries(heap, b, want, 3);
    satb_queue_recycle(&heap->satb, b);

    reattach(f); /* for teardown */
    assert_int_equal(f->t->fast.marking, 0); /* the heap's flag, off */
    drop_recorded(f);
}

static void blocking_enter_flushes(void **state)
{
    struct fixture *f = *state;
    struct rgc_heap *heap = f->heap;
    rgc_thread *t = f->t;
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *arr = make_targets(t, 8);
    uintptr_t want[8];
    t->fast.marking = 1;
    overwrite(t, arr, 0, 3, want);
    assert_entries(heap, t->satb, want, 3);
    uint64_t p0 = pushed(heap);
    assert_true(satb_queue_empty(&heap->satb));

    assert_int_equal(rgc_blocking_enter(t), RGC_OK);
    assert_null(t->satb);
    assert_int_equal(pushed(heap), p0 + 1);
    struct satb_buffer *b = satb_queue_take(&heap->satb);
    assert_entries(heap, b, want, 3);
    assert_null(b->next);
    satb_queue_recycle(&heap->satb, b);
    assert_int_equal(rgc_blocking_leave(t), RGC_OK);

    /* Leaving and entering again with nothing recorded queues nothing. */
    assert_int_equal(rgc_blocking_enter(t), RGC_OK);
    assert_null(t->satb);
    assert_int_equal(pushed(heap), p0 + 1);
    assert_true(satb_queue_empty(&heap->satb));
    assert_int_equal(rgc_blocking_leave(t), RGC_OK);

    /* A new partial buffer after leaving goes at the next entry. */
    overwrite(t, arr, 3, 2, want);
    assert_int_equal(rgc_blocking_enter(t), RGC_OK);
    assert_null(t->satb);
    assert_int_equal(pushed(heap), p0 + 2);
    b = satb_queue_take(&heap->satb);
    assert_entries(heap, b, want, 2);
    satb_queue_recycle(&heap->satb, b);
    assert_int_equal(rgc_blocking_leave(t), RGC_OK);

    drop_recorded(f);
    rgc_scope_close(t, s);
}

/* ---- test 4: the mark-end handshake, end to end ----------------------- */

/* The graph: a registered global root -> a gate -> a reference array of n
 * holders; holder i's slot s is the only path to X_i, whose child is the
 * only path to Y_i.
 *
 * Timing alone rarely makes the window SATB exists for: a thread parked at
 * the mark-start pause may sleep through a short marking (its handshake run
 * for it while it counts as offline), and the marking may reach X before
 * the slot is cut.  So the gate's trace callback holds the concurrent
 * marking (never a pause: it checks that the world is not stopped) until
 * the mutators have cut their slots: every gated cycle has the window, and
 * X is certainly unmarked when its slot is cut.  X's trace callback notes
 * whether the watched X was scanned by the concurrent marking: after the
 * cut only its SATB entry leads there, so that shows the entry reached the
 * marking before the mark-end pause (the main thread's through the
 * handshake, the other thread's at its blocking-region entry).  One test
 * runs ungated, with whatever windows the timing gives. */
typedef struct gate {
    rgc_ref arr;
} gate;

typedef struct holder {
    rgc_ref s;
    uint64_t id;
} holder;

typedef struct xnode {
    rgc_ref child;
    uint64_t id;
    uint64_t w[4];
} xnode;

typedef struct ynode {
    uint64_t id;
    uint64_t w[3];
} ynode;

#define X_BASE 0x100000000ull
#define Y_BASE 0x200000000ull
#define GATE_TIMEOUT_NS (20ull * 1000 * 1000 * 1000)

static uint64_t word(uint64_t id, unsigned k)
{
    uint64_t z = id * 0x9E3779B97F4A7C15ull + k;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return z ^ (z >> 31);
}

struct e2e {
    rgc_heap *heap;
    rgc_type gate_t, holder_t, x_t, y_t;
    rgc_ref root;  /* global root: the gate */
    size_t n;      /* holders */
    uint64_t base; /* concurrent cycles done before this iteration's */
    int armed;     /* the gate holds the next concurrent marking ... */
    int open;      /* ... until this is set */
    int held;      /* concurrent markings held */
    int gate_timeouts;
    uint64_t watch[2]; /* the X each thread cuts in this cycle */
    int scanned[2];    /* ... was scanned while the world ran */
    rgc_thread *t;     /* the main thread's, and its outermost scope */
    rgc_scope scope;
    /* with a second thread (iteration numbers) */
    bool other_started;
    pthread_t other;
    int attached;
    int go;      /* the other thread is to take part in this one */
    int entered; /* it recorded and entered its blocking region */
    int missed;  /* it slept through the whole marking */
    int checked; /* the main thread saw the cycle end */
    int done;    /* the other thread finished */
    int stop;
    unsigned other_windows; /* cycles it cut its slot in while marking */
    unsigned other_hits;    /* ... with its X not marked yet */
};

static struct e2e E;

static int get(int *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void set(int *p, int v)
{
    __atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void gate_trace(void *obj, rgc_visit_fn visit, void *ctx)
{
    gate *g = obj;
    if (get(&E.armed) &&
        !__atomic_load_n(&E.heap->safepoint.stopped, __ATOMIC_SEQ_CST)) {
        /* concurrent marking, and nothing past the gate is marked yet */
        uint64_t t0 = now_ns();
        while (!get(&E.open)) {
            if (now_ns() - t0 > GATE_TIMEOUT_NS) {
                __atomic_fetch_add(&E.gate_timeouts, 1, __ATOMIC_SEQ_CST);
                break;
            }
            nanosleep(&(struct timespec){0, 20000}, NULL);
        }
        set(&E.armed, 0);
        __atomic_fetch_add(&E.held, 1, __ATOMIC_SEQ_CST);
    }
    visit(&g->arr, ctx);
}

static void x_trace(void *obj, rgc_visit_fn visit, void *ctx)
{
    xnode *x = obj;
    if (!__atomic_load_n(&E.heap->safepoint.stopped, __ATOMIC_SEQ_CST))
        for (int k = 0; k < 2; k++)
            if (x->id == __atomic_load_n(&E.watch[k], __ATOMIC_SEQ_CST))
                set(&E.scanned[k], 1);
    visit(&x->child, ctx);
}

static void *array(rgc_thread *t)
{
    gate *g = rgc_load(t, &E.root);
    return rgc_load(t, &g->arr);
}

/* Whether X is intact: its words and its child's. */
static bool x_intact(rgc_thread *t, xnode *x, size_t i)
{
    if (!x || rgc_type_of(x) != E.x_t || x->id != X_BASE + i)
        return false;
    for (unsigned k = 0; k < 4; k++)
        if (x->w[k] != word(x->id, k))
            return false;
    ynode *y = rgc_load(t, &x->child);
    if (!y || rgc_type_of(y) != E.y_t || y->id != Y_BASE + i)
        return false;
    for (unsigned k = 0; k < 3; k++)
        if (y->w[k] != word(y->id, k))
            return false;
    return true;
}

/* Whether the marking has marked obj yet (obj is older than mark start). */
static bool marked(void *obj)
{
    struct region_table *rt = &E.heap->regions;
    uintptr_t start = object_start(obj);
    struct region *r = region_of(rt, start);
    CHECK(start < region_tams(rt, r) && r->marks);
    return bitmap_test(r->marks, region_word_index(r, start));
}

static void build_graph(rgc_thread *t)
{
    rgc_root_store(t, &E.root, rgc_alloc(t, E.gate_t));
    assert_non_null(rgc_load(t, &E.root));
    void *a = rgc_alloc_refs(t, E.n);
    assert_non_null(a);
    rgc_store(t, &((gate *)rgc_load(t, &E.root))->arr, a);
    for (size_t i = 0; i < E.n; i++) {
        rgc_scope s = rgc_scope_open(t);
        holder *h = rgc_alloc(t, E.holder_t);
        assert_non_null(h);
        h->id = i;
        rgc_ref *hh = rgc_handle(t, h);
        xnode *x = rgc_alloc(t, E.x_t);
        assert_non_null(x);
        x->id = X_BASE + i;
        for (unsigned k = 0; k < 4; k++)
            x->w[k] = word(x->id, k);
        rgc_store(t, &((holder *)rgc_load(t, hh))->s, x);
        ynode *y = rgc_alloc(t, E.y_t);
        assert_non_null(y);
        y->id = Y_BASE + i;
        for (unsigned k = 0; k < 3; k++)
            y->w[k] = word(y->id, k);
        h = rgc_load(t, hh);
        x = rgc_load(t, &h->s);
        rgc_store(t, &x->child, y);
        rgc_store_elem(t, array(t), i, h);
        rgc_scope_close(t, s);
    }
}

/* Concurrent cycles completed. */
static uint64_t driver_cycles(void)
{
    struct driver *d = &E.heap->driver;
    pthread_mutex_lock(&d->lock);
    uint64_t n = d->cycles;
    pthread_mutex_unlock(&d->lock);
    return n;
}

/* Until no concurrent cycle runs or is asked for. */
static void wait_driver_idle(rgc_thread *t)
{
    struct driver *d = &E.heap->driver;
    uint64_t t0 = now_ns();
    while (__atomic_load_n(&d->requested, __ATOMIC_SEQ_CST) ||
           __atomic_load_n(&d->running, __ATOMIC_SEQ_CST)) {
        rgc_safepoint(t);
        sched_yield();
        CHECK(now_ns() - t0 < POLL_TIMEOUT_NS);
    }
}

/* Poll until this thread's marking flag is on (true), or until the cycle
 * after `base` is over without this thread seeing it on (false). */
static bool wait_marking(rgc_thread *t, uint64_t base)
{
    uint64_t t0 = now_ns();
    for (;;) {
        rgc_safepoint(t);
        if (t->fast.marking)
            return true;
        if (driver_cycles() > base)
            return false;
        sched_yield();
        CHECK(now_ns() - t0 < POLL_TIMEOUT_NS);
    }
}

static void wait_cycle_over(rgc_thread *t, uint64_t base)
{
    uint64_t t0 = now_ns();
    while (driver_cycles() <= base) {
        rgc_safepoint(t);
        sched_yield();
        CHECK(now_ns() - t0 < POLL_TIMEOUT_NS);
    }
}

/* Polling (t) or in a blocking region (NULL), until *flag is iter. */
static void wait_flag(rgc_thread *t, int *flag, int iter)
{
    uint64_t t0 = now_ns();
    while (get(flag) != iter) {
        if (t)
            rgc_safepoint(t);
        sched_yield();
        CHECK(now_ns() - t0 < POLL_TIMEOUT_NS);
    }
}

/* Marking is on for t: load X_i into a new handle (roots are not scanned
 * again) and cut holder i's slot.  X is then kept alive only by the entry
 * in t's partial buffer, which is checked.  *unmarked: X was not marked
 * yet (just after the cut). */
static rgc_ref *cut(rgc_thread *t, size_t i, bool *unmarked)
{
    holder *h = rgc_load_elem(t, array(t), i);
    xnode *x = rgc_load(t, &h->s);
    CHECK(x_intact(t, x, i));
    rgc_ref *hx = rgc_handle(t, x);
    CHECK(hx);
    CHECK(recorded(t) == 0); /* nothing recorded this cycle yet */
    rgc_store(t, &h->s, NULL);
    CHECK(t->satb && t->satb->count == 1 &&
          addr(t->satb->entries[0]) == (uintptr_t)x);
    *unmarked = !marked(x);
    return hx;
}

/* Marking is off: check X and put it back into holder i's slot. */
static void restore(rgc_thread *t, rgc_ref *hx, size_t i)
{
    CHECK(!t->fast.marking);
    xnode *x = rgc_load(t, hx);
    CHECK(x_intact(t, x, i));
    holder *h = rgc_load_elem(t, array(t), i);
    CHECK(rgc_load(t, &h->s) == NULL);
    rgc_store(t, &h->s, x);
    CHECK(recorded(t) == 0); /* marking off: nothing recorded */
}

static size_t slot_index(int iter, size_t offset)
{
    return ((size_t)iter * 7919 + offset) % E.n;
}

static void *other_main(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(E.heap);
    CHECK(t);
    set(&E.attached, 1);
    for (int iter = 0;; iter++) {
        uint64_t t0 = now_ns();
        while (get(&E.go) != iter) {
            rgc_safepoint(t);
            if (get(&E.stop))
                goto out;
            sched_yield();
            CHECK(now_ns() - t0 < POLL_TIMEOUT_NS);
        }
        size_t i = slot_index(iter, E.n / 2);
        rgc_scope s = rgc_scope_open(t);
        if (wait_marking(t, __atomic_load_n(&E.base, __ATOMIC_SEQ_CST))) {
            bool unmarked;
            rgc_ref *hx = cut(t, i, &unmarked);
            E.other_windows++;
            E.other_hits += unmarked;
            /* Safe-region entry hands the partial buffer over; the
             * handshake and the mark-end pause then find nothing. */
            CHECK(rgc_blocking_enter(t) == RGC_OK);
            CHECK(t->satb == NULL);
            set(&E.entered, iter);
            wait_flag(NULL, &E.checked, iter);
            CHECK(rgc_blocking_leave(t) == RGC_OK);
            restore(t, hx, i);
        } else {
            set(&E.missed, iter);
            wait_flag(t, &E.checked, iter);
        }
        rgc_scope_close(t, s);
        set(&E.done, iter);
    }
out:
    CHECK(rgc_thread_detach(t) == RGC_OK);
    return NULL;
}

static void e2e_start(size_t n, bool with_other)
{
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, "heap_max=256m,region_size=1m,"
                                          "checkmark,verify"),
                     RGC_OK);
    /* E holds an rgc_ref, so it cannot be assigned as a whole */
    memset(&E, 0, sizeof E);
    E.n = n;
    E.go = E.entered = E.missed = E.checked = E.done = -1;
    E.heap = rgc_heap_create(&c);
    assert_non_null(E.heap);
    static const size_t hoff[] = {offsetof(holder, s)};
    E.gate_t = rgc_type_register(
        E.heap, &(rgc_type_desc){"gate", sizeof(gate), NULL, 0, gate_trace});
    E.holder_t = rgc_type_register(
        E.heap, &(rgc_type_desc){"holder", sizeof(holder), hoff, 1, NULL});
    E.x_t = rgc_type_register(
        E.heap, &(rgc_type_desc){"x", sizeof(xnode), NULL, 0, x_trace});
    E.y_t = rgc_type_register(
        E.heap, &(rgc_type_desc){"y", sizeof(ynode), NULL, 0, NULL});
    assert_true(E.gate_t && E.holder_t && E.x_t && E.y_t);
    assert_int_equal(rgc_root_register(E.heap, &E.root), RGC_OK);
    if (with_other) {
        assert_int_equal(pthread_create(&E.other, NULL, other_main, NULL), 0);
        E.other_started = true;
    }
}

/* After a failed end-to-end test: clean up, so the next tests can run. */
static int e2e_teardown(void **state)
{
    (void)state;
    if (!E.heap)
        return 0; /* passed, and cleaned up */
    set(&E.open, 1);
    set(&E.armed, 0);
    if (E.other_started) {
        fflush(stdout);
        fprintf(stderr, "test_satb: an end-to-end test failed while its "
                        "second thread runs: aborting\n");
        abort();
    }
    if (E.t) {
        rgc_scope_close(E.t, E.scope);
        rgc_thread_detach(E.t);
    }
    rgc_root_unregister(E.heap, &E.root);
    rgc_heap_destroy(E.heap);
    E.heap = NULL;
    return 0;
}

/* Concurrent cycles over a graph of n holders.  Gated: `iterations` of
 * them, the gate holding each marking until the slots are cut.  Ungated:
 * `iterations` at least, then until UNGATED_HITS had the window (or the
 * time budget is spent). */
static void run_e2e(size_t n, int iterations, bool with_other, bool gated)
{
    uint64_t start = now_ns();
    e2e_start(n, with_other);
    rgc_thread *t = E.t = rgc_thread_attach(E.heap);
    assert_non_null(t);
    E.scope = rgc_scope_open(t);
    if (with_other)
        wait_flag(t, &E.attached, 1);
    build_graph(t);
    wait_driver_idle(t);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    wait_driver_idle(t);
    assert_true(satb_queue_empty(&E.heap->satb));

    uint64_t base0 = driver_cycles();
    unsigned windows = 0, hits = 0, by_handshake = 0, scanned[2] = {0, 0};
    for (int iter = 0;; iter++) {
        if (iter >= iterations &&
            (gated || hits + E.other_hits >= UNGATED_HITS ||
             now_ns() - start > UNGATED_BUDGET_NS)) {
            iterations = iter;
            break;
        }
        size_t i = slot_index(iter, 0);
        uint64_t p0 = pushed(E.heap), base = driver_cycles();
        assert_int_equal(t->fast.marking, 0);
        assert_int_equal(recorded(t), 0);
        __atomic_store_n(&E.base, base, __ATOMIC_SEQ_CST);
        __atomic_store_n(&E.watch[0], X_BASE + i, __ATOMIC_SEQ_CST);
        __atomic_store_n(&E.watch[1],
                         with_other ? X_BASE + slot_index(iter, E.n / 2)
                                    : 0,
                         __ATOMIC_SEQ_CST);
        set(&E.scanned[0], 0);
        set(&E.scanned[1], 0);
        set(&E.open, 0);
        set(&E.armed, gated);
        if (with_other)
            set(&E.go, iter);
        driver_request(E.heap);

        rgc_scope s = rgc_scope_open(t);
        rgc_ref *hx = NULL;
        bool mine = wait_marking(t, base);
        if (mine) {
            /* X is reachable only through holder i's slot, and marking has
             * started: after the cut, X survives only through the entry in
             * this thread's partial buffer. */
            bool unmarked;
            hx = cut(t, i, &unmarked);
            windows++;
            hits += unmarked;
            /* still this thread's (the other one may have pushed its own) */
            assert_true(pushed(E.heap) <= p0 + (with_other ? 1 : 0));
        }
        if (gated) {
            /* The gate holds the marking: both threads see it. */
            assert_true(mine);
            if (with_other)
                wait_flag(t, &E.entered, iter);
            set(&E.open, 1);
        }
        if (mine) {
            /* The handshake takes the partial buffer at one of these polls
             * (or for this thread, while it waits to come online). */
            uint64_t t0 = now_ns();
            bool seen = false;
            while (t->fast.marking) {
                rgc_safepoint(t);
                if (t->fast.marking && !t->satb)
                    seen = true; /* taken, marking not over yet */
                sched_yield();
                assert_true(now_ns() - t0 < POLL_TIMEOUT_NS);
            }
            by_handshake += seen;
            assert_null(t->satb);
            assert_true(x_intact(t, rgc_load(t, hx), i));
        }
        wait_cycle_over(t, base);
        bool other_mine = false;
        if (with_other) {
            uint64_t t0 = now_ns();
            while (get(&E.entered) != iter && get(&E.missed) != iter) {
                sched_yield();
                assert_true(now_ns() - t0 < POLL_TIMEOUT_NS);
            }
            other_mine = get(&E.entered) == iter;
        }
        /* One buffer per thread that recorded: the handshake's (or the
         * mark-end pause's) for this one, the region entry's for the
         * other; the marking took them all. */
        assert_int_equal(pushed(E.heap), p0 + mine + other_mine);
        assert_true(satb_queue_empty(&E.heap->satb));
        scanned[0] += get(&E.scanned[0]);
        scanned[1] += get(&E.scanned[1]);
        if (gated) {
            /* The cut X were unmarked, the slots cut: their SATB entries
             * reached the concurrent marking, before the mark-end pause. */
            assert_int_equal(get(&E.scanned[0]), 1);
            assert_int_equal(get(&E.scanned[1]), with_other);
        }
        if (with_other) {
            set(&E.checked, iter);
            wait_flag(t, &E.done, iter);
        }
        /* A full collection (from the roots: the handle) keeps X, and may
         * move it. */
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
        if (mine)
            restore(t, hx, i);
        rgc_scope_close(t, s);
        wait_driver_idle(t);
    }
    assert_int_equal(driver_cycles() - base0, iterations);
    assert_int_equal(get(&E.gate_timeouts), 0);
    assert_int_equal(get(&E.held), gated ? iterations : 0);

    if (with_other) {
        set(&E.stop, 1);
        assert_int_equal(pthread_join(E.other, NULL), 0);
        E.other_started = false;
    }
    /* Everything is still there. */
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    void *arr = array(t);
    for (size_t i = 0; i < E.n; i++) {
        holder *h = rgc_load_elem(t, arr, i);
        assert_int_equal(h->id, i);
        assert_true(x_intact(t, rgc_load(t, &h->s), i));
    }
    print_message("%d cycles%s; slot cut while marking: %u (other thread "
                  "%u); X not yet marked then: %u (other thread %u); "
                  "scanned concurrently: %u (other thread %u); buffer seen "
                  "taken before mark end: %u\n",
                  iterations, gated ? " (gated)" : "", windows,
                  E.other_windows, hits, E.other_hits, scanned[0],
                  scanned[1], by_handshake);
    if (gated) {
        /* Every cycle had the window, and X was unmarked in it: SATB
         * entries were what kept X alive. */
        assert_int_equal(windows, iterations);
        assert_int_equal(hits, iterations);
        if (with_other) {
            assert_int_equal(E.other_windows, iterations);
            assert_int_equal(E.other_hits, iterations);
        }
    } else {
        assert_true(hits + E.other_hits > 0);
    }

    assert_int_equal(rgc_root_unregister(E.heap, &E.root), RGC_OK);
    rgc_scope_close(t, E.scope);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    E.t = NULL;
    rgc_heap_destroy(E.heap);
    E.heap = NULL;
}

static void handshake_flush_keeps_cut_object(void **state)
{
    (void)state;
    run_e2e(GATED_OBJECTS, E2E_ITERATIONS, false, true);
}

static void handshake_flush_with_blocked_thread(void **state)
{
    (void)state;
    run_e2e(GATED_OBJECTS, E2E_ITERATIONS, true, true);
}

/* No gate: whatever the timing gives, over a graph big enough that the
 * marking takes a while. */
static void handshake_flush_ungated(void **state)
{
    (void)state;
    run_e2e(UNGATED_OBJECTS, UNGATED_MIN, true, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_buffer_is_queued, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(detach_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(blocking_enter_flushes, setup,
                                        teardown),
        cmocka_unit_test_teardown(handshake_flush_keeps_cut_object,
                                  e2e_teardown),
        cmocka_unit_test_teardown(handshake_flush_with_blocked_thread,
                                  e2e_teardown),
        cmocka_unit_test_teardown(handshake_flush_ungated, e2e_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
