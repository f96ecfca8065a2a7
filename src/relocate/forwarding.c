/* forwarding.c — the per-region forwarding table (a sorted array of
 * one-word entries) and its user count. */
#include "relocate/forwarding.h"

#include <sched.h>

#include "base/chaos.h"
#include "base/error.h"

#define FORWARDING_CLOSED 0x80000000u

#define NOT_FOUND SIZE_MAX

static uint64_t key_at(const struct forwarding *f, size_t i)
{
    /* Keys never change once built (only targets do): relaxed. */
    return __atomic_load_n(&f->entries[i], __ATOMIC_RELAXED) >> f->to_bits;
}

/* The index of key's entry, or NOT_FOUND.  Live objects spread over the
 * region, so where the key falls between two known keys is a good guess
 * at where its entry falls between theirs: interpolate, then bisect, in
 * turn — interpolation homes in within a few probes on evenly spread
 * objects, bisection bounds the worst case (clusters) to 2 log2 n.
 * Measured on 2 MiB regions (docs/design.md): 4.0-5.8 probes per lookup
 * on average, at most 27.  The bracket is (lo, hi): entries strictly
 * between hold keys strictly between klo and khi; it starts as the whole
 * table between the keys -1 and 2^key_bits. */
static size_t locate(const struct forwarding *f, uint64_t key)
{
    if (key >> f->key_bits)
        return NOT_FOUND;
    int64_t lo = -1, hi = (int64_t)f->count;
    int64_t klo = -1, khi = (int64_t)1 << f->key_bits;
    for (bool interpolate = true; hi - lo > 1; interpolate = !interpolate) {
        int64_t pos = lo + (hi - lo) / 2;
        if (interpolate) {
            pos = lo + ((int64_t)key - klo) * (hi - lo) / (khi - klo);
            pos = pos <= lo ? lo + 1 : pos >= hi ? hi - 1 : pos;
        }
        int64_t k = (int64_t)key_at(f, (size_t)pos);
        if (k == (int64_t)key)
            return (size_t)pos;
        if (k < (int64_t)key) {
            lo = pos;
            klo = k;
        } else {
            hi = pos;
            khi = k;
        }
    }
    return NOT_FOUND;
}

static uintptr_t entry_target(const struct forwarding *f, uint64_t e)
{
    uint64_t to = e & (((uint64_t)1 << f->to_bits) - 1);
    return to ? f->heap_base + (to - 1) * 8 : 0;
}

struct forwarding *forwarding_create(size_t objects, size_t region_size,
                                     uintptr_t heap_base,
                                     struct meta_usage *meta)
{
    struct forwarding *f =
        rgc_meta_calloc(1, sizeof *f + objects * sizeof f->entries[0]);
    if (!f)
        return NULL;
    f->heap_base = heap_base;
    f->capacity = objects;
    f->meta = meta;
    f->key_bits = forwarding_key_bits(region_size);
    f->to_bits = 64 - f->key_bits;
    meta_count(meta, META_FORWARDING, forwarding_bytes(f));
    return f;
}

void forwarding_add(struct forwarding *f, size_t word)
{
    if (f->count == f->capacity ||
        (f->count && key_at(f, f->count - 1) >= word))
        rgc_fatal("forwarding table: object at word %zu added out of order "
                  "or beyond the %zu live objects it was made for",
                  word, f->capacity);
    f->entries[f->count++] = (uint64_t)word << f->to_bits;
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
    size_t i = locate(f, word);
    if (i == NOT_FOUND)
        rgc_fatal("forwarding table: object at word %zu was not live when "
                  "its region was selected, yet it is being relocated",
                  word);
    uint64_t seen = (uint64_t)word << f->to_bits;
    uint64_t mine = seen | ((to - f->heap_base) / 8 + 1);
    chaos_point(CHAOS_FORWARDING_INSERT, f);
    /* Release: whoever finds the target sees the copy behind it. */
    if (__atomic_compare_exchange_n(&f->entries[i], &seen, mine, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return to;
    return entry_target(f, seen); /* another copy won */
}

uintptr_t forwarding_find(const struct forwarding *f, size_t word)
{
    chaos_point(CHAOS_FORWARDING_FIND, f);
    size_t i = locate(f, word);
    if (i == NOT_FOUND)
        return 0;
    return entry_target(f, __atomic_load_n(&f->entries[i], __ATOMIC_ACQUIRE));
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
