/*
 * handles.c — the per-thread handle stack: fixed-size chunks in a list, so a
 * handle's address never changes while its scope is open, and a scope is
 * just a saved (top, limit) pair.  Chunks past the current one are kept for
 * reuse until the thread detaches.
 */
#include <stddef.h>

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
        cur->next = rgc_meta_calloc(1, sizeof *cur->next);
        if (!cur->next) {
            rgc_fail(RGC_ENOMEM, "rgc_handle: no memory for a handle chunk");
            return NULL;
        }
    }
    t->fast.handle_top = cur->next->slots;
    t->fast.handle_limit = chunk_end(cur->next);
    return rgc_handle(t, obj);
}

/* The scope ends in an earlier chunk than the current one, or the thread
 * is not attached (then its handle limit is NULL, and the scope may name
 * chunks freed at detach). */
void rgc__scope_close_slow(rgc_thread *t, rgc_scope scope)
{
    if (!thread_check(t, "rgc_scope_close"))
        return;
    t->fast.handle_top = scope.top_;
    t->fast.handle_limit = scope.limit_;
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
