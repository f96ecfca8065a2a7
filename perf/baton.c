/* baton.c — handing the pause probe from thread to thread. */
#include "baton.h"

void baton_init(struct baton *b, unsigned threads)
{
    pthread_mutex_init(&b->lock, NULL);
    b->threads = threads;
    for (unsigned i = 0; i < BENCH_MAX_THREADS; i++)
        b->done[i] = false;
    __atomic_store_n(&b->holder, 0, __ATOMIC_RELEASE);
}

void baton_destroy(struct baton *b)
{
    pthread_mutex_destroy(&b->lock);
}

void baton_done(struct baton *b, unsigned i)
{
    pthread_mutex_lock(&b->lock);
    b->done[i] = true;
    if (__atomic_load_n(&b->holder, __ATOMIC_RELAXED) == i) {
        unsigned next = BATON_NOBODY;
        for (unsigned k = 1; k < b->threads && next == BATON_NOBODY; k++)
            if (!b->done[(i + k) % b->threads])
                next = (i + k) % b->threads;
        __atomic_store_n(&b->holder, next, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&b->lock);
}
