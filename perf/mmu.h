/*
 * mmu.h — minimum mutator utilization as one mutator thread saw it.
 *
 * A push loop reports every operation slower than MMU_SLOW_NS; such an
 * operation counts, whole, as time the thread could not use (a pause, a
 * preemption by a GC thread, a stall, a page fault: whatever the mutator
 * waited for).  MMU(w) is the lowest fraction of any window of w inside the
 * loop left to the thread (Cheng & Blelloch), computed exactly after the
 * loop: the worst window has an edge on an edge of a slow operation.  The
 * same measure for malloc runs puts the collector's figure beside the
 * floor of the same machine.
 */
#ifndef RGC_PERF_MMU_H
#define RGC_PERF_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMU_SLOW_NS 10000u /* 10 µs: a hundred times a typical push */
#define MMU_WINDOWS 3      /* 1 ms, 10 ms, 100 ms                   */

extern const uint64_t mmu_window_ns[MMU_WINDOWS];

/* The slow operations of one loop, in time order (they cannot overlap:
 * one thread does one operation at a time). */
struct mmu_trace {
    uint64_t *start, *end;
    size_t count, cap;
    bool truncated; /* more slow operations than cap: MMU is an upper bound */
};

/* Room for cap slow operations, reserved before the loop (so the loop
 * never allocates); false without memory. */
bool mmu_trace_init(struct mmu_trace *t, size_t cap);
void mmu_trace_free(struct mmu_trace *t);

static inline void mmu_trace_op(struct mmu_trace *t, uint64_t t0, uint64_t t1)
{
    if (t1 - t0 <= MMU_SLOW_NS)
        return;
    if (t->count == t->cap) {
        t->truncated = true;
        return;
    }
    t->start[t->count] = t0;
    t->end[t->count++] = t1;
}

/* MMU over windows of w within [from, to]: 0..1 (1 when no slow operation
 * fell in any window); a loop shorter than w gives its own utilization;
 * -1 without memory for the prefix sums. */
double mmu_of(const struct mmu_trace *t, uint64_t from, uint64_t to,
              uint64_t w);

#endif
