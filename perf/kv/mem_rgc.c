/*
 * mem_rgc.c — the out-of-line part of the rgc memory layer (mem.h): the
 * heap and its entry type, attaching threads with their holds and pin
 * pool, pins, and INFO's GC figures.
 *
 * Invariant of a thread's pin pool: slot i of the pool array holds a
 * pinned value exactly while i is not on free_slots; every pin counted in
 * heap->pins is one such slot.
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct kv_heap {
    rgc_heap *heap;
    rgc_type entry_type;
    atomic_size_t pins;
};

kv_heap *kv_heap_create(const char *options, char *err, size_t errlen)
{
    rgc_config cfg;
    rgc_config_init(&cfg);
    if (options && *options && rgc_config_parse(&cfg, options) != RGC_OK) {
        snprintf(err, errlen, "%s", rgc_last_error());
        return NULL;
    }
    kv_heap *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->heap = rgc_heap_create(&cfg);
    if (!h->heap) {
        snprintf(err, errlen, "rgc_heap_create: %s", rgc_last_error());
        free(h);
        return NULL;
    }
    static const size_t refs[] = {offsetof(struct kv_entry, key),
                                  offsetof(struct kv_entry, value),
                                  offsetof(struct kv_entry, next)};
    h->entry_type = rgc_type_register(
        h->heap,
        &(rgc_type_desc){"kv_entry", sizeof(struct kv_entry), refs, 3, NULL});
    if (!h->entry_type) {
        snprintf(err, errlen, "rgc_type_register: %s", rgc_last_error());
        rgc_heap_destroy(h->heap);
        free(h);
        return NULL;
    }
    return h;
}

void kv_heap_destroy(kv_heap *h)
{
    rgc_heap_destroy(h->heap);
    free(h);
}

kv_mem *kv_mem_attach(kv_heap *h)
{
    kv_mem *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->heap = h;
    m->entry_type = h->entry_type;
    m->t = rgc_thread_attach(h->heap);
    if (!m->t)
        goto fail;
    m->scope = rgc_scope_open(m->t);
    for (int i = 0; i < KV_HOLDS; i++)
        if (!(m->holds[i] = rgc_handle(m->t, NULL)))
            goto fail_detach;
    if (rgc_root_register(h->heap, &m->pool_root) != RGC_OK)
        goto fail_detach;
    void *pool = rgc_alloc_refs(m->t, KV_PIN_SLOTS);
    if (!pool) {
        rgc_root_unregister(h->heap, &m->pool_root);
        goto fail_detach;
    }
    rgc_root_store(m->t, &m->pool_root, pool);
    for (int i = 0; i < KV_PIN_SLOTS; i++)
        m->free_slots[i] = KV_PIN_SLOTS - 1 - i;
    m->nfree = KV_PIN_SLOTS;
    return m;
fail_detach:
    rgc_scope_close(m->t, m->scope);
    rgc_thread_detach(m->t);
fail:
    free(m);
    return NULL;
}

void kv_mem_detach(kv_mem *m)
{
    rgc_root_unregister(m->heap->heap, &m->pool_root);
    rgc_scope_close(m->t, m->scope);
    rgc_thread_detach(m->t);
    free(m);
}

void kv_mem_blocking_enter(kv_mem *m)
{
    rgc_blocking_enter(m->t);
}

void kv_mem_blocking_leave(kv_mem *m)
{
    rgc_blocking_leave(m->t);
}

bool kv_root_register(kv_heap *h, kv_ref *root)
{
    return rgc_root_register(h->heap, root) == RGC_OK;
}

void kv_root_unregister(kv_heap *h, kv_ref *root)
{
    rgc_root_unregister(h->heap, root);
}

bool kv_pin(kv_mem *m, void *bytes, struct kv_pin *pin)
{
    if (m->nfree == 0)
        return false;
    /* Pin first: an object reached since the last safepoint is never
     * refused (rgc.h), and on refusal nothing is left to undo. */
    if (rgc_pin(m->t, bytes) != RGC_OK)
        return false;
    int slot = m->free_slots[--m->nfree];
    rgc_store_elem(m->t, rgc_load(m->t, &m->pool_root), (size_t)slot, bytes);
    pin->obj = bytes;
    pin->slot = slot;
    atomic_fetch_add_explicit(&m->heap->pins, 1, memory_order_relaxed);
    return true;
}

void kv_unpin(kv_mem *m, struct kv_pin *pin)
{
    /* pin->obj has not moved since kv_pin: it is pinned. */
    rgc_unpin(m->t, pin->obj);
    rgc_store_elem(m->t, rgc_load(m->t, &m->pool_root), (size_t)pin->slot,
                   NULL);
    m->free_slots[m->nfree++] = pin->slot;
    atomic_fetch_sub_explicit(&m->heap->pins, 1, memory_order_relaxed);
    pin->obj = NULL;
}

size_t kv_heap_pins(kv_heap *h)
{
    return atomic_load_explicit(&h->pins, memory_order_relaxed);
}

void kv_heap_info(kv_heap *h, struct kv_buf *out)
{
    rgc_heap_stats st;
    rgc_percentiles pauses, ttsp;
    rgc_stats(h->heap, &st);
    rgc_pause_percentiles(h->heap, &pauses);
    rgc_ttsp_percentiles(h->heap, &ttsp);
    kv_buf_printf(
        out,
        "allocator:rgc\r\n"
        "rgc_cycles:%llu\r\n"
        "rgc_pause_count:%llu\r\n"
        "rgc_pause_p50_us:%.3f\r\n"
        "rgc_pause_p99_us:%.3f\r\n"
        "rgc_pause_p999_us:%.3f\r\n"
        "rgc_pause_max_us:%.3f\r\n"
        "rgc_pause_total_us:%.3f\r\n"
        "rgc_ttsp_max_us:%.3f\r\n"
        "rgc_heap_committed_bytes:%zu\r\n"
        "rgc_heap_used_bytes:%zu\r\n"
        "rgc_live_bytes:%zu\r\n"
        "rgc_stalls:%llu\r\n",
        (unsigned long long)st.cycles, (unsigned long long)st.pause_count,
        pauses.p50_ns / 1e3, pauses.p99_ns / 1e3, pauses.p999_ns / 1e3,
        pauses.max_ns / 1e3, st.pause_total_ns / 1e3, ttsp.max_ns / 1e3,
        st.committed, st.used, st.live_after_last_cycle,
        (unsigned long long)st.alloc_stalls);
}

void kv_heap_collect(kv_heap *h)
{
    rgc_thread *t = rgc_thread_attach(h->heap);
    if (!t)
        return;
    rgc_collect(t, RGC_COLLECT_FULL);
    rgc_thread_detach(t);
}
