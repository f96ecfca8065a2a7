/*
 * collector.h — the cycle driver and the collection trigger.
 */
#ifndef RGC_POLICY_COLLECTOR_H
#define RGC_POLICY_COLLECTOR_H

#include <stdbool.h>

#include "rgc_heap.h"

/* Run one complete collection cycle (stop-the-world in this version). */
void collector_run(struct rgc_heap *heap, rgc_collect_kind kind, bool full);

/* Whether an allocation slow path should start a cycle now. */
bool collector_should_start(const struct rgc_heap *heap);

/* The roots of the heap: the attached thread's handles and the global roots
 * (a roots_fn). */
void collector_visit_roots(void *heap, rgc_visit_fn visit, void *ctx);

#endif
