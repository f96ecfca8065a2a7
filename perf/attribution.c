/* attribution.c — one cause per slow push (perf/attribution.h). */
#include "attribution.h"

const uint64_t attribution_level_ns[ATTRIBUTION_LEVELS] = {10000, 100000,
                                                           1000000};

const char *const attribution_level_label[ATTRIBUTION_LEVELS] = {
    "over 10 us", "over 100 us", "over 1 ms"};

const char *const attribution_level_key[ATTRIBUTION_LEVELS] = {
    "over_10us", "over_100us", "over_1ms"};

const char *const attribution_cause_label[ATTRIBUTION_CAUSES] = {
    "pause: ttsp", "pause: work", "stall",  "page faults",
    "preempted",   "blocked",     "other"};

const char *const attribution_cause_key[ATTRIBUTION_CAUSES] = {
    "pause_ttsp", "pause_work", "stall", "faults",
    "preempted",  "blocked",    "other"};

/* Length of [a, b) ∩ [c, d). */
static uint64_t overlap(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t lo = a > c ? a : c, hi = b < d ? b : d;
    return hi > lo ? hi - lo : 0;
}

/* Sweeps: both the pushes and the spans are sorted by start and do not
 * overlap among themselves, so a span that ended before one push began
 * ended before every later push too. */
struct sweep {
    size_t pause, stall;
};

static enum attribution_cause cause_of(const struct attribution_input *in,
                                       struct sweep *at,
                                       const struct slow_push *op)
{
    while (at->pause < in->pause_count &&
           in->pauses[at->pause].end <= op->start)
        at->pause++;
    uint64_t ttsp = 0, work = 0;
    for (size_t i = at->pause;
         i < in->pause_count && in->pauses[i].start < op->end; i++) {
        const struct gc_span *p = &in->pauses[i];
        ttsp += overlap(op->start, op->end, p->start, p->ttsp_end);
        work += overlap(op->start, op->end, p->ttsp_end, p->end);
    }
    if (ttsp || work)
        return ttsp > work ? CAUSE_PAUSE_TTSP : CAUSE_PAUSE_WORK;

    /* Other threads' stalls are skipped for good: their order among this
     * thread's is arbitrary, and this thread never matches them. */
    while (at->stall < in->stall_count &&
           (in->stalls[at->stall].tid != in->tid ||
            in->stalls[at->stall].end <= op->start))
        at->stall++;
    if (at->stall < in->stall_count &&
        in->stalls[at->stall].start < op->end)
        return CAUSE_STALL;

    if (op->faults)
        return CAUSE_FAULTS;
    if (op->preempted)
        return CAUSE_PREEMPTED;
    if (op->blocked)
        return CAUSE_BLOCKED;
    return CAUSE_OTHER;
}

void attribution_add(struct attribution *into,
                     const struct attribution_input *in)
{
    struct sweep at = {0, 0};
    for (size_t i = 0; i < in->push_count; i++) {
        const struct slow_push *op = &in->pushes[i];
        uint64_t ns = op->end - op->start;
        enum attribution_cause c = cause_of(in, &at, op);
        for (int l = 0; l < ATTRIBUTION_LEVELS; l++)
            if (ns > attribution_level_ns[l]) {
                into->count[l][c]++;
                into->ns[l][c] += ns;
            }
    }
}
