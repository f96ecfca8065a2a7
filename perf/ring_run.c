/*
 * ring_run.c — run the ring on one allocator with one or more threads:
 * set the heap or allocator up, start the threads behind a gate, join
 * them, merge their latencies into the run's result.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

/* Slow pushes a thread's MMU trace holds (16 B each; untouched pages of
 * the reservation cost no memory). */
enum { MMU_TRACE_CAP = 1 << 18 };

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
    struct mmu_trace *traces = calloc(n, sizeof *traces);
    bool traced = w && traces;
    for (unsigned i = 0; traced && i < n; i++)
        traced = mmu_trace_init(&traces[i], MMU_TRACE_CAP);
    if (!traced) {
        run_fail(r, "%s: out of memory", name);
        for (unsigned i = 0; traces && i < n; i++)
            mmu_trace_free(&traces[i]);
        free(traces);
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
            .mmu = traces[i]};
    r->thread_count = n;

    unsigned ran = n;
    if (spawn)
        ran = spawn_and_join(w, n, &start, &finish, r);
    else
        worker_main(&w[0]);
    collect(w, ran, spawn, r);

    bool stuck = false;
    for (unsigned i = 0; i < ran; i++)
        stuck |= w[i].still_attached;
    if (stuck)
        rgc_session_record(&s, r); /* a thread is attached: keep the heap */
    else
        rgc_session_close(&s, r);
    for (unsigned i = 0; i < n; i++)
        mmu_trace_free(&w[i].mmu);
    free(traces);
    baton_destroy(&baton);
    gate_destroy(&start);
    gate_destroy(&finish);
    free(w);
}
