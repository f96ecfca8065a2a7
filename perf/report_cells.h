/*
 * report_cells.h — what the text tables are made of: formatted cells, rows
 * with one column per allocator, and the blocks every table shares (the
 * GC rows, the rebuilt pause histograms, the failures).
 */
#ifndef RGC_PERF_REPORT_CELLS_H
#define RGC_PERF_REPORT_CELLS_H

#include "report.h"

#define LABEL_W 22
#define COL_W 14

typedef char cell[32];

void fmt_ns(cell c, uint64_t ns);
void fmt_bytes(cell c, uint64_t bytes);
void fmt_u64(cell c, uint64_t v);

/* Fills c for one run; false: the figure does not apply ("-"). */
typedef bool (*cell_fn)(cell c, const struct run_result *r, const void *arg);

/* The column headers (allocator names); the next row is a table's first,
 * where failed runs say FAILED (blank below). */
void table_header(FILE *out, const struct report *rep);
void table_row(FILE *out, const struct report *rep, const char *label,
               cell_fn fn, const void *arg);

/* Cells: arg points to a double percentile in [0, 1] (1: the exact max). */
bool c_latency(cell c, const struct run_result *r, const void *arg);
bool c_over_1ms(cell c, const struct run_result *r, const void *arg);
/* The lowest thread's MMU over 1, 10 and 100 ms ("*": a truncated trace,
 * the figure is an upper bound). */
bool c_mmu(cell c, const struct run_result *r, const void *arg);
/* gc_cpu_share ("-" for other runs than rgc's). */
bool c_gc_cpu(cell c, const struct run_result *r, const void *arg);
/* gc_cpu_per_gib, as a duration ("-" for other runs than rgc's). */
bool c_gc_cpu_per_gib(cell c, const struct run_result *r, const void *arg);
bool c_total(cell c, const struct run_result *r, const void *arg);
bool c_rss(cell c, const struct run_result *r, const void *arg);

/* GC cycles, pause and time-to-safepoint percentiles, bytes: rgc runs. */
void table_gc_rows(FILE *out, const struct report *rep);
/* The pause histograms rebuilt by the probe, read between `between`. */
void table_pause_histograms(FILE *out, const struct report *rep,
                            const char *between);
/* Every run's merged push-latency histogram (--histograms). */
void table_latency_histograms(FILE *out, const struct report *rep);
void table_failures(FILE *out, const struct report *rep);

const char *options_shown(const char *options);

#endif
