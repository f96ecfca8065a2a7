/*
 * events.h — the event listener of a heap (rgc_set_event_listener): where
 * it is kept and how events reach it.
 *
 * Invariants:
 *   - fn and ctx change only with `lock` held, and every call of fn holds
 *     `lock`: calls never overlap, and once events_set returns the old
 *     listener is neither running nor called again;
 *   - callers emit only while the world runs (never inside a pause), and
 *     hold no lock a listener's allowed calls (the statistics) take.
 */
#ifndef RGC_STATS_EVENTS_H
#define RGC_STATS_EVENTS_H

#include <pthread.h>

#include "rgc.h"

struct events {
    pthread_mutex_t lock;
    rgc_event_fn fn; /* atomic: read without the lock to skip it if NULL */
    void *ctx;
};

void events_init(struct events *e);
void events_destroy(struct events *e);
/* RGC_ESTATE when called from inside this listener (it would deadlock). */
int events_set(struct events *e, rgc_event_fn fn, void *ctx);
/* Deliver ev to the listener, if any, on the calling thread. */
void events_emit(struct events *e, rgc_heap *heap, const rgc_event *ev);

#endif
