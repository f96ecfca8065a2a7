/*
 * satb.h — snapshot-at-the-beginning buffers: the references that mutators
 * overwrite while marking runs.
 *
 * The SATB invariant (docs/design.md, "Concurrent marking"): every object
 * reachable when marking started is marked by the time marking ends.  Roots
 * are scanned in the mark-start pause; after that, a path to an unmarked
 * object can only be cut by overwriting a heap slot, and rgc_store records
 * the old value first (when the thread's `marking` flag is set).
 *
 * A thread fills a private buffer of SATB_CAPACITY entries; a full buffer is
 * pushed onto the heap's satb_queue and the thread starts a new one.  The
 * queue is a lock-free stack: producers push with a CAS, the marker takes
 * every buffer at once with one exchange, so there is no ABA and no lock on
 * either side.  (liburcu's wfcqueue would make the push wait-free, but its
 * inline-assembly atomics are invisible to ThreadSanitizer, which then
 * reports every buffer hand-off as a race.)
 */
#ifndef RGC_MARK_SATB_H
#define RGC_MARK_SATB_H

#include <stddef.h>
#include <stdint.h>

#include "base/meta.h"

#define SATB_CAPACITY 1022 /* a buffer is 8 KiB */

struct satb_buffer {
    struct satb_buffer *next;
    size_t count;
    uintptr_t entries[SATB_CAPACITY]; /* slot values, color bits included */
};

struct satb_queue {
    struct satb_buffer *head;
    uint64_t pushed; /* buffers pushed since creation (tests, stats) */
    struct meta_usage *meta; /* where buffers' bytes are counted */
};

/* Append a buffer; any thread, any time. */
void satb_queue_push(struct satb_queue *q, struct satb_buffer *b);
/* Take every queued buffer (a list linked through next), or NULL. */
struct satb_buffer *satb_queue_take(struct satb_queue *q);
/* Whether a buffer is queued now. */
int satb_queue_empty(const struct satb_queue *q);
/* Append a slot's old value to *buf (starting a buffer if there is none);
 * a full buffer goes to q and *buf starts over. */
void satb_record(struct satb_buffer **buf, struct satb_queue *q,
                 uintptr_t old);
/* Hand *buf to q if it holds entries. */
void satb_flush(struct satb_buffer **buf, struct satb_queue *q);
/* Free one buffer (its list link is not followed), or a list of them;
 * buffers of q's threads are counted in q->meta while they live. */
void satb_buffer_free(struct satb_queue *q, struct satb_buffer *b);
void satb_buffers_free(struct satb_queue *q, struct satb_buffer *list);

#endif
