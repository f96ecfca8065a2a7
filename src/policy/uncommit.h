/*
 * uncommit.h — memory back to the OS without asking: free regions that
 * stayed free for uncommit_delay are uncommitted by the driver thread
 * between cycles, never by a mutator and never in a pause.
 */
#ifndef RGC_POLICY_UNCOMMIT_H
#define RGC_POLICY_UNCOMMIT_H

#include <stdint.h>

#include "rgc_heap.h"

#define UNCOMMIT_NEVER UINT64_MAX

/* Uncommit every region free since uncommit_delay ago or longer, highest
 * first, while more than the floor stays committed; stop early when a
 * cycle is asked for.  Returns when to look again (rgc_now_ns time, no
 * later than one delay from now), or UNCOMMIT_NEVER when the heap does
 * not uncommit in the background (uncommit_delay 0, or pretouch). */
uint64_t uncommit_idle(struct rgc_heap *heap);

#endif
