/*
 * report.h — printing the results of one invocation: readable tables with
 * the allocators side by side, or one JSON object (docs/benchmarks.md lists
 * every key).
 */
#ifndef RGC_PERF_REPORT_H
#define RGC_PERF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench.h"

struct report {
    const char *workload;              /* "msgbuf" or "gcbench"      */
    const struct msgbuf_params *msgbuf;   /* set for msgbuf           */
    const struct gcbench_params *gcbench; /* set for gcbench          */
    unsigned settle_ms;
    const struct run_result *results;
    unsigned count;
};

void report_table(const struct report *rep, bool histograms, FILE *out);
void report_json(const struct report *rep, FILE *out);

#endif
