/*
 * workers.h — the collector's worker threads.
 *
 * A pool of gc_threads - 1 threads, started with the heap and stopped by
 * rgc_heap_destroy; the thread that runs a pause joins in as worker 0, so a
 * phase runs on gc_threads threads in all.  workers_run() hands one task to
 * every worker and returns when all have finished it: a phase is a barrier.
 */
#ifndef RGC_THREAD_WORKERS_H
#define RGC_THREAD_WORKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "thread/cpu_share.h"

typedef void (*worker_task)(void *ctx, unsigned worker, unsigned nworkers);

struct workers {
    unsigned count;          /* workers in a phase, the caller included */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t start, finished;
    worker_task task;
    void *ctx;
    unsigned long generation; /* bumped per task                       */
    unsigned running;        /* pool threads still inside the task     */
    bool stopping;
    struct cpu_share share;  /* how much CPU the tasks may take while
                                mutators fill the cores (the tasks pace
                                themselves; pool threads count as busy
                                inside a task, the caller on its own)   */
};

int workers_start(struct workers *w, unsigned count);
void workers_stop(struct workers *w);
void workers_run(struct workers *w, worker_task task, void *ctx);
/* CPU time the pool's threads have used (worker 0, the caller of each
 * run, is not one of them). */
uint64_t workers_cpu_ns(const struct workers *w);

#endif
