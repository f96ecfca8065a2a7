/*
 * ring_malloc.c — one thread's ring on a malloc: glibc and tcmalloc free
 * the replaced message inside the push; bdwgc (GC_MALLOC, no free) leaves
 * it to its collector.  The window itself comes from the allocator under
 * test, like rgc's; for bdwgc it is reachable from this thread's stack,
 * which bdwgc scans once the thread is registered.
 */
#include <string.h>

#include "ring.h"

static bool push_loop(struct ring_worker *w, unsigned char **ring)
{
    const struct malloc_api *api = w->api;
    const struct msgbuf_params *p = w->p;
    struct thread_result *res = w->res;
    void *(*const alloc)(size_t) = api->malloc;
    void (*const release)(void *) = api->free;
    const size_t size = p->msg_size;
    const size_t slots = p->window;
    size_t slot = 0;
    w->start_ns = bench_now_ns();
    for (uint64_t n = 0; n < p->messages; n++) {
        uint64_t t0 = bench_now_ns();
        unsigned char *m = alloc(size);
        if (!m) {
            ring_fail(w, "%s: push %llu: %s malloc(%zu) failed", w->name,
                      (unsigned long long)n, api->name, size);
            return false;
        }
        memset(m, (int)(n & 0xff), size);
        if (release)
            release(ring[slot]);
        ring[slot] = m;
        uint64_t t1 = bench_now_ns();
        ring_record(res, t1 - t0);
        if (++slot == slots)
            slot = 0;
    }
    w->end_ns = bench_now_ns();
    res->loop_ns = w->end_ns - w->start_ns;
    return true;
}

static void check_window(struct ring_worker *w, unsigned char **ring)
{
    for (size_t i = 0; i < w->p->window; i++) {
        uint64_t n = ring_last_writer(w->p, i);
        if (n != UINT64_MAX &&
            !ring_check_bytes(w, ring[i], i, n, w->p->msg_size))
            return;
    }
}

void ring_malloc(struct ring_worker *w)
{
    const struct malloc_api *api = w->api;
    const size_t slots = w->p->window;
    bool registered = w->bdwgc_register && bdwgc_thread_register();
    if (w->bdwgc_register && !registered)
        ring_fail(w, "%s: cannot register the thread with bdwgc", w->name);

    unsigned char **ring =
        w->failed ? NULL : api->malloc(slots * sizeof *ring);
    if (ring)
        memset(ring, 0, slots * sizeof *ring);
    else
        ring_fail(w, "%s: %s cannot allocate the window", w->name,
                  api->name);

    bool go = ring_gate(w, w->start, NULL) && ring;
    if (go)
        go = push_loop(w, ring);
    go &= ring_gate(w, w->finish, NULL);
    if (go)
        check_window(w, ring);

    if (ring && api->free) {
        for (size_t i = 0; i < slots; i++)
            api->free(ring[i]);
        api->free(ring);
    }
    if (registered)
        bdwgc_thread_unregister();
}
