/* gate.c — the start gate of a multi-threaded run. */
#include "gate.h"

void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->changed, NULL);
    g->ready = 0;
    g->open = false;
    g->abort = false;
}

void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->changed);
    pthread_mutex_destroy(&g->lock);
}

bool gate_pass(struct gate *g, rgc_thread *t, const char **why)
{
    *why = NULL;
    bool blocking = t && rgc_blocking_enter(t) == RGC_OK;
    pthread_mutex_lock(&g->lock);
    g->ready++;
    pthread_cond_broadcast(&g->changed);
    if (t && !blocking) {
        /* Still online: waiting here could hold up a collection forever. */
        *why = rgc_last_error();
        pthread_mutex_unlock(&g->lock);
        return false;
    }
    while (!g->open)
        pthread_cond_wait(&g->changed, &g->lock);
    bool go = !g->abort;
    pthread_mutex_unlock(&g->lock);
    if (blocking && rgc_blocking_leave(t) != RGC_OK)
        *why = rgc_last_error();
    return go && !*why;
}

void gate_open(struct gate *g, unsigned n, bool abort)
{
    pthread_mutex_lock(&g->lock);
    while (g->ready < n)
        pthread_cond_wait(&g->changed, &g->lock);
    g->open = true;
    g->abort = abort;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}
