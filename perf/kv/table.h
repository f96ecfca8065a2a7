/*
 * table.h — one shard's hash table of kv_entry objects, Redis dict style:
 * chained buckets in a reference array, and while resizing two arrays,
 * [0] the old and [1] the new, with a few buckets moved from [0] to [1]
 * at every operation, so no request pays for a whole resize.
 *
 * Invariants (the caller holds the shard's lock for every call):
 *   - buckets[0] is null only while the table has never had an entry
 *     (or was cleared); its length is a power of two;
 *   - rehashing <=> buckets[1] is non-null; then every bucket of [0]
 *     below rehash_idx is empty, and used[0] counts what is left there;
 *   - an entry lies in bucket (hash & (length - 1)) of exactly one array.
 * The bucket arrays are registered roots (kv_root_register).
 *
 * Entry pointers returned here are raw (mem.h): valid until the calling
 * thread's next allocation or blocking region.  Only kv_table_maintain
 * allocates.
 */
#ifndef KV_TABLE_H
#define KV_TABLE_H

#include "mem.h"

struct kv_table {
    kv_ref buckets[2];
    size_t used[2];
    size_t rehash_idx;
    bool rehashing;
};

/* Register the roots; false if they cannot be. */
bool kv_table_init(struct kv_table *t, kv_heap *heap);
/* Free everything (malloc build) and unregister the roots.  Needs no
 * attached thread. */
void kv_table_fini(struct kv_table *t, kv_heap *heap);

static inline size_t kv_table_count(const struct kv_table *t)
{
    return t->used[0] + t->used[1];
}

/* Start a resize the table needs (grow at one entry per bucket, shrink
 * below one per eight), then move a bucket.  May allocate.  Returns
 * whether the table has buckets, i.e. kv_table_add may be called. */
bool kv_table_maintain(kv_mem *m, struct kv_table *t);

/* The entry with this key, or NULL.  Moves a bucket first.  key NULL:
 * the first entry with this hash (eviction finds its candidates again
 * so, db.c). */
struct kv_entry *kv_table_find(kv_mem *m, struct kv_table *t, const char *key,
                               size_t klen, uint64_t hash);

/* Link a new entry (its hash set, its key not present). */
void kv_table_add(kv_mem *m, struct kv_table *t, struct kv_entry *e);

/* Unlink an entry of the table (it is not freed). */
void kv_table_remove(kv_mem *m, struct kv_table *t, struct kv_entry *e);

/* Up to n entries from a random stretch of buckets, into out; returns how
 * many (Redis's dictGetSomeKeys: cheap, not uniform). */
size_t kv_table_sample(kv_mem *m, struct kv_table *t, uint64_t *rng,
                       struct kv_entry **out, size_t n);

/* Drop every entry (freeing them in the malloc build). */
void kv_table_clear(kv_mem *m, struct kv_table *t);

/* xorshift64*: the samplers' random numbers (state must be nonzero). */
static inline uint64_t kv_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

#endif
