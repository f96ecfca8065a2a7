/* forwarding.c — the per-region open-addressing forwarding table and its
 * user count. */
#include "relocate/forwarding.h"

#include <sched.h>

#include "base/chaos.h"

#define FORWARDING_CLOSED 0x80000000u

/* The first slot for a key: Fibonacci hashing, then Lemire's
 * multiply-shift to map the hash onto any capacity without a division
 * (the capacity need not be a power of two, so the table is sized to the
 * load factor rather than to the next power of two above it). */
static size_t home(const struct forwarding *f, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return (size_t)(((unsigned __int128)h * f->capacity) >> 64);
}

static size_t next(const struct forwarding *f, size_t i)
{
    return i + 1 == f->capacity ? 0 : i + 1;
}

static uint64_t entry_key(const struct forwarding *f, uint64_t e)
{
    return e >> f->to_bits;
}

static uintptr_t entry_target(const struct forwarding *f, uint64_t e)
{
    return f->heap_base + (e & (((uint64_t)1 << f->to_bits) - 1)) * 8;
}

struct forwarding *forwarding_create(size_t objects, size_t region_size,
                                     uintptr_t heap_base,
                                     struct meta_usage *meta)
{
    /* At most 7/8 full, and one slot always empty so that every probe
     * sequence ends.  Linear probing at that load, measured on 2 MiB
     * regions (docs/design.md, "Concurrent relocation"): 1.8 probes per
     * hit among 16-byte objects, 4.4 among mixed sizes; the miss before an
     * insert probes the run the later hits will. */
    size_t cap = objects + objects / 7 + 1;
    struct forwarding *f =
        rgc_meta_calloc(1, sizeof *f + cap * sizeof f->entries[0]);
    if (!f)
        return NULL;
    f->heap_base = heap_base;
    f->capacity = cap;
    f->meta = meta;
    f->to_bits = 64 - forwarding_from_bits(region_size);
    meta_count(meta, META_FORWARDING, forwarding_bytes(f));
    return f;
}

void forwarding_destroy(struct forwarding *f)
{
    if (!f)
        return;
    meta_uncount(f->meta, META_FORWARDING, forwarding_bytes(f));
    rgc_meta_free(f);
}

size_t forwarding_bytes(const struct forwarding *f)
{
    return sizeof *f + f->capacity * sizeof f->entries[0];
}

uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to)
{
    uint64_t key = (uint64_t)word + 1;
    uint64_t mine = key << f->to_bits | (to - f->heap_base) / 8;
    chaos_point(CHAOS_FORWARDING_INSERT, f);
    for (size_t i = home(f, key);; i = next(f, i)) {
        uint64_t seen = __atomic_load_n(&f->entries[i], __ATOMIC_ACQUIRE);
        /* Release: whoever finds the entry sees the copy behind it. */
        if (seen == 0 &&
            __atomic_compare_exchange_n(&f->entries[i], &seen, mine, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return to;
        if (entry_key(f, seen) == key)
            return entry_target(f, seen); /* another copy won */
    }
}

uintptr_t forwarding_find(const struct forwarding *f, size_t word)
{
    uint64_t key = (uint64_t)word + 1;
    chaos_point(CHAOS_FORWARDING_FIND, f);
    for (size_t i = home(f, key);; i = next(f, i)) {
        uint64_t seen = __atomic_load_n(&f->entries[i], __ATOMIC_ACQUIRE);
        if (entry_key(f, seen) == key)
            return entry_target(f, seen);
        if (seen == 0)
            return 0;
    }
}

/* Retain and close are a Dekker pair (both sequentially consistent): a
 * mutator that got in is seen by the closer's wait, or the mutator sees
 * the closed bit and stays out. */
bool forwarding_retain(struct forwarding *f)
{
    chaos_point(CHAOS_FORWARDING_RETAIN, f);
    uint32_t u = __atomic_load_n(&f->users, __ATOMIC_SEQ_CST);
    do {
        if (u & FORWARDING_CLOSED)
            return false;
    } while (!__atomic_compare_exchange_n(&f->users, &u, u + 1, true,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return true;
}

void forwarding_release(struct forwarding *f)
{
    __atomic_fetch_sub(&f->users, 1, __ATOMIC_RELEASE);
}

void forwarding_close(struct forwarding *f)
{
    __atomic_fetch_or(&f->users, FORWARDING_CLOSED, __ATOMIC_SEQ_CST);
    /* A user copies one object and leaves; it never blocks meanwhile. */
    while (__atomic_load_n(&f->users, __ATOMIC_ACQUIRE) != FORWARDING_CLOSED)
        sched_yield();
    chaos_point(CHAOS_FORWARDING_CLOSE, f);
}

void forwarding_set_done(struct forwarding *f)
{
    chaos_point(CHAOS_FORWARDING_DONE, f);
    __atomic_store_n(&f->done, true, __ATOMIC_RELEASE);
}

bool forwarding_done(const struct forwarding *f)
{
    return __atomic_load_n(&f->done, __ATOMIC_ACQUIRE);
}
