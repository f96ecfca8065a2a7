/*
 * cpu_share.c — GC threads' duty cycle while mutators fill the cores
 * (cpu_share.h states the policy).
 */
#include "thread/cpu_share.h"

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
                    uint64_t max_pause_ns, const int32_t *online,
                    const size_t *used)
{
    *cs = (struct cpu_share){.cpus = usable_cpus(),
                             .percent = percent,
                             .slice_ns = max_pause_ns / 2,
                             .online = online,
                             .used = used,
                             .used_limit = SIZE_MAX};
}

void cpu_share_busy(struct cpu_share *cs, int delta)
{
    __atomic_fetch_add(&cs->gc_running, delta, __ATOMIC_RELAXED);
}

void cpu_slice_start(struct cpu_slice *s)
{
    s->start_ns = rgc_now_ns();
}

void cpu_share_set_limit(struct cpu_share *cs, size_t bytes)
{
    __atomic_store_n(&cs->used_limit, bytes, __ATOMIC_RELAXED);
}

/* More threads want the CPUs than there are: mutators online (a pause has
 * none) plus the GC threads at work, this one included. */
static bool contended(const struct cpu_share *cs)
{
    int busy = __atomic_load_n(cs->online, __ATOMIC_RELAXED) +
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
    uint64_t ran = now - s->start_ns;
    if (ran < cs->slice_ns)
        return;
    if (contended(cs) && !heap_outgrown(cs)) {
        /* Off for as long as keeps this thread at `percent` of a core. */
        uint64_t off = ran * (100 - cs->percent) / cs->percent;
        struct timespec ts = {(time_t)(off / 1000000000u),
                              (long)(off % 1000000000u)};
        nanosleep(&ts, NULL);
        uint64_t after = rgc_now_ns();
        __atomic_fetch_add(&cs->sleeps, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&cs->slept_ns, after - now, __ATOMIC_RELAXED);
        now = after;
    }
    s->start_ns = now;
}
