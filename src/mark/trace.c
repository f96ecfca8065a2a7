/* trace.c — explicit-stack traversal with work sharing and budgets. */
#include "mark/trace.h"

#include <string.h>

#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"

#define CHUNK 256   /* items per donated chunk */
#define PREFETCH 8  /* items in flight between prefetch and scan */
#define SETTLE 1024 /* work units a worker does between budget updates */

/* An object to scan from slot `from` on (0: the whole object). */
struct item {
    uintptr_t start;
    size_t from;
};

struct trace_chunk {
    struct trace_chunk *next;
    size_t count;
    struct item items[CHUNK];
};

struct mark_stack {
    struct item *items;
    size_t count, capacity;
};

/* One worker's view: the shared trace, its own stack, unsettled work. */
struct tracer {
    struct trace *tr;
    struct mark_stack stack;
    int64_t work;
};

static void push(struct mark_stack *s, uintptr_t start, size_t from)
{
    if (s->count == s->capacity) {
        size_t cap = s->capacity ? 2 * s->capacity : 4096;
        struct item *grown = rgc_meta_realloc(s->items, cap * sizeof *grown);
        if (!grown)
            rgc_fatal("no memory to grow the mark stack to %zu entries", cap);
        s->items = grown;
        s->capacity = cap;
    }
    s->items[s->count++] = (struct item){start, from};
}

static void trace_slot(rgc_ref *slot, void *ctx)
{
    struct tracer *t = ctx;
    uintptr_t bits = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED);
    t->work++;
    if (bits & RGC__ADDR_MASK) {
        uintptr_t start = t->tr->reach(t->tr->ctx, slot, bits);
        if (start)
            push(&t->stack, start, 0);
    }
}

static void pool_add(struct trace *tr, struct trace_chunk *c)
{
    pthread_mutex_lock(&tr->lock);
    c->next = tr->pool;
    tr->pool = c;
    pthread_cond_signal(&tr->wake);
    pthread_mutex_unlock(&tr->lock);
}

static struct trace_chunk *new_chunk(void)
{
    struct trace_chunk *c = rgc_meta_calloc(1, sizeof *c);
    if (!c)
        rgc_fatal("no memory for a chunk of marking work");
    return c;
}

/* Move the top chunk of the stack to the pool, for an idle worker.  (Taking
 * the oldest entries would hand over wider subgraphs, but costs a move of
 * the whole stack per donation: quadratic on a wide array, measured.) */
static void donate(struct trace *tr, struct mark_stack *s)
{
    struct trace_chunk *c = rgc_meta_calloc(1, sizeof *c);
    if (!c)
        return; /* keep the work: sharing is an optimisation */
    c->count = CHUNK;
    s->count -= CHUNK;
    memcpy(c->items, s->items + s->count, sizeof c->items);
    pool_add(tr, c);
}

/* Move the whole stack to the pool: the run stops, the work must not. */
static void spill(struct trace *tr, struct mark_stack *s)
{
    while (s->count) {
        struct trace_chunk *c = new_chunk();
        c->count = s->count < CHUNK ? s->count : CHUNK;
        s->count -= c->count;
        memcpy(c->items, s->items + s->count, c->count * sizeof *c->items);
        pool_add(tr, c);
    }
}

/* Reach the entries of every queued SATB buffer; false if there was none. */
static bool drain_satb(struct tracer *t)
{
    struct satb_buffer *list = satb_queue_take(t->tr->satb);
    if (!list)
        return false;
    for (struct satb_buffer *b = list; b; b = b->next) {
        for (size_t i = 0; i < b->count; i++) {
            uintptr_t start = t->tr->reach(t->tr->ctx, NULL, b->entries[i]);
            if (start)
                push(&t->stack, start, 0);
        }
        t->work += (int64_t)b->count;
    }
    satb_buffers_free(list);
    return true;
}

/* Find more work for t: the pool, then the SATB queue.  false when the run
 * is over (everyone idle with nothing pooled, or the budget is spent). */
static bool refill(struct tracer *t)
{
    struct trace *tr = t->tr;
    pthread_mutex_lock(&tr->lock);
    for (;;) {
        struct trace_chunk *c = tr->pool;
        if (c && !tr->stop) {
            tr->pool = c->next;
            pthread_mutex_unlock(&tr->lock);
            for (size_t i = 0; i < c->count; i++)
                push(&t->stack, c->items[i].start, c->items[i].from);
            rgc_meta_free(c);
            return true;
        }
        if (tr->done || tr->stop)
            break;
        if (tr->satb && !satb_queue_empty(tr->satb)) {
            pthread_mutex_unlock(&tr->lock);
            if (drain_satb(t))
                return true;
            pthread_mutex_lock(&tr->lock);
            continue;
        }
        if (__atomic_add_fetch(&tr->idle, 1, __ATOMIC_RELAXED) ==
            tr->nworkers) {
            tr->done = true; /* all idle, nothing pooled: nothing left */
            pthread_cond_broadcast(&tr->wake);
            break;
        }
        pthread_cond_wait(&tr->wake, &tr->lock);
        __atomic_sub_fetch(&tr->idle, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&tr->lock);
    return false;
}

/* Charge t's unsettled work to the run's budget; false once it is spent. */
static bool settle(struct tracer *t)
{
    struct trace *tr = t->tr;
    __atomic_fetch_add(&tr->work, (uint64_t)t->work, __ATOMIC_RELAXED);
    int64_t left = __atomic_sub_fetch(&tr->budget, t->work, __ATOMIC_RELAXED);
    t->work = 0;
    if (left > 0)
        return !__atomic_load_n(&tr->stop, __ATOMIC_RELAXED);
    pthread_mutex_lock(&tr->lock);
    __atomic_store_n(&tr->stop, true, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&tr->wake);
    pthread_mutex_unlock(&tr->lock);
    return false;
}

static void scan(struct tracer *t, struct item it)
{
    struct trace *tr = t->tr;
    uint64_t h = object_header_at(it.start);
    if (it.from == 0 && tr->scan)
        tr->scan(tr->ctx, it.start);
    t->work++;
    if (header_type(h) != RGC_TYPE_REFS) {
        object_visit_refs(tr->types, it.start, trace_slot, t);
        return;
    }
    rgc_ref *slots = object_payload(it.start);
    size_t n = header_payload(h) / sizeof(rgc_ref);
    size_t to = n - it.from > TRACE_ARRAY_CHUNK ? it.from + TRACE_ARRAY_CHUNK
                                                : n;
    if (to < n)
        push(&t->stack, it.start, to); /* the rest, later or elsewhere */
    for (size_t i = it.from; i < to; i++)
        trace_slot(&slots[i], t);
}

static void trace_worker(void *ctx, unsigned worker, unsigned nworkers)
{
    (void)worker;
    (void)nworkers;
    struct tracer t = {ctx, {0}, 0};
    struct trace *tr = t.tr;
    /* Items popped wait PREFETCH pops in a ring, their headers being
     * prefetched, before they are scanned: the cache misses of marking
     * overlap instead of following one another. */
    struct item ring[PREFETCH] = {{0}};
    unsigned head = 0, in_flight = 0;
    bool going = true;
    do {
        while (going) {
            struct item it = {0};
            if (t.stack.count) {
                it = t.stack.items[--t.stack.count];
                __builtin_prefetch((void *)it.start);
                in_flight++;
            } else if (!in_flight) {
                break;
            }
            struct item ready = ring[head];
            ring[head] = it;
            head = (head + 1) % PREFETCH;
            if (ready.start) {
                in_flight--;
                scan(&t, ready);
            }
            if (t.stack.count >= 2 * CHUNK &&
                __atomic_load_n(&tr->idle, __ATOMIC_RELAXED))
                donate(tr, &t.stack);
            if (t.work >= SETTLE)
                going = settle(&t);
        }
        if (!going) { /* budget spent: hand back the ring and the stack */
            for (unsigned i = 0; i < PREFETCH; i++)
                if (ring[i].start)
                    push(&t.stack, ring[i].start, ring[i].from);
            spill(tr, &t.stack);
            break;
        }
        going = settle(&t);
    } while (going && refill(&t));
    if (t.work)
        settle(&t);
    rgc_meta_free(t.stack.items);
}

void trace_init(struct trace *tr, const struct type_table *types,
                reach_fn reach, scan_fn scan, void *ctx,
                struct satb_queue *satb)
{
    *tr = (struct trace){.types = types, .reach = reach, .scan = scan,
                         .ctx = ctx, .satb = satb};
    pthread_mutex_init(&tr->lock, NULL);
    pthread_cond_init(&tr->wake, NULL);
}

void trace_destroy(struct trace *tr)
{
    while (tr->pool) {
        struct trace_chunk *c = tr->pool;
        tr->pool = c->next;
        rgc_meta_free(c);
    }
    pthread_mutex_destroy(&tr->lock);
    pthread_cond_destroy(&tr->wake);
}

void trace_add_roots(struct trace *tr, roots_fn roots, void *roots_ctx)
{
    struct tracer t = {tr, {0}, 0};
    roots(roots_ctx, trace_slot, &t);
    spill(tr, &t.stack);
    rgc_meta_free(t.stack.items);
}

bool trace_run(struct trace *tr, struct workers *workers, int64_t budget)
{
    tr->idle = 0;
    tr->nworkers = workers ? workers->count : 1;
    tr->done = tr->stop = false;
    tr->budget = budget;
    if (workers)
        workers_run(workers, trace_worker, tr);
    else
        trace_worker(tr, 0, 1);
    return !tr->pool;
}

void trace_from_roots(const struct type_table *types, reach_fn reach,
                      scan_fn scan, void *ctx, roots_fn roots,
                      void *roots_ctx, struct workers *workers)
{
    struct trace tr;
    trace_init(&tr, types, reach, scan, ctx, NULL);
    trace_add_roots(&tr, roots, roots_ctx);
    trace_run(&tr, workers, TRACE_UNLIMITED);
    trace_destroy(&tr);
}
