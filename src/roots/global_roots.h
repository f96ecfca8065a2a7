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
 * collector visits roots.  It cannot deadlock with a pause: the collector
 * takes it only while it waits for nothing (in a pause, or between batches
 * of the concurrent scan), and a thread holding it never waits for
 * anything (it does not poll, so a pause starts only after it has let go).
 *
 * Marking scans the set while mutators run (global_roots_visit_snapshot):
 * from the top of the array down, a batch at a time, releasing the lock
 * between batches (where the caller's `between` runs: it may sleep).  The slots registered at mark start are the snapshot;
 * each is read by the scan or, if unregistered first, its value is
 * recorded in the set's own SATB buffer (as the store barrier records an
 * overwritten slot; rgc_root_store has that barrier).  A removal moves
 * the last slot into the hole: scanning downwards, a slot moved from the
 * scanned top into the unscanned bottom is read twice, never skipped.
 */
#ifndef RGC_ROOTS_GLOBAL_ROOTS_H
#define RGC_ROOTS_GLOBAL_ROOTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "mark/satb.h"
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
    struct satb_queue *satb;   /* where recorded values go              */
    struct satb_buffer *removed; /* values of snapshot slots unregistered
                                    before the scan read them          */
    bool marking;              /* a snapshot is taken, not yet complete */
    size_t unscanned;          /* slots[0, unscanned) not yet read      */
};

/* The set holds a SATB buffer as an attached thread does: RGC_ENOMEM if
 * none can be had. */
int global_roots_init(struct global_roots *g, struct satb_queue *satb);
/* RGC_EINVAL for NULL or a slot already registered; RGC_ENOMEM. */
int global_roots_add(struct global_roots *g, rgc_ref *slot);
/* RGC_EINVAL for a slot that is not registered; RGC_ENOMEM if marking
 * needs its value recorded and no SATB buffer can be had (it stays
 * registered). */
int global_roots_remove(struct global_roots *g, rgc_ref *slot);
bool global_roots_contains(struct global_roots *g, const rgc_ref *slot);
/* Every registered slot, under the lock (a pause, or the verifier). */
void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx);

/* Marking (see above): the mark-start pause takes the snapshot; the driver
 * visits it while mutators run; a pause once marking is complete ends it.
 * flush hands the recorded values to the SATB queue (any time). */
void global_roots_snapshot(struct global_roots *g);
void global_roots_visit_snapshot(struct global_roots *g, rgc_visit_fn visit,
                                 void *ctx, void (*between)(void *),
                                 void *between_ctx);
void global_roots_flush(struct global_roots *g);
void global_roots_snapshot_end(struct global_roots *g);

void global_roots_destroy(struct global_roots *g);

#endif
