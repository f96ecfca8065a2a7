/* proc.c — this process's resident set, from /proc (getrusage fallback),
 * and its CPU time (getrusage). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"

/* The value of "key:   N kB" in /proc/self/status, or -1. */
static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    size_t n = strlen(key);
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            if (sscanf(line + n + 1, "%ld", &kb) != 1)
                kb = -1;
            break;
        }
    fclose(f);
    return kb;
}

long proc_peak_rss_kb(void)
{
    long kb = status_kb("VmHWM");
    if (kb >= 0)
        return kb;
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

long proc_rss_kb(void)
{
    return status_kb("VmRSS");
}

uint64_t proc_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return 0;
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
               1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
               1000u;
}
