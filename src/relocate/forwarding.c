/* forwarding.c — the per-region open-addressing forwarding table. */
#include "relocate/forwarding.h"

#include <stdbool.h>

#include "base/meta.h"

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

uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to)
{
    uint32_t key = (uint32_t)word + 1;
    for (size_t i = hash(word) & f->mask;; i = (i + 1) & f->mask) {
        struct forwarding_entry *e = &f->entries[i];
        uint32_t seen = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (seen == 0 &&
            __atomic_compare_exchange_n(&e->key, &seen, key, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&e->to, to, __ATOMIC_RELEASE);
            return to;
        }
        if (seen == key) { /* another copy won: wait for its target */
            uintptr_t won;
            while (!(won = __atomic_load_n(&e->to, __ATOMIC_ACQUIRE)))
                ;
            return won;
        }
    }
}

uintptr_t forwarding_find(const struct forwarding *f, size_t word)
{
    uint32_t key = (uint32_t)word + 1;
    for (size_t i = hash(word) & f->mask;; i = (i + 1) & f->mask) {
        if (f->entries[i].key == key)
            return f->entries[i].to;
        if (f->entries[i].key == 0)
            return 0;
    }
}
