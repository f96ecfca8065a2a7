/* clock.h — the monotonic clock every pause and latency is measured with. */
#ifndef RGC_BASE_CLOCK_H
#define RGC_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rgc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
