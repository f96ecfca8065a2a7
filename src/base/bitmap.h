/*
 * bitmap.h — a plain bit array, one bit per 8-byte heap word.  Mark bitmaps,
 * the verifier's object-start maps and the region table's free set are all
 * this one structure.  Setting is atomic (test-and-set returns the old bit),
 * so parallel tracers can share a bitmap.
 */
#ifndef RGC_BASE_BITMAP_H
#define RGC_BASE_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RGC_BITMAP_WORDS(bits) (((bits) + 63) / 64)

static inline bool bitmap_test(const uint64_t *map, size_t i)
{
    return (__atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Sets bit i; returns whether it was already set. */
static inline bool bitmap_test_and_set(uint64_t *map, size_t i)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    return __atomic_fetch_or(&map[i / 64], bit, __ATOMIC_RELAXED) & bit;
}

static inline void bitmap_clear(uint64_t *map, size_t i)
{
    __atomic_fetch_and(&map[i / 64], ~((uint64_t)1 << (i % 64)),
                       __ATOMIC_RELAXED);
}

/* The first set bit at or after i, or nbits if there is none. */
static inline size_t bitmap_next_set(const uint64_t *map, size_t i,
                                     size_t nbits)
{
    while (i < nbits) {
        uint64_t word = map[i / 64] >> (i % 64);
        if (word)
            return i + (size_t)__builtin_ctzll(word) < nbits
                       ? i + (size_t)__builtin_ctzll(word)
                       : nbits;
        i = (i / 64 + 1) * 64;
    }
    return nbits;
}

#endif
