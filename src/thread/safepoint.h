/*
 * safepoint.h — stopping the world, on liburcu's QSBR flavour.
 *
 * The mapping (docs/design.md, "Threads and safepoints"):
 *   - an attached thread is a registered QSBR reader, online while it runs
 *     embedder code;
 *   - a safepoint where the thread parks, and a safe region (blocking call),
 *     are QSBR offline periods;
 *   - stopping the world = publish `stopped`, arm every thread's poll word,
 *     then synchronize_rcu(): it returns once every online thread has gone
 *     offline, i.e. has parked at a safepoint or sits in a safe region;
 *   - a handshake runs an operation for every thread without stopping the
 *     world: each online thread runs it at its next safepoint (going
 *     offline runs pending operations), and the requester runs it itself
 *     for threads already offline, which cannot come online meanwhile.
 * Invariant: while `stopped` is set, no attached thread runs mutator code:
 * it is parked, in a safe region (and will park on leaving it), or it is
 * the collecting thread itself, which stays offline for the whole pause.
 */
#ifndef RGC_THREAD_SAFEPOINT_H
#define RGC_THREAD_SAFEPOINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "thread/thread.h"

struct safepoint {
    pthread_mutex_t lock;          /* `stopped` waits, handshake state    */
    pthread_cond_t resumed;
    pthread_cond_t handshaken;     /* a thread ran its handshake op       */
    size_t handshakes_pending;
    bool stopped;                  /* atomic: the world is (being) stopped */
    pthread_mutex_t threads_lock;  /* the thread list; held by a pause    */
    struct rgc_thread *threads;    /* attached threads                    */
    size_t thread_count;           /* atomic: the driver reads it      */
};

int safepoint_init(struct safepoint *sp);
void safepoint_destroy(struct safepoint *sp);

/* Register the calling OS thread with QSBR and add t to the list; returns
 * online.  The caller has checked the OS thread has no other attachment. */
void safepoint_attach(struct safepoint *sp, struct rgc_thread *t);
/* Remove t (whose TLAB is retired and handles closed) and unregister. */
void safepoint_detach(struct safepoint *sp, struct rgc_thread *t);

/* Stop every attached thread; returns with threads_lock held, so the list
 * is stable for the pause.  The caller must be offline.  Returns the
 * time-to-safepoint in nanoseconds. */
uint64_t safepoint_stop_world(struct safepoint *sp);
void safepoint_resume_world(struct safepoint *sp);

/* Run op(t, ctx) once for every attached thread (self included, on the
 * calling thread) and return when all have run; the world keeps running.
 * The caller must be offline, not hold threads_lock, and not be in a
 * pause; handshakes are serialised by the caller (gc_lock). */
void safepoint_handshake(struct safepoint *sp, struct rgc_thread *self,
                         handshake_fn op, void *ctx);

/* Safe regions: an offline thread is never waited for; coming back online
 * first waits out a stopped world.  A safepoint that finds its poll armed
 * does both (safepoint_park). */
void thread_offline(struct safepoint *sp, struct rgc_thread *t);
void thread_online(struct safepoint *sp, struct rgc_thread *t);
void safepoint_park(struct safepoint *sp, struct rgc_thread *t);

#endif
