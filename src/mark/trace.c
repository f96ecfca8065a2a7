/* trace.c — the explicit-stack traversal behind marking and verification. */
#include "mark/trace.h"

#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"

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
    struct trace *tr = ctx;
    uintptr_t addr = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED) &
                     RGC__ADDR_MASK;
    if (addr && tr->reach(tr->ctx, slot, object_start((void *)addr)))
        push(&tr->stack, object_start((void *)addr));
}

void trace_from_roots(struct trace *tr, roots_fn roots, void *roots_ctx)
{
    roots(roots_ctx, trace_slot, tr);
    while (tr->stack.count) {
        uintptr_t start = tr->stack.items[--tr->stack.count];
        object_visit_refs(tr->types, start, trace_slot, tr);
    }
    rgc_meta_free(tr->stack.items);
    tr->stack = (struct mark_stack){0};
}
