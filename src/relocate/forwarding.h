/*
 * forwarding.h — where the objects of one relocated region went, and who
 * may still copy out of it.
 *
 * One table per region in the relocation set, keyed by the object's word
 * offset from the region bottom (never by a header field: headers are not
 * overwritten while objects move).  The set of keys is known when the
 * region is selected — its marked objects, since a candidate region got no
 * allocation after mark start — so the table is built then, outside any
 * pause, as a sorted array with one 64-bit entry per live object (below):
 * 8 bytes per live object, no empty slot.  Relocators only fill in
 * targets: an insert is one CAS of the entry from "key, no target" to
 * "key, target", so relocators that race for one object (workers,
 * mutators in the load barrier) agree on one winner, and a reader that
 * finds the key finds the target with it.  Lookups guess the entry from
 * the offset (live objects spread over the region) and gallop from there.
 *
 * The table also guards the region's memory while mutators copy out of it:
 *   - a mutator retains the table before reading an object of the region
 *     and releases it after (forwarding_retain fails once it is closed);
 *   - the worker that owns the region closes it, which waits until no
 *     mutator holds it: after that nobody but the worker reads or writes
 *     the region, so it can free the memory or slide objects within it;
 *   - the owner marks the table done once every live object of the
 *     region has a target — objects a slide leaves where they were get
 *     themselves —, so after done a miss is a broken invariant (fatal,
 *     naming the object), never "not moved"; before done it means "not
 *     yet".  Read done first, then look up (relocate_object).
 * The table outlives the region's memory: it is needed to remap stale
 * references until the next marking has healed them all.
 */
#ifndef RGC_RELOCATE_FORWARDING_H
#define RGC_RELOCATE_FORWARDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/meta.h"

/* An entry:
 *   high KEY bits: the object's word offset in its region
 *   low  TO bits:  its new start as a word offset from the heap base, + 1
 *                  (0: not moved yet)
 * KEY is log2(region words), TO the rest of the word.  Config_check
 * limits the heap to half of what TO could name, 2^(69 - s) bytes for
 * regions of 2^s bytes: 2^51 for 256 KiB regions, 256 TiB for the default
 * 2 MiB, 1 TiB for 512 MiB. */
static inline unsigned forwarding_key_bits(size_t region_size)
{
    return (unsigned)__builtin_ctzll(region_size) - 3;
}

static inline size_t forwarding_max_heap(size_t region_size)
{
    return (size_t)8 << (63 - forwarding_key_bits(region_size));
}

struct forwarding {
    uintptr_t heap_base;     /* targets are word offsets from here        */
    size_t capacity;         /* live objects the table was made for       */
    size_t count;            /* keys added (all of them once it is built) */
    struct meta_usage *meta; /* where the table's bytes are counted       */
    unsigned key_bits;       /* log2(region words)                        */
    unsigned to_bits;        /* an entry's low bits: the target + 1       */
    uint32_t users;  /* mutators copying out; FORWARDING_CLOSED: no more */
    bool done;       /* every live object of the region has a target */
    uint64_t entries[];      /* sorted by key                             */
};

/* A table for the given number of live objects of a region of
 * region_size bytes in the heap that starts at heap_base; NULL if out of
 * memory.  Its bytes are counted in meta until forwarding_destroy. */
struct forwarding *forwarding_create(size_t objects, size_t region_size,
                                     uintptr_t heap_base,
                                     struct meta_usage *meta);
/* Building, before the table is shared: add the live objects' word
 * offsets in increasing order, exactly `objects` of them. */
void forwarding_add(struct forwarding *f, size_t word);
void forwarding_destroy(struct forwarding *f);
/* Bytes the table takes (header and entries). */
size_t forwarding_bytes(const struct forwarding *f);
/* Install word -> to unless another copy won: returns the installed
 * target.  The object must be one the table was built with (fatal
 * otherwise: it was not live). */
uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to);
/* The new start of the object at word, or 0 if it has not moved (yet) or
 * is not in the table. */
uintptr_t forwarding_find(const struct forwarding *f, size_t word);

/* Mutators: false if the table is closed (the owner has the region). */
bool forwarding_retain(struct forwarding *f);
void forwarding_release(struct forwarding *f);
/* The owner: refuse new users and wait for the current ones to leave. */
void forwarding_close(struct forwarding *f);
void forwarding_set_done(struct forwarding *f);
bool forwarding_done(const struct forwarding *f);

#endif
