/*
 * report.h — printing the results of one invocation: readable tables with
 * the allocators side by side, or one JSON object (docs/benchmarks.md lists
 * every key).
 */
#ifndef RGC_PERF_REPORT_H
#define RGC_PERF_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct report {
    const char *workload;              /* "msgbuf", "mtchurn", "gcbench" */
    const struct msgbuf_params *msgbuf;   /* set for msgbuf and mtchurn */
    const struct gcbench_params *gcbench; /* set for gcbench            */
    unsigned settle_ms;
    const struct run_result *results;
    unsigned count;
};

static inline bool report_is_mtchurn(const struct report *rep)
{
    return strcmp(rep->workload, "mtchurn") == 0;
}

void report_table(const struct report *rep, bool histograms, FILE *out);

/* Bytes one thread's rings keep live: the window, plus with keep_every K
 * the keep ring's window less the kept messages the main ring still
 * holds (window / K of them). */
static inline uint64_t ring_live_bytes(const struct msgbuf_params *p)
{
    uint64_t slots = p->window;
    if (p->keep_every)
        slots += p->window - p->window / p->keep_every;
    return slots * p->msg_size;
}

/* What the title adds for the ring's options (keep ring, extra roots,
 * random replacement, short-lived blocks), or nothing. */
void ring_notes(FILE *out, const struct msgbuf_params *p);
void report_json(const struct report *rep, FILE *out);
/* A JSON string literal for s (quotes and escapes included). */
void json_string(FILE *out, const char *s);
/* "options":"...","rgc_options_env":"..."|null — the rgc options of a run. */
void json_options(FILE *out, const char *options);

/* The mtchurn table, and the per-thread rows it shares with msgbuf
 * --threads N (perf/report_threads.c). */
void report_mtchurn_table(const struct report *rep, bool histograms,
                          FILE *out);
void report_thread_rows(const struct report *rep, FILE *out);
/* The rows a push workload (msgbuf, mtchurn) prints after its latency
 * rows: over-1-ms count, per-thread rows, time, RSS, GC figures. */
void report_push_rows(const struct report *rep, bool per_thread,
                      bool histograms, FILE *out);
/* --attribute: the slow pushes by cause, a table of its own
 * (perf/report_attribution.c); nothing for runs without it. */
void report_attribution_table(const struct report *rep, FILE *out);

#endif
