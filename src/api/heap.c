/*
 * heap.c — the lifecycle entry points: heap create/destroy, type
 * registration, thread attach/detach, roots, pinning, explicit collection.
 */
#include <stdlib.h>

#include "api/config.h"
#include "thread/thread_check.h"
#include "base/chaos.h"
#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"
#include "policy/collector.h"
#include "relocate/forwarding.h"
#include "rgc_heap.h"

static _Thread_local struct rgc_thread *current; /* this OS thread's */

static void destroy_locks(struct rgc_heap *heap)
{
    pthread_mutex_destroy(&heap->gc_lock);
    pthread_mutex_destroy(&heap->types_lock);
    pthread_mutex_destroy(&heap->large_lock);
    pthread_mutex_destroy(&heap->stats_lock);
    events_destroy(&heap->events);
    pthread_mutex_destroy(&heap->spare_regions.lock);
}

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
    predictor_init(&heap->predictor);
    /* one account for the heap's metadata (region_table_init starts it) */
    satb_queue_init(&heap->satb, &heap->regions.meta);
    if (type_table_init(&heap->types) != RGC_OK)
        goto no_types;
    if (region_table_init(&heap->regions, cfg.heap_max, cfg.region_size,
                          cfg.pretouch, cfg.poison) != RGC_OK)
        goto no_regions;
    if (global_roots_init(&heap->roots, &heap->satb) != RGC_OK)
        goto no_roots;
    if (workers_start(&heap->workers, cfg.gc_threads) != RGC_OK)
        goto no_workers;
    safepoint_init(&heap->safepoint);
    cpu_share_init(&heap->workers.share, cfg.gc_cpu_percent,
                   cfg.max_pause_us * 1000, &heap->safepoint.runnable,
                   &heap->safepoint.stopped, &heap->used);
    pthread_mutex_init(&heap->gc_lock, NULL);
    pthread_mutex_init(&heap->types_lock, NULL);
    pthread_mutex_init(&heap->large_lock, NULL);
    pthread_mutex_init(&heap->stats_lock, NULL);
    events_init(&heap->events);
    pthread_mutex_init(&heap->spare_regions.lock, NULL);
    heap->trigger = 8 * cfg.region_size;
    /* G1 keeps 10% for evacuation; 5% (at least 2 regions) suffices when
     * the relocation set is chosen to fit the free space. */
    heap->regions.reserve = heap->regions.count / 20 > 2
                                ? heap->regions.count / 20
                                : 2;
    /* After everything the driver reads: it may wake on its uncommit
     * timer at once, before any request, take gc_lock and read the
     * trigger. */
    if (driver_start(heap) != RGC_OK)
        goto no_driver;
    chaos_begin(cfg.chaos);
    return heap;

no_driver:
    destroy_locks(heap);
    safepoint_destroy(&heap->safepoint);
    workers_stop(&heap->workers);
no_workers:
    global_roots_destroy(&heap->roots);
    satb_queue_destroy(&heap->satb);
no_roots:
    region_table_destroy(&heap->regions);
no_regions:
    type_table_destroy(&heap->types);
no_types:
    rgc_meta_free(heap);
    return NULL;
}

void rgc_heap_destroy(rgc_heap *heap)
{
    if (!heap)
        return;
    if (heap->safepoint.threads)
        rgc_fatal("rgc_heap_destroy: %zu threads are still attached (detach "
                  "them first)",
                  heap->safepoint.thread_count);
    driver_stop(heap); /* waits for a cycle under way */
    global_roots_destroy(&heap->roots); /* its buffer goes back first */
    satb_queue_destroy(&heap->satb);
    while (heap->spare_threads) {
        struct rgc_thread *t = heap->spare_threads;
        heap->spare_threads = t->next;
        rgc_meta_free(t);
    }
    workers_stop(&heap->workers);
    safepoint_destroy(&heap->safepoint);
    destroy_locks(heap);
    for (size_t i = 0; i < heap->regions.count; i++) /* the last cycle's */
        forwarding_destroy(heap->regions.regions[i].forwarding);
    region_table_destroy(&heap->regions);
    type_table_destroy(&heap->types);
    chaos_end(heap->config.chaos);
    rgc_meta_free(heap);
}

rgc_type rgc_type_register(rgc_heap *heap, const rgc_type_desc *desc)
{
    pthread_mutex_lock(&heap->types_lock);
    rgc_type id = type_table_register(&heap->types, desc);
    pthread_mutex_unlock(&heap->types_lock);
    return id;
}

rgc_type rgc_type_of(const void *obj)
{
    return header_type(rgc__header(obj));
}

/* A detached thread's fast paths must all fall into the slow paths, which
 * check the thread and refuse it: an empty TLAB (allocation), no handle room
 * (rgc_handle, and rgc_scope_close of a scope opened before), every color
 * bad (each non-null rgc_load), marking on (each rgc_store). */
static void disarm(struct rgc_thread *t)
{
    t->magic = 0;
    t->fast.tlab_top = t->tlab_zeroed = t->tlab_end = 0;
    t->fast.alloc_limit = 0;
    t->fast.handle_top = t->fast.handle_limit = NULL;
    t->fast.bad_mask = UINTPTR_MAX;
    t->fast.marking = 1;
}

rgc_thread *rgc_thread_attach(rgc_heap *heap)
{
    if (current) {
        rgc_fail(RGC_ESTATE,
                 "rgc_thread_attach: this OS thread is already attached%s",
                 current->heap == heap ? "" : " to another heap");
        return NULL;
    }
    pthread_mutex_lock(&heap->safepoint.threads_lock);
    struct rgc_thread *t = heap->spare_threads;
    if (t)
        heap->spare_threads = t->next;
    pthread_mutex_unlock(&heap->safepoint.threads_lock);
    if (!t)
        t = rgc_meta_aligned(RGC_CACHE_LINE, sizeof *t);
    if (t)
        *t = (struct rgc_thread){0};
    if (!t) {
        rgc_fail(RGC_ENOMEM, "rgc_thread_attach: no memory");
        return NULL;
    }
    if (handles_init(t) != RGC_OK) {
        rgc_meta_free(t);
        return NULL;
    }
    /* Its first SATB buffer now, where failing is clean: a store while
     * marking must never fail (barrier.c). */
    if (satb_attach(&heap->satb, &t->satb) != RGC_OK) {
        handles_destroy(t);
        rgc_meta_free(t);
        return NULL;
    }
    t->heap = heap;
    t->owner = pthread_self();
    t->fast.type_payload = heap->types.payload;
    safepoint_attach(&heap->safepoint, t);
    /* online, and no pause runs: colors and marking are stable */
    t->fast.good_color = heap->good_color;
    t->fast.bad_mask = RGC_COLOR_MASK & ~heap->good_color;
    t->fast.marking = heap->marking;
    t->magic = RGC_THREAD_MAGIC;
    current = t;
    return t;
}

int rgc_thread_detach(rgc_thread *t)
{
    if (!thread_check(t, "rgc_thread_detach"))
        return RGC_ESTATE;
    size_t open = handles_in_use(t);
    if (open)
        return rgc_fail(RGC_ESTATE,
                        "rgc_thread_detach: %zu handles are still open (close "
                        "every scope first)",
                        open);
    struct rgc_heap *heap = t->heap;
    /* online: no pause runs */
    heap_count_allocated(heap, tlab_retire_to_spares(t, &heap->spare_regions));
    heap_count_loads(heap, t);
    satb_flush(&t->satb, &heap->satb);
    satb_detach(&heap->satb, &t->satb); /* an empty one, if any, is kept */
    safepoint_detach(&heap->safepoint, t); /* no pause sees t after this */
    handles_destroy(t);
    disarm(t);
    pthread_mutex_lock(&heap->safepoint.threads_lock);
    t->next = heap->spare_threads;
    heap->spare_threads = t;
    pthread_mutex_unlock(&heap->safepoint.threads_lock);
    current = NULL;
    return RGC_OK;
}

void rgc__safepoint_slow(rgc_thread *t)
{
    if (thread_check(t, "rgc_safepoint"))
        safepoint_park(&t->heap->safepoint, t);
}

int rgc_blocking_enter(rgc_thread *t)
{
    if (!thread_check(t, "rgc_blocking_enter"))
        return RGC_ESTATE;
    chaos_point(CHAOS_BLOCKING_ENTER, t);
    t->blocking = true;
    /* Marking must not wait for a thread that may block for long. */
    satb_flush(&t->satb, &t->heap->satb);
    thread_offline(&t->heap->safepoint, t);
    return RGC_OK;
}

int rgc_blocking_leave(rgc_thread *t)
{
    if (!t || t->magic != RGC_THREAD_MAGIC || !t->blocking ||
        !pthread_equal(t->owner, pthread_self()))
        return rgc_fail(RGC_ESTATE, "rgc_blocking_leave: %s",
                        t && t->magic == RGC_THREAD_MAGIC && !t->blocking
                            ? "the thread is not in a blocking region"
                            : "the thread is not attached to this OS thread");
    chaos_point(CHAOS_BLOCKING_LEAVE, t);
    thread_online(&t->heap->safepoint, t);
    t->blocking = false;
    return RGC_OK;
}

int rgc_root_register(rgc_heap *heap, rgc_ref *root)
{
    /* A slot inside the heap is a field of some object (or of none): it is
     * traced through its object, and registering it would make the
     * collector update memory that may be freed or moved. */
    uintptr_t s = (uintptr_t)root;
    if (root && (heap_contains(&heap->regions, s) ||
                 heap_contains(&heap->regions, s + sizeof *root - 1)))
        return rgc_fail(RGC_EINVAL,
                        "rgc_root_register: slot %p lies inside the heap "
                        "(register only rgc_ref variables outside it; a "
                        "field of an object is traced through the object)",
                        (void *)root);
    return global_roots_add(&heap->roots, root);
}

int rgc_root_unregister(rgc_heap *heap, rgc_ref *root)
{
    return global_roots_remove(&heap->roots, root);
}

/* rgc_root_store's check in embedders built with RGC_DEBUG: an
 * unregistered variable is never scanned at all, and a heap slot written
 * through rgc_root_store is a misuse that would hide a bug elsewhere. */
void rgc__root_check(rgc_thread *t, rgc_ref *root)
{
    if (!thread_check(t, "rgc_root_store"))
        return;
    if (!handles_contains(t, root) &&
        !global_roots_contains(&t->heap->roots, root))
        rgc_fatal("rgc_root_store: slot %p is neither a handle of this "
                  "thread in an open scope nor a registered global root "
                  "(write heap slots with rgc_store)",
                  (void *)root);
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
    enum region_state state = region_state(r);
    if (state == REGION_FREE || state == REGION_HUMONGOUS_CONT ||
        start >= __atomic_load_n(&r->top, __ATOMIC_RELAXED)) {
        rgc_fail(RGC_EINVAL, "%s: %p is not an object", who, obj);
        return NULL;
    }
    return r;
}

int rgc_pin(rgc_thread *t, void *obj)
{
    if (!thread_check(t, "rgc_pin"))
        return RGC_ESTATE;
    struct region *r = object_region(t->heap, obj, "rgc_pin");
    if (!r)
        return RGC_EINVAL;
    /* In the relocation set, only objects a slide has put in their final
     * place are current (rgc_load returned them); anything else there is
     * from-space. */
    if (__atomic_load_n(&t->heap->relocating, __ATOMIC_RELAXED) &&
        __atomic_load_n(&r->in_relocation_set, __ATOMIC_RELAXED) &&
        object_start(obj) >= __atomic_load_n(&r->settled, __ATOMIC_ACQUIRE))
        return rgc_fail(RGC_EINVAL,
                        "rgc_pin: %p is being relocated: it was reached "
                        "through a raw pointer kept across a safepoint (load "
                        "it again, or keep it in a handle)",
                        obj);
    __atomic_fetch_add(&r->pin_count, 1, __ATOMIC_RELAXED);
    return RGC_OK;
}

int rgc_unpin(rgc_thread *t, void *obj)
{
    if (!thread_check(t, "rgc_unpin"))
        return RGC_ESTATE;
    struct region *r = object_region(t->heap, obj, "rgc_unpin");
    if (!r)
        return RGC_EINVAL;
    uint32_t pins = __atomic_load_n(&r->pin_count, __ATOMIC_RELAXED);
    do {
        if (!pins)
            return rgc_fail(RGC_ESTATE, "rgc_unpin: %p is not pinned", obj);
    } while (!__atomic_compare_exchange_n(&r->pin_count, &pins, pins - 1,
                                          true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return RGC_OK;
}

int rgc_collect(rgc_thread *t, rgc_collect_kind kind)
{
    if (!thread_check(t, "rgc_collect"))
        return RGC_ESTATE;
    if (kind != RGC_COLLECT_FULL && kind != RGC_COLLECT_RELEASE)
        return rgc_fail(RGC_EINVAL, "rgc_collect: unknown kind %d", (int)kind);
    collector_collect(t->heap, t, kind, COLLECT_ALWAYS);
    return RGC_OK;
}
