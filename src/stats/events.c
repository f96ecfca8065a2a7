/*
 * events.c — one lock per heap around the listener: a listener removed
 * while a GC thread is about to call it is either called before the
 * removal returns, or not at all.  Events are rare (a few per cycle), so
 * the lock costs nothing that matters, and a heap without a listener
 * pays one relaxed load per event.
 */
#include "stats/events.h"

#include "base/error.h"

/* The listener this thread is inside, so that setting it from there is
 * refused instead of deadlocking. */
static _Thread_local const struct events *delivering;

void events_init(struct events *e)
{
    *e = (struct events){0};
    pthread_mutex_init(&e->lock, NULL);
}

void events_destroy(struct events *e)
{
    pthread_mutex_destroy(&e->lock);
}

int events_set(struct events *e, rgc_event_fn fn, void *ctx)
{
    if (delivering == e)
        return rgc_fail(RGC_ESTATE, "rgc_set_event_listener: called from "
                                    "the heap's own event listener");
    pthread_mutex_lock(&e->lock);
    __atomic_store_n(&e->fn, fn, __ATOMIC_RELAXED);
    e->ctx = fn ? ctx : NULL;
    pthread_mutex_unlock(&e->lock);
    return RGC_OK;
}

void events_emit(struct events *e, rgc_heap *heap, const rgc_event *ev)
{
    if (!__atomic_load_n(&e->fn, __ATOMIC_RELAXED))
        return;
    pthread_mutex_lock(&e->lock);
    rgc_event_fn fn = e->fn; /* again: it may have gone meanwhile */
    if (fn) {
        const struct events *outer = delivering; /* another heap's */
        delivering = e;
        fn(heap, ev, e->ctx);
        delivering = outer;
    }
    pthread_mutex_unlock(&e->lock);
}
