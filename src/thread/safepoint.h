/*
 * safepoint.h — stopping the world: one safepoint per heap, its own
 * mechanism (no liburcu QSBR domain: that one is the process's, and the
 * embedder's to use).
 *
 * The protocol (docs/design.md, "Threads and safepoints"):
 *   - an attached thread is online while it runs embedder code, and counted
 *     in `online`; parked at a safepoint or in a safe region (blocking
 *     call) it is offline and not counted;
 *   - stopping the world = publish `stopped`, arm every thread's poll word,
 *     then wait until `online` is 0, i.e. every thread has parked at a
 *     safepoint or sits in a safe region;
 *   - a handshake runs an operation for every thread without stopping the
 *     world: each online thread runs it at its next safepoint (going
 *     offline runs pending operations), and the requester runs it itself
 *     for threads already offline, which cannot come online meanwhile.
 * Invariants:
 *   - `online` is the number of listed threads with !offline, and both
 *     change only with `lock` held;
 *   - `runnable` counts the listed threads that want a CPU: online, or
 *     parked at a safepoint (they run the moment the world resumes), but
 *     not in a safe region, a stall or a collection of their own; it
 *     changes only with `lock` held;
 *   - while `stopped` is set `online` only falls (coming online waits for
 *     the resume), and no attached thread runs mutator code: it is parked,
 *     in a safe region (and will park on leaving it), or it is the
 *     collecting thread itself, which stays offline for the whole pause;
 *   - a pause waits for this heap's attached threads only;
 *   - a thread whose `visiting` is set (written with `threads_lock` held)
 *     stays listed: safepoint_detach waits for the visit to end;
 *   - `last` is written with `lock` held, only by the thread that takes
 *     `online` to 0 while `stopped` is set, and cleared when a stop
 *     begins: it names the thread that held the stop up longest.
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
    int32_t online;                /* online threads; a futex word        */
    int32_t runnable;              /* atomic: online or parked            */
    struct rgc_thread *last;       /* took online to 0 in this stop       */
    pthread_mutex_t threads_lock;  /* the thread list; held by a pause    */
    struct rgc_thread *threads;    /* attached threads                    */
    size_t thread_count;           /* atomic: the driver reads it      */
    pthread_cond_t visited;        /* a safepoint_visit_threads op ended */
};

int safepoint_init(struct safepoint *sp);
void safepoint_destroy(struct safepoint *sp);

/* Add t to the list; returns online (after any pause in progress).  The
 * caller has checked the OS thread has no other attachment; t is named
 * (tid, name) after the calling thread. */
void safepoint_attach(struct safepoint *sp, struct rgc_thread *t);
/* Take t (whose TLAB is retired and handles closed) offline and off the
 * list. */
void safepoint_detach(struct safepoint *sp, struct rgc_thread *t);

/* Stop every attached thread; returns with threads_lock held, so the list
 * is stable for the pause.  The caller must be offline.  Returns the
 * time-to-safepoint in nanoseconds. */
uint64_t safepoint_stop_world(struct safepoint *sp);
void safepoint_resume_world(struct safepoint *sp);
/* While the world is stopped: the thread whose arrival stopped it (the
 * last one the stop waited for), or NULL if none was running. */
struct rgc_thread *safepoint_last_stopped(const struct safepoint *sp);

/* While the world runs: op(t, ctx) for each listed thread that wanted(t),
 * holding threads_lock only to pick the next one, which cannot detach
 * until op returns; op must make wanted(t) false.  An attach or another
 * thread's detach does not wait for op (a root scan of a million handles
 * takes tens of milliseconds).  Threads attached meanwhile are visited if
 * they are wanted. */
void safepoint_visit_threads(struct safepoint *sp,
                             bool (*wanted)(const struct rgc_thread *),
                             void (*op)(struct rgc_thread *, void *),
                             void *ctx);

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
