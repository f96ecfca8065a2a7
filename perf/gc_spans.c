/* gc_spans.c — pauses and stalls from rgc's events (perf/gc_spans.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gettid */
#endif
#include "gc_spans.h"

#include <stdlib.h>
#include <unistd.h>

bool gc_spans_init(struct gc_spans *s, size_t cap)
{
    *s = (struct gc_spans){.cap = cap};
    s->pauses = malloc(cap * sizeof *s->pauses);
    s->stalls = malloc(cap * sizeof *s->stalls);
    if (!s->pauses || !s->stalls) {
        gc_spans_free(s);
        return false;
    }
    return true;
}

void gc_spans_free(struct gc_spans *s)
{
    free(s->pauses);
    free(s->stalls);
    *s = (struct gc_spans){0};
}

static void append(struct gc_spans *s, struct gc_span *to, size_t *count,
                   struct gc_span span)
{
    if (*count == s->cap)
        s->truncated = true;
    else
        to[(*count)++] = span;
}

/* A stall's event comes on the stalled thread (docs/api.md, "Events"):
 * its tid names the thread whose pushes it slowed. */
static void listen(rgc_heap *heap, const rgc_event *ev, void *ctx)
{
    (void)heap;
    struct gc_spans *s = ctx;
    uint64_t end = ev->start_ns + ev->duration_ns;
    if (ev->kind == RGC_EVENT_PAUSE)
        append(s, s->pauses, &s->pause_count,
               (struct gc_span){.start = ev->start_ns,
                                .ttsp_end = ev->start_ns + ev->ttsp_ns,
                                .end = end});
    else if (ev->kind == RGC_EVENT_STALL)
        append(s, s->stalls, &s->stall_count,
               (struct gc_span){.start = ev->start_ns, .end = end,
                                .tid = (int)gettid()});
}

bool gc_spans_attach(struct gc_spans *s, rgc_heap *heap)
{
    return rgc_set_event_listener(heap, listen, s) == RGC_OK;
}

static int by_start(const void *a, const void *b)
{
    const struct gc_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

void gc_spans_detach(struct gc_spans *s, rgc_heap *heap)
{
    rgc_set_event_listener(heap, NULL, NULL);
    qsort(s->pauses, s->pause_count, sizeof *s->pauses, by_start);
    qsort(s->stalls, s->stall_count, sizeof *s->stalls, by_start);
}
