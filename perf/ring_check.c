/* ring_check.c — failures, gates and data checks shared by the ring loops. */
#include <stdarg.h>
#include <stdio.h>

#include "ring.h"

void ring_fail(struct ring_worker *w, const char *fmt, ...)
{
    if (w->failed)
        return; /* keep the first reason */
    w->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
}

bool ring_gate(struct ring_worker *w, struct gate *g, rgc_thread *t)
{
    if (!g)
        return true;
    const char *why;
    bool go = gate_pass(g, t, &why);
    if (why)
        ring_fail(w, "%s: blocking region around the gate: %s", w->name,
                  why);
    return go;
}

uint64_t ring_last_writer(const struct ring_worker *w, size_t i,
                          uint64_t stride)
{
    const struct msgbuf_params *p = w->p;
    if (w->writer && stride == 1)
        return w->writer[i];
    uint64_t writes = (p->messages + stride - 1) / stride;
    if (writes <= i)
        return UINT64_MAX; /* never written */
    uint64_t last = writes - 1;
    return (last - (last - i) % p->window) * stride;
}

bool ring_check_bytes(struct ring_worker *w, const unsigned char *m,
                      size_t i, uint64_t n, size_t size)
{
    unsigned char want = (unsigned char)n;
    for (size_t k = 0; k < size; k++)
        if (m[k] != want) {
            ring_fail(w,
                      "%s: slot %zu (push %llu): byte %zu is 0x%02x, "
                      "expected 0x%02x",
                      w->name, i, (unsigned long long)n, k, m[k], want);
            return false;
        }
    return true;
}

uint64_t ring_root_count(const struct ring_worker *w)
{
    return w->p->handles + (w->index == 0 ? w->p->global_roots : 0);
}

bool ring_check_root(struct ring_worker *w, const uint64_t *obj, uint64_t i)
{
    if (obj && obj[0] == i && obj[1] == ~i)
        return true;
    ring_fail(w, "%s: extra root %llu names %s", w->name,
              (unsigned long long)i, obj ? "another object" : "nothing");
    return false;
}
