/*
 * mem_malloc.c — the out-of-line part of the malloc memory layer (mem.h):
 * nothing to set up but the pin count, and INFO names the allocator the
 * binary was linked with.
 */
#include "mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Weak: defined only when the binary links tcmalloc (rgc-kv-tcmalloc),
 * which then also is the process's malloc. */
#pragma weak tc_malloc
extern void *tc_malloc(size_t size);

struct kv_heap {
    atomic_size_t pins;
};

kv_heap *kv_heap_create(const char *options, char *err, size_t errlen)
{
    (void)options;
    kv_heap *h = calloc(1, sizeof *h);
    if (!h)
        snprintf(err, errlen, "out of memory");
    return h;
}

void kv_heap_destroy(kv_heap *h)
{
    free(h);
}

kv_mem *kv_mem_attach(kv_heap *h)
{
    kv_mem *m = calloc(1, sizeof *m);
    if (m)
        m->heap = h;
    return m;
}

void kv_mem_detach(kv_mem *m)
{
    free(m);
}

void kv_mem_blocking_enter(kv_mem *m)
{
    (void)m;
}

void kv_mem_blocking_leave(kv_mem *m)
{
    (void)m;
}

bool kv_root_register(kv_heap *h, kv_ref *root)
{
    (void)h;
    (void)root;
    return true;
}

void kv_root_unregister(kv_heap *h, kv_ref *root)
{
    (void)h;
    (void)root;
}

bool kv_pin(kv_mem *m, void *bytes, struct kv_pin *pin)
{
    struct kv_bytes *b = bytes;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    pin->obj = bytes;
    pin->slot = -1;
    atomic_fetch_add_explicit(&m->heap->pins, 1, memory_order_relaxed);
    return true;
}

void kv_unpin(kv_mem *m, struct kv_pin *pin)
{
    kv_bytes_release(pin->obj);
    pin->obj = NULL;
    atomic_fetch_sub_explicit(&m->heap->pins, 1, memory_order_relaxed);
}

size_t kv_heap_pins(kv_heap *h)
{
    return atomic_load_explicit(&h->pins, memory_order_relaxed);
}

void kv_heap_info(kv_heap *h, struct kv_buf *out)
{
    (void)h;
    void *(*volatile tc)(size_t) = tc_malloc;
    kv_buf_printf(out, "allocator:%s\r\n", tc ? "tcmalloc" : "glibc");
}

void kv_heap_collect(kv_heap *h)
{
    (void)h;
}
