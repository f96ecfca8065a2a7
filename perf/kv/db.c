/* db.c — shards, locking, accounting, eviction and expiry (db.h). */
#include "db.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "num.h"

enum {
    KV_EXPIRE_SHARDS = 4, /* shards an active expiry step visits */
    KV_EXPIRE_SAMPLES = 20,
    KV_EXPIRE_ROUNDS = 4 /* re-sample a shard while > 25 % had expired */
};

/* Lookup flags. */
enum {
    KV_LOOKUP_READ = 1,   /* count a keyspace hit or miss */
    KV_LOOKUP_NOTOUCH = 2 /* leave the LRU clock */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* A word at a time, multiply and rotate, then murmur3's finaliser; seeded
 * at start so clients cannot aim keys at one chain. */
static uint64_t hash_key(uint64_t seed, const char *p, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = seed ^ (n * k);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h = h << 31 | h >> 33;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix64(h ^ w);
}

/* Bits 40.. pick the shard; the tables index buckets with the low bits. */
static struct kv_shard *shard_of(struct kv_db *db, uint64_t hash)
{
    return &db->shards[(hash >> 40) & (db->nshards - 1)];
}

bool kv_db_init(struct kv_db *db, kv_heap *heap, unsigned nshards,
                size_t maxmemory)
{
    memset(db, 0, sizeof *db);
    db->shards = aligned_alloc(64, nshards * sizeof *db->shards);
    if (!db->shards)
        return false;
    memset(db->shards, 0, nshards * sizeof *db->shards);
    db->nshards = nshards;
    db->heap = heap;
    db->maxmemory = maxmemory;
    if (getrandom(&db->seed, sizeof db->seed, 0) != sizeof db->seed)
        db->seed = (uint64_t)(uintptr_t)db ^ 0x5bd1e995;
    for (unsigned i = 0; i < nshards; i++) {
        pthread_mutex_init(&db->shards[i].lock, NULL);
        if (!kv_table_init(&db->shards[i].table, heap)) {
            pthread_mutex_destroy(&db->shards[i].lock);
            db->nshards = i;
            kv_db_fini(db);
            return false;
        }
    }
    return true;
}

void kv_db_fini(struct kv_db *db)
{
    for (unsigned i = 0; i < db->nshards; i++) {
        kv_table_fini(&db->shards[i].table, db->heap);
        pthread_mutex_destroy(&db->shards[i].lock);
    }
    free(db->shards);
    db->shards = NULL;
}

/* The caller holds no raw object pointer: the wait may be a safepoint. */
static struct kv_shard *lock_shard(struct kv_ctx *c, struct kv_shard *s)
{
    if (pthread_mutex_trylock(&s->lock) != 0) {
        kv_mem_blocking_enter(c->m);
        pthread_mutex_lock(&s->lock);
        kv_mem_blocking_leave(c->m);
    }
    return s;
}

static void unlock_shard(struct kv_shard *s)
{
    pthread_mutex_unlock(&s->lock);
}

static void sync_keys(struct kv_shard *s)
{
    atomic_store_explicit(&s->keys, kv_table_count(&s->table),
                          memory_order_relaxed);
}

static size_t entry_bytes(kv_mem *m, struct kv_entry *e)
{
    return kv_bytes_len(kv_load(m, &e->key)) +
           kv_bytes_len(kv_load(m, &e->value)) + KV_ENTRY_OVERHEAD;
}

static bool is_expired(const struct kv_ctx *c, const struct kv_entry *e)
{
    return e->expire_ms && e->expire_ms <= c->now_ms;
}

/* Remove, account and free an entry of s. */
static void drop(struct kv_ctx *c, struct kv_shard *s, struct kv_entry *e)
{
    size_t bytes = entry_bytes(c->m, e);
    kv_table_remove(c->m, &s->table, e);
    s->bytes -= bytes;
    sync_keys(s);
    atomic_fetch_sub_explicit(&c->db->used, bytes, memory_order_relaxed);
    kv_entry_free(e);
}

/* The live entry for key (an expired one is dropped on the way). */
static struct kv_entry *find(struct kv_ctx *c, struct kv_shard *s,
                             const char *key, size_t klen, uint64_t hash,
                             int flags)
{
    struct kv_entry *e = kv_table_find(c->m, &s->table, key, klen, hash);
    if (e && is_expired(c, e)) {
        drop(c, s, e);
        kv_stat_add(&c->stats->expired, 1);
        e = NULL;
    }
    if (flags & KV_LOOKUP_READ)
        kv_stat_add(e ? &c->stats->hits : &c->stats->misses, 1);
    if (e && !(flags & KV_LOOKUP_NOTOUCH))
        e->lru = kv_lru_clock(c);
    return e;
}

static uint32_t age(const struct kv_ctx *c, uint32_t lru)
{
    return kv_lru_clock(c) - lru;
}

/* Keep candidate e of shard i if it is older than the pool's youngest. */
static void pool_offer(struct kv_ctx *c, unsigned i, const struct kv_entry *e)
{
    unsigned youngest = 0;
    for (unsigned j = 0; j < c->pool_len; j++) {
        if (c->pool[j].shard == i && c->pool[j].hash == e->hash)
            return;
        if (age(c, c->pool[j].lru) < age(c, c->pool[youngest].lru))
            youngest = j;
    }
    if (c->pool_len < KV_EVICT_POOL)
        youngest = c->pool_len++;
    else if (age(c, e->lru) <= age(c, c->pool[youngest].lru))
        return;
    c->pool[youngest] = (struct kv_candidate){e->hash, e->lru, i};
}

static struct kv_candidate pool_take_oldest(struct kv_ctx *c)
{
    unsigned oldest = 0;
    for (unsigned j = 1; j < c->pool_len; j++)
        if (age(c, c->pool[j].lru) > age(c, c->pool[oldest].lru))
            oldest = j;
    struct kv_candidate k = c->pool[oldest];
    c->pool[oldest] = c->pool[--c->pool_len];
    return k;
}

/* Sample a random non-empty shard into the pool, dropping the expired
 * keys met.  1: some were dropped; 0: sampled; -1: every shard is empty. */
static int pool_fill(struct kv_ctx *c)
{
    struct kv_db *db = c->db;
    size_t start = (size_t)kv_random(&c->rng);
    for (unsigned n = 0; n < db->nshards; n++) {
        unsigned i = (unsigned)((start + n) & (db->nshards - 1));
        struct kv_shard *s = &db->shards[i];
        if (!atomic_load_explicit(&s->keys, memory_order_relaxed))
            continue;
        lock_shard(c, s);
        struct kv_entry *sample[KV_EVICT_SAMPLES];
        size_t k =
            kv_table_sample(c->m, &s->table, &c->rng, sample, KV_EVICT_SAMPLES);
        size_t expired = 0;
        for (size_t j = 0; j < k; j++) {
            if (is_expired(c, sample[j])) {
                drop(c, s, sample[j]);
                expired++;
            } else {
                pool_offer(c, i, sample[j]);
            }
        }
        unlock_shard(s);
        kv_stat_add(&c->stats->expired, expired);
        return expired ? 1 : 0;
    }
    return -1;
}

/* Evict one key (or the expired keys of a sample); false if the keyspace
 * is empty. */
static bool evict_one(struct kv_ctx *c)
{
    struct kv_db *db = c->db;
    for (unsigned tries = 0; tries < db->nshards; tries++) {
        int filled = pool_fill(c);
        if (filled > 0)
            return true;
        if (filled < 0 && c->pool_len == 0)
            return false;
        while (c->pool_len) {
            struct kv_candidate k = pool_take_oldest(c);
            struct kv_shard *s = lock_shard(c, &db->shards[k.shard]);
            struct kv_entry *e =
                kv_table_find(c->m, &s->table, NULL, 0, k.hash);
            bool evict = e && e->lru == k.lru;
            if (evict) {
                drop(c, s, e);
                kv_stat_add(&c->stats->evicted, 1);
            }
            unlock_shard(s);
            if (evict)
                return true;
        }
    }
    return false;
}

/* Reserve need bytes of maxmemory, evicting as needed (no lock held). */
static bool reserve(struct kv_ctx *c, size_t need)
{
    struct kv_db *db = c->db;
    if (!db->maxmemory) {
        atomic_fetch_add_explicit(&db->used, need, memory_order_relaxed);
        return true;
    }
    if (need > db->maxmemory)
        return false;
    size_t cur = atomic_load_explicit(&db->used, memory_order_relaxed);
    for (;;) {
        if (cur + need <= db->maxmemory) {
            if (atomic_compare_exchange_weak_explicit(
                    &db->used, &cur, cur + need, memory_order_relaxed,
                    memory_order_relaxed))
                return true;
            continue;
        }
        if (!evict_one(c))
            return false;
        cur = atomic_load_explicit(&db->used, memory_order_relaxed);
    }
}

static void unreserve(struct kv_ctx *c, size_t bytes)
{
    atomic_fetch_sub_explicit(&c->db->used, bytes, memory_order_relaxed);
}

static size_t set_cost(const struct kv_set *r)
{
    return r->klen + r->vlen + KV_ENTRY_OVERHEAD;
}

/* Give e a new value.  Returns the bytes it added to s (may be negative). */
static enum kv_result replace(struct kv_ctx *c, struct kv_shard *s,
                              struct kv_entry *e, const struct kv_set *r,
                              long long *added)
{
    kv_mem *m = c->m;
    kv_ref *held = kv_hold(m, KV_HOLD_ENTRY);
    kv_root_store(m, held, e);
    void *v = kv_bytes_new(m, r->val, r->vlen); /* e may move here */
    e = kv_load(m, held);
    kv_root_store(m, held, NULL);
    if (!v)
        return KV_OOM;
    void *old = kv_load(m, &e->value);
    size_t oldlen = kv_bytes_len(old);
    kv_store(m, &e->value, v);
    kv_bytes_release(old);
    e->expire_ms = r->expire_ms;
    s->bytes = s->bytes - oldlen + r->vlen;
    *added = (long long)r->vlen - (long long)oldlen;
    return KV_OK;
}

static enum kv_result insert(struct kv_ctx *c, struct kv_shard *s,
                             const struct kv_set *r, uint64_t hash,
                             long long *added)
{
    kv_mem *m = c->m;
    /* A resize may start here (an allocation): nothing raw is held. */
    if (!kv_table_maintain(m, &s->table))
        return KV_OOM;
    /* Three allocations, each a safepoint: the first two wait in holds. */
    kv_ref *hv = kv_hold(m, KV_HOLD_VALUE), *hk = kv_hold(m, KV_HOLD_KEY);
    kv_root_store(m, hv, kv_bytes_new(m, r->val, r->vlen));
    kv_root_store(m, hk,
                  kv_load(m, hv) ? kv_bytes_new(m, r->key, r->klen) : NULL);
    struct kv_entry *e = kv_load(m, hk) ? kv_entry_new(m) : NULL;
    void *k = kv_load(m, hk), *v = kv_load(m, hv);
    kv_root_store(m, hk, NULL);
    kv_root_store(m, hv, NULL);
    if (!e) {
        kv_bytes_release(k);
        kv_bytes_release(v);
        return KV_OOM;
    }
    kv_store(m, &e->key, k);
    kv_store(m, &e->value, v);
    e->hash = hash;
    e->expire_ms = r->expire_ms;
    e->lru = kv_lru_clock(c);
    kv_table_add(m, &s->table, e);
    s->bytes += set_cost(r);
    sync_keys(s);
    *added = (long long)set_cost(r);
    return KV_OK;
}

/* SET under s's lock, after reserving set_cost(r).  *added: the bytes the
 * shard grew by. */
static enum kv_result set_locked(struct kv_ctx *c, struct kv_shard *s,
                                 struct kv_entry *e, const struct kv_set *r,
                                 uint64_t hash, long long *added)
{
    *added = 0;
    if ((r->cond == KV_COND_NX && e) || (r->cond == KV_COND_XX && !e))
        return KV_SKIPPED;
    return e ? replace(c, s, e, r, added) : insert(c, s, r, hash, added);
}

enum kv_result kv_db_set(struct kv_ctx *c, const struct kv_set *r)
{
    uint64_t hash = hash_key(c->db->seed, r->key, r->klen);
    size_t need = set_cost(r);
    if (!reserve(c, need))
        return KV_OOM;
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    struct kv_entry *e = find(c, s, r->key, r->klen, hash, 0);
    long long added;
    enum kv_result res = set_locked(c, s, e, r, hash, &added);
    unlock_shard(s);
    unreserve(c, (size_t)((long long)need - added));
    return res;
}

enum kv_result kv_db_incr(struct kv_ctx *c, const char *key, size_t klen,
                          long long delta, long long *value)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_set r = {.key = key, .klen = klen, .vlen = 20};
    size_t need = set_cost(&r);
    if (!reserve(c, need))
        return KV_OOM;
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    struct kv_entry *e = find(c, s, key, klen, hash, 0);
    long long cur = 0, added = 0;
    enum kv_result res = KV_OK;
    if (e) {
        void *v = kv_load(c->m, &e->value);
        if (!kv_parse_ll(kv_bytes_data(v), kv_bytes_len(v), &cur))
            res = KV_NOT_INT;
    }
    if (res == KV_OK && __builtin_add_overflow(cur, delta, &cur))
        res = KV_OVERFLOW;
    if (res == KV_OK) {
        char text[21];
        r.val = text;
        r.vlen = kv_ll_to_str(cur, text);
        r.expire_ms = e ? e->expire_ms : 0; /* INCR keeps the deadline */
        res = set_locked(c, s, e, &r, hash, &added);
        *value = cur;
    }
    unlock_shard(s);
    unreserve(c, (size_t)((long long)need - added));
    return res;
}

void kv_db_get(struct kv_ctx *c, const char *key, size_t klen,
               void (*emit)(void *arg, kv_mem *m, void *value), void *arg)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    struct kv_entry *e = find(c, s, key, klen, hash, KV_LOOKUP_READ);
    emit(arg, c->m, e ? kv_load(c->m, &e->value) : NULL);
    unlock_shard(s);
}

bool kv_db_del(struct kv_ctx *c, const char *key, size_t klen)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    kv_table_maintain(c->m, &s->table); /* where a shrink starts */
    struct kv_entry *e = find(c, s, key, klen, hash, 0);
    if (e)
        drop(c, s, e);
    unlock_shard(s);
    return e != NULL;
}

bool kv_db_exists(struct kv_ctx *c, const char *key, size_t klen)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    bool found = find(c, s, key, klen, hash, KV_LOOKUP_READ) != NULL;
    unlock_shard(s);
    return found;
}

bool kv_db_expire(struct kv_ctx *c, const char *key, size_t klen,
                  uint64_t deadline_ms)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    struct kv_entry *e = find(c, s, key, klen, hash, 0);
    if (e && deadline_ms == 0)
        drop(c, s, e);
    else if (e)
        e->expire_ms = deadline_ms;
    unlock_shard(s);
    return e != NULL;
}

long long kv_db_pttl(struct kv_ctx *c, const char *key, size_t klen)
{
    uint64_t hash = hash_key(c->db->seed, key, klen);
    struct kv_shard *s = lock_shard(c, shard_of(c->db, hash));
    struct kv_entry *e = find(c, s, key, klen, hash, KV_LOOKUP_NOTOUCH);
    long long ttl = !e              ? -2
                    : !e->expire_ms ? -1
                                    : (long long)(e->expire_ms - c->now_ms);
    unlock_shard(s);
    return ttl;
}

void kv_db_flush(struct kv_ctx *c)
{
    for (unsigned i = 0; i < c->db->nshards; i++) {
        struct kv_shard *s = lock_shard(c, &c->db->shards[i]);
        kv_table_clear(c->m, &s->table);
        unreserve(c, s->bytes);
        s->bytes = 0;
        sync_keys(s);
        unlock_shard(s);
    }
}

size_t kv_db_size(struct kv_db *db)
{
    size_t n = 0;
    for (unsigned i = 0; i < db->nshards; i++)
        n += atomic_load_explicit(&db->shards[i].keys, memory_order_relaxed);
    return n;
}

void kv_db_expire_step(struct kv_ctx *c)
{
    struct kv_db *db = c->db;
    for (int i = 0; i < KV_EXPIRE_SHARDS; i++) {
        struct kv_shard *s =
            &db->shards[c->expire_cursor++ & (db->nshards - 1)];
        /* A busy shard is skipped, not waited for: this is background. */
        if (!atomic_load_explicit(&s->keys, memory_order_relaxed) ||
            pthread_mutex_trylock(&s->lock) != 0)
            continue;
        for (int round = 0; round < KV_EXPIRE_ROUNDS; round++) {
            struct kv_entry *sample[KV_EXPIRE_SAMPLES];
            size_t n = kv_table_sample(c->m, &s->table, &c->rng, sample,
                                       KV_EXPIRE_SAMPLES);
            size_t expired = 0;
            for (size_t j = 0; j < n; j++)
                if (is_expired(c, sample[j])) {
                    drop(c, s, sample[j]);
                    expired++;
                }
            kv_stat_add(&c->stats->expired, expired);
            if (expired * 4 <= n)
                break;
        }
        unlock_shard(s);
    }
}
