/*
 * cpu_share.c — GC threads' duty cycle while mutators fill the cores
 * (cpu_share.h states the policy).
 */
#include "thread/cpu_share.h"

#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

static unsigned usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

void cpu_share_init(struct cpu_share *cs, unsigned percent,
                    uint64_t max_pause_ns, const int32_t *runnable,
                    const bool *stopped, const size_t *used)
{
    uint64_t slice = max_pause_ns / 2 ? max_pause_ns / 2 : 1;
    unsigned widened = percent > CPU_SHARE_WIDENED ? percent
                                                   : CPU_SHARE_WIDENED;
    *cs = (struct cpu_share){.cpus = usable_cpus(),
                             .percent = percent,
                             .slice_ns = slice,
                             .period_ns = slice * 100 / (percent ? percent : 1),
                             .widened_period_ns = slice * 100 / widened,
                             .runnable = runnable,
                             .stopped = stopped,
                             .used = used,
                             .used_limit = SIZE_MAX};
}

void cpu_share_busy(struct cpu_share *cs, int delta)
{
    __atomic_fetch_add(&cs->gc_running, delta, __ATOMIC_RELAXED);
}

void cpu_slice_start(struct cpu_slice *s)
{
    s->until_ns = 0; /* the first work point looks at the phase */
}

void cpu_share_set_limit(struct cpu_share *cs, size_t bytes)
{
    __atomic_store_n(&cs->used_limit, bytes, __ATOMIC_RELAXED);
}

/* More threads want the CPUs than there are, outside a pause: mutators
 * online or parked, plus the GC threads at work, this one included. */
static bool contended(const struct cpu_share *cs)
{
    if (__atomic_load_n(cs->stopped, __ATOMIC_RELAXED))
        return false;
    int busy = __atomic_load_n(cs->runnable, __ATOMIC_RELAXED) +
               __atomic_load_n(&cs->gc_running, __ATOMIC_RELAXED);
    return busy > (int)cs->cpus;
}

static bool heap_outgrown(const struct cpu_share *cs)
{
    return __atomic_load_n(cs->used, __ATOMIC_RELAXED) >
           __atomic_load_n(&cs->used_limit, __ATOMIC_RELAXED);
}

void cpu_share_pace(struct cpu_share *cs, struct cpu_slice *s)
{
    if (cs->percent >= 100)
        return;
    uint64_t now = rgc_now_ns();
    if (now < s->until_ns)
        return;
    if (!contended(cs)) {
        s->until_ns = now + cs->slice_ns; /* free to run: look again later */
        return;
    }
    uint64_t period = heap_outgrown(cs) ? cs->widened_period_ns
                                        : cs->period_ns;
    uint64_t period_start = now - now % period;
    if (now - period_start < cs->slice_ns) { /* inside this period's window */
        s->until_ns = period_start + cs->slice_ns;
        return;
    }
    uint64_t next = period_start + period;
    struct timespec ts = {(time_t)(next / 1000000000u),
                          (long)(next % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR)
        ;
    uint64_t after = rgc_now_ns();
    __atomic_fetch_add(&cs->sleeps, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&cs->slept_ns, after - now, __ATOMIC_RELAXED);
    s->until_ns = next + cs->slice_ns;
}
