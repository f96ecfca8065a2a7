/* forwarding.c — the per-region open-addressing forwarding table and its
 * user count. */
#include "relocate/forwarding.h"

#include <sched.h>

#include "base/chaos.h"
#include "base/meta.h"

#define FORWARDING_CLOSED 0x80000000u

static size_t hash(size_t word)
{
    return (size_t)((word * 0x9E3779B97F4A7C15ull) >> 32);
}

struct forwarding *forwarding_create(size_t objects)
{
    size_t cap = 16;
    while (cap < 2 * objects)
        cap *= 2;
    struct forwarding *f =
        rgc_meta_calloc(1, sizeof *f + cap * sizeof f->entries[0]);
    if (f)
        f->mask = cap - 1;
    return f;
}

void forwarding_destroy(struct forwarding *f)
{
    rgc_meta_free(f);
}

/* The target of an entry whose key is set: the winner stores it right
 * after its key CAS, so the wait is a few instructions long. */
static uintptr_t entry_target(const struct forwarding_entry *e)
{
    uintptr_t to;
    while (!(to = __atomic_load_n(&e->to, __ATOMIC_ACQUIRE)))
        ;
    return to;
}

uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to)
{
    uint32_t key = (uint32_t)word + 1;
    for (size_t i = hash(word) & f->mask;; i = (i + 1) & f->mask) {
        struct forwarding_entry *e = &f->entries[i];
        uint32_t seen = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (seen == 0 &&
            __atomic_compare_exchange_n(&e->key, &seen, key, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            chaos_point(CHAOS_FORWARDING_INSERT, f);
            /* Release: whoever finds the target sees the copy behind it. */
            __atomic_store_n(&e->to, to, __ATOMIC_RELEASE);
            return to;
        }
        if (seen == key)
            return entry_target(e); /* another copy won */
    }
}

uintptr_t forwarding_find(const struct forwarding *f, size_t word)
{
    uint32_t key = (uint32_t)word + 1;
    chaos_point(CHAOS_FORWARDING_FIND, f);
    for (size_t i = hash(word) & f->mask;; i = (i + 1) & f->mask) {
        uint32_t seen = __atomic_load_n(&f->entries[i].key, __ATOMIC_ACQUIRE);
        if (seen == key)
            return entry_target(&f->entries[i]);
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
