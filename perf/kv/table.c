/* table.c — the incrementally rehashed table of one shard (table.h). */
#include "table.h"

#include <string.h>

enum {
    KV_TABLE_MIN = 4,    /* buckets of a new table */
    KV_REHASH_EMPTY = 10 /* empty buckets a step may skip per bucket moved */
};

bool kv_table_init(struct kv_table *t, kv_heap *heap)
{
    memset(t, 0, sizeof *t);
    if (!kv_root_register(heap, &t->buckets[0]))
        return false;
    if (!kv_root_register(heap, &t->buckets[1])) {
        kv_root_unregister(heap, &t->buckets[0]);
        return false;
    }
    return true;
}

void kv_table_fini(struct kv_table *t, kv_heap *heap)
{
    /* Only the malloc build has anything to free, and its barriers need
     * no thread (mem_malloc.h ignores m). */
    if (KV_MEM_FREES)
        kv_table_clear(NULL, t);
    kv_root_unregister(heap, &t->buckets[1]);
    kv_root_unregister(heap, &t->buckets[0]);
}

/* Move up to n non-empty buckets from [0] to [1]; finish the resize when
 * [0] is empty. */
static void rehash_step(kv_mem *m, struct kv_table *t, size_t n)
{
    if (!t->rehashing)
        return;
    void *from = kv_load(m, &t->buckets[0]);
    void *to = kv_load(m, &t->buckets[1]);
    size_t mask = kv_refs_len(to) - 1;
    size_t empty = n * KV_REHASH_EMPTY;
    while (n-- && t->used[0]) {
        /* used[0] > 0: a non-empty bucket lies at or after rehash_idx. */
        struct kv_entry *e;
        while (!(e = kv_load_elem(m, from, t->rehash_idx))) {
            t->rehash_idx++;
            if (--empty == 0)
                return;
        }
        while (e) {
            struct kv_entry *next = kv_load(m, &e->next);
            size_t b = e->hash & mask;
            kv_store(m, &e->next, kv_load_elem(m, to, b));
            kv_store_elem(m, to, b, e);
            t->used[0]--;
            t->used[1]++;
            e = next;
        }
        kv_store_elem(m, from, t->rehash_idx, NULL);
        t->rehash_idx++;
    }
    if (t->used[0] == 0) {
        kv_refs_free(from);
        kv_root_store(m, &t->buckets[0], to);
        kv_root_store(m, &t->buckets[1], NULL);
        t->used[0] = t->used[1];
        t->used[1] = 0;
        t->rehashing = false;
    }
}

static size_t pow2_at_least(size_t n)
{
    size_t p = KV_TABLE_MIN;
    while (p < n)
        p *= 2;
    return p;
}

bool kv_table_maintain(kv_mem *m, struct kv_table *t)
{
    if (!t->rehashing) {
        void *b0 = kv_load(m, &t->buckets[0]);
        size_t size = b0 ? kv_refs_len(b0) : 0;
        size_t target = size;
        if (size == 0)
            target = KV_TABLE_MIN;
        else if (t->used[0] >= size)
            target = size * 2;
        else if (size > KV_TABLE_MIN && t->used[0] * 8 < size)
            target = pow2_at_least(t->used[0]);
        if (target != size) {
            /* On failure the table keeps its size: longer chains, no
             * lost entries. */
            void *nb = kv_refs_new(m, target);
            if (nb && size == 0) {
                kv_root_store(m, &t->buckets[0], nb);
            } else if (nb) {
                kv_root_store(m, &t->buckets[1], nb);
                t->rehashing = true;
                t->rehash_idx = 0;
            }
        }
    }
    rehash_step(m, t, 1);
    return kv_load(m, &t->buckets[0]) != NULL;
}

static struct kv_entry *chain_find(kv_mem *m, void *buckets, const char *key,
                                   size_t klen, uint64_t hash)
{
    size_t b = hash & (kv_refs_len(buckets) - 1);
    for (struct kv_entry *e = kv_load_elem(m, buckets, b); e;
         e = kv_load(m, &e->next)) {
        if (e->hash != hash)
            continue;
        if (!key)
            return e;
        void *k = kv_load(m, &e->key);
        if (kv_bytes_len(k) == klen && memcmp(kv_bytes_data(k), key, klen) == 0)
            return e;
    }
    return NULL;
}

struct kv_entry *kv_table_find(kv_mem *m, struct kv_table *t, const char *key,
                               size_t klen, uint64_t hash)
{
    rehash_step(m, t, 1);
    void *b0 = kv_load(m, &t->buckets[0]);
    if (!b0)
        return NULL;
    struct kv_entry *e = chain_find(m, b0, key, klen, hash);
    if (!e && t->rehashing)
        e = chain_find(m, kv_load(m, &t->buckets[1]), key, klen, hash);
    return e;
}

void kv_table_add(kv_mem *m, struct kv_table *t, struct kv_entry *e)
{
    int i = t->rehashing;
    void *buckets = kv_load(m, &t->buckets[i]);
    size_t b = e->hash & (kv_refs_len(buckets) - 1);
    kv_store(m, &e->next, kv_load_elem(m, buckets, b));
    kv_store_elem(m, buckets, b, e);
    t->used[i]++;
}

/* Unlink e from its chain in buckets; false if it is not there. */
static bool chain_remove(kv_mem *m, void *buckets, struct kv_entry *e)
{
    size_t b = e->hash & (kv_refs_len(buckets) - 1);
    struct kv_entry *prev = NULL;
    for (struct kv_entry *x = kv_load_elem(m, buckets, b); x;
         prev = x, x = kv_load(m, &x->next)) {
        if (x != e)
            continue;
        void *next = kv_load(m, &e->next);
        if (prev)
            kv_store(m, &prev->next, next);
        else
            kv_store_elem(m, buckets, b, next);
        kv_store(m, &e->next, NULL);
        return true;
    }
    return false;
}

void kv_table_remove(kv_mem *m, struct kv_table *t, struct kv_entry *e)
{
    if (chain_remove(m, kv_load(m, &t->buckets[0]), e))
        t->used[0]--;
    else if (t->rehashing && chain_remove(m, kv_load(m, &t->buckets[1]), e))
        t->used[1]--;
}

size_t kv_table_sample(kv_mem *m, struct kv_table *t, uint64_t *rng,
                       struct kv_entry **out, size_t n)
{
    void *arrays[2] = {kv_load(m, &t->buckets[0]),
                       t->rehashing ? kv_load(m, &t->buckets[1]) : NULL};
    if (!arrays[0] || n == 0 || kv_table_count(t) == 0)
        return 0;
    size_t got = 0;
    size_t start = (size_t)kv_random(rng);
    for (size_t step = 0; step < n * KV_REHASH_EMPTY; step++)
        for (int i = 0; i < 2 && arrays[i]; i++) {
            size_t b = (start + step) & (kv_refs_len(arrays[i]) - 1);
            for (struct kv_entry *e = kv_load_elem(m, arrays[i], b); e;
                 e = kv_load(m, &e->next)) {
                out[got++] = e;
                if (got == n)
                    return got;
            }
        }
    return got;
}

void kv_table_clear(kv_mem *m, struct kv_table *t)
{
    for (int i = 0; i < 2; i++) {
        void *buckets = kv_load(m, &t->buckets[i]);
        if (!buckets)
            continue;
        if (KV_MEM_FREES) {
            for (size_t b = 0; b < kv_refs_len(buckets); b++)
                for (struct kv_entry *e = kv_load_elem(m, buckets, b); e;) {
                    struct kv_entry *next = kv_load(m, &e->next);
                    kv_entry_free(e);
                    e = next;
                }
            kv_refs_free(buckets);
        }
        kv_root_store(m, &t->buckets[i], NULL);
        t->used[i] = 0;
    }
    t->rehashing = false;
    t->rehash_idx = 0;
}
