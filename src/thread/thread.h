/*
 * thread.h — an attached mutator thread: its TLAB, its handle stack.
 *
 * Invariants:
 *   - fast (struct rgc__thread_fast) is the first member: the inline paths
 *     in <rgc/inline.h> read it through a cast;
 *   - the TLAB [tlab_top, tlab_end) is zeroed memory at the top of
 *     alloc_region, which this thread alone allocates in; alloc_region->top
 *     is tlab_end while a TLAB is open and exact once it is retired;
 *   - handle slots in use are the chunks from `handles` up to the chunk that
 *     ends at fast.handle_limit, the last one filled up to fast.handle_top.
 */
#ifndef RGC_THREAD_THREAD_H
#define RGC_THREAD_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/region_table.h"
#include "rgc.h"

#define HANDLE_CHUNK_SLOTS 255

struct handle_chunk {
    struct handle_chunk *next;
    rgc_ref slots[HANDLE_CHUNK_SLOTS];
};

struct rgc_thread {
    struct rgc__thread_fast fast; /* first: see above */
    struct rgc_heap *heap;
    struct region *alloc_region;
    uintptr_t tlab_start;
    struct handle_chunk *handles;
};

/* ---- TLAB (thread/tlab.c) ---- */

/* Close the TLAB: the region's top becomes exact.  Returns the bytes the
 * mutator allocated in it. */
size_t tlab_retire(struct rgc_thread *t);
/* Retire the TLAB and hand the allocation region back as FULL. */
size_t tlab_retire_region(struct rgc_thread *t);
/* Open a TLAB of at least `bytes` (at most max(tlab_size, bytes)) in the
 * current region or a fresh one.  false: no free region left. */
bool tlab_refill(struct rgc_thread *t, struct region_table *rt, size_t bytes,
                 size_t tlab_size);
/* Bytes allocated in the open TLAB so far. */
size_t tlab_used(const struct rgc_thread *t);

/* ---- handles (thread/handles.c) ---- */

int handles_init(struct rgc_thread *t);
void handles_destroy(struct rgc_thread *t);
size_t handles_in_use(const struct rgc_thread *t);
void handles_visit(struct rgc_thread *t, rgc_visit_fn visit, void *ctx);

#endif
