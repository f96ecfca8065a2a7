/*
 * roots.h — rgc-bench roots: the cost of registering and unregistering many
 * global roots (perf/roots.c describes the method).
 */
#ifndef RGC_PERF_ROOTS_H
#define RGC_PERF_ROOTS_H

#include <stdint.h>
#include <stdio.h>

struct roots_params {
    uint64_t count;      /* roots registered, then unregistered, per rep */
    unsigned reps;       /* repetitions; the median and min are reported */
    const char *options; /* rgc options ("" for none)                    */
};

/* Run on the calling thread (no child process) and print the table.
 * Returns the exit status: 0, or 1 when the run could not be done or an
 * API call answered wrongly. */
int roots_run(const struct roots_params *p, FILE *out);

#endif
