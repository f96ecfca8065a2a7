/*
 * forwarding.h — where the objects of one relocated region went.
 *
 * One table per region in the relocation set, keyed by the object's word
 * offset from the region bottom (never by a header field: headers are not
 * overwritten while objects move).  Open addressing, sized from the region's
 * live object count to stay at most half full.  The table outlives the
 * region's memory: it is only needed to rewrite references.
 */
#ifndef RGC_RELOCATE_FORWARDING_H
#define RGC_RELOCATE_FORWARDING_H

#include <stddef.h>
#include <stdint.h>

struct forwarding_entry {
    uint32_t key;  /* word offset + 1; 0: empty */
    uintptr_t to;  /* new object start */
};

struct forwarding {
    size_t mask;
    struct forwarding_entry entries[];
};

struct forwarding *forwarding_create(size_t objects);
void forwarding_destroy(struct forwarding *f);
/* Install word -> to unless another copy won: returns the installed
 * target.  Lock-free (CAS on the key), so concurrent relocators can race. */
uintptr_t forwarding_insert(struct forwarding *f, size_t word, uintptr_t to);
/* The new start of the object at word, or 0 if it was not moved. */
uintptr_t forwarding_find(const struct forwarding *f, size_t word);

#endif
