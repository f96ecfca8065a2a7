/* clock.h — the monotonic clock every pause and latency is measured with,
 * and the CPU clocks the GC's own time is read from. */
#ifndef RGC_BASE_CLOCK_H
#define RGC_BASE_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t rgc_ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static inline uint64_t rgc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return rgc_ts_ns(&ts);
}

/* CPU time the calling thread has used (a system call: slow paths only). */
static inline uint64_t rgc_self_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return rgc_ts_ns(&ts);
}

/* CPU time another (running, not joined) thread has used; 0 if unknown. */
static inline uint64_t rgc_thread_cpu_ns(pthread_t thread)
{
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(thread, &clock) ||
        clock_gettime(clock, &ts))
        return 0;
    return rgc_ts_ns(&ts);
}

#endif
