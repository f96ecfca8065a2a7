/*
 * ring_rgc.c — one thread's ring on rgc: the window is a reference array
 * (rgc_alloc_refs) held in a handle, messages are byte arrays
 * (rgc_alloc_bytes), and a replaced message simply becomes garbage.  The
 * keep ring (keep_every) is a second reference array in a second handle.
 * The extra roots are handles of this thread and, for thread 0, global
 * roots registered in a calloc'd array.
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

/* The extra roots' slots: handles first, then global roots. */
struct extra_roots {
    rgc_ref **slots;
    rgc_ref *globals;
    uint64_t count, handles;
};

static bool hold_roots(struct ring_worker *w, rgc_thread *t,
                       struct extra_roots *x)
{
    x->handles = w->p->handles;
    x->count = ring_root_count(w);
    if (!x->count)
        return true;
    x->slots = calloc(x->count, sizeof *x->slots);
    x->globals = calloc(x->count - x->handles + 1, sizeof *x->globals);
    if (!x->slots || !x->globals)
        return false;
    for (uint64_t i = 0; i < x->count; i++) {
        uint64_t *obj = rgc_alloc_bytes(t, RING_ROOT_BYTES);
        if (!obj)
            return false;
        obj[0] = i;
        obj[1] = ~i;
        if (i < x->handles) {
            x->slots[i] = rgc_handle(t, obj);
            if (!x->slots[i])
                return false;
        } else {
            x->slots[i] = &x->globals[i - x->handles];
            if (rgc_root_register(w->heap, x->slots[i]) != RGC_OK)
                return false;
            rgc_root_store(t, x->slots[i], obj);
        }
    }
    return true;
}

static void check_roots(struct ring_worker *w, rgc_thread *t,
                        const struct extra_roots *x)
{
    for (uint64_t i = 0; i < x->count; i++) {
        if (!(i & 1023))
            rgc_safepoint(t);
        if (!ring_check_root(w, rgc_load(t, x->slots[i]), i))
            return;
    }
}

static void drop_roots(struct ring_worker *w, struct extra_roots *x)
{
    for (uint64_t i = x->handles; x->slots && i < x->count && x->slots[i];
         i++)
        rgc_root_unregister(w->heap, x->slots[i]);
    free(x->slots);
    free(x->globals);
}

static bool push_loop(struct ring_worker *w, rgc_thread *t, rgc_ref *window,
                      rgc_ref *keep)
{
    const struct msgbuf_params *p = w->p;
    struct thread_result *res = w->res;
    struct rgc_session *probe = w->probe;
    struct baton *baton = w->baton;
    const unsigned self = w->index;
    const size_t size = p->msg_size;
    const size_t slots = p->window;
    const uint64_t every = p->keep_every;
    const uint64_t pushes = ring_pushes(p);
    size_t fifo = 0, kept = 0, next_keep = 0;
    for (uint64_t n = 0; n < pushes; n++) {
        bool timed = ring_timed(w, n);
        uint64_t t0 = bench_now_ns();
        void *m = rgc_alloc_bytes(t, size);
        if (!m) {
            ring_fail(w, "%s: push %llu: %s", w->name, (unsigned long long)n,
                      rgc_last_error());
            return false;
        }
        memset(m, (int)(n & 0xff), size);
        rgc_store_elem(t, rgc_load(t, window), ring_slot(w, n, &fifo), m);
        if (every && n == next_keep) {
            rgc_store_elem(t, rgc_load(t, keep), kept, m);
            next_keep += every;
            if (++kept == slots)
                kept = 0;
        }
        for (unsigned k = 0; k < p->temps; k++) {
            void *x = rgc_alloc_bytes(t, p->temp_size);
            if (!x) {
                ring_fail(w, "%s: push %llu: %s", w->name,
                          (unsigned long long)n, rgc_last_error());
                return false;
            }
            memset(x, (int)k, p->temp_size);
        }
        uint64_t t1 = bench_now_ns();
        if (timed)
            ring_record(w, t0, t1);
        if (baton_held(baton, self))
            rgc_session_tick(probe);
    }
    w->end_ns = bench_now_ns();
    res->loop_ns = w->end_ns - w->start_ns;
    return true;
}

static bool check_slot(struct ring_worker *w, void *ring, size_t i,
                       rgc_thread *t, uint64_t stride)
{
    const size_t size = w->p->msg_size;
    uint64_t n = ring_last_writer(w, i, stride);
    unsigned char *m = rgc_load_elem(t, ring, i);
    if (n == UINT64_MAX) {
        if (m)
            ring_fail(w, "%s: slot %zu was never written but is set",
                      w->name, i);
        return !m;
    }
    if (!m) {
        ring_fail(w, "%s: slot %zu (push %llu) is null", w->name, i,
                  (unsigned long long)n);
        return false;
    }
    if (rgc_type_of(m) != RGC_TYPE_BYTES || rgc_length(m) != size) {
        ring_fail(w,
                  "%s: slot %zu (push %llu): type %u length %zu, "
                  "expected a byte array of %zu",
                  w->name, i, (unsigned long long)n, rgc_type_of(m),
                  rgc_length(m), size);
        return false;
    }
    return ring_check_bytes(w, m, i, n, size);
}

/* Untimed.  A safepoint per slot, so a thread still checking never holds
 * up another thread's collection; raw pointers are reloaded after it. */
static void check_window(struct ring_worker *w, rgc_thread *t,
                         rgc_ref *window, uint64_t stride)
{
    const size_t slots = w->p->window;
    void *ring = rgc_load(t, window);
    if (rgc_length(ring) != slots) {
        ring_fail(w, "%s: the window has %zu slots, expected %zu", w->name,
                  rgc_length(ring), slots);
        return;
    }
    for (size_t i = 0; i < slots; i++) {
        rgc_safepoint(t);
        if (!check_slot(w, rgc_load(t, window), i, t, stride))
            return;
    }
}

void ring_rgc(struct ring_worker *w)
{
    rgc_thread *t = rgc_thread_attach(w->heap);
    if (!t) {
        ring_fail(w, "rgc_thread_attach: %s", rgc_last_error());
        baton_done(w->baton, w->index);
        ring_gate(w, w->start, NULL);
        ring_gate(w, w->finish, NULL);
        return;
    }
    rgc_scope scope = rgc_scope_open(t);
    void *ring = rgc_alloc_refs(t, w->p->window);
    rgc_ref *window = ring ? rgc_handle(t, ring) : NULL;
    rgc_ref *keep = NULL;
    if (window && w->p->keep_every) {
        void *k = rgc_alloc_refs(t, w->p->window);
        keep = k ? rgc_handle(t, k) : NULL;
    }
    if (!window || (w->p->keep_every && !keep))
        ring_fail(w, "%s: cannot allocate the window: %s", w->name,
                  rgc_last_error());
    struct extra_roots extra = {0};
    if (!w->failed && !hold_roots(w, t, &extra))
        ring_fail(w, "%s: cannot set the extra roots up: %s", w->name,
                  rgc_last_error());
    if (baton_held(w->baton, w->index))
        rgc_session_poll(w->probe);

    bool go = ring_gate(w, w->start, t) && !w->failed;
    if (go)
        go = push_loop(w, t, window, keep);
    baton_done(w->baton, w->index);
    go &= ring_gate(w, w->finish, t);
    if (go)
        check_window(w, t, window, 1);
    if (go && keep)
        check_window(w, t, keep, w->p->keep_every);
    if (go)
        check_roots(w, t, &extra);
    drop_roots(w, &extra);

    rgc_scope_close(t, scope);
    if (rgc_thread_detach(t) != RGC_OK) {
        ring_fail(w, "rgc_thread_detach: %s", rgc_last_error());
        w->still_attached = true;
    }
}
