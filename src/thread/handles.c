/*
 * handles.c — the per-thread handle stack: fixed-size chunks in a list, so a
 * handle's address never changes while its scope is open, and a scope is
 * just a saved (top, limit) pair.  Chunks past the current one are kept for
 * reuse until the thread detaches.
 *
 * Marking takes the handles in use at mark start as this thread's part of
 * the root snapshot and reads them while the thread runs (the mark-start
 * pause only records how many there are).  Until it has, the snapshot is
 * kept as the SATB barrier keeps the heap's: a handle overwritten goes
 * through the store barrier (rgc_root_store), and a scope close that drops
 * handles below the watermark hands their values to `dropped` first
 * (thread.h states the invariant; docs/design.md, "Roots", the proof).
 */
#include <stddef.h>

#include "base/chaos.h"
#include "thread/thread_check.h"
#include "base/error.h"
#include "base/meta.h"
#include "thread/thread.h"

static rgc_ref *chunk_end(struct handle_chunk *c)
{
    return c->slots + HANDLE_CHUNK_SLOTS;
}

/* The chunk that ends at limit. */
static struct handle_chunk *chunk_of_limit(rgc_ref *limit)
{
    return (struct handle_chunk *)((char *)(limit - HANDLE_CHUNK_SLOTS) -
                                   offsetof(struct handle_chunk, slots));
}

int handles_init(struct rgc_thread *t)
{
    t->handles = rgc_meta_calloc(1, sizeof *t->handles);
    if (!t->handles)
        return rgc_fail(RGC_ENOMEM, "rgc_thread_attach: no memory for handles");
    t->fast.handle_top = t->handles->slots;
    t->fast.handle_limit = chunk_end(t->handles);
    return RGC_OK;
}

void handles_destroy(struct rgc_thread *t)
{
    struct handle_chunk *c = t->handles;
    while (c) {
        struct handle_chunk *next = c->next;
        rgc_meta_free(c);
        c = next;
    }
    t->handles = NULL;
}

rgc_ref *rgc__handle_slow(rgc_thread *t, void *obj)
{
    if (!thread_check(t, "rgc_handle"))
        return NULL;
    struct handle_chunk *cur = chunk_of_limit(t->fast.handle_limit);
    if (!cur->next) {
        struct handle_chunk *fresh = rgc_meta_calloc(1, sizeof *fresh);
        if (!fresh) {
            rgc_fail(RGC_ENOMEM, "rgc_handle: no memory for a handle chunk");
            return NULL;
        }
        fresh->base = cur->base + HANDLE_CHUNK_SLOTS;
        cur->next = fresh;
    }
    t->fast.handle_top = cur->next->slots;
    t->fast.handle_limit = chunk_end(cur->next);
    t->fast.root_watermark = NULL; /* it lies in an earlier chunk */
    return rgc_handle(t, obj);
}

static size_t position(rgc_ref *top, rgc_ref *limit)
{
    struct handle_chunk *c = chunk_of_limit(limit);
    return c->base + (size_t)(top - c->slots);
}

/* fast.root_watermark from roots_wm and the current chunk (thread.h). */
static void publish_watermark(struct rgc_thread *t)
{
    struct handle_chunk *cur = chunk_of_limit(t->fast.handle_limit);
    bool pending = __atomic_load_n(&t->roots_pending, __ATOMIC_ACQUIRE);
    t->fast.root_watermark = pending && t->roots_wm >= cur->base
                                 ? cur->slots + (t->roots_wm - cur->base)
                                 : NULL;
}

/* Visit the slots at positions [from, to), calling `between` (if any)
 * after each chunk; every chunk they lie in exists and is stable for the
 * caller. */
static void visit_range(struct rgc_thread *t, size_t from, size_t to,
                        rgc_visit_fn visit, void *ctx,
                        void (*between)(void *), void *between_ctx)
{
    for (struct handle_chunk *c = t->handles; from < to; c = c->next) {
        size_t end = c->base + HANDLE_CHUNK_SLOTS;
        for (; from < end && from < to; from++)
            visit(&c->slots[from - c->base], ctx);
        if (to <= end)
            return; /* c->next may be being written by the owner */
        if (between)
            between(between_ctx);
    }
}

void handles_snapshot(struct rgc_thread *t)
{
    size_t in_use = position(t->fast.handle_top, t->fast.handle_limit);
    t->roots_snapshot = t->roots_wm = in_use;
    __atomic_store_n(&t->roots_pending, in_use != 0, __ATOMIC_RELAXED);
    t->fast.root_watermark = in_use ? t->fast.handle_top : NULL;
}

bool handles_snapshot_pending(const struct rgc_thread *t)
{
    return __atomic_load_n(&t->roots_pending, __ATOMIC_RELAXED);
}

void handles_visit_snapshot(struct rgc_thread *t, rgc_visit_fn visit,
                            void *ctx, void (*between)(void *),
                            void *between_ctx)
{
    if (!__atomic_load_n(&t->roots_pending, __ATOMIC_RELAXED))
        return;
    visit_range(t, 0, t->roots_snapshot, visit, ctx, between, between_ctx);
    /* Release: a close that sees the snapshot done sees it read. */
    __atomic_store_n(&t->roots_pending, false, __ATOMIC_RELEASE);
}

void handles_close(struct rgc_thread *t, rgc_scope scope,
                   rgc_visit_fn dropped, void *ctx)
{
    if (__atomic_load_n(&t->roots_pending, __ATOMIC_ACQUIRE)) {
        size_t to = position(scope.top_, scope.limit_);
        if (to < t->roots_wm) {
            chaos_point(CHAOS_ROOT_DROP, t);
            visit_range(t, to, t->roots_wm, dropped, ctx, NULL, NULL);
            t->roots_wm = to;
        }
    }
    t->fast.handle_top = scope.top_;
    t->fast.handle_limit = scope.limit_;
    publish_watermark(t);
}

void handles_snapshot_end(struct rgc_thread *t)
{
    __atomic_store_n(&t->roots_pending, false, __ATOMIC_RELAXED);
    t->fast.root_watermark = NULL;
}

void handles_visit(struct rgc_thread *t, rgc_visit_fn visit, void *ctx)
{
    struct handle_chunk *last = chunk_of_limit(t->fast.handle_limit);
    for (struct handle_chunk *c = t->handles;; c = c->next) {
        rgc_ref *end = c == last ? t->fast.handle_top : chunk_end(c);
        for (rgc_ref *h = c->slots; h < end; h++)
            visit(h, ctx);
        if (c == last)
            return;
    }
}

bool handles_contains(const struct rgc_thread *t, const rgc_ref *slot)
{
    struct handle_chunk *last = chunk_of_limit(t->fast.handle_limit);
    for (struct handle_chunk *c = t->handles;; c = c->next) {
        rgc_ref *end = c == last ? t->fast.handle_top : chunk_end(c);
        if (slot >= c->slots && slot < end)
            return true;
        if (c == last)
            return false;
    }
}

size_t handles_in_use(const struct rgc_thread *t)
{
    size_t n = 0;
    struct handle_chunk *last = chunk_of_limit(t->fast.handle_limit);
    for (struct handle_chunk *c = t->handles; c != last; c = c->next)
        n += HANDLE_CHUNK_SLOTS;
    return n + (size_t)(t->fast.handle_top - last->slots);
}
