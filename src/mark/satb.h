/*
 * satb.h — snapshot-at-the-beginning buffers: the references that mutators
 * overwrite while marking runs.
 *
 * The SATB invariant (docs/design.md, "SATB: the invariant"): every object
 * reachable when marking started is marked by the time marking ends.
 * Roots are scanned in the mark-start pause; after that, a path to an
 * unmarked object can only be cut by overwriting a heap slot, and
 * rgc_store records the old value first (when the thread's `marking` flag
 * is set).  No recorded entry is ever dropped.
 *
 * A thread fills a private buffer of SATB_CAPACITY entries; a full buffer is
 * pushed onto the heap's satb_queue and the thread takes another at its
 * next record.  The queue of full buffers is a lock-free stack: producers
 * push with a CAS, the marker takes every buffer at once with one exchange,
 * so there is no ABA (nothing is ever popped singly) and no lock on either
 * side.  (liburcu's wfcqueue would make the push wait-free, but its
 * inline-assembly atomics are invisible to ThreadSanitizer, which then
 * reports every buffer hand-off as a race.)
 *
 * Buffers are recycled, not freed: the marker returns each drained list to
 * the queue's free list (a mutex, taken once per drained list and once per
 * buffer a thread takes: the slow path of a record, every 1,022 stores).
 * New buffers are allocated only when the free list is empty.  Invariant:
 * `total` (buffers in existence: free, queued, being drained, or held by a
 * thread) is at least `attached` (threads attached): attach makes sure of
 * it (and fails cleanly if it cannot), trimming keeps it.  So a thread
 * that holds no buffer can always count on one coming back to the free
 * list once the marker drains the queue, even if no new one can be
 * allocated (docs/design.md explains the wait built on this).
 */
#ifndef RGC_MARK_SATB_H
#define RGC_MARK_SATB_H

#include <pthread.h>
#include <stdbool.h>
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
    struct satb_buffer *head; /* full buffers, lock-free               */
    uint64_t pushed;     /* buffers pushed since creation (tests, stats) */
    pthread_mutex_t lock;     /* the free list and the counts below     */
    struct satb_buffer *free; /* empty buffers                          */
    size_t total;             /* buffers in existence                   */
    size_t attached;          /* threads that count on one              */
    unsigned waiters;    /* atomic: threads waiting for a free buffer    */
    uint64_t waits;      /* atomic: times a thread had to wait (tests)   */
    struct meta_usage *meta; /* where buffers' bytes are counted         */
};

/* Buffers' bytes are counted in meta while they live. */
void satb_queue_init(struct satb_queue *q, struct meta_usage *meta);
/* Free every buffer (the heap is going; no thread is attached). */
void satb_queue_destroy(struct satb_queue *q);

/* A thread attaches: *buf gets a buffer, a free one or a new one.
 * RGC_ENOMEM if one must be allocated and cannot (nothing changes). */
int satb_attach(struct satb_queue *q, struct satb_buffer **buf);
/* A thread detaches, its buffer flushed: the empty buffer, if any, goes to
 * the free list. */
void satb_detach(struct satb_queue *q, struct satb_buffer **buf);

/* Append a buffer; any thread, any time. */
void satb_queue_push(struct satb_queue *q, struct satb_buffer *b);
/* Take every queued buffer (a list linked through next), or NULL. */
struct satb_buffer *satb_queue_take(struct satb_queue *q);
/* Whether a buffer is queued now. */
int satb_queue_empty(const struct satb_queue *q);
/* Entries in the queued buffers now: only while no one takes from the
 * queue (a pause before it traces); pushes meanwhile may or may not be
 * counted. */
size_t satb_queue_entries(const struct satb_queue *q);
/* Return a list of drained buffers (from satb_queue_take) to the free
 * list. */
void satb_queue_recycle(struct satb_queue *q, struct satb_buffer *list);
/* Free the free buffers beyond what the attached threads count on (a
 * pause, once marking is complete: a burst of stores does not keep its
 * buffers forever). */
void satb_queue_trim(struct satb_queue *q);

/* An empty buffer: a free one, else a new one; NULL if the free list is
 * empty and the allocation fails (CHAOS_FAIL_SATB_BUFFER fakes that). */
struct satb_buffer *satb_buffer_get(struct satb_queue *q);

/* Append a slot's old value to *buf (taking a buffer if there is none); a
 * full buffer goes to q and *buf starts over.  false: no buffer could be
 * had, nothing was recorded; the caller must wait for one
 * (satb_buffer_get, until the marker recycles one) and record again. */
bool satb_record(struct satb_buffer **buf, struct satb_queue *q,
                 uintptr_t old);
/* Hand *buf to q if it holds entries. */
void satb_flush(struct satb_buffer **buf, struct satb_queue *q);

/* A thread is waiting for a buffer: marking must not complete meanwhile
 * (the mark-end pause checks satb_waiting). */
void satb_wait_begin(struct satb_queue *q);
void satb_wait_end(struct satb_queue *q);
bool satb_waiting(const struct satb_queue *q);

#endif
