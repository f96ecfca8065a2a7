/*
 * ring.h — the ring that msgbuf and mtchurn push through, run by one or
 * more threads, each on its own window.
 *
 * A ring of `window` slots; push n allocates a fresh msg_size-byte message,
 * fills it with the byte (n & 0xff) so every page is touched, and stores it
 * in slot n % window, dropping (rgc, bdwgc) or freeing (malloc) the message
 * it replaces.  With keep_every K, push n = m * K also stores the message
 * in slot m % window of a second ring, the keep ring, which then owns it
 * (it outlives its main-ring slot: K * window > window pushes).  With
 * random, the first `window` pushes fill the slots in order, untimed, and
 * each of the `messages` timed pushes after them replaces a random slot
 * (xorshift, seeded per thread); `writer` records who wrote each slot.
 * With temps, each push also allocates that many temp_size blocks, fills
 * and drops them (rgc, bdwgc) or frees them (malloc).  Every push
 * (allocate + fill + store + temporaries) is timed with CLOCK_MONOTONIC
 * into the thread's log-linear histogram.  After the loop,
 * outside the measurement, every slot is checked: the right length and
 * every byte equal to the fill of the push that wrote it, so a collector
 * that loses or corrupts a message fails the run.
 *
 * With several threads (ring_run with spawn), every thread sets its window
 * up, waits at a start gate, runs its loop, waits at a finish gate (so no
 * check runs beside another thread's measured loop), then checks its
 * window.  The threads share nothing but the heap or allocator, and for
 * rgc the pause probe, which the holder of a baton polls between its
 * pushes (perf/baton.h).
 */
#ifndef RGC_PERF_RING_H
#define RGC_PERF_RING_H

#include "baton.h"
#include "bench.h"
#include "gate.h"
#include "rgc_session.h"
#include "slow_trace.h"

/* One thread's part of a run. */
struct ring_worker {
    const char *name;               /* "msgbuf" or "mtchurn": error prefix */
    const struct msgbuf_params *p;
    unsigned index;                 /* thread 0, 1, ...                    */
    struct thread_result *res;      /* its slot of run_result.threads      */
    struct gate *start, *finish;    /* NULL: run alone, no gates           */
    rgc_heap *heap;                 /* rgc runs                            */
    struct rgc_session *probe;      /* the pause probe, polled by the      */
    struct baton *baton;            /* baton's holder only (rgc runs)      */
    const struct malloc_api *api;   /* malloc and bdwgc runs               */
    bool bdwgc_register;            /* register the thread with bdwgc      */
    struct mmu_trace mmu;           /* its slow pushes                     */
    struct slow_trace slow;         /* and their causes (--attribute)      */
    uint64_t *writer;               /* random: the push that wrote slot i  */
    uint64_t rng;                   /* random: xorshift state              */
    /* results */
    uint64_t start_ns, end_ns;      /* its push loop (0 if it never ran)   */
    bool still_attached;            /* rgc_thread_detach failed            */
    bool failed;
    char error[BENCH_ERROR_MAX];
};

/* Record a failure of this thread (the first one is kept). */
void ring_fail(struct ring_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Pass a gate (no-op without one); t is the rgc thread or NULL.  False when
 * the run was aborted or the blocking region failed (recorded). */
bool ring_gate(struct ring_worker *w, struct gate *g, rgc_thread *t);

/* The push that last wrote slot i after the loop, or UINT64_MAX: of the
 * main ring (stride 1: push n writes slot n % window, or with random the
 * slot its writer array names) or of the keep ring (stride keep_every:
 * push n = m * keep_every writes slot m % window). */
uint64_t ring_last_writer(const struct ring_worker *w, size_t i,
                          uint64_t stride);

/* The pushes the loop makes: with random, the untimed fill first. */
static inline uint64_t ring_pushes(const struct msgbuf_params *p)
{
    return p->messages + (p->random ? p->window : 0);
}

/* The slot push n writes (fifo: the next slot in order, advanced here). */
static inline size_t ring_slot(struct ring_worker *w, uint64_t n,
                               size_t *fifo)
{
    size_t slot = *fifo;
    if (++*fifo == w->p->window)
        *fifo = 0;
    if (w->p->random && n >= w->p->window) {
        w->rng ^= w->rng << 13;
        w->rng ^= w->rng >> 7;
        w->rng ^= w->rng << 17;
        slot = (size_t)(w->rng % w->p->window);
    }
    if (w->writer)
        w->writer[slot] = n;
    return slot;
}

/* The extra roots (--handles, --global-roots): root i names a small
 * object holding i, checked after the run. */
#define RING_ROOT_BYTES 16
uint64_t ring_root_count(const struct ring_worker *w);
bool ring_check_root(struct ring_worker *w, const uint64_t *obj, uint64_t i);

/* Check the bytes of a message; on a mismatch records it and returns
 * false. */
bool ring_check_bytes(struct ring_worker *w, const unsigned char *m,
                      size_t i, uint64_t n, size_t size);

/* Just before the first timed push: its start, and (--attribute) the
 * counters the first push's deltas start from. */
static inline void ring_begin(struct ring_worker *w)
{
    if (w->p->attribute)
        slow_trace_begin(&w->slow);
    w->start_ns = bench_now_ns();
}

/* Push n is timed (the fill before it is not); the first one begins the
 * measured loop. */
static inline bool ring_timed(struct ring_worker *w, uint64_t n)
{
    uint64_t fill = ring_pushes(w->p) - w->p->messages;
    if (n == fill)
        ring_begin(w);
    return n >= fill;
}

/* One push, from t0 to t1, into the thread's histogram and MMU trace.
 * With --attribute its fault and switch counters are read first, before
 * any of this bookkeeping touches memory: a trace or histogram page that
 * faults here is charged to the next push, almost always a fast one that
 * is not kept, not to this slow one. */
static inline void ring_record(struct ring_worker *w, uint64_t t0, uint64_t t1)
{
    if (w->p->attribute)
        slow_trace_push(&w->slow, t0, t1);
    histogram_record(&w->res->latency, t1 - t0);
    if (t1 - t0 > NS_PER_MS)
        w->res->over_1ms++;
    mmu_trace_op(&w->mmu, t0, t1);
}

/* One thread's whole life: attach or register, set the window up, the
 * gates, the loop, the check, and detach. */
void ring_rgc(struct ring_worker *w);
void ring_malloc(struct ring_worker *w);

/* Run the ring on alloc: on the calling thread (spawn false, p->threads
 * must be 1) or on p->threads new threads, and fill r: merged and
 * per-thread latencies, the wall time from the first loop's start to the
 * last one's end, and for rgc the heap's statistics. */
void ring_run(const char *name, const struct msgbuf_params *p,
              enum alloc_kind alloc, struct run_result *r, bool spawn);

#endif
