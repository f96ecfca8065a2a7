/* driver.c — the driver thread: wait for a request, run a cycle, repeat;
 * between cycles, wake on a timer to uncommit regions long free. */
#include "policy/driver.h"

#include <errno.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/meta.h"
#include "policy/collector.h"
#include "policy/uncommit.h"

/* Wait for a request until `due` (rgc_now_ns time; UNCOMMIT_NEVER: no
 * timer); false if the time came first.  d->lock held. */
static bool wait_request(struct driver *d, uint64_t due)
{
    while (!d->requested && !d->stopping) {
        if (due == UNCOMMIT_NEVER) {
            pthread_cond_wait(&d->wake, &d->lock);
            continue;
        }
        struct timespec at = {(time_t)(due / 1000000000u),
                              (long)(due % 1000000000u)};
        if (pthread_cond_timedwait(&d->wake, &d->lock, &at) == ETIMEDOUT &&
            !d->requested && !d->stopping)
            return false;
    }
    return true;
}

static void *driver_main(void *arg)
{
    struct rgc_heap *heap = arg;
    struct driver *d = &heap->driver;
    rgc_meta_warm_thread();
    /* Nothing is free for long at creation. */
    uint64_t due = heap->config.uncommit_delay_us && !heap->config.pretouch
                       ? rgc_now_ns() + heap->config.uncommit_delay_us * 1000
                       : UNCOMMIT_NEVER;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        if (!wait_request(d, due)) {
            pthread_mutex_unlock(&d->lock);
            due = uncommit_idle(heap);
            pthread_mutex_lock(&d->lock);
            continue;
        }
        if (d->stopping)
            break;
        __atomic_store_n(&d->running, true, __ATOMIC_RELAXED);
        __atomic_store_n(&d->requested, false, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&d->lock);
        collector_concurrent_cycle(heap);
        pthread_mutex_lock(&d->lock);
        __atomic_store_n(&d->running, false, __ATOMIC_RELAXED);
        d->cycles++;
        pthread_cond_broadcast(&d->finished);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

int driver_start(struct rgc_heap *heap)
{
    struct driver *d = &heap->driver;
    *d = (struct driver){0};
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_t monotonic; /* the clock rgc_now_ns reads */
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &monotonic);
    pthread_condattr_destroy(&monotonic);
    pthread_cond_init(&d->finished, NULL);
    if (pthread_create(&d->thread, NULL, driver_main, heap)) {
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->wake);
        pthread_cond_destroy(&d->finished);
        return rgc_fail(RGC_ENOMEM,
                        "rgc_heap_create: cannot start the GC driver thread");
    }
    return RGC_OK;
}

void driver_stop(struct rgc_heap *heap)
{
    struct driver *d = &heap->driver;
    pthread_mutex_lock(&d->lock);
    __atomic_store_n(&d->stopping, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->finished);
}

void driver_request(struct rgc_heap *heap)
{
    struct driver *d = &heap->driver;
    if (__atomic_load_n(&d->requested, __ATOMIC_RELAXED) ||
        __atomic_load_n(&d->running, __ATOMIC_RELAXED))
        return; /* the common case takes no lock */
    pthread_mutex_lock(&d->lock);
    __atomic_store_n(&d->requested, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

uint64_t driver_wait(struct rgc_heap *heap, struct rgc_thread *self)
{
    struct driver *d = &heap->driver;
    uint64_t start = rgc_now_ns();
    thread_offline(&heap->safepoint, self);
    pthread_mutex_lock(&d->lock);
    uint64_t seen = d->cycles;
    if (!d->running && !d->requested) {
        __atomic_store_n(&d->requested, true, __ATOMIC_RELAXED);
        pthread_cond_signal(&d->wake);
    }
    while (d->cycles == seen && !d->stopping)
        pthread_cond_wait(&d->finished, &d->lock);
    pthread_mutex_unlock(&d->lock);
    thread_online(&heap->safepoint, self);
    return rgc_now_ns() - start;
}

uint64_t driver_cpu_ns(const struct rgc_heap *heap)
{
    return rgc_thread_cpu_ns(heap->driver.thread);
}
