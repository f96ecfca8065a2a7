/*
 * global_roots.h — rgc_ref variables outside the heap, registered by address.
 * Each slot appears at most once; order is not kept.
 */
#ifndef RGC_ROOTS_GLOBAL_ROOTS_H
#define RGC_ROOTS_GLOBAL_ROOTS_H

#include <stddef.h>

#include "rgc.h"

struct global_roots {
    rgc_ref **slots;
    size_t count, capacity;
};

int global_roots_add(struct global_roots *g, rgc_ref *slot);
int global_roots_remove(struct global_roots *g, rgc_ref *slot);
void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx);
void global_roots_destroy(struct global_roots *g);

#endif
