/*
 * barrier.h — rgc-bench barrier: ns per rgc_store and rgc_load beside a
 * plain store and load (perf/barrier.c describes the method).
 */
#ifndef RGC_PERF_BARRIER_H
#define RGC_PERF_BARRIER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct barrier_params {
    uint64_t ops;        /* operations per measurement of one variant */
    unsigned reps;       /* measurements per variant                  */
    const char *options; /* rgc options ("" for none)                 */
};

/* Run every variant reps times on the calling thread (no child process)
 * and print the table, or one JSON object when json.  Returns the exit
 * status: 0, or 1 when the run could not be done or was disturbed (a
 * collection ran, the SATB barrier recorded the wrong count). */
int barrier_run(const struct barrier_params *p, bool json, FILE *out);

#endif
