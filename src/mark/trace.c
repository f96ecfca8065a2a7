/*
 * trace.c — explicit-stack traversal with work stealing and budgets.
 *
 * Each worker's stack is a Chase-Lev work-stealing deque: the owner pushes
 * and pops at the bottom without a locked instruction except when it takes
 * the last item; idle workers steal single items from the top with a CAS.
 * (Lê, Pop, Cohen, Zappa Nardelli, "Correct and efficient work-stealing
 * for weak memory models", PPoPP 2013; the fences are expressed as
 * sequentially consistent accesses, which ThreadSanitizer understands.)
 * Items are two words, read and written with relaxed atomics: a thief may
 * read a slot the owner is rewriting after a wrap-around, but then its CAS
 * on top fails and the torn item is discarded.  A full deque grows; old
 * arrays stay allocated until the run ends, since thieves may still read
 * them.
 *
 * The pool (a mutex-protected list of chunks) holds work between runs: the
 * roots, and whatever a budget-stopped run spilled.
 *
 * Termination: a worker that finds nothing (own deque, pool, a steal from
 * every other worker, SATB queue) counts itself idle and watches for
 * visible work; the run ends when all workers are idle.  An idle worker
 * owns no item, so when the count reaches the number of workers no deque
 * can ever be refilled (only the SATB queue can, by mutators: a worker that
 * sees it non-empty un-idles and drains it; a worker that has already left
 * still counts as idle, so the last one out ends the run too).
 */
#include "mark/trace.h"

#include <sched.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"

#define CHUNK 256          /* items per pooled chunk */
#define PREFETCH 8         /* items in flight between prefetch and scan */
#define SETTLE 1024        /* work units a worker does between budget updates */
#define DEQUE_INITIAL 4096 /* items */

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

struct deque_array {
    struct deque_array *older; /* replaced arrays, freed after the run */
    size_t mask;
    uintptr_t words[];         /* two per item */
};

struct deque {
    _Alignas(64) int64_t top; /* thieves take here */
    _Alignas(64) int64_t bottom; /* the owner pushes and pops here */
    struct deque_array *array;
};

/* One worker's view: the shared trace, its own deque, unsettled work. */
struct tracer {
    struct trace *tr;
    struct deque *deque;
    unsigned id;
    uint64_t rng;
    int64_t work;
    struct cpu_slice slice;
};

/* ---- the deque ---- */

/* Not zeroed: a slot is read only between top and bottom, where it was
 * written first.  (Zeroing 64 KiB touched every page of a fresh array, a
 * pause's worth of page faults on the first cycle.) */
static struct deque_array *array_new(size_t items)
{
    struct deque_array *a =
        rgc_meta_malloc(sizeof *a + 2 * items * sizeof a->words[0]);
    if (!a)
        rgc_fatal("no memory for a mark stack of %zu entries", items);
    a->older = NULL;
    a->mask = items - 1;
    return a;
}

static void slot_put(struct deque_array *a, int64_t i, struct item it)
{
    size_t k = ((size_t)i & a->mask) * 2;
    __atomic_store_n(&a->words[k], it.start, __ATOMIC_RELAXED);
    __atomic_store_n(&a->words[k + 1], it.from, __ATOMIC_RELAXED);
}

static struct item slot_get(const struct deque_array *a, int64_t i)
{
    size_t k = ((size_t)i & a->mask) * 2;
    return (struct item){__atomic_load_n(&a->words[k], __ATOMIC_RELAXED),
                         __atomic_load_n(&a->words[k + 1], __ATOMIC_RELAXED)};
}

static void deque_init(struct deque *d, size_t items)
{
    d->top = d->bottom = 0;
    d->array = array_new(items);
}

static void deque_destroy(struct deque *d)
{
    for (struct deque_array *a = d->array, *older; a; a = older) {
        older = a->older;
        rgc_meta_free(a);
    }
}

static void push(struct deque *d, uintptr_t start, size_t from)
{
    int64_t b = __atomic_load_n(&d->bottom, __ATOMIC_RELAXED);
    int64_t t = __atomic_load_n(&d->top, __ATOMIC_ACQUIRE);
    struct deque_array *a = __atomic_load_n(&d->array, __ATOMIC_RELAXED);
    if (b - t > (int64_t)a->mask) { /* full: grow */
        struct deque_array *grown = array_new(2 * (a->mask + 1));
        for (int64_t i = t; i < b; i++)
            slot_put(grown, i, slot_get(a, i));
        grown->older = a;
        __atomic_store_n(&d->array, grown, __ATOMIC_RELEASE);
        a = grown;
    }
    slot_put(a, b, (struct item){start, from});
    __atomic_store_n(&d->bottom, b + 1, __ATOMIC_RELEASE);
}

/* The owner's pop; false when empty (or a thief took the last item). */
static bool take(struct deque *d, struct item *out)
{
    int64_t b = __atomic_load_n(&d->bottom, __ATOMIC_RELAXED) - 1;
    struct deque_array *a = __atomic_load_n(&d->array, __ATOMIC_RELAXED);
    __atomic_store_n(&d->bottom, b, __ATOMIC_SEQ_CST);
    int64_t t = __atomic_load_n(&d->top, __ATOMIC_SEQ_CST);
    if (t > b) { /* empty */
        __atomic_store_n(&d->bottom, b + 1, __ATOMIC_RELAXED);
        return false;
    }
    struct item it = slot_get(a, b);
    if (t == b) { /* the last item: race the thieves for it */
        bool won = __atomic_compare_exchange_n(
            &d->top, &t, t + 1, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
        __atomic_store_n(&d->bottom, b + 1, __ATOMIC_RELAXED);
        if (!won)
            return false; /* *out untouched: the thief owns the item */
    }
    *out = it;
    return true;
}

enum steal_result { STOLEN, EMPTY, LOST };

static enum steal_result steal(struct deque *d, struct item *out)
{
    int64_t t = __atomic_load_n(&d->top, __ATOMIC_SEQ_CST);
    int64_t b = __atomic_load_n(&d->bottom, __ATOMIC_SEQ_CST);
    if (t >= b)
        return EMPTY;
    struct deque_array *a = __atomic_load_n(&d->array, __ATOMIC_ACQUIRE);
    *out = slot_get(a, t);
    return __atomic_compare_exchange_n(&d->top, &t, t + 1, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
               ? STOLEN
               : LOST;
}

static bool deque_visible(struct deque *d)
{
    return __atomic_load_n(&d->top, __ATOMIC_RELAXED) <
           __atomic_load_n(&d->bottom, __ATOMIC_RELAXED);
}

/* ---- the pool ---- */

static void pool_add(struct trace *tr, struct trace_chunk *c)
{
    pthread_mutex_lock(&tr->lock);
    c->next = tr->pool;
    __atomic_store_n(&tr->pool, c, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&tr->lock);
}

/* Move everything the owner holds to the pool: the run stops, the work
 * must not. */
static void spill(struct trace *tr, struct deque *d)
{
    struct item it;
    struct trace_chunk *c = NULL;
    while (take(d, &it)) {
        if (!c && !(c = rgc_meta_calloc(1, sizeof *c)))
            rgc_fatal("no memory for a chunk of marking work");
        c->items[c->count++] = it;
        if (c->count == CHUNK) {
            pool_add(tr, c);
            c = NULL;
        }
    }
    if (c)
        pool_add(tr, c);
}

static bool take_chunk(struct tracer *t)
{
    struct trace *tr = t->tr;
    if (!__atomic_load_n(&tr->pool, __ATOMIC_RELAXED))
        return false;
    pthread_mutex_lock(&tr->lock);
    struct trace_chunk *c = tr->pool;
    if (c)
        __atomic_store_n(&tr->pool, c->next, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&tr->lock);
    if (!c)
        return false;
    for (size_t i = 0; i < c->count; i++)
        push(t->deque, c->items[i].start, c->items[i].from);
    rgc_meta_free(c);
    return true;
}

/* ---- tracing ---- */

/* The load acquires (a plain mov on x86-64): whoever stored the reference
 * allocated its object first, and the region's state and top that reach
 * checks must be at least as new as that allocation. */
static void trace_slot(rgc_ref *slot, void *ctx)
{
    struct tracer *t = ctx;
    uintptr_t bits = __atomic_load_n(&slot->bits_, __ATOMIC_ACQUIRE);
    t->work++;
    if (rgc__addr(bits)) {
        uintptr_t start = t->tr->reach(t->tr->ctx, slot, bits);
        if (start)
            push(t->deque, start, 0);
    }
}

/* Reach the entries of every queued SATB buffer; false if there was none. */
static bool drain_satb(struct tracer *t)
{
    if (!t->tr->satb)
        return false;
    struct satb_buffer *list = satb_queue_take(t->tr->satb);
    if (!list)
        return false;
    for (struct satb_buffer *b = list; b; b = b->next) {
        for (size_t i = 0; i < b->count; i++) {
            uintptr_t start = t->tr->reach(t->tr->ctx, NULL, b->entries[i]);
            if (start)
                push(t->deque, start, 0);
        }
        t->work += (int64_t)b->count;
    }
    satb_queue_recycle(t->tr->satb, list);
    return true;
}

static uint64_t next_random(struct tracer *t)
{
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    return t->rng;
}

/* One item from another worker's deque, victims tried from a random one. */
static bool steal_one(struct tracer *t)
{
    struct trace *tr = t->tr;
    unsigned n = tr->nworkers;
    if (n < 2)
        return false;
    unsigned first = (unsigned)(next_random(t) % n);
    for (unsigned k = 0; k < n; k++) {
        unsigned v = (first + k) % n;
        if (v == t->id)
            continue;
        struct item it;
        enum steal_result r;
        while ((r = steal(&tr->deques[v], &it)) == LOST)
            ;
        if (r == STOLEN) {
            push(t->deque, it.start, it.from);
            return true;
        }
    }
    return false;
}

static bool stopped(const struct trace *tr)
{
    return __atomic_load_n(&tr->stop, __ATOMIC_RELAXED);
}

static bool work_visible(struct trace *tr)
{
    if (__atomic_load_n(&tr->pool, __ATOMIC_RELAXED) ||
        (tr->satb && !satb_queue_empty(tr->satb)))
        return true;
    for (unsigned i = 0; i < tr->nworkers; i++)
        if (deque_visible(&tr->deques[i]))
            return true;
    return false;
}

/* Idle: back off (yield, then sleep a little: concurrent marking shares the
 * CPUs with the mutators). */
static void back_off(unsigned round)
{
    if (round < 16) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, round < 64 ? 10000 : 100000};
    nanosleep(&ts, NULL);
}

/* Find more work for t's empty deque; false when the run is over (all
 * workers idle, or the budget spent). */
static bool find_work(struct tracer *t)
{
    struct trace *tr = t->tr;
    for (;;) {
        if (stopped(tr))
            return false;
        if (take_chunk(t) || steal_one(t) || drain_satb(t))
            return true;
        unsigned idle = __atomic_add_fetch(&tr->idle, 1, __ATOMIC_SEQ_CST);
        for (unsigned round = 0;; round++) {
            if (idle == tr->nworkers || stopped(tr))
                return false; /* stays counted: everyone is done */
            if (work_visible(tr)) {
                __atomic_sub_fetch(&tr->idle, 1, __ATOMIC_SEQ_CST);
                break;
            }
            back_off(round);
            idle = __atomic_load_n(&tr->idle, __ATOMIC_SEQ_CST);
        }
    }
}

/* Charge t's unsettled work to the run's budget; false once it is spent. */
static bool settle(struct tracer *t)
{
    struct trace *tr = t->tr;
    __atomic_fetch_add(&tr->work, (uint64_t)t->work, __ATOMIC_RELAXED);
    int64_t left = __atomic_sub_fetch(&tr->budget, t->work, __ATOMIC_RELAXED);
    t->work = 0;
    if (left <= 0)
        __atomic_store_n(&tr->stop, true, __ATOMIC_RELAXED);
    return left > 0 && !stopped(tr);
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
        push(t->deque, it.start, to); /* the rest: later, or stolen */
    for (size_t i = it.from; i < to; i++)
        trace_slot(&slots[i], t);
}

static void trace_worker(void *ctx, unsigned worker, unsigned nworkers)
{
    (void)nworkers;
    struct trace *tr = ctx;
    struct tracer t = {tr, &tr->deques[worker], worker,
                       0x9E3779B97F4A7C15ull * (worker + 1), 0, {0}};
    cpu_slice_start(&t.slice);
    /* Items popped wait PREFETCH pops in a ring, their headers being
     * prefetched, before they are scanned: the cache misses of marking
     * overlap instead of following one another. */
    struct item ring[PREFETCH] = {{0}};
    unsigned head = 0, in_flight = 0;
    bool going = true;
    do {
        while (going) {
            struct item it = {0};
            if (take(t.deque, &it)) {
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
            if (t.work >= SETTLE) {
                going = settle(&t);
                if (tr->share)
                    cpu_share_pace(tr->share, &t.slice);
            }
        }
        if (going)
            going = settle(&t);
    } while (going && find_work(&t));
    /* Stopped by the budget: hand back the ring and the deque. */
    for (unsigned i = 0; i < PREFETCH; i++)
        if (ring[i].start)
            push(t.deque, ring[i].start, ring[i].from);
    spill(tr, t.deque);
    if (t.work)
        settle(&t);
}

void trace_init(struct trace *tr, const struct type_table *types,
                reach_fn reach, scan_fn scan, void *ctx,
                struct satb_queue *satb)
{
    *tr = (struct trace){.types = types, .reach = reach, .scan = scan,
                         .ctx = ctx, .satb = satb};
    pthread_mutex_init(&tr->lock, NULL);
}

void trace_destroy(struct trace *tr)
{
    while (tr->pool) {
        struct trace_chunk *c = tr->pool;
        tr->pool = c->next;
        rgc_meta_free(c);
    }
    pthread_mutex_destroy(&tr->lock);
}

void trace_add_roots(struct trace *tr, roots_fn roots, void *roots_ctx)
{
    struct deque d; /* small: roots are spilled to the pool at once */
    deque_init(&d, CHUNK);
    struct tracer t = {tr, &d, 0, 1, 0, {0}};
    roots(roots_ctx, trace_slot, &t);
    spill(tr, &d);
    deque_destroy(&d);
}

bool trace_run(struct trace *tr, struct workers *workers, int64_t budget)
{
    if (budget <= 0)
        return !tr->pool; /* no work allowed: between runs it all waits in
                             the pool (or the SATB queue) */
    tr->nworkers = workers ? workers->count : 1;
    tr->idle = 0;
    tr->stop = false;
    tr->budget = budget;
    tr->share = workers ? &workers->share : NULL;
    tr->deques = rgc_meta_aligned(_Alignof(struct deque),
                                  tr->nworkers * sizeof *tr->deques);
    if (!tr->deques)
        rgc_fatal("no memory for %u mark stacks", tr->nworkers);
    for (unsigned i = 0; i < tr->nworkers; i++)
        deque_init(&tr->deques[i], DEQUE_INITIAL);
    if (workers)
        workers_run(workers, trace_worker, tr);
    else
        trace_worker(tr, 0, 1);
    for (unsigned i = 0; i < tr->nworkers; i++)
        deque_destroy(&tr->deques[i]);
    rgc_meta_free(tr->deques);
    tr->deques = NULL;
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
