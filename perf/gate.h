/*
 * gate.h — a start gate for the threads of one run: every thread announces
 * it is ready and waits; the main thread opens the gate once all of them
 * are ready, so the measured loops start together.  Unlike a barrier it
 * survives a thread that could not be created: the main thread opens the
 * gate with `abort` set and the others skip their loops.
 *
 * A thread attached to rgc waits inside a blocking region (rgc_blocking_enter
 * .. leave), or a collection started by another thread would wait for it
 * forever.
 */
#ifndef RGC_PERF_GATE_H
#define RGC_PERF_GATE_H

#include <pthread.h>
#include <stdbool.h>

#include <rgc.h>

struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned ready;  /* threads waiting at the gate            */
    bool open;
    bool abort;      /* opened because the run cannot go on    */
};

void gate_init(struct gate *g);
void gate_destroy(struct gate *g);

/* A worker: announce readiness and wait for the gate to open.  t is the
 * caller's rgc thread or NULL when it is not attached.  Returns false when
 * the run was aborted (or, for rgc, the blocking region failed: `why` then
 * holds rgc's reason). */
bool gate_pass(struct gate *g, rgc_thread *t, const char **why);

/* The main thread (not attached to rgc): wait until `n` workers are ready,
 * then open the gate, aborted or not. */
void gate_open(struct gate *g, unsigned n, bool abort);

#endif
