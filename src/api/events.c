/* events.c — rgc_set_event_listener (the listener: stats/events.h). */
#include "rgc_heap.h"

int rgc_set_event_listener(rgc_heap *heap, rgc_event_fn fn, void *ctx)
{
    return events_set(&heap->events, fn, ctx);
}
