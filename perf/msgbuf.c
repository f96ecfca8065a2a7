/*
 * msgbuf.c — the message-buffer latency test.
 *
 * A ring of `window` slots; push n allocates a fresh msg_size-byte message,
 * fills it with the byte (n & 0xff) so every page is touched, and stores it
 * in slot n % window, dropping (rgc) or freeing (malloc) the message it
 * replaces.  Every push (allocate + fill + store) is timed with
 * CLOCK_MONOTONIC into a log-linear histogram.  The live set is
 * window * msg_size bytes once the ring is full; the first `window` pushes
 * fill it and are measured like the rest.
 *
 * After the loop, outside the measurement, every slot is checked: the right
 * length and every byte equal to the fill of the push that wrote it, so a
 * collector that loses or corrupts a message fails the run.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "rgc_session.h"

static inline void record_push(struct run_result *r, uint64_t ns)
{
    histogram_record(&r->latency, ns);
    if (ns > NS_PER_MS)
        r->over_1ms++;
}

/* The push that last wrote slot i after `messages` pushes. */
static uint64_t last_writer(const struct msgbuf_params *p, size_t i)
{
    if (p->messages <= i)
        return UINT64_MAX; /* never written */
    uint64_t last = p->messages - 1;
    return last - (last - i) % p->window;
}

static bool check_bytes(struct run_result *r, const unsigned char *m,
                        size_t i, uint64_t n, size_t size)
{
    unsigned char want = (unsigned char)n;
    for (size_t k = 0; k < size; k++)
        if (m[k] != want) {
            run_fail(r,
                     "msgbuf: slot %zu (push %llu): byte %zu is 0x%02x, "
                     "expected 0x%02x",
                     i, (unsigned long long)n, k, m[k], want);
            return false;
        }
    return true;
}

static void run_rgc(const struct msgbuf_params *p, struct run_result *r)
{
    struct rgc_session s;
    if (!rgc_session_open(&s, p->options, r))
        return;
    rgc_thread *t = s.thread;
    rgc_scope scope = rgc_scope_open(t);
    void *w = rgc_alloc_refs(t, p->window);
    rgc_ref *window = w ? rgc_handle(t, w) : NULL;
    if (!window) {
        run_fail(r, "msgbuf: cannot allocate the window: %s",
                 rgc_last_error());
        goto out;
    }
    rgc_session_poll(&s);

    const size_t size = p->msg_size;
    const size_t slots = p->window;
    size_t slot = 0;
    uint64_t start = bench_now_ns();
    for (uint64_t n = 0; n < p->messages; n++) {
        uint64_t t0 = bench_now_ns();
        void *m = rgc_alloc_bytes(t, size);
        if (!m) {
            run_fail(r, "msgbuf: push %llu: %s", (unsigned long long)n,
                     rgc_last_error());
            goto out;
        }
        memset(m, (int)(n & 0xff), size);
        rgc_store_elem(t, rgc_load(t, window), slot, m);
        uint64_t t1 = bench_now_ns();
        record_push(r, t1 - t0);
        rgc_session_poll(&s);
        if (++slot == slots)
            slot = 0;
    }
    r->total_ns = bench_now_ns() - start;

    void *ring = rgc_load(t, window);
    if (rgc_length(ring) != slots) {
        run_fail(r, "msgbuf: the window has %zu slots, expected %zu",
                 rgc_length(ring), slots);
        goto out;
    }
    for (size_t i = 0; i < slots; i++) {
        uint64_t n = last_writer(p, i);
        unsigned char *m = rgc_load_elem(t, ring, i);
        if (n == UINT64_MAX) {
            if (m) {
                run_fail(r, "msgbuf: slot %zu was never written but is set",
                         i);
                goto out;
            }
            continue;
        }
        if (!m) {
            run_fail(r, "msgbuf: slot %zu (push %llu) is null", i,
                     (unsigned long long)n);
            goto out;
        }
        if (rgc_type_of(m) != RGC_TYPE_BYTES || rgc_length(m) != size) {
            run_fail(r,
                     "msgbuf: slot %zu (push %llu): type %u length %zu, "
                     "expected a byte array of %zu",
                     i, (unsigned long long)n, rgc_type_of(m), rgc_length(m),
                     size);
            goto out;
        }
        if (!check_bytes(r, m, i, n, size))
            goto out;
    }
out:
    rgc_scope_close(t, scope);
    rgc_session_close(&s, r);
}

static void run_malloc(const struct malloc_api *api,
                       const struct msgbuf_params *p, struct run_result *r)
{
    /* The ring itself comes from the allocator under test, like rgc's. */
    unsigned char **ring = api->malloc(p->window * sizeof *ring);
    if (!ring) {
        run_fail(r, "msgbuf: %s cannot allocate the window", api->name);
        return;
    }
    memset(ring, 0, p->window * sizeof *ring);

    void *(*const alloc)(size_t) = api->malloc;
    void (*const release)(void *) = api->free;
    const size_t size = p->msg_size;
    const size_t slots = p->window;
    size_t slot = 0;
    uint64_t start = bench_now_ns();
    for (uint64_t n = 0; n < p->messages; n++) {
        uint64_t t0 = bench_now_ns();
        unsigned char *m = alloc(size);
        if (!m) {
            run_fail(r, "msgbuf: push %llu: %s malloc(%zu) failed",
                     (unsigned long long)n, api->name, size);
            break;
        }
        memset(m, (int)(n & 0xff), size);
        if (release)
            release(ring[slot]);
        ring[slot] = m;
        uint64_t t1 = bench_now_ns();
        record_push(r, t1 - t0);
        if (++slot == slots)
            slot = 0;
    }
    if (r->ok) {
        r->total_ns = bench_now_ns() - start;
        for (size_t i = 0; i < slots; i++) {
            uint64_t n = last_writer(p, i);
            if (n != UINT64_MAX && !check_bytes(r, ring[i], i, n, size))
                break;
        }
    }
    if (release) {
        for (size_t i = 0; i < slots; i++)
            release(ring[i]);
        release(ring);
    }
}

void msgbuf_run(const void *params, enum alloc_kind alloc,
                struct run_result *r)
{
    const struct msgbuf_params *p = params;
    if (alloc == ALLOC_RGC) {
        run_rgc(p, r);
        return;
    }
    const struct malloc_api *api = alloc_malloc_api(alloc);
    if (!api) {
        run_fail(r, "%s", alloc_unavailable(alloc));
        return;
    }
    run_malloc(api, p, r);
}
