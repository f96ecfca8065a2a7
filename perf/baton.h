/*
 * baton.h — which thread of a multi-threaded run polls the pause probe.
 *
 * The probe (rgc_session_poll) must be polled by one thread at a time, and
 * it only rebuilds pauses one by one while some thread is polling between
 * its pushes.  The baton starts with thread 0; a thread that ends its loop
 * while holding it hands it to a thread still pushing, so the probe keeps
 * being polled until the last loop ends.  Holding is one atomic load per
 * push; handing over takes a mutex held for a few instructions and never
 * across an rgc call, so no blocking region is needed around it.
 */
#ifndef RGC_PERF_BATON_H
#define RGC_PERF_BATON_H

#include <pthread.h>
#include <stdbool.h>

#include "bench.h"

#define BATON_NOBODY BENCH_MAX_THREADS

struct baton {
    unsigned holder; /* atomic: the polling thread, or BATON_NOBODY */
    unsigned threads;
    pthread_mutex_t lock; /* guards `done` and changes of `holder` */
    bool done[BENCH_MAX_THREADS];
};

void baton_init(struct baton *b, unsigned threads);
void baton_destroy(struct baton *b);

/* Whether thread i polls now (acquire: it sees the previous holder's
 * probe state). */
static inline bool baton_held(struct baton *b, unsigned i)
{
    return __atomic_load_n(&b->holder, __ATOMIC_ACQUIRE) == i;
}

/* Thread i has ended its loop (or never ran it): it no longer polls. */
void baton_done(struct baton *b, unsigned i);

#endif
