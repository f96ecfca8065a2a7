/*
 * alloc.c — the allocation slow path: TLAB refill, large objects, the
 * collection trigger, and the out-of-memory protocol.
 *
 * Escalation, in order: refill from free regions; if the trigger has fired,
 * a routine cycle first; if no region is free, a full cycle; if that frees
 * nothing large enough, NULL with a reason, the oom callback, and a heap that
 * is exactly as usable as before.
 */
#include <string.h>

#include "base/error.h"
#include "object/header.h"
#include "policy/collector.h"
#include "rgc_heap.h"

static void *out_of_memory(struct rgc_heap *heap, uint64_t payload)
{
    heap->oom_count++;
    rgc_fail(RGC_ENOMEM,
             "rgc_alloc: heap exhausted: cannot allocate an object of %llu "
             "bytes (heap_max %zu, %zu bytes live after a full collection)",
             (unsigned long long)payload, heap->config.heap_max, heap->live);
    if (heap->config.oom_callback)
        heap->config.oom_callback(heap, (size_t)payload,
                                  heap->config.oom_ctx);
    return NULL;
}

static void retire_tlab(struct rgc_thread *t)
{
    size_t bytes = tlab_retire(t);
    t->heap->used += bytes;
    t->heap->bytes_allocated += bytes;
}

static struct region *take_large(struct rgc_heap *heap, size_t bytes)
{
    size_t n = (bytes + heap->regions.region_size - 1) >>
               heap->regions.shift;
    struct region *r = region_table_take_run(&heap->regions, n);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++)
        region_zero(&r[i], r[i].bottom, r->bottom + bytes);
    r->top = r->bottom + bytes;
    return r;
}

static void *alloc_large(struct rgc_thread *t, rgc_type type, uint64_t payload)
{
    struct rgc_heap *heap = t->heap;
    size_t bytes = object_footprint(payload);
    if (bytes > heap->config.heap_max)
        return out_of_memory(heap, payload);
    if (collector_should_start(heap))
        collector_run(heap, RGC_COLLECT_FULL, false);
    struct region *r = take_large(heap, bytes);
    if (!r) {
        collector_run(heap, RGC_COLLECT_FULL, true);
        r = take_large(heap, bytes);
    }
    if (!r)
        return out_of_memory(heap, payload);
    *(uint64_t *)r->bottom = header_make(type, payload);
    heap->used += bytes;
    heap->bytes_allocated += bytes;
    return object_payload(r->bottom);
}

void *rgc__alloc_slow(rgc_thread *t, rgc_type type, uint64_t payload)
{
    struct rgc_heap *heap = t->heap;
    if (!type_table_valid(&heap->types, type)) {
        rgc_fail(RGC_EINVAL, "rgc_alloc: type %u is not registered", type);
        return NULL;
    }
    if (payload > RGC__MAX_PAYLOAD)
        return out_of_memory(heap, payload);
    size_t bytes = object_footprint(payload);
    if (bytes > heap->regions.region_size / 2)
        return alloc_large(t, type, payload);

    struct region_table *rt = &heap->regions;
    retire_tlab(t);
    if (collector_should_start(heap))
        collector_run(heap, RGC_COLLECT_FULL, false);
    if (!tlab_refill(t, rt, bytes, heap->config.tlab_size)) {
        collector_run(heap, RGC_COLLECT_FULL, true);
        if (!tlab_refill(t, rt, bytes, heap->config.tlab_size))
            return out_of_memory(heap, payload);
    }
    return rgc__alloc(t, type, payload); /* fits the fresh TLAB */
}
