/*
 * safepoint.c — the stop-the-world protocol over urcu-qsbr.
 *
 * Every QSBR state change of a mutator (online/offline) happens while it
 * holds sp->lock, and the collector takes sp->lock after synchronize_rcu.
 * liburcu's own barriers already order the memory; the lock adds nothing on
 * the hardware but makes the ordering visible to ThreadSanitizer, which does
 * not see inside liburcu.
 */
#include "thread/safepoint.h"

#include <urcu/urcu-qsbr.h>

#include "base/chaos.h"
#include "base/clock.h"

int safepoint_init(struct safepoint *sp)
{
    *sp = (struct safepoint){0};
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->resumed, NULL);
    pthread_cond_init(&sp->handshaken, NULL);
    pthread_mutex_init(&sp->threads_lock, NULL);
    return 0;
}

void safepoint_destroy(struct safepoint *sp)
{
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->resumed);
    pthread_cond_destroy(&sp->handshaken);
    pthread_mutex_destroy(&sp->threads_lock);
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

void thread_offline(struct safepoint *sp, struct rgc_thread *t)
{
    pthread_mutex_lock(&sp->lock);
    run_handshake(sp, t); /* going offline is a safepoint */
    urcu_qsbr_thread_offline();
    t->offline = true;
    pthread_mutex_unlock(&sp->lock);
}

void thread_online(struct safepoint *sp, struct rgc_thread *t)
{
    pthread_mutex_lock(&sp->lock);
    while (is_stopped(sp))
        pthread_cond_wait(&sp->resumed, &sp->lock);
    t->offline = false;
    urcu_qsbr_thread_online();
    pthread_mutex_unlock(&sp->lock);
}

void safepoint_park(struct safepoint *sp, struct rgc_thread *t)
{
    thread_offline(sp, t);
    thread_online(sp, t);
}

void safepoint_attach(struct safepoint *sp, struct rgc_thread *t)
{
    chaos_point(CHAOS_ATTACH, t);
    urcu_qsbr_register_thread();
    thread_offline(sp, t); /* never hold up a pause while queueing */
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
    for (struct rgc_thread **p = &sp->threads; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    __atomic_fetch_sub(&sp->thread_count, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sp->threads_lock);
    urcu_qsbr_unregister_thread();
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

uint64_t safepoint_stop_world(struct safepoint *sp)
{
    uint64_t start = rgc_now_ns();
    pthread_mutex_lock(&sp->threads_lock);
    pthread_mutex_lock(&sp->lock);
    __atomic_store_n(&sp->stopped, true, __ATOMIC_SEQ_CST);
    for (struct rgc_thread *t = sp->threads; t; t = t->next)
        arm(t);
    pthread_mutex_unlock(&sp->lock);
    chaos_point(CHAOS_STOP_WORLD, sp);
    urcu_qsbr_synchronize_rcu();
    pthread_mutex_lock(&sp->lock); /* happens-after every thread's offline */
    pthread_mutex_unlock(&sp->lock);
    return rgc_now_ns() - start;
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
