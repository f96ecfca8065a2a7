/*
 * test_events.c — the event listener, pauses over the goal, GC CPU time.
 *
 * The listener records every event and checks, as each arrives, that the
 * world is running: the safepoint is not stopped, and an attached thread
 * that polls all the time (the spinner) still makes progress.  Over-goal
 * pauses are driven by the heap's zero_pause_goal hook (every pause is
 * over a goal of 0), so nothing depends on how long a pause takes; the
 * one comparison of durations is between a pause held up for 200 ms by a
 * thread that does not poll and the few microseconds of its own work.
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
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/clock.h"
#include "fixture.h"
#include "policy/driver.h" /* driver_wait: let a requested cycle run */
#include "rgc_heap.h"      /* zero_pause_goal, safepoint.stopped */

#define MAX_EVENTS 4096

struct spinner {
    rgc_heap *heap;
    pthread_t thread;
    unsigned long rounds; /* atomic */
    bool stop;            /* atomic */
};

struct recorder {
    rgc_heap *heap;
    struct spinner *spinner; /* or NULL */
    pthread_mutex_t lock;
    rgc_event events[MAX_EVENTS];
    unsigned count;
    unsigned in_stopped_world; /* events delivered with the world stopped
                                  (or for another heap)                  */
    unsigned spinner_stuck;    /* ... or with the spinner not running     */
    int nested_set;            /* rgc_set_event_listener from inside      */
};

static void *spin(void *arg)
{
    struct spinner *s = arg;
    rgc_thread *t = rgc_thread_attach(s->heap);
    if (!t)
        abort(); /* cmocka's asserts belong to the main thread */
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&s->rounds, 1, __ATOMIC_RELAXED);
        rgc_safepoint(t);
        sched_yield();
    }
    rgc_thread_detach(t);
    return NULL;
}

static void spinner_start(struct spinner *s, rgc_heap *heap)
{
    *s = (struct spinner){.heap = heap};
    assert_int_equal(pthread_create(&s->thread, NULL, spin, s), 0);
    while (!__atomic_load_n(&s->rounds, __ATOMIC_RELAXED))
        sched_yield();
}

static void spinner_stop(struct spinner *s)
{
    __atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
    pthread_join(s->thread, NULL);
}

/* Whether the spinner goes round within 10 s: with the world stopped it
 * is parked and cannot. */
static bool spinner_runs(struct spinner *s)
{
    unsigned long seen = __atomic_load_n(&s->rounds, __ATOMIC_RELAXED);
    uint64_t deadline = rgc_now_ns() + 10000000000u;
    while (__atomic_load_n(&s->rounds, __ATOMIC_RELAXED) == seen)
        if (rgc_now_ns() > deadline)
            return false;
        else
            sched_yield();
    return true;
}

static void record(rgc_heap *heap, const rgc_event *ev, void *ctx)
{
    struct recorder *r = ctx;
    bool stopped = heap != r->heap ||
        __atomic_load_n(&heap->safepoint.stopped, __ATOMIC_SEQ_CST);
    /* once stuck, do not wait 10 s again for every later event */
    bool stuck = r->spinner &&
                 !__atomic_load_n(&r->spinner_stuck, __ATOMIC_RELAXED) &&
                 !spinner_runs(r->spinner);
    int nested = rgc_set_event_listener(heap, NULL, NULL);
    pthread_mutex_lock(&r->lock);
    r->in_stopped_world += stopped;
    __atomic_fetch_add(&r->spinner_stuck, stuck, __ATOMIC_RELAXED);
    if (nested != RGC_ESTATE)
        r->nested_set = nested;
    if (r->count < MAX_EVENTS)
        r->events[r->count++] = *ev;
    pthread_mutex_unlock(&r->lock);
}

static void recorder_init(struct recorder *r, rgc_heap *heap,
                          struct spinner *spinner)
{
    memset(r, 0, sizeof *r);
    r->heap = heap;
    r->spinner = spinner;
    r->nested_set = RGC_ESTATE;
    pthread_mutex_init(&r->lock, NULL);
    assert_int_equal(rgc_set_event_listener(heap, record, r), RGC_OK);
}

/* Removes the listener: nothing is recorded after this. */
static void recorder_finish(struct recorder *r)
{
    assert_int_equal(rgc_set_event_listener(r->heap, NULL, NULL), RGC_OK);
    assert_int_equal(r->in_stopped_world, 0);
    assert_int_equal(r->spinner_stuck, 0);
    assert_int_equal(r->nested_set, RGC_ESTATE);
    assert_true(r->count < MAX_EVENTS);
    pthread_mutex_destroy(&r->lock);
}

static void make_garbage(rgc_thread *t, int n)
{
    for (int i = 0; i < n; i++)
        assert_non_null(rgc_alloc_bytes(t, 1000));
}

/* Every cycle is its start, its pauses (each over-goal one followed by
 * its report), its end; numbered from 1 without gaps.  Returns the pauses
 * of each kind. */
static void check_order(const struct recorder *r, unsigned kinds[],
                        unsigned *over_goal)
{
    uint64_t cycle = 0, cycle_start = 0;
    bool open = false;
    const rgc_event *last_pause = NULL;
    for (unsigned i = 0; i < r->count; i++) {
        const rgc_event *e = &r->events[i];
        switch (e->kind) {
        case RGC_EVENT_CYCLE_START:
            assert_false(open);
            assert_int_equal(e->cycle, ++cycle);
            cycle_start = e->start_ns;
            open = true;
            last_pause = NULL;
            break;
        case RGC_EVENT_PAUSE:
            assert_true(open);
            assert_int_equal(e->cycle, cycle);
            assert_true(e->start_ns >= cycle_start);
            assert_true(e->ttsp_ns <= e->duration_ns);
            assert_true((unsigned)e->pause_kind < RGC_PAUSE_KINDS);
            assert_int_equal(e->cause, RGC_CAUSE_NONE);
            kinds[e->pause_kind]++;
            last_pause = e;
            break;
        case RGC_EVENT_PAUSE_OVER_GOAL:
            assert_non_null(last_pause); /* its pause came just before */
            assert_ptr_equal(last_pause, e - 1);
            assert_int_equal(e->start_ns, last_pause->start_ns);
            assert_int_equal(e->duration_ns, last_pause->duration_ns);
            assert_int_equal(e->pause_kind, last_pause->pause_kind);
            assert_true(e->duration_ns > e->goal_ns);
            assert_true(e->cause == RGC_CAUSE_TTSP ||
                        e->cause == RGC_CAUSE_WORK ||
                        e->cause == RGC_CAUSE_PREDICTED);
            /* only a planned pause is predicted, and only one predicted
             * over max_pause is foreseen */
            if (e->cause == RGC_CAUSE_PREDICTED)
                assert_true(e->predicted_ns > 0);
            ++*over_goal;
            break;
        case RGC_EVENT_CYCLE_END:
            assert_true(open);
            assert_int_equal(e->cycle, cycle);
            assert_int_equal(e->start_ns, cycle_start);
            if (last_pause) /* every pause ended inside its cycle */
                assert_true(last_pause->start_ns + last_pause->duration_ns <=
                            e->start_ns + e->duration_ns);
            open = false;
            break;
        case RGC_EVENT_STALL:
            assert_true(e->duration_ns > 0);
            break;
        default:
            fail_msg("unknown event kind %d", (int)e->kind);
        }
    }
    assert_false(open);
}

static unsigned count_kind(const struct recorder *r, rgc_event_kind kind)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->count; i++)
        n += r->events[i].kind == kind;
    return n;
}

static void events_arrive_in_order_while_the_world_runs(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=1m");
    struct spinner sp;
    spinner_start(&sp, heap);
    struct recorder *r = test_malloc(sizeof *r);
    recorder_init(r, heap, &sp);

    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_handle(t, rgc_alloc_bytes(t, 1000));
    make_garbage(t, 20000); /* concurrent cycles */
    rgc_collect(t, RGC_COLLECT_FULL);
    driver_wait(heap, t); /* no cycle left half-reported */
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);

    recorder_finish(r);
    unsigned kinds[RGC_PAUSE_KINDS] = {0}, over = 0;
    check_order(r, kinds, &over);
    assert_int_equal(count_kind(r, RGC_EVENT_CYCLE_END), st.cycles);
    assert_int_equal(count_kind(r, RGC_EVENT_PAUSE), st.pause_count);
    assert_int_equal(over, st.pauses_over_goal);
    assert_true(kinds[RGC_PAUSE_MARK_START] >= 1); /* a concurrent cycle */
    assert_true(kinds[RGC_PAUSE_FULL] >= 1);       /* and the forced one */
    test_free(r);
    spinner_stop(&sp);
    rgc_heap_destroy(heap);
}

/* Runs f with stderr captured; returns the capture, rewound. */
static FILE *capture_stderr(void (*f)(void *), void *arg)
{
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    f(arg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    return capture;
}

/* A line of the capture that contains `what`, or fail. */
static void expect_line(FILE *capture, const char *what)
{
    char line[1024];
    while (fgets(line, sizeof line, capture))
        if (strstr(line, "[rgc gc]") && strstr(line, what))
            return;
    fail_msg("no GC log line contains \"%s\"", what);
}

struct collect_job {
    rgc_heap *heap;
    rgc_thread *thread;
};

/* A logging heap whose every pause is over the goal (the test hook). */
static rgc_heap *heap_judged_against_zero(void)
{
    rgc_heap *heap = heap_with("heap_max=16m,region_size=1m,log");
    heap->zero_pause_goal = true;
    return heap;
}

/* The over-goal event of the forced (full) collection, or fail. */
static const rgc_event *full_over_goal(const struct recorder *r)
{
    const rgc_event *full = NULL;
    for (unsigned i = 0; i < r->count; i++)
        if (r->events[i].kind == RGC_EVENT_PAUSE_OVER_GOAL &&
            r->events[i].pause_kind == RGC_PAUSE_FULL)
            full = &r->events[i];
    assert_non_null(full);
    return full;
}

static void collect_full(void *arg)
{
    struct collect_job *j = arg;
    rgc_collect(j->thread, RGC_COLLECT_FULL);
}

static void a_pause_over_the_goal_is_counted_logged_and_reported(void **state)
{
    (void)state;
    rgc_heap *heap = heap_judged_against_zero();
    struct recorder *r = test_malloc(sizeof *r);
    recorder_init(r, heap, NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *keep = rgc_handle(t, rgc_alloc_refs(t, 20000));
    for (size_t i = 0; i < 20000; i++) /* live data: the pause has work */
        rgc_store_elem(t, rgc_load(t, keep), i, rgc_alloc_bytes(t, 16));
    struct collect_job job = {heap, t};
    FILE *log = capture_stderr(collect_full, &job);
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    recorder_finish(r);

    /* Every pause is over a goal of 0: the forced collection's included. */
    assert_true(st.pause_count >= 1);
    assert_int_equal(st.pauses_over_goal, st.pause_count);
    unsigned kinds[RGC_PAUSE_KINDS] = {0}, over = 0;
    check_order(r, kinds, &over);
    assert_int_equal(over, st.pauses_over_goal);
    const rgc_event *full = full_over_goal(r);
    assert_int_equal(full->goal_ns, 0);
    /* The collecting thread was the only one attached, and offline before
     * the stop: nothing held it up, the collection's work made it long. */
    assert_int_equal(full->cause, RGC_CAUSE_WORK);
    assert_int_equal(full->holder_tid, 0);
    assert_string_equal(full->holder_name, "");
    expect_line(log, "over goal 1 (worst ");
    rewind(log);
    expect_line(log, "full work)");
    fclose(log);
    test_free(r);
    rgc_heap_destroy(heap);
}

struct holder {
    rgc_heap *heap;
    int tid;
    bool holding; /* atomic: attached, not polling from now on */
    bool stop;    /* atomic */
};

/* Attaches, then runs 200 ms without a safepoint poll (a pause requested
 * meanwhile waits for it), then polls until told to stop. */
static void *hold(void *arg)
{
    struct holder *h = arg;
    pthread_setname_np(pthread_self(), "holder");
    rgc_thread *t = rgc_thread_attach(h->heap);
    if (!t)
        abort();
    h->tid = (int)gettid();
    uint64_t until = rgc_now_ns() + 200000000u;
    __atomic_store_n(&h->holding, true, __ATOMIC_RELEASE);
    while (rgc_now_ns() < until)
        ;
    while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
        rgc_safepoint(t);
        sched_yield();
    }
    rgc_thread_detach(t);
    return NULL;
}

static void a_thread_that_holds_a_pause_is_named(void **state)
{
    (void)state;
    rgc_heap *heap = heap_judged_against_zero();
    struct recorder *r = test_malloc(sizeof *r);
    recorder_init(r, heap, NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    struct holder h = {.heap = heap};
    pthread_t ht;
    assert_int_equal(pthread_create(&ht, NULL, hold, &h), 0);
    while (!__atomic_load_n(&h.holding, __ATOMIC_ACQUIRE))
        sched_yield();
    struct collect_job job = {heap, t};
    FILE *log = capture_stderr(collect_full, &job);
    __atomic_store_n(&h.stop, true, __ATOMIC_RELAXED);
    pthread_join(ht, NULL);
    rgc_thread_detach(t);
    recorder_finish(r);

    const rgc_event *full = full_over_goal(r);
    assert_int_equal(full->cause, RGC_CAUSE_TTSP);
    assert_int_equal(full->holder_tid, h.tid);
    assert_string_equal(full->holder_name, "holder");
    char named[64];
    snprintf(named, sizeof named, "ttsp, thread \"holder\" tid %d)", h.tid);
    expect_line(log, named);
    fclose(log);
    test_free(r);
    rgc_heap_destroy(heap);
}

/* Unnamed threads are named by their tid. */
static void *attach_unnamed(void *arg)
{
    struct holder *h = arg;
    pthread_setname_np(pthread_self(), "");
    rgc_thread *t = rgc_thread_attach(h->heap);
    if (!t)
        abort();
    h->tid = (int)gettid();
    char expect[16];
    snprintf(expect, sizeof expect, "tid %d", h->tid);
    h->holding = strcmp(t->name, expect) == 0;
    rgc_thread_detach(t);
    return NULL;
}

static void an_unnamed_thread_is_named_by_its_tid(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=1m");
    struct holder h = {.heap = heap};
    pthread_t ht;
    assert_int_equal(pthread_create(&ht, NULL, attach_unnamed, &h), 0);
    pthread_join(ht, NULL);
    assert_true(h.holding);
    rgc_heap_destroy(heap);
}

/* Removal races with cycles on the driver: once rgc_set_event_listener
 * returns, the old listener is never called again. */
struct late {
    bool removed; /* atomic */
    unsigned calls, after;
};

static void note(rgc_heap *heap, const rgc_event *ev, void *ctx)
{
    (void)heap;
    (void)ev;
    struct late *l = ctx;
    __atomic_fetch_add(&l->calls, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&l->removed, __ATOMIC_RELAXED))
        __atomic_fetch_add(&l->after, 1, __ATOMIC_RELAXED);
}

static void a_removed_listener_is_never_called_again(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=1m");
    rgc_thread *t = rgc_thread_attach(heap);
    unsigned calls = 0;
    for (int round = 0; round < 20; round++) {
        struct late l = {0};
        assert_int_equal(rgc_set_event_listener(heap, note, &l), RGC_OK);
        make_garbage(t, 6000 + 500 * round); /* cycles under way */
        assert_int_equal(rgc_set_event_listener(heap, NULL, NULL), RGC_OK);
        __atomic_store_n(&l.removed, true, __ATOMIC_RELAXED);
        make_garbage(t, 3000);
        driver_wait(heap, t); /* whatever was under way has ended */
        assert_int_equal(__atomic_load_n(&l.after, __ATOMIC_RELAXED), 0);
        calls += __atomic_load_n(&l.calls, __ATOMIC_RELAXED);
    }
    assert_true(calls > 0); /* removals did race with deliveries */
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

static void gc_cpu_time_covers_the_driver_and_the_mutators_collections(
    void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=1m");
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_heap_stats st0, st1, st2;
    rgc_stats(heap, &st0);
    assert_int_equal(st0.gc_assist_ns, 0);
    assert_true(st0.gc_cpu_ns >= st0.gc_assist_ns);
    rgc_collect(t, RGC_COLLECT_FULL); /* the mutator's own: an assist */
    rgc_stats(heap, &st1);
    assert_true(st1.gc_assist_ns > st0.gc_assist_ns);
    assert_true(st1.gc_cpu_ns - st0.gc_cpu_ns >=
                st1.gc_assist_ns - st0.gc_assist_ns);
    make_garbage(t, 20000); /* concurrent cycles, on the driver */
    driver_wait(heap, t);
    rgc_stats(heap, &st2);
    assert_true(st2.cycles > st1.cycles);
    assert_true(st2.gc_cpu_ns - st2.gc_assist_ns >
                st1.gc_cpu_ns - st1.gc_assist_ns);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_arrive_in_order_while_the_world_runs),
        cmocka_unit_test(a_pause_over_the_goal_is_counted_logged_and_reported),
        cmocka_unit_test(a_thread_that_holds_a_pause_is_named),
        cmocka_unit_test(an_unnamed_thread_is_named_by_its_tid),
        cmocka_unit_test(a_removed_listener_is_never_called_again),
        cmocka_unit_test(
            gc_cpu_time_covers_the_driver_and_the_mutators_collections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
