/*
 * rgc_session.h — one rgc heap, optionally with the calling thread
 * attached, and a probe that rebuilds the pause histogram from rgc's public
 * statistics.
 *
 * rgc keeps its pause histogram inside the heap and only hands out
 * percentiles; to print buckets the benchmark reads rgc_stats between
 * operations (outside the timed region) and records each new pause from the
 * change in pause_count and pause_total_ns.  A push loop reads it every
 * PROBE_EVERY pushes (rgc_session_tick), not after each: rgc_stats reads
 * the GC threads' CPU clocks, a system call each (about 0.5 us here), and
 * once per push that was most of rgc's loop time.  Only one thread at a time may
 * poll a session (multi-threaded runs pass a baton, perf/baton.h; the main
 * thread polls once more after joining them).
 */
#ifndef RGC_PERF_RGC_SESSION_H
#define RGC_PERF_RGC_SESSION_H

#include "bench.h"

struct rgc_session {
    rgc_heap *heap;
    rgc_thread *thread;     /* the calling thread, or NULL (heap only) */
    uint64_t seen_pauses;   /* pause_count at the last poll     */
    uint64_t seen_pause_ns; /* pause_total_ns at the last poll  */
    uint64_t ticks;         /* rgc_session_tick calls           */
    uint64_t gc_cpu0_ns;    /* gc_cpu_ns when the heap was made */
    uint64_t process_cpu0_ns; /* the process's CPU time then    */
    struct gc_result *gc;   /* where the probe records          */
};

/* Create a heap from the defaults plus options (may be "" or NULL) and
 * attach the calling thread.  On failure marks *r failed and returns false. */
bool rgc_session_open(struct rgc_session *s, const char *options,
                      struct run_result *r);

/* The same without attaching: s->thread stays NULL and threads attach
 * themselves to s->heap. */
bool rgc_session_open_heap(struct rgc_session *s, const char *options,
                           struct run_result *r);

static inline void rgc_session_raise(size_t *peak, size_t now)
{
    if (now > *peak)
        *peak = now;
}

/* Record the pauses since the last poll, and raise the sampled peaks.
 * One rgc_stats call: a system call per GC thread (see above). */
static inline void rgc_session_poll(struct rgc_session *s)
{
    rgc_heap_stats st;
    rgc_stats(s->heap, &st);
    rgc_session_raise(&s->gc->used_peak, st.used);
    rgc_session_raise(&s->gc->bitmap_peak, st.bitmap_bytes);
    rgc_session_raise(&s->gc->forwarding_peak, st.forwarding_bytes);
    rgc_session_raise(&s->gc->satb_peak, st.satb_bytes);
    if (st.pause_count == s->seen_pauses)
        return;
    uint64_t n = st.pause_count - s->seen_pauses;
    uint64_t ns = st.pause_total_ns - s->seen_pause_ns;
    for (uint64_t i = 0; i < n; i++)
        histogram_record(&s->gc->probe, ns / n);
    if (n > 1)
        s->gc->probe_merged += n;
    s->seen_pauses = st.pause_count;
    s->seen_pause_ns = st.pause_total_ns;
}

#define PROBE_EVERY 64

/* A push loop's probe: rgc_session_poll on every PROBE_EVERY-th call.  Two
 * pauses within PROBE_EVERY pushes (a few microseconds) are recorded as
 * two of their average length (counted in probe_merged). */
static inline void rgc_session_tick(struct rgc_session *s)
{
    if (s->ticks++ % PROBE_EVERY == 0)
        rgc_session_poll(s);
}

/* Poll once more and store rgc's statistics, and the GC's and the
 * process's CPU time since the heap was made, into r->gc (no-op without a
 * heap). */
void rgc_session_record(struct rgc_session *s, struct run_result *r);

/* rgc_session_record, then (with --timeline) release the heap's memory
 * (perf/timeline.h), detach the session's thread if it has one, destroy
 * the heap (no other thread may still be attached). */
void rgc_session_close(struct rgc_session *s, struct run_result *r);

/* Check that options parse; on error writes rgc's reason into err. */
bool rgc_options_valid(const char *options, char *err, size_t errlen);

#endif
