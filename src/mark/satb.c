/*
 * satb.c — the heap's SATB buffers: the lock-free queue of full ones, the
 * free list of drained ones, and the count that guarantees a thread
 * without a buffer gets one back (satb.h).  Buffers are allocated in
 * buffer_new and freed in buffer_free, nowhere else.
 */
#include "mark/satb.h"

#include "base/chaos.h"
#include "base/error.h"
#include "base/meta.h"

/* Not zeroed: an entry is read only below count. */
static struct satb_buffer *buffer_new(struct satb_queue *q)
{
    struct satb_buffer *b = rgc_meta_malloc(sizeof *b);
    if (b) {
        b->next = NULL;
        b->count = 0;
        meta_count(q->meta, META_SATB, sizeof *b);
    }
    return b;
}

static void buffer_free(struct satb_queue *q, struct satb_buffer *b)
{
    meta_uncount(q->meta, META_SATB, sizeof *b);
    rgc_meta_free(b);
}

static void free_list(struct satb_queue *q, struct satb_buffer *list)
{
    while (list) {
        struct satb_buffer *next = list->next;
        buffer_free(q, list);
        list = next;
    }
}

void satb_queue_init(struct satb_queue *q, struct meta_usage *meta)
{
    *q = (struct satb_queue){.meta = meta};
    pthread_mutex_init(&q->lock, NULL);
}

void satb_queue_destroy(struct satb_queue *q)
{
    free_list(q, satb_queue_take(q));
    free_list(q, q->free);
    pthread_mutex_destroy(&q->lock);
    *q = (struct satb_queue){0};
}

/* With q->lock held. */
static struct satb_buffer *pop_free(struct satb_queue *q)
{
    struct satb_buffer *b = q->free;
    if (b) {
        q->free = b->next;
        b->next = NULL;
    }
    return b;
}

int satb_attach(struct satb_queue *q, struct satb_buffer **buf)
{
    pthread_mutex_lock(&q->lock);
    /* total >= attached must hold afterwards: a free buffer may already be
     * another thread's due (it flushed its own), so only a new one makes
     * room for this thread when there is no surplus. */
    bool need_new = q->total <= q->attached;
    struct satb_buffer *b = need_new ? buffer_new(q) : pop_free(q);
    if (need_new && b)
        q->total++;
    if (b || !need_new)
        q->attached++;
    pthread_mutex_unlock(&q->lock);
    if (need_new && !b)
        return rgc_fail(RGC_ENOMEM,
                        "rgc_thread_attach: no memory for a SATB buffer");
    *buf = b;
    return RGC_OK;
}

void satb_detach(struct satb_queue *q, struct satb_buffer **buf)
{
    pthread_mutex_lock(&q->lock);
    q->attached--;
    if (*buf) {
        (*buf)->next = q->free;
        q->free = *buf;
    }
    pthread_mutex_unlock(&q->lock);
    *buf = NULL;
}

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

size_t satb_queue_entries(const struct satb_queue *q)
{
    size_t n = 0;
    /* A push only ever prepends: the list below a loaded head is fixed
     * while nothing takes. */
    for (const struct satb_buffer *b =
             __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
         b; b = b->next)
        n += b->count;
    return n;
}

void satb_queue_recycle(struct satb_queue *q, struct satb_buffer *list)
{
    if (!list)
        return;
    struct satb_buffer *tail = list;
    for (;; tail = tail->next) {
        tail->count = 0;
        if (!tail->next)
            break;
    }
    pthread_mutex_lock(&q->lock);
    tail->next = q->free;
    q->free = list;
    pthread_mutex_unlock(&q->lock);
}

void satb_queue_trim(struct satb_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->free && q->total > q->attached) {
        buffer_free(q, pop_free(q));
        q->total--;
    }
    pthread_mutex_unlock(&q->lock);
}

struct satb_buffer *satb_buffer_get(struct satb_queue *q)
{
    pthread_mutex_lock(&q->lock);
    struct satb_buffer *b = pop_free(q);
    pthread_mutex_unlock(&q->lock);
    if (b || chaos_fail(CHAOS_FAIL_SATB_BUFFER, q) || !(b = buffer_new(q)))
        return b;
    pthread_mutex_lock(&q->lock);
    q->total++;
    pthread_mutex_unlock(&q->lock);
    return b;
}

bool satb_record(struct satb_buffer **buf, struct satb_queue *q,
                 uintptr_t old)
{
    struct satb_buffer *b = *buf;
    if (!b && !(b = *buf = satb_buffer_get(q)))
        return false;
    b->entries[b->count++] = old;
    if (b->count == SATB_CAPACITY) {
        satb_queue_push(q, b);
        *buf = NULL;
    }
    return true;
}

void satb_flush(struct satb_buffer **buf, struct satb_queue *q)
{
    chaos_point(CHAOS_SATB_FLUSH, *buf);
    if (*buf && (*buf)->count) {
        satb_queue_push(q, *buf);
        *buf = NULL;
    }
}

void satb_wait_begin(struct satb_queue *q)
{
    __atomic_fetch_add(&q->waiters, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&q->waits, 1, __ATOMIC_RELAXED);
}

void satb_wait_end(struct satb_queue *q)
{
    __atomic_fetch_sub(&q->waiters, 1, __ATOMIC_SEQ_CST);
}

bool satb_waiting(const struct satb_queue *q)
{
    return __atomic_load_n(&q->waiters, __ATOMIC_SEQ_CST) != 0;
}
