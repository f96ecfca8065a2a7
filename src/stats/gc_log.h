/*
 * gc_log.h — the GC log (option `log`): one line per cycle on stderr, in
 * the spirit of -Xlog:gc, written after the world has resumed.
 */
#ifndef RGC_STATS_GC_LOG_H
#define RGC_STATS_GC_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cycle_record {
    uint64_t cycle;
    const char *kind; /* "routine", "full", "release" */
    uint64_t pause_ns, ttsp_ns;
    size_t used_before, used_after, live, copied, committed;
    size_t regions_freed;
    size_t threads;
};

void gc_log_cycle(FILE *out, const struct cycle_record *c);

#endif
