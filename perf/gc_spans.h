/*
 * gc_spans.h — rgc's pauses and allocation stalls of one run, from its
 * event listener, for --attribute (perf/attribution.h).
 *
 * The listener only copies an event into arrays reserved before the run
 * (it runs on GC threads and on stalled mutators: it must stay cheap).
 * No lock of its own: rgc makes one listener call at a time per heap,
 * under its listener lock, and rgc_set_event_listener takes that lock
 * and returns after the last call, so once gc_spans_detach returns the
 * arrays are complete and visible to the caller.
 */
#ifndef RGC_PERF_GC_SPANS_H
#define RGC_PERF_GC_SPANS_H

#include <rgc.h>

#include "attribution.h"

struct gc_spans {
    struct gc_span *pauses, *stalls;
    size_t pause_count, stall_count, cap; /* cap: each array's           */
    bool truncated;                       /* an event found its array full */
};

/* Room for cap pauses and cap stalls; false without memory. */
bool gc_spans_init(struct gc_spans *s, size_t cap);
void gc_spans_free(struct gc_spans *s);

/* Start and stop recording heap's events.  After the stop, both arrays
 * are sorted by start (the listener appends in delivery order). */
bool gc_spans_attach(struct gc_spans *s, rgc_heap *heap);
void gc_spans_detach(struct gc_spans *s, rgc_heap *heap);

#endif
