/* forwarding.c — the per-region open-addressing forwarding table. */
#include "relocate/forwarding.h"

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

void forwarding_insert(struct forwarding *f, size_t word, uintptr_t to)
{
    uint32_t key = (uint32_t)word + 1;
    for (size_t i = hash(word) & f->mask;; i = (i + 1) & f->mask) {
        if (f->entries[i].key == 0) {
            f->entries[i].key = key;
            f->entries[i].to = to;
            return;
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
