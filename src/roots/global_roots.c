/* global_roots.c — a growable array of registered root slots. */
#include "roots/global_roots.h"

#include <stdbool.h>

#include "base/error.h"
#include "base/meta.h"

static size_t find(const struct global_roots *g, const rgc_ref *slot)
{
    for (size_t i = 0; i < g->count; i++)
        if (g->slots[i] == slot)
            return i;
    return g->count;
}

void global_roots_init(struct global_roots *g)
{
    *g = (struct global_roots){0};
    pthread_mutex_init(&g->lock, NULL);
}

static int add(struct global_roots *g, rgc_ref *slot)
{
    if (find(g, slot) < g->count)
        return rgc_fail(RGC_EINVAL,
                        "rgc_root_register: slot %p is already registered",
                        (void *)slot);
    if (g->count == g->capacity) {
        size_t cap = g->capacity ? 2 * g->capacity : 16;
        rgc_ref **grown = rgc_meta_realloc(g->slots, cap * sizeof *grown);
        if (!grown)
            return rgc_fail(RGC_ENOMEM, "rgc_root_register: no memory");
        g->slots = grown;
        g->capacity = cap;
    }
    g->slots[g->count++] = slot;
    return RGC_OK;
}

int global_roots_add(struct global_roots *g, rgc_ref *slot)
{
    if (!slot)
        return rgc_fail(RGC_EINVAL, "rgc_root_register: slot is NULL");
    pthread_mutex_lock(&g->lock);
    int rc = add(g, slot);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

int global_roots_remove(struct global_roots *g, rgc_ref *slot)
{
    pthread_mutex_lock(&g->lock);
    size_t i = find(g, slot);
    bool found = i < g->count;
    if (found)
        g->slots[i] = g->slots[--g->count];
    pthread_mutex_unlock(&g->lock);
    return found ? RGC_OK
                 : rgc_fail(RGC_EINVAL,
                            "rgc_root_unregister: slot %p is not registered",
                            (void *)slot);
}

void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx)
{
    pthread_mutex_lock(&g->lock);
    for (size_t i = 0; i < g->count; i++)
        visit(g->slots[i], ctx);
    pthread_mutex_unlock(&g->lock);
}

void global_roots_destroy(struct global_roots *g)
{
    rgc_meta_free(g->slots);
    pthread_mutex_destroy(&g->lock);
    *g = (struct global_roots){0};
}
