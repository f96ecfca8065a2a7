/*
 * mem_rgc.h — the inline part of mem.h for the rgc build: every call is
 * the rgc barrier or allocation of the same name.  Include mem.h, not
 * this.
 *
 * struct kv_mem's holds are handles in a scope opened at attach and
 * closed at detach; its pin pool is a reference array reachable from a
 * registered root (pool_root), so a pinned value stays alive even after
 * the table drops it, and the pool is traced concurrently rather than in
 * the mark-start pause as one root per pin would be.
 */
#ifndef KV_MEM_RGC_H
#define KV_MEM_RGC_H

#include <string.h>

#include <rgc.h>

enum { KV_MEM_FREES = 0 };

struct kv_mem {
    rgc_thread *t;
    kv_heap *heap;
    rgc_type entry_type;
    rgc_scope scope; /* holds the holds */
    rgc_ref *holds[KV_HOLDS];
    rgc_ref pool_root;            /* reference array of KV_PIN_SLOTS */
    int free_slots[KV_PIN_SLOTS]; /* stack of free pool slots */
    int nfree;
};

static inline void *kv_load(kv_mem *m, kv_ref *slot)
{
    return rgc_load(m->t, slot);
}

static inline void kv_store(kv_mem *m, kv_ref *slot, void *v)
{
    rgc_store(m->t, slot, v);
}

static inline void *kv_load_elem(kv_mem *m, void *refs, size_t i)
{
    return rgc_load_elem(m->t, refs, i);
}

static inline void kv_store_elem(kv_mem *m, void *refs, size_t i, void *v)
{
    rgc_store_elem(m->t, refs, i, v);
}

static inline void kv_root_store(kv_mem *m, kv_ref *root, void *v)
{
    rgc_root_store(m->t, root, v);
}

static inline kv_ref *kv_hold(kv_mem *m, enum kv_hold h)
{
    return m->holds[h];
}

static inline void *kv_bytes_new(kv_mem *m, const void *src, size_t n)
{
    void *b = rgc_alloc_bytes(m->t, n);
    if (b && n)
        memcpy(b, src, n);
    return b;
}

static inline const char *kv_bytes_data(const void *b)
{
    return b;
}

static inline size_t kv_bytes_len(const void *b)
{
    return rgc_length(b);
}

static inline void kv_bytes_release(void *b)
{
    (void)b;
}

static inline void *kv_refs_new(kv_mem *m, size_t n)
{
    return rgc_alloc_refs(m->t, n);
}

static inline size_t kv_refs_len(const void *refs)
{
    return rgc_length(refs);
}

static inline void kv_refs_free(void *refs)
{
    (void)refs;
}

static inline struct kv_entry *kv_entry_new(kv_mem *m)
{
    return rgc_alloc(m->t, m->entry_type);
}

static inline void kv_entry_free(struct kv_entry *e)
{
    (void)e;
}

#endif
