/*
 * ring_malloc.c — one thread's ring on a malloc: glibc and tcmalloc free
 * the replaced message inside the push; bdwgc (GC_MALLOC, no free) leaves
 * it to its collector.  The window itself comes from the allocator under
 * test, like rgc's; for bdwgc it is reachable from this thread's stack,
 * which bdwgc scans once the thread is registered.  With a keep ring, a
 * kept message is freed by the keep ring (when its keep slot is reused),
 * not by the main ring, which always drops it first.
 */
#include <string.h>

#include "ring.h"

static bool push_loop(struct ring_worker *w, unsigned char **ring,
                      unsigned char **keep)
{
    const struct malloc_api *api = w->api;
    const struct msgbuf_params *p = w->p;
    struct thread_result *res = w->res;
    void *(*const alloc)(size_t) = api->malloc;
    void (*const release)(void *) = api->free;
    const size_t size = p->msg_size;
    const size_t slots = p->window;
    const uint64_t every = p->keep_every;
    const uint64_t pushes = ring_pushes(p);
    size_t fifo = 0, kept = 0;
    uint64_t next_keep = 0, dropped_keep = 0; /* next pushes kept/dropped */
    for (uint64_t n = 0; n < pushes; n++) {
        bool timed = ring_timed(w, n);
        uint64_t t0 = bench_now_ns();
        unsigned char *m = alloc(size);
        if (!m) {
            ring_fail(w, "%s: push %llu: %s malloc(%zu) failed", w->name,
                      (unsigned long long)n, api->name, size);
            return false;
        }
        memset(m, (int)(n & 0xff), size);
        size_t slot = ring_slot(w, n, &fifo);
        /* The message replaced here is push n - slots (keep rings are
         * FIFO only). */
        bool owned = !every || n < slots || n - slots != dropped_keep;
        if (!owned)
            dropped_keep += every;
        if (release && owned)
            release(ring[slot]);
        ring[slot] = m;
        if (every && n == next_keep) {
            if (release)
                release(keep[kept]);
            keep[kept] = m;
            next_keep += every;
            if (++kept == slots)
                kept = 0;
        }
        for (unsigned k = 0; k < p->temps; k++) {
            unsigned char *x = alloc(p->temp_size);
            if (!x) {
                ring_fail(w, "%s: push %llu: %s malloc(%zu) failed", w->name,
                          (unsigned long long)n, api->name, p->temp_size);
                return false;
            }
            memset(x, (int)k, p->temp_size);
            if (release)
                release(x);
        }
        uint64_t t1 = bench_now_ns();
        if (timed)
            ring_record(w, t0, t1);
    }
    w->end_ns = bench_now_ns();
    res->loop_ns = w->end_ns - w->start_ns;
    return true;
}

static void check_window(struct ring_worker *w, unsigned char **ring,
                         uint64_t stride)
{
    for (size_t i = 0; i < w->p->window; i++) {
        uint64_t n = ring_last_writer(w, i, stride);
        if (n != UINT64_MAX &&
            !ring_check_bytes(w, ring[i], i, n, w->p->msg_size))
            return;
    }
}

static unsigned char **new_window(const struct malloc_api *api, size_t slots)
{
    unsigned char **ring = api->malloc(slots * sizeof *ring);
    if (ring)
        memset(ring, 0, slots * sizeof *ring);
    return ring;
}

/* The extra roots: blocks of the allocator under test, in an array of
 * its own (which bdwgc scans: it is reachable from this thread's stack). */
static uint64_t **hold_roots(struct ring_worker *w)
{
    const struct malloc_api *api = w->api;
    uint64_t n = ring_root_count(w);
    uint64_t **roots = n ? api->malloc(n * sizeof *roots) : NULL;
    for (uint64_t i = 0; roots && i < n; i++) {
        roots[i] = api->malloc(RING_ROOT_BYTES);
        if (!roots[i])
            return NULL; /* the run fails; what it holds goes with it */
        roots[i][0] = i;
        roots[i][1] = ~i;
    }
    if (n && !roots)
        ring_fail(w, "%s: %s cannot allocate the extra roots", w->name,
                  api->name);
    return roots;
}

static void check_and_free_roots(struct ring_worker *w, uint64_t **roots,
                                 bool check)
{
    uint64_t n = ring_root_count(w);
    for (uint64_t i = 0; roots && i < n; i++) {
        check = check && ring_check_root(w, roots[i], i);
        if (w->api->free)
            w->api->free(roots[i]);
    }
    if (roots && w->api->free)
        w->api->free(roots);
}

void ring_malloc(struct ring_worker *w)
{
    const struct malloc_api *api = w->api;
    const size_t slots = w->p->window;
    bool registered = w->bdwgc_register && bdwgc_thread_register();
    if (w->bdwgc_register && !registered)
        ring_fail(w, "%s: cannot register the thread with bdwgc", w->name);

    const uint64_t every = w->p->keep_every;
    unsigned char **ring = w->failed ? NULL : new_window(api, slots);
    unsigned char **keep = every && ring ? new_window(api, slots) : NULL;
    if (!ring || (every && !keep))
        ring_fail(w, "%s: %s cannot allocate the window", w->name,
                  api->name);
    uint64_t **roots = w->failed ? NULL : hold_roots(w);

    bool go = ring_gate(w, w->start, NULL) && !w->failed;
    if (go)
        go = push_loop(w, ring, keep);
    go &= ring_gate(w, w->finish, NULL);
    if (go)
        check_window(w, ring, 1);
    if (go && keep)
        check_window(w, keep, every);
    check_and_free_roots(w, roots, go);

    if (api->free) {
        /* Kept messages belong to the keep ring, even those still in
         * the main ring (its writer is a multiple of keep_every). */
        for (size_t i = 0; ring && i < slots; i++) {
            uint64_t n = ring_last_writer(w, i, 1);
            if (!every || n == UINT64_MAX || n % every)
                api->free(ring[i]);
        }
        for (size_t i = 0; keep && i < slots; i++)
            api->free(keep[i]);
        api->free(ring);
        api->free(keep);
    }
    if (registered)
        bdwgc_thread_unregister();
}
