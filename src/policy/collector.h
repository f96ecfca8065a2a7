/*
 * collector.h — the cycle driver and the collection trigger.
 */
#ifndef RGC_POLICY_COLLECTOR_H
#define RGC_POLICY_COLLECTOR_H

#include <stdbool.h>

#include "rgc_heap.h"

#define COLLECT_ALWAYS UINT64_MAX

/* Run one complete, stop-the-world cycle on behalf of thread self (which
 * must not be in a blocking region); it waits for a concurrent cycle under
 * way to finish first.  With seen_cycles other than COLLECT_ALWAYS (an
 * allocation's last resort: the degenerated collection, counted and logged
 * as such), the cycle is skipped if another cycle completed since the
 * caller read heap->cycles == seen_cycles.  Returns whether it ran. */
bool collector_collect(struct rgc_heap *heap, struct rgc_thread *self,
                       rgc_collect_kind kind, uint64_t seen_cycles);

/* One concurrent cycle (the driver thread runs it). */
void collector_concurrent_cycle(struct rgc_heap *heap);

/* Run op(t, ctx) for every attached thread, each at its next safepoint (or
 * by the caller, for threads in blocking regions), without stopping the
 * world; on behalf of thread self.  Serialised with collections. */
void collector_handshake(struct rgc_heap *heap, struct rgc_thread *self,
                         handshake_fn op, void *ctx);

/* Whether an allocation slow path should start a cycle now. */
bool collector_should_start(const struct rgc_heap *heap);

/* The roots of the heap (world stopped): every attached thread's handles
 * and the global roots (a roots_fn). */
void collector_visit_roots(void *heap, rgc_visit_fn visit, void *ctx);

#endif
