/*
 * forwarding.h — where the objects of one relocated region went, and who
 * may still copy out of it.
 *
 * One table per region in the relocation set, keyed by the object's word
 * offset from the region bottom (never by a header field: headers are not
 * overwritten while objects move).  An entry is one 64-bit word holding
 * both the key and the new address (below), in an open-addressing table
 * sized from the region's live object count to stay at most 7/8 full
 * (docs/design.md, "Concurrent relocation").  Lookups and inserts are
 * lock-free; an insert is one CAS of a whole entry into an empty slot, so
 * relocators that race for one object (workers, mutators in the load
 * barrier) agree on one winner, and a reader that finds the key finds the
 * target with it.
 *
 * The table also guards the region's memory while mutators copy out of it:
 *   - a mutator retains the table before reading an object of the region
 *     and releases it after (forwarding_retain fails once it is closed);
 *   - the worker that owns the region closes it, which waits until no
 *     mutator holds it: after that nobody but the worker reads or writes
 *     the region, so it can free the memory or slide objects within it;
 *   - the owner marks the table done once every live object of the
 *     region has an entry — objects a slide leaves where they were get an
 *     entry to themselves —, so after done a miss is a broken invariant
 *     (fatal, naming the object), never "not moved"; before done it means
 *     "not yet".  Read done first, then look up (relocate_object).
 * The table outlives the region's memory: it is needed to remap stale
 * references until the next marking has healed them all.
 */
#ifndef RGC_RELOCATE_FORWARDING_H
#define RGC_RELOCATE_FORWARDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/meta.h"

/* An entry, 0 when empty:
 *   high FROM bits: the object's word offset in its region + 1
 *   low  TO bits:   its new start as a word offset from the heap base
 * FROM is log2(region words) + 1 (an 8-byte object may start at the last
 * word), TO the rest of the word.  So regions of 2^s bytes leave room for
 * heaps of 2^(69 - s) bytes: 2^51 for 256 KiB regions, 256 TiB for the
 * default 2 MiB, 1 TiB for 512 MiB; config_check refuses larger ones. */
static inline unsigned forwarding_from_bits(size_t region_size)
{
    return (unsigned)__builtin_ctzll(region_size) - 3 + 1;
}

static inline size_t forwarding_max_heap(size_t region_size)
{
    return (size_t)8 << (64 - forwarding_from_bits(region_size));
}

struct forwarding {
    uintptr_t heap_base;     /* targets are word offsets from here        */
    size_t capacity;         /* entries (not a power of two)              */
    struct meta_usage *meta; /* where the table's bytes are counted       */
    unsigned to_bits;        /* an entry's low bits: the target           */
    uint32_t users;  /* mutators copying out; FORWARDING_CLOSED: no more */
    bool done;       /* every live object of the region has an entry */
    uint64_t entries[];
};

/* A table for the given number of live objects of a region of
 * region_size bytes in the heap that starts at heap_base; NULL if out of
 * memory.  Its bytes are counted in meta until forwarding_destroy. */
struct forwarding *forwarding_create(size_t objects, size_t region_size,
                                     uintptr_t heap_base,
                                     struct meta_usage *meta);
void forwarding_destroy(struct forwarding *f);
/* Bytes the table takes (header and entries). */
size_t forwarding_bytes(const struct forwarding *f);
/* Install word -> to unless another copy won: returns the installed
 * target. */
uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to);
/* The new start of the object at word, or 0 if it has no entry (yet). */
uintptr_t forwarding_find(const struct forwarding *f, size_t word);

/* Mutators: false if the table is closed (the owner has the region). */
bool forwarding_retain(struct forwarding *f);
void forwarding_release(struct forwarding *f);
/* The owner: refuse new users and wait for the current ones to leave. */
void forwarding_close(struct forwarding *f);
void forwarding_set_done(struct forwarding *f);
bool forwarding_done(const struct forwarding *f);

#endif
