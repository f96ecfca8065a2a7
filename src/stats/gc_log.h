/*
 * gc_log.h — the GC log (option `log`): one line per cycle on stderr, in
 * the spirit of -Xlog:gc, written after the world has resumed.
 */
#ifndef RGC_STATS_GC_LOG_H
#define RGC_STATS_GC_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rgc.h"

struct cycle_record {
    uint64_t cycle;
    const char *kind; /* "concurrent", "full" (rgc_collect), "degenerated"
                         (an allocation's last resort), "release" */
    unsigned pauses;
    unsigned mark_end_tries;  /* mark-end pauses (1 if the first finished) */
    uint64_t pause_total_ns, pause_max_ns, ttsp_max_ns;
    uint64_t kind_max_ns[RGC_PAUSE_KINDS]; /* longest of each kind */
    uint64_t cycle_ns;        /* first pause's start to last pause's end  */
    size_t used_before, used_after, live, copied, committed;
    size_t regions_freed;
    size_t threads;
    unsigned over_goal;       /* pauses longer than max_pause            */
    rgc_event worst;          /* the longest of those, as the listener
                                 heard it (over_goal > 0)                */
    /* The planned pauses (policy/predictor.h) of a concurrent cycle: the
     * last of each kind, what it was planned to take at most and what it
     * took (time-to-safepoint included); mark end: its budget of work
     * units (the floor applied), the units done, the SATB entries found. */
    uint64_t mark_end_planned_ns, mark_end_ns;
    int64_t mark_end_budget;
    uint64_t mark_end_units, mark_end_satb;
    uint64_t relocate_planned_ns, relocate_ns;
    unsigned wont_fit;        /* plans whose least work was predicted over
                                 max_pause                               */
    uint64_t wont_fit_ns;     /* the largest of those predictions, and   */
    rgc_pause_kind wont_fit_kind; /* its pause's kind                    */
    unsigned deferred;        /* mark-end pauses put off for one more
                                 concurrent round                        */
};

void gc_log_cycle(FILE *out, const struct cycle_record *c);

#endif
