/*
 * msgbuf.c — the message-buffer latency test: the ring of perf/ring.h on
 * `window` slots, `messages` pushes.  With --threads 1 (the default) the
 * ring runs on the calling thread, as it always has; with --threads N it
 * runs on N new threads, each on its own window of `window` slots with
 * `messages` pushes (the same engine as mtchurn, with msgbuf's defaults and
 * table).
 */
#include "bench.h"
#include "ring.h"

void msgbuf_run(const void *params, enum alloc_kind alloc,
                struct run_result *r)
{
    const struct msgbuf_params *p = params;
    ring_run("msgbuf", p, alloc, r, p->threads > 1);
}

/* The same ring under the cache's name (its defaults are main.c's). */
void cache_run(const void *params, enum alloc_kind alloc,
               struct run_result *r)
{
    const struct msgbuf_params *p = params;
    ring_run("cache", p, alloc, r, p->threads > 1);
}
