/* workers.c — a fixed pool, one task at a time, a barrier after each. */
#include "thread/workers.h"

#include "base/clock.h"
#include "base/error.h"
#include "base/meta.h"

struct worker_arg {
    struct workers *w;
    unsigned id;
};

static void *worker_main(void *p)
{
    struct worker_arg arg = *(struct worker_arg *)p;
    rgc_meta_free(p);
    rgc_meta_warm_thread();
    struct workers *w = arg.w;
    unsigned long seen = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->generation == seen && !w->stopping)
            pthread_cond_wait(&w->start, &w->lock);
        if (w->stopping)
            break;
        seen = w->generation;
        worker_task task = w->task;
        void *ctx = w->ctx;
        pthread_mutex_unlock(&w->lock);
        cpu_share_busy(&w->share, 1);
        task(ctx, arg.id, w->count);
        cpu_share_busy(&w->share, -1);
        pthread_mutex_lock(&w->lock);
        if (--w->running == 0)
            pthread_cond_signal(&w->finished);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int workers_start(struct workers *w, unsigned count)
{
    *w = (struct workers){.count = count};
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->start, NULL);
    pthread_cond_init(&w->finished, NULL);
    w->threads = rgc_meta_calloc(count, sizeof *w->threads);
    if (!w->threads)
        return rgc_fail(RGC_ENOMEM, "rgc_heap_create: no memory for workers");
    for (unsigned i = 1; i < count; i++) {
        struct worker_arg *arg = rgc_meta_calloc(1, sizeof *arg);
        if (!arg || pthread_create(&w->threads[i], NULL, worker_main,
                                   (*arg = (struct worker_arg){w, i}, arg))) {
            rgc_meta_free(arg);
            w->count = i; /* stop the ones that started */
            workers_stop(w);
            return rgc_fail(RGC_ENOMEM,
                            "rgc_heap_create: cannot start GC worker %u", i);
        }
    }
    return RGC_OK;
}

void workers_stop(struct workers *w)
{
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 1; i < w->count; i++)
        pthread_join(w->threads[i], NULL);
    rgc_meta_free(w->threads);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->start);
    pthread_cond_destroy(&w->finished);
}

void workers_run(struct workers *w, worker_task task, void *ctx)
{
    pthread_mutex_lock(&w->lock);
    w->task = task;
    w->ctx = ctx;
    w->running = w->count - 1;
    w->generation++;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    task(ctx, 0, w->count);
    pthread_mutex_lock(&w->lock);
    while (w->running)
        pthread_cond_wait(&w->finished, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

uint64_t workers_cpu_ns(const struct workers *w)
{
    uint64_t ns = 0;
    for (unsigned i = 1; i < w->count; i++)
        ns += rgc_thread_cpu_ns(w->threads[i]);
    return ns;
}
