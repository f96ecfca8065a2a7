/*
 * mem_malloc.h — the inline part of mem.h for the malloc build: plain
 * pointers and malloc/free.  Include mem.h, not this.
 *
 * Byte strings carry a reference count: one for the entry that holds it,
 * one per pin (a reply still being written).  The count is atomic because
 * a pin is released by the connection's thread without the shard lock,
 * while another thread may drop the entry's reference under it.
 */
#ifndef KV_MEM_MALLOC_H
#define KV_MEM_MALLOC_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { KV_MEM_FREES = 1 };

struct kv_mem {
    kv_heap *heap;
    kv_ref holds[KV_HOLDS];
};

struct kv_bytes {
    atomic_size_t refs;
    size_t len;
    char data[];
};

struct kv_refs {
    size_t n;
    kv_ref slot[];
};

static inline void *kv_load(kv_mem *m, kv_ref *slot)
{
    (void)m;
    return slot->p;
}

static inline void kv_store(kv_mem *m, kv_ref *slot, void *v)
{
    (void)m;
    slot->p = v;
}

static inline void *kv_load_elem(kv_mem *m, void *refs, size_t i)
{
    (void)m;
    return ((struct kv_refs *)refs)->slot[i].p;
}

static inline void kv_store_elem(kv_mem *m, void *refs, size_t i, void *v)
{
    (void)m;
    ((struct kv_refs *)refs)->slot[i].p = v;
}

static inline void kv_root_store(kv_mem *m, kv_ref *root, void *v)
{
    (void)m;
    root->p = v;
}

static inline kv_ref *kv_hold(kv_mem *m, enum kv_hold h)
{
    return &m->holds[h];
}

static inline void *kv_bytes_new(kv_mem *m, const void *src, size_t n)
{
    (void)m;
    struct kv_bytes *b = malloc(sizeof *b + n);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = n;
    if (n)
        memcpy(b->data, src, n);
    return b;
}

static inline const char *kv_bytes_data(const void *b)
{
    return ((const struct kv_bytes *)b)->data;
}

static inline size_t kv_bytes_len(const void *b)
{
    return ((const struct kv_bytes *)b)->len;
}

/* Drop one reference (NULL: nothing). */
static inline void kv_bytes_release(void *p)
{
    struct kv_bytes *b = p;
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

static inline void *kv_refs_new(kv_mem *m, size_t n)
{
    (void)m;
    struct kv_refs *r = calloc(1, sizeof *r + n * sizeof(kv_ref));
    if (r)
        r->n = n;
    return r;
}

static inline size_t kv_refs_len(const void *refs)
{
    return ((const struct kv_refs *)refs)->n;
}

static inline void kv_refs_free(void *refs)
{
    free(refs);
}

static inline struct kv_entry *kv_entry_new(kv_mem *m)
{
    (void)m;
    return calloc(1, sizeof(struct kv_entry));
}

/* Free an entry and drop its references to its key and value. */
static inline void kv_entry_free(struct kv_entry *e)
{
    if (!e)
        return;
    kv_bytes_release(kv_load(NULL, &e->key));
    kv_bytes_release(kv_load(NULL, &e->value));
    free(e);
}

#endif
