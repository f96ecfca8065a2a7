/*
 * safepoint.c — the stop-the-world protocol, one per heap.
 *
 * sp->lock orders everything: every online/offline change of an attached
 * thread, `stopped`, the handshake state and the online count are written
 * with it held, and the collector reads the count with it held.  A thread's
 * mutator code before it went offline therefore happens-before the pause
 * (for the hardware and for ThreadSanitizer alike), and the pause
 * happens-before the code the thread runs after coming back online.
 *
 * The only thing outside the lock is the stopper's sleep: it waits on the
 * online count as a futex word (liburcu's futex wrapper) and takes the lock
 * again to read the count.  The futex carries no ordering of its own, it
 * only saves spinning; a wake-up is sent only by the thread that takes the
 * count to 0 while the world is stopped, so going offline makes no system
 * call unless it is the last thread a pause waits for.
 *
 * rgc makes no urcu_qsbr_* call: the process's QSBR domain belongs to the
 * embedder, and each heap waits for its own threads only.
 */
#include "thread/safepoint.h"

#include <stdio.h>
#include <unistd.h>
#include <urcu/futex.h>

#include "base/chaos.h"
#include "base/clock.h"

int safepoint_init(struct safepoint *sp)
{
    *sp = (struct safepoint){0};
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->resumed, NULL);
    pthread_cond_init(&sp->handshaken, NULL);
    pthread_mutex_init(&sp->threads_lock, NULL);
    pthread_cond_init(&sp->visited, NULL);
    return 0;
}

void safepoint_destroy(struct safepoint *sp)
{
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->resumed);
    pthread_cond_destroy(&sp->handshaken);
    pthread_mutex_destroy(&sp->threads_lock);
    pthread_cond_destroy(&sp->visited);
}

/* Arm t's poll, and send its next allocation to the slow path (which
 * polls): an allocating thread then stops within one allocation instead of
 * one TLAB.  Sequentially consistent, against tlab_publish_limit followed
 * by a poll check on the thread's side: one of the two sees the other. */
static void arm(struct rgc_thread *t)
{
    __atomic_store_n(&t->fast.poll, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&t->fast.alloc_limit, 0, __ATOMIC_SEQ_CST);
}

static bool is_stopped(struct safepoint *sp)
{
    return __atomic_load_n(&sp->stopped, __ATOMIC_SEQ_CST);
}

/* With sp->lock held: change the online count.  The store is atomic only
 * because the kernel reads the word while a stopper sleeps on it; every C
 * access to it holds the lock. */
static void add_online(struct safepoint *sp, int32_t delta)
{
    __atomic_store_n(&sp->online, sp->online + delta, __ATOMIC_RELAXED);
}

/* With sp->lock held: run t's pending handshake operation, if any. */
static void run_handshake(struct safepoint *sp, struct rgc_thread *t)
{
    if (!t->handshake)
        return;
    chaos_point(CHAOS_HANDSHAKE, t);
    t->handshake(t, t->handshake_ctx);
    t->handshake = NULL;
    __atomic_store_n(&t->fast.poll, is_stopped(sp), __ATOMIC_RELAXED);
    if (--sp->handshakes_pending == 0)
        pthread_cond_signal(&sp->handshaken);
}

static void add_runnable(struct safepoint *sp, int32_t delta)
{
    __atomic_store_n(&sp->runnable, sp->runnable + delta, __ATOMIC_RELAXED);
}

/* parking: offline only until the world resumes, so still runnable. */
static void go_offline(struct safepoint *sp, struct rgc_thread *t,
                       bool parking)
{
    pthread_mutex_lock(&sp->lock);
    run_handshake(sp, t); /* going offline is a safepoint */
    t->offline = true;
    add_online(sp, -1);
    if (!parking)
        add_runnable(sp, -1);
    /* While stopped the count only falls (thread_online waits), so the
     * stopper needs one wake-up: from the thread that takes it to 0.  Sent
     * after the unlock, it may reach a later pause's sleep: that stopper
     * re-reads the count and sleeps again. */
    bool wake = sp->online == 0 && is_stopped(sp);
    if (wake)
        sp->last = t;
    pthread_mutex_unlock(&sp->lock);
    if (wake)
        futex_noasync(&sp->online, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void go_online(struct safepoint *sp, struct rgc_thread *t,
                      bool parked)
{
    pthread_mutex_lock(&sp->lock);
    while (is_stopped(sp))
        pthread_cond_wait(&sp->resumed, &sp->lock);
    t->offline = false;
    add_online(sp, 1);
    if (!parked)
        add_runnable(sp, 1);
    pthread_mutex_unlock(&sp->lock);
}

void thread_offline(struct safepoint *sp, struct rgc_thread *t)
{
    go_offline(sp, t, false);
}

void thread_online(struct safepoint *sp, struct rgc_thread *t)
{
    go_online(sp, t, false);
}

void safepoint_park(struct safepoint *sp, struct rgc_thread *t)
{
    go_offline(sp, t, true);
    go_online(sp, t, true);
}

/* Name t after the calling thread, for reports of who held a pause up. */
static void identify(struct rgc_thread *t)
{
    t->tid = (int)gettid();
    if (pthread_getname_np(pthread_self(), t->name, sizeof t->name) ||
        !t->name[0])
        snprintf(t->name, sizeof t->name, "tid %d", t->tid);
}

void safepoint_attach(struct safepoint *sp, struct rgc_thread *t)
{
    chaos_point(CHAOS_ATTACH, t);
    identify(t);
    t->offline = true; /* not counted yet: never holds up a pause queueing */
    pthread_mutex_lock(&sp->threads_lock);
    t->next = sp->threads;
    sp->threads = t;
    __atomic_fetch_add(&sp->thread_count, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sp->threads_lock);
    thread_online(sp, t);
}

void safepoint_detach(struct safepoint *sp, struct rgc_thread *t)
{
    chaos_point(CHAOS_DETACH, t);
    thread_offline(sp, t);
    pthread_mutex_lock(&sp->threads_lock);
    while (t->visiting) /* the driver is reading t's handles */
        pthread_cond_wait(&sp->visited, &sp->threads_lock);
    for (struct rgc_thread **p = &sp->threads; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    __atomic_fetch_sub(&sp->thread_count, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sp->threads_lock);
}

void safepoint_handshake(struct safepoint *sp, struct rgc_thread *self,
                         handshake_fn op, void *ctx)
{
    pthread_mutex_lock(&sp->threads_lock);
    pthread_mutex_lock(&sp->lock);
    for (struct rgc_thread *t = sp->threads; t; t = t->next) {
        if (t == self || t->offline) {
            op(t, ctx); /* it cannot come online: that takes sp->lock */
            continue;
        }
        t->handshake = op;
        t->handshake_ctx = ctx;
        sp->handshakes_pending++;
        arm(t);
    }
    while (sp->handshakes_pending)
        pthread_cond_wait(&sp->handshaken, &sp->lock);
    pthread_mutex_unlock(&sp->lock);
    pthread_mutex_unlock(&sp->threads_lock);
}

void safepoint_visit_threads(struct safepoint *sp,
                             bool (*wanted)(const struct rgc_thread *),
                             void (*op)(struct rgc_thread *, void *),
                             void *ctx)
{
    pthread_mutex_lock(&sp->threads_lock);
    for (;;) {
        /* From the head each time: the list may have changed while the
         * lock was dropped (only at the head for an attach). */
        struct rgc_thread *t = sp->threads;
        while (t && !wanted(t))
            t = t->next;
        if (!t)
            break;
        t->visiting = true;
        pthread_mutex_unlock(&sp->threads_lock);
        op(t, ctx);
        pthread_mutex_lock(&sp->threads_lock);
        t->visiting = false;
        pthread_cond_broadcast(&sp->visited);
    }
    pthread_mutex_unlock(&sp->threads_lock);
}

uint64_t safepoint_stop_world(struct safepoint *sp)
{
    uint64_t start = rgc_now_ns();
    pthread_mutex_lock(&sp->threads_lock);
    pthread_mutex_lock(&sp->lock);
    __atomic_store_n(&sp->stopped, true, __ATOMIC_SEQ_CST);
    sp->last = NULL;
    for (struct rgc_thread *t = sp->threads; t; t = t->next)
        arm(t);
    pthread_mutex_unlock(&sp->lock);
    chaos_point(CHAOS_STOP_WORLD, sp);
    pthread_mutex_lock(&sp->lock);
    while (sp->online) {
        /* If a thread goes offline between the unlock and the sleep, the
         * word no longer holds `online` and the sleep returns at once; a
         * wake-up, a signal or EINTR just sends us round the loop. */
        int32_t online = sp->online;
        pthread_mutex_unlock(&sp->lock);
        futex_noasync(&sp->online, FUTEX_WAIT, online, NULL, NULL, 0);
        pthread_mutex_lock(&sp->lock); /* happens-after their offline */
    }
    pthread_mutex_unlock(&sp->lock);
    return rgc_now_ns() - start;
}

struct rgc_thread *safepoint_last_stopped(const struct safepoint *sp)
{
    return sp->last; /* written under sp->lock, which the stop took after */
}

void safepoint_resume_world(struct safepoint *sp)
{
    chaos_point(CHAOS_RESUME_WORLD, sp);
    pthread_mutex_lock(&sp->lock);
    __atomic_store_n(&sp->stopped, false, __ATOMIC_SEQ_CST);
    for (struct rgc_thread *t = sp->threads; t; t = t->next)
        __atomic_store_n(&t->fast.poll, 0, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&sp->resumed);
    pthread_mutex_unlock(&sp->lock);
    pthread_mutex_unlock(&sp->threads_lock);
}
