/*
 * global_roots.h — rgc_ref variables outside the heap, registered by address.
 * Each slot appears at most once; order is not kept.
 *
 * A mutex guards the array: any thread may register or unregister while
 * the collector visits roots in a pause.  It cannot deadlock with a pause:
 * the collector takes it only once the world is stopped, and a thread
 * holding it never waits for anything (it is online and does not poll, so
 * the pause starts only after it has let go).
 */
#ifndef RGC_ROOTS_GLOBAL_ROOTS_H
#define RGC_ROOTS_GLOBAL_ROOTS_H

#include <pthread.h>
#include <stddef.h>

#include "rgc.h"

struct global_roots {
    pthread_mutex_t lock;
    rgc_ref **slots;
    size_t count, capacity;
};

void global_roots_init(struct global_roots *g);
int global_roots_add(struct global_roots *g, rgc_ref *slot);
int global_roots_remove(struct global_roots *g, rgc_ref *slot);
void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx);
void global_roots_destroy(struct global_roots *g);

#endif
