/* satb.c — the lock-free queue of full SATB buffers. */
#include "mark/satb.h"

#include "base/chaos.h"
#include "base/error.h"
#include "base/meta.h"

void satb_queue_push(struct satb_queue *q, struct satb_buffer *b)
{
    chaos_point(CHAOS_SATB_PUSH, b);
    struct satb_buffer *head = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
    do
        b->next = head;
    while (!__atomic_compare_exchange_n(&q->head, &head, b, true,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    __atomic_fetch_add(&q->pushed, 1, __ATOMIC_RELAXED);
}

struct satb_buffer *satb_queue_take(struct satb_queue *q)
{
    if (!__atomic_load_n(&q->head, __ATOMIC_RELAXED))
        return NULL; /* the common case: no locked operation */
    return __atomic_exchange_n(&q->head, NULL, __ATOMIC_ACQUIRE);
}

int satb_queue_empty(const struct satb_queue *q)
{
    return __atomic_load_n(&q->head, __ATOMIC_RELAXED) == NULL;
}

void satb_buffer_free(struct satb_queue *q, struct satb_buffer *b)
{
    if (!b)
        return;
    meta_uncount(q->meta, META_SATB, sizeof *b);
    rgc_meta_free(b);
}

void satb_buffers_free(struct satb_queue *q, struct satb_buffer *list)
{
    while (list) {
        struct satb_buffer *next = list->next;
        satb_buffer_free(q, list);
        list = next;
    }
}

void satb_record(struct satb_buffer **buf, struct satb_queue *q,
                 uintptr_t old)
{
    struct satb_buffer *b = *buf;
    if (!b) {
        /* Not an allocation that may fail quietly: a dropped entry is an
         * object the marking could miss. */
        b = *buf = rgc_meta_calloc(1, sizeof *b);
        if (!b)
            rgc_fatal("no memory for a SATB buffer");
        meta_count(q->meta, META_SATB, sizeof *b);
    }
    b->entries[b->count++] = old;
    if (b->count == SATB_CAPACITY) {
        satb_queue_push(q, b);
        *buf = NULL;
    }
}

void satb_flush(struct satb_buffer **buf, struct satb_queue *q)
{
    chaos_point(CHAOS_SATB_FLUSH, *buf);
    if (*buf && (*buf)->count) {
        satb_queue_push(q, *buf);
        *buf = NULL;
    }
}
