/*
 * forwarding.h — where the objects of one relocated region went, and who
 * may still copy out of it.
 *
 * One table per region in the relocation set, keyed by the object's word
 * offset from the region bottom (never by a header field: headers are not
 * overwritten while objects move).  Open addressing, sized from the region's
 * live object count to stay at most half full.  Lookups and inserts are
 * lock-free; an insert is a CAS on the key, so relocators that race for one
 * object (workers, mutators in the load barrier) agree on one winner.
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

struct forwarding_entry {
    uint32_t key;  /* word offset + 1; 0: empty */
    uintptr_t to;  /* new object start; 0 while the winner publishes it */
};

struct forwarding {
    size_t mask;
    uint32_t users;  /* mutators copying out; FORWARDING_CLOSED: no more */
    bool done;       /* every live object of the region has an entry */
    struct forwarding_entry entries[];
};

struct forwarding *forwarding_create(size_t objects);
void forwarding_destroy(struct forwarding *f);
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
