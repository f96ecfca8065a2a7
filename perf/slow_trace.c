/* slow_trace.c — slow pushes and their getrusage deltas (perf/slow_trace.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RUSAGE_THREAD, gettid */
#endif
#include "slow_trace.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

bool slow_trace_init(struct slow_trace *t, size_t cap)
{
    *t = (struct slow_trace){.cap = cap};
    t->ops = malloc(cap * sizeof *t->ops);
    return t->ops != NULL;
}

void slow_trace_free(struct slow_trace *t)
{
    free(t->ops);
    *t = (struct slow_trace){0};
}

/* Faults (minor + major), involuntary and voluntary context switches
 * into c; left as they are if getrusage fails (RUSAGE_THREAD does not on
 * Linux), so a failed read counts nothing. */
static void read_counters(uint64_t c[3])
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return;
    c[0] = (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
    c[1] = (uint64_t)ru.ru_nivcsw;
    c[2] = (uint64_t)ru.ru_nvcsw;
}

void slow_trace_begin(struct slow_trace *t)
{
    t->tid = (int)gettid();
    read_counters(t->last);
}

/* What counter k rose by since the last read, which becomes now's. */
static uint32_t delta(struct slow_trace *t, const uint64_t *now, int k)
{
    uint64_t d = now[k] - t->last[k];
    t->last[k] = now[k];
    return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

void slow_trace_push(struct slow_trace *t, uint64_t t0, uint64_t t1)
{
    uint64_t now[3] = {t->last[0], t->last[1], t->last[2]};
    read_counters(now);
    t->pushes++;
    t->cost_ns += bench_now_ns() - t1;
    struct slow_push op = {.start = t0, .end = t1,
                           .faults = delta(t, now, 0),
                           .preempted = delta(t, now, 1),
                           .blocked = delta(t, now, 2)};
    if (t1 - t0 <= attribution_level_ns[0])
        return;
    if (t->count == t->cap) {
        t->truncated = true;
        return;
    }
    t->ops[t->count++] = op;
}
