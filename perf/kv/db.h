/*
 * db.h — the keyspace: KV shards (a power of two), each a table (table.h)
 * with its own mutex; the accounting of data bytes against maxmemory;
 * approximate-LRU eviction; lazy and active expiry; the per-thread
 * counters INFO reports.
 *
 * Locking and the collector.  A thread that waits for a shard mutex while
 * the holder waits at a GC safepoint would deadlock the collector (the
 * pause waits for the waiter, the holder for the pause).  So every lock is
 * a trylock first and, when contended, a blocking region around the
 * pthread_mutex_lock: a waiting thread never holds up a pause.  The caller
 * of kv_db_lock therefore must hold no raw object pointer (only holds and
 * pins).  No code path holds two shard locks.
 *
 * Eviction is Redis's approximate LRU: each eviction samples a few keys
 * of a random shard into the thread's pool of the least recently used
 * candidates seen, then evicts the best one that is still as it was
 * (sampling one shard of many alone would compare only its few keys).
 *
 * Accounting.  An entry costs klen + vlen + KV_ENTRY_OVERHEAD bytes, the
 * same in every build.  Every write first reserves its worst case in
 * db->used (a CAS loop that evicts while the reservation would pass
 * maxmemory), then returns what it did not use, so used never exceeds
 * maxmemory, whatever the threads do.
 */
#ifndef KV_DB_H
#define KV_DB_H

#include <pthread.h>
#include <stdatomic.h>

#include "table.h"

/* An entry's 48-byte object, the three objects' headers, its bucket slot,
 * rounded up: a fixed cost per key so maxmemory means the same thing in
 * every build. */
#define KV_ENTRY_OVERHEAD 80

/* Keys an eviction samples (Redis's maxmemory-samples), and the best
 * candidates a thread keeps from its samples (Redis's eviction pool). */
#define KV_EVICT_SAMPLES 5
#define KV_EVICT_POOL 16

/* Counters of one worker thread: written only by it (so a relaxed load
 * and store, no locked add), read by INFO from any thread. */
struct kv_stats {
    _Atomic uint64_t commands, connections, rejected;
    _Atomic uint64_t hits, misses, expired, evicted;
};

static inline void kv_stat_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

struct kv_shard {
    pthread_mutex_t lock;
    struct kv_table table;
    size_t bytes;       /* accounted bytes of its entries (under lock) */
    atomic_size_t keys; /* its entry count, for readers without lock */
} __attribute__((aligned(64)));

struct kv_db {
    struct kv_shard *shards;
    unsigned nshards, shard_shift; /* shard = hash >> shard_shift */
    kv_heap *heap;
    size_t maxmemory;   /* 0: unlimited */
    atomic_size_t used; /* accounted bytes, reservations included */
    uint64_t seed;      /* of the key hash */
};

/* An eviction candidate, by shard and hash; it is evicted only if its
 * LRU clock is still the one sampled (else it was used meanwhile). */
struct kv_candidate {
    uint64_t hash;
    uint32_t lru;
    unsigned shard;
};

/* A thread's context for every db call. */
struct kv_ctx {
    struct kv_db *db;
    kv_mem *m;
    struct kv_stats *stats;
    uint64_t now_ms; /* monotonic, refreshed once per event-loop turn */
    uint64_t rng;    /* nonzero */
    unsigned expire_cursor;
    struct kv_candidate pool[KV_EVICT_POOL];
    unsigned pool_len;
};

/* nshards: a power of two. */
bool kv_db_init(struct kv_db *db, kv_heap *heap, unsigned nshards,
                size_t maxmemory);
void kv_db_fini(struct kv_db *db);

/* The LRU clock of ctx's present (milliseconds, wrapping). */
static inline uint32_t kv_lru_clock(const struct kv_ctx *c)
{
    return (uint32_t)c->now_ms;
}

enum kv_cond { KV_COND_NONE, KV_COND_NX, KV_COND_XX };
enum kv_result { KV_OK, KV_SKIPPED, KV_OOM, KV_NOT_INT, KV_OVERFLOW };

struct kv_set {
    const char *key, *val;
    size_t klen, vlen;
    uint64_t expire_ms; /* deadline, 0: none */
    enum kv_cond cond;
};

enum kv_result kv_db_set(struct kv_ctx *c, const struct kv_set *req);
/* *value += delta; a missing key counts as 0. */
enum kv_result kv_db_incr(struct kv_ctx *c, const char *key, size_t klen,
                          long long delta, long long *value);
/* Calls emit(arg, value) with the key's value, or NULL, while holding the
 * shard lock: emit must not allocate from the heap (it may pin). */
void kv_db_get(struct kv_ctx *c, const char *key, size_t klen,
               void (*emit)(void *arg, kv_mem *m, void *value), void *arg);
bool kv_db_del(struct kv_ctx *c, const char *key, size_t klen);
bool kv_db_exists(struct kv_ctx *c, const char *key, size_t klen);
/* Set the deadline (0: remove the key, as an expiry in the past does);
 * false if there is no such key. */
bool kv_db_expire(struct kv_ctx *c, const char *key, size_t klen,
                  uint64_t deadline_ms);
/* Milliseconds left, -1 without deadline, -2 without key. */
long long kv_db_pttl(struct kv_ctx *c, const char *key, size_t klen);
void kv_db_flush(struct kv_ctx *c);
size_t kv_db_size(struct kv_db *db);

static inline size_t kv_db_used(struct kv_db *db)
{
    return atomic_load_explicit(&db->used, memory_order_relaxed);
}

/* A little active expiry: a few shards whose lock is free, a sample of
 * keys each.  Called once per event-loop turn. */
void kv_db_expire_step(struct kv_ctx *c);

#endif
