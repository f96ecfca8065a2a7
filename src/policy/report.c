/*
 * report.c — judging pauses against the goal, and the events.
 *
 * A pause is over the goal when it took longer than max_pause, from the
 * stop request to the resume.  Its cause is the larger of its two parts:
 * the time-to-safepoint (then the thread that stopped last is the one
 * that held it up) or the pause's own work (then its kind names the
 * phase, and the cause says whether the predictor foresaw it: work that
 * could not go concurrent, or work it mispredicted).  The count is raised before the event goes out, so a listener
 * that reads rgc_stats sees its own pause counted.
 */
#include "policy/report.h"

#include <string.h>

rgc_event report_pause_begin(const struct safepoint *sp, rgc_pause_kind kind,
                             uint64_t start_ns, uint64_t ttsp_ns)
{
    rgc_event ev = {.kind = RGC_EVENT_PAUSE, .pause_kind = kind,
                    .start_ns = start_ns, .ttsp_ns = ttsp_ns};
    const struct rgc_thread *last = safepoint_last_stopped(sp);
    if (last) {
        ev.holder_tid = last->tid;
        memcpy(ev.holder_name, last->name, sizeof ev.holder_name);
    }
    return ev;
}

static uint64_t goal_ns(const struct rgc_heap *heap)
{
    return heap->zero_pause_goal ? 0 : heap->config.max_pause_us * 1000;
}

void report_pause(struct rgc_heap *heap, struct cycle_record *rec,
                  rgc_event *ev, bool foreseen)
{
    ev->cycle = rec->cycle;
    events_emit(&heap->events, heap, ev);
    uint64_t goal = goal_ns(heap);
    if (ev->duration_ns <= goal)
        return;
    HEAP_ADD(heap->pauses_over_goal, 1);
    rgc_event over = *ev;
    over.kind = RGC_EVENT_PAUSE_OVER_GOAL;
    over.goal_ns = goal;
    over.cause = ev->ttsp_ns >= ev->duration_ns - ev->ttsp_ns ? RGC_CAUSE_TTSP
                 : foreseen                                   ? RGC_CAUSE_PREDICTED
                                                              : RGC_CAUSE_WORK;
    if (!rec->over_goal++ || over.duration_ns > rec->worst.duration_ns)
        rec->worst = over;
    events_emit(&heap->events, heap, &over);
}

void report_cycle_start(struct rgc_heap *heap, struct cycle_record *rec,
                        uint64_t start_ns)
{
    /* heap->cycles changes only at a cycle's end, under gc_lock, which
     * this cycle holds: it ends as this number. */
    rec->cycle = HEAP_GET(heap->cycles) + 1;
    events_emit(&heap->events, heap,
                &(rgc_event){.kind = RGC_EVENT_CYCLE_START,
                             .cycle = rec->cycle, .start_ns = start_ns});
}

void report_cycle_end(struct rgc_heap *heap, const struct cycle_record *rec,
                      uint64_t start_ns)
{
    events_emit(&heap->events, heap,
                &(rgc_event){.kind = RGC_EVENT_CYCLE_END,
                             .cycle = rec->cycle, .start_ns = start_ns,
                             .duration_ns = rec->cycle_ns});
}

void report_stall(struct rgc_heap *heap, uint64_t start_ns, uint64_t ns)
{
    events_emit(&heap->events, heap,
                &(rgc_event){.kind = RGC_EVENT_STALL,
                             .cycle = HEAP_GET(heap->cycles),
                             .start_ns = start_ns, .duration_ns = ns});
}
