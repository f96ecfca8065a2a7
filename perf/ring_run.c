/*
 * ring_run.c — run the ring on one allocator with one or more threads:
 * set the heap or allocator up, start the threads behind a gate, join
 * them, merge their latencies into the run's result (and with --attribute
 * the causes of their slow pushes, perf/attribution.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc_spans.h"
#include "ring.h"

/* Slow pushes a thread's MMU trace holds (16 B each; untouched pages of
 * the reservation cost no memory), and as many in its slow-push trace
 * (--attribute, 32 B each); pauses and stalls recorded, each. */
enum { MMU_TRACE_CAP = 1 << 18, GC_SPANS_CAP = 1 << 16 };

static void *worker_main(void *arg)
{
    struct ring_worker *w = arg;
    if (w->heap)
        ring_rgc(w);
    else
        ring_malloc(w);
    return NULL;
}

static void histogram_add(struct histogram *into, const struct histogram *h)
{
    into->count += h->count;
    into->sum += h->sum;
    if (h->max > into->max)
        into->max = h->max;
    for (size_t b = 0; b < HISTOGRAM_BUCKETS; b++)
        into->buckets[b] += h->buckets[b];
}

/* A thread's MMU per window into its result, and the run's lowest. */
static void collect_mmu(const struct ring_worker *w, struct run_result *r,
                        bool first)
{
    struct thread_result *t = w->res;
    for (int k = 0; k < MMU_WINDOWS; k++) {
        t->mmu[k] = mmu_of(&w->mmu, w->start_ns, w->end_ns, mmu_window_ns[k]);
        if (first || t->mmu[k] < r->mmu[k])
            r->mmu[k] = t->mmu[k];
    }
    t->mmu_truncated = w->mmu.truncated;
    r->mmu_truncated |= w->mmu.truncated;
}

/* Every thread's slow pushes against the run's pauses and stalls. */
static void collect_attribution(const struct ring_worker *w, unsigned n,
                                const struct gc_spans *spans,
                                struct run_result *r)
{
    struct attribution *a = &r->attribution;
    a->present = true;
    a->events_truncated = spans->truncated;
    a->pauses = spans->pause_count;
    a->stalls = spans->stall_count;
    for (unsigned i = 0; i < n; i++) {
        const struct slow_trace *t = &w[i].slow;
        attribution_add(a, &(struct attribution_input){
                               .pushes = t->ops, .push_count = t->count,
                               .pauses = spans->pauses,
                               .pause_count = spans->pause_count,
                               .stalls = spans->stalls,
                               .stall_count = spans->stall_count,
                               .tid = t->tid});
        a->pushes += t->pushes;
        a->cost_ns += t->cost_ns;
        a->pushes_truncated |= t->truncated;
    }
}

/* Threads 0..n-1 have ended: their failures, latencies and MMU into r. */
static void collect(const struct ring_worker *w, unsigned n, bool spawn,
                    struct run_result *r)
{
    uint64_t first = UINT64_MAX, last = 0;
    unsigned failed = 0;
    for (unsigned i = 0; i < n; i++) {
        if (w[i].failed && !failed++) {
            if (spawn)
                run_fail(r, "thread %u: %s", i, w[i].error);
            else
                run_fail(r, "%s", w[i].error);
        }
        histogram_add(&r->latency, &r->threads[i].latency);
        r->over_1ms += r->threads[i].over_1ms;
        collect_mmu(&w[i], r, i == 0);
        if (w[i].start_ns && w[i].start_ns < first)
            first = w[i].start_ns;
        if (w[i].end_ns > last)
            last = w[i].end_ns;
    }
    if (failed > 1) {
        char more[64];
        snprintf(more, sizeof more, " (and %u more threads failed)",
                 failed - 1);
        size_t len = strlen(r->error);
        snprintf(r->error + len, sizeof r->error - len, "%s", more);
    }
    if (r->ok)
        r->total_ns = last - first;
}

/* Start n threads behind the gates, open them, join.  Returns how many
 * threads were created; the gates are opened aborted when not all were. */
static unsigned spawn_and_join(struct ring_worker *w, unsigned n,
                               struct gate *start, struct gate *finish,
                               struct run_result *r)
{
    pthread_t *tid = calloc(n, sizeof *tid);
    unsigned created = 0;
    int err = 0;
    if (tid)
        for (; created < n; created++) {
            err = pthread_create(&tid[created], NULL, worker_main,
                                 &w[created]);
            if (err)
                break;
        }
    if (created < n)
        run_fail(r, "%s: cannot start thread %u of %u: %s", w[0].name,
                 created, n, tid ? strerror(err) : "out of memory");
    /* This thread is not attached to rgc: it may wait freely. */
    gate_open(start, created, created < n);
    gate_open(finish, created, false);
    for (unsigned i = 0; i < created; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    return created;
}

/* What the threads record into, reserved before their loops so that the
 * loops never allocate: per thread an MMU trace, (--attribute) a
 * slow-push trace and (--random) its slots' writers; for rgc with
 * --attribute, the pauses and stalls. */
struct traces {
    struct mmu_trace *mmu;
    struct slow_trace *slow;
    uint64_t **writers;       /* random: each thread's slot writers */
    struct gc_spans spans;
};

static bool traces_reserve(struct traces *t, unsigned n,
                           const struct msgbuf_params *p, bool gc)
{
    t->mmu = calloc(n, sizeof *t->mmu);
    t->slow = calloc(n, sizeof *t->slow);
    t->writers = calloc(n, sizeof *t->writers);
    bool ok = t->mmu && t->slow && t->writers &&
              (!p->attribute || !gc || gc_spans_init(&t->spans, GC_SPANS_CAP));
    for (unsigned i = 0; ok && i < n; i++)
        ok = mmu_trace_init(&t->mmu[i], MMU_TRACE_CAP) &&
             (!p->attribute || slow_trace_init(&t->slow[i], MMU_TRACE_CAP)) &&
             (!p->random ||
              (t->writers[i] = calloc(p->window, sizeof **t->writers)));
    return ok;
}

static void traces_release(struct traces *t, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (t->mmu)
            mmu_trace_free(&t->mmu[i]);
        if (t->slow)
            slow_trace_free(&t->slow[i]);
        if (t->writers)
            free(t->writers[i]);
    }
    free(t->mmu);
    free(t->slow);
    free(t->writers);
    gc_spans_free(&t->spans);
}

void ring_run(const char *name, const struct msgbuf_params *p,
              enum alloc_kind alloc, struct run_result *r, bool spawn)
{
    unsigned n = spawn ? p->threads : 1;
    struct rgc_session s = {0};
    const struct malloc_api *api = NULL;
    if (alloc == ALLOC_RGC) {
        if (!rgc_session_open_heap(&s, p->options, r))
            return;
    } else if (!(api = alloc_malloc_api(alloc))) {
        run_fail(r, "%s", alloc_unavailable(alloc));
        return;
    } else if (alloc == ALLOC_BDWGC && spawn) {
        bdwgc_threads_enable();
    }
    struct ring_worker *w = calloc(n, sizeof *w);
    struct traces traces = {0};
    bool ready = w && traces_reserve(&traces, n, p, s.heap != NULL);
    if (!ready)
        run_fail(r, "%s: out of memory", name);
    else if (traces.spans.cap && !gc_spans_attach(&traces.spans, s.heap))
        run_fail(r, "%s: rgc_set_event_listener: %s", name,
                 rgc_last_error());
    if (!r->ok) {
        traces_release(&traces, n);
        free(w);
        rgc_session_close(&s, r);
        return;
    }
    struct gate start, finish;
    gate_init(&start);
    gate_init(&finish);
    struct baton baton;
    baton_init(&baton, n);
    for (unsigned i = 0; i < n; i++)
        w[i] = (struct ring_worker){
            .name = name, .p = p, .index = i, .res = &r->threads[i],
            .start = spawn ? &start : NULL, .finish = spawn ? &finish : NULL,
            .heap = s.heap, .probe = &s, .baton = &baton, .api = api,
            .bdwgc_register = alloc == ALLOC_BDWGC && spawn,
            .mmu = traces.mmu[i], .slow = traces.slow[i],
            .writer = traces.writers[i],
            .rng = 0x9E3779B97F4A7C15ull * (i + 1)};
    r->thread_count = n;

    unsigned ran = n;
    if (spawn)
        ran = spawn_and_join(w, n, &start, &finish, r);
    else
        worker_main(&w[0]);
    collect(w, ran, spawn, r);
    if (traces.spans.cap)
        gc_spans_detach(&traces.spans, s.heap);
    if (p->attribute)
        collect_attribution(w, ran, &traces.spans, r);

    bool stuck = false;
    for (unsigned i = 0; i < ran; i++)
        stuck |= w[i].still_attached;
    if (stuck)
        rgc_session_record(&s, r); /* a thread is attached: keep the heap */
    else
        rgc_session_close(&s, r);
    traces_release(&traces, n);
    baton_destroy(&baton);
    gate_destroy(&start);
    gate_destroy(&finish);
    free(w);
}
