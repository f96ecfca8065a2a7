/* trace.c — explicit-stack traversal with work sharing between workers. */
#include "mark/trace.h"

#include <string.h>

#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"

#define CHUNK 256  /* objects per donated chunk */
#define PREFETCH 8 /* objects in flight between prefetch and scan */

struct trace_chunk {
    struct trace_chunk *next;
    size_t count;
    uintptr_t items[CHUNK];
};

struct mark_stack {
    uintptr_t *items;
    size_t count, capacity;
};

/* One worker's view: the shared trace and its own stack. */
struct tracer {
    struct trace *tr;
    struct mark_stack stack;
};

static void push(struct mark_stack *s, uintptr_t start)
{
    if (s->count == s->capacity) {
        size_t cap = s->capacity ? 2 * s->capacity : 4096;
        uintptr_t *grown = rgc_meta_realloc(s->items, cap * sizeof *grown);
        if (!grown)
            rgc_fatal("no memory to grow the mark stack to %zu entries", cap);
        s->items = grown;
        s->capacity = cap;
    }
    s->items[s->count++] = start;
}

static void trace_slot(rgc_ref *slot, void *ctx)
{
    struct tracer *t = ctx;
    uintptr_t addr = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED) &
                     RGC__ADDR_MASK;
    if (addr && t->tr->reach(t->tr->ctx, slot, object_start((void *)addr)))
        push(&t->stack, object_start((void *)addr));
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
    pthread_mutex_lock(&tr->lock);
    c->next = tr->pool;
    tr->pool = c;
    pthread_cond_signal(&tr->wake);
    pthread_mutex_unlock(&tr->lock);
}

/* Take a chunk from the pool into s; false when the trace is over. */
static bool refill(struct trace *tr, struct mark_stack *s, unsigned nworkers)
{
    pthread_mutex_lock(&tr->lock);
    for (;;) {
        struct trace_chunk *c = tr->pool;
        if (c) {
            tr->pool = c->next;
            pthread_mutex_unlock(&tr->lock);
            for (size_t i = 0; i < c->count; i++)
                push(s, c->items[i]);
            rgc_meta_free(c);
            return true;
        }
        if (tr->done)
            break;
        if (__atomic_add_fetch(&tr->idle, 1, __ATOMIC_RELAXED) == nworkers) {
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

static void scan(struct tracer *t, uintptr_t start)
{
    if (t->tr->scan)
        t->tr->scan(t->tr->ctx, start);
    object_visit_refs(t->tr->types, start, trace_slot, t);
}

static void trace_worker(void *ctx, unsigned worker, unsigned nworkers)
{
    struct trace *tr = ctx;
    struct tracer t = {tr, {0}};
    /* Objects popped wait PREFETCH pops in a ring, their headers being
     * prefetched, before they are scanned: the cache misses of marking
     * overlap instead of following one another. */
    uintptr_t ring[PREFETCH] = {0};
    unsigned head = 0, in_flight = 0;
    if (worker == 0)
        tr->roots(tr->roots_ctx, trace_slot, &t);
    do {
        for (;;) {
            uintptr_t start = 0;
            if (t.stack.count) {
                start = t.stack.items[--t.stack.count];
                __builtin_prefetch((void *)start);
                in_flight++;
            } else if (!in_flight) {
                break;
            }
            uintptr_t ready = ring[head];
            ring[head] = start;
            head = (head + 1) % PREFETCH;
            if (ready) {
                in_flight--;
                scan(&t, ready);
            }
            if (t.stack.count >= 2 * CHUNK &&
                __atomic_load_n(&tr->idle, __ATOMIC_RELAXED))
                donate(tr, &t.stack);
        }
    } while (refill(tr, &t.stack, nworkers));
    rgc_meta_free(t.stack.items);
}

void trace_from_roots(struct trace *tr, roots_fn roots, void *roots_ctx,
                      struct workers *workers)
{
    tr->roots = roots;
    tr->roots_ctx = roots_ctx;
    tr->pool = NULL;
    tr->idle = 0;
    tr->done = false;
    pthread_mutex_init(&tr->lock, NULL);
    pthread_cond_init(&tr->wake, NULL);
    if (workers)
        workers_run(workers, trace_worker, tr);
    else
        trace_worker(tr, 0, 1);
    pthread_mutex_destroy(&tr->lock);
    pthread_cond_destroy(&tr->wake);
}
