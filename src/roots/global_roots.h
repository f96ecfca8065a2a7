/*
 * global_roots.h — rgc_ref variables outside the heap, registered by address.
 *
 * Owns two views of one set of slots:
 *   - a dense array, `slots[0, count)`, in no particular order: what the
 *     collector walks (a pause visits every root, and a plain array walk is
 *     the cheapest walk there is);
 *   - an index, an open-addressing hash table (linear probing, power-of-two
 *     size, at most half full) from a slot's address to its position in
 *     the array: registration, unregistration and lookup are O(1) expected.
 * Invariants: each slot appears at most once; index entry e names slot
 * slots[e.at], and every slot in the array has exactly one index entry;
 * the index has no tombstones (deletion shifts later entries back), so a
 * probe stops at the first empty entry.
 *
 * A mutex guards both: any thread may register or unregister while the
 * collector visits roots in a pause.  It cannot deadlock with a pause: the
 * collector takes it only once the world is stopped, and a thread holding
 * it never waits for anything (it is online and does not poll, so the
 * pause starts only after it has let go).
 */
#ifndef RGC_ROOTS_GLOBAL_ROOTS_H
#define RGC_ROOTS_GLOBAL_ROOTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "rgc.h"

struct root_entry {
    rgc_ref *slot; /* NULL: empty */
    size_t at;     /* its position in slots[] */
};

struct global_roots {
    pthread_mutex_t lock;
    rgc_ref **slots;           /* dense, count used, capacity allocated */
    size_t count, capacity;
    struct root_entry *index;  /* 2 * capacity entries (or none)        */
};

void global_roots_init(struct global_roots *g);
/* RGC_EINVAL for NULL or a slot already registered; RGC_ENOMEM. */
int global_roots_add(struct global_roots *g, rgc_ref *slot);
/* RGC_EINVAL for a slot that is not registered. */
int global_roots_remove(struct global_roots *g, rgc_ref *slot);
bool global_roots_contains(struct global_roots *g, const rgc_ref *slot);
void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx);
void global_roots_destroy(struct global_roots *g);

#endif
