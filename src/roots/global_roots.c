/* global_roots.c — a growable array of registered root slots. */
#include "roots/global_roots.h"

#include "base/error.h"
#include "base/meta.h"

static size_t find(const struct global_roots *g, const rgc_ref *slot)
{
    for (size_t i = 0; i < g->count; i++)
        if (g->slots[i] == slot)
            return i;
    return g->count;
}

int global_roots_add(struct global_roots *g, rgc_ref *slot)
{
    if (!slot)
        return rgc_fail(RGC_EINVAL, "rgc_root_register: slot is NULL");
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

int global_roots_remove(struct global_roots *g, rgc_ref *slot)
{
    size_t i = find(g, slot);
    if (i == g->count)
        return rgc_fail(RGC_EINVAL,
                        "rgc_root_unregister: slot %p is not registered",
                        (void *)slot);
    g->slots[i] = g->slots[--g->count];
    return RGC_OK;
}

void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx)
{
    for (size_t i = 0; i < g->count; i++)
        visit(g->slots[i], ctx);
}

void global_roots_destroy(struct global_roots *g)
{
    rgc_meta_free(g->slots);
    g->slots = NULL;
    g->count = g->capacity = 0;
}
