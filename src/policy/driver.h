/*
 * driver.h — the collector's own thread, which runs concurrent cycles.
 *
 * Mutators never run a concurrent cycle themselves: an allocation that
 * crosses the trigger asks the driver (driver_request, no waiting), and an
 * allocation that finds the heap full waits for the driver's next cycle to
 * finish (driver_wait: an allocation stall) before anyone may fall back to
 * a stop-the-world collection.  Between cycles it also wakes on a timer
 * and returns regions long free to the OS (policy/uncommit.h).
 */
#ifndef RGC_POLICY_DRIVER_H
#define RGC_POLICY_DRIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct rgc_heap;
struct rgc_thread;

struct driver {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* a request, or stop (CLOCK_MONOTONIC)   */
    pthread_cond_t finished;  /* a cycle ended                          */
    bool requested;           /* atomic: a cycle is wanted              */
    bool running;             /* atomic: a cycle is under way           */
    bool stopping;            /* written atomically under lock: the
                                 uncommit pass reads it without it      */
    uint64_t cycles;          /* concurrent cycles completed            */
};

int driver_start(struct rgc_heap *heap);
void driver_stop(struct rgc_heap *heap);
/* Ask for a cycle unless one is under way or asked for; never waits. */
void driver_request(struct rgc_heap *heap);
/* Ask for a cycle and wait, in a safe region, until a cycle ends; returns
 * the nanoseconds waited. */
uint64_t driver_wait(struct rgc_heap *heap, struct rgc_thread *self);
/* CPU time the driver thread has used. */
uint64_t driver_cpu_ns(const struct rgc_heap *heap);

#endif
