/*
 * heap.c — the lifecycle entry points: heap create/destroy, type
 * registration, thread attach/detach, roots, pinning, explicit collection.
 */
#include <stdlib.h>

#include "api/config.h"
#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"
#include "policy/collector.h"
#include "rgc_heap.h"

rgc_heap *rgc_heap_create(const rgc_config *given)
{
    rgc_config cfg;
    if (given)
        cfg = *given;
    else
        rgc_config_init(&cfg);
    if (config_check(&cfg, "rgc_heap_create") != RGC_OK ||
        config_apply(&cfg, getenv("RGC_OPTIONS"), "RGC_OPTIONS") != RGC_OK)
        return NULL;

    struct rgc_heap *heap = rgc_meta_calloc(1, sizeof *heap);
    if (!heap) {
        rgc_fail(RGC_ENOMEM, "rgc_heap_create: no memory");
        return NULL;
    }
    heap->config = cfg;
    heap->good_color = RGC_COLOR_MARKED0;
    if (type_table_init(&heap->types) != RGC_OK ||
        region_table_init(&heap->regions, cfg.heap_max, cfg.region_size,
                          cfg.pretouch, cfg.poison) != RGC_OK) {
        type_table_destroy(&heap->types);
        rgc_meta_free(heap);
        return NULL;
    }
    heap->trigger = 8 * cfg.region_size;
    return heap;
}

void rgc_heap_destroy(rgc_heap *heap)
{
    if (!heap)
        return;
    if (heap->thread)
        rgc_fatal("rgc_heap_destroy: a thread is still attached (detach it "
                  "first)");
    region_table_destroy(&heap->regions);
    type_table_destroy(&heap->types);
    global_roots_destroy(&heap->roots);
    rgc_meta_free(heap);
}

rgc_type rgc_type_register(rgc_heap *heap, const rgc_type_desc *desc)
{
    return type_table_register(&heap->types, desc);
}

rgc_type rgc_type_of(const void *obj)
{
    return header_type(rgc__header(obj));
}

rgc_thread *rgc_thread_attach(rgc_heap *heap)
{
    if (heap->thread) {
        rgc_fail(RGC_EUNSUPPORTED,
                 "rgc_thread_attach: a thread is already attached, and "
                 "several mutator threads are not supported yet");
        return NULL;
    }
    struct rgc_thread *t = rgc_meta_calloc(1, sizeof *t);
    if (!t) {
        rgc_fail(RGC_ENOMEM, "rgc_thread_attach: no memory");
        return NULL;
    }
    if (handles_init(t) != RGC_OK) {
        rgc_meta_free(t);
        return NULL;
    }
    t->heap = heap;
    t->fast.good_color = heap->good_color;
    t->fast.bad_mask = RGC_COLOR_MASK & ~heap->good_color;
    t->fast.type_payload = heap->types.payload;
    heap->thread = t;
    return t;
}

int rgc_thread_detach(rgc_thread *t)
{
    size_t open = handles_in_use(t);
    if (open)
        return rgc_fail(RGC_ESTATE,
                        "rgc_thread_detach: %zu handles are still open (close "
                        "every scope first)",
                        open);
    struct rgc_heap *heap = t->heap;
    size_t bytes = tlab_retire_region(t);
    heap->used += bytes;
    heap->bytes_allocated += bytes;
    handles_destroy(t);
    heap->thread = NULL;
    rgc_meta_free(t);
    return RGC_OK;
}

int rgc_root_register(rgc_heap *heap, rgc_ref *root)
{
    return global_roots_add(&heap->roots, root);
}

int rgc_root_unregister(rgc_heap *heap, rgc_ref *root)
{
    return global_roots_remove(&heap->roots, root);
}

/* The region holding obj, or NULL (with the error set) if obj is no object. */
static struct region *object_region(struct rgc_heap *heap, const void *obj,
                                    const char *who)
{
    uintptr_t start = object_start(obj);
    if (!obj || !heap_contains(&heap->regions, start)) {
        rgc_fail(RGC_EINVAL, "%s: %p is not in the heap", who, obj);
        return NULL;
    }
    struct region *r = region_of(&heap->regions, start);
    if (r->state == REGION_FREE || r->state == REGION_HUMONGOUS_CONT ||
        start >= r->top) {
        rgc_fail(RGC_EINVAL, "%s: %p is not an object", who, obj);
        return NULL;
    }
    return r;
}

int rgc_pin(rgc_thread *t, void *obj)
{
    struct region *r = object_region(t->heap, obj, "rgc_pin");
    if (!r)
        return RGC_EINVAL;
    r->pin_count++;
    return RGC_OK;
}

int rgc_unpin(rgc_thread *t, void *obj)
{
    struct region *r = object_region(t->heap, obj, "rgc_unpin");
    if (!r)
        return RGC_EINVAL;
    if (!r->pin_count)
        return rgc_fail(RGC_ESTATE, "rgc_unpin: %p is not pinned", obj);
    r->pin_count--;
    return RGC_OK;
}

int rgc_collect(rgc_thread *t, rgc_collect_kind kind)
{
    if (kind != RGC_COLLECT_FULL && kind != RGC_COLLECT_RELEASE)
        return rgc_fail(RGC_EINVAL, "rgc_collect: unknown kind %d", (int)kind);
    collector_run(t->heap, kind, true);
    return RGC_OK;
}
