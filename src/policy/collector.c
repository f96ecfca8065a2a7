/*
 * collector.c — the collection cycle, top to bottom.
 *
 * A concurrent cycle (run by the driver thread, policy/driver.h):
 *
 *          prepare     zero the regions' live counts, while mutators run;
 *   pause  mark start  retire TLABs; TAMS := top in every region (one
 *                      epoch advanced: region_table.h); turn the SATB
 *                      barrier on; take the root snapshot (how many
 *                      handles each thread has: no root is read);
 *          roots       the driver reads the snapshot's roots while
 *                      mutators run (they record the roots they drop);
 *          mark        on the workers, while mutators run; SATB buffers feed
 *                      it; stale slots are healed as they are read;
 *          handshake   every thread hands over its partial SATB buffer;
 *                      more work: back to mark;
 *   pause  mark end    take the last buffers and trace within a budget
 *                      planned against max_pause (policy/plan.h; one that
 *                      would not fit: a concurrent round or two first); work
 *                      left: resume the world, back to mark (the retry
 *                      loop); none: SATB off, checkmark (option);
 *          finish      while mutators run: sum live bytes, retire the
 *                      previous relocation's forwarding tables, free dead
 *                      large objects;
 *          select      the relocation set (and its forwarding tables),
 *                      while mutators run;
 *   pause  relocate    drop pinned regions, flip the good color (roots go
 *          start       stale like any slot: the load barrier heals them);
 *          relocate    on the workers, while mutators run (and relocate
 *                      what they load first); free or slide each region;
 *                      account, set the next trigger;
 *          spares      partly filled regions offered to refills, and
 *          clear       the mark bitmaps, while mutators run.
 * No pause walks the regions: pause work grows with threads and with the
 * relocation set, not with the heap.
 *
 * A full collection (rgc_collect, or the last resort of an allocation that
 * stalled and still found no room) runs the same phases in one pause: the
 * degenerated collection, the only one that copies in a pause.
 * RGC_COLLECT_RELEASE then uncommits every free region once the world
 * has resumed (the driver does the same, between cycles, for regions
 * free for uncommit_delay: policy/uncommit.h).
 * Every pause is recorded in the pause histograms (overall and by kind),
 * its time-to-safepoint in its own, and judged against max_pause (and a
 * planned pause's measurements go to the predictor: policy/plan.h); the
 * event listener hears of cycles and pauses (policy/report.h) only while
 * the world runs.
 */
#include "policy/collector.h"

#include <string.h>

#include "base/chaos.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/meta.h"
#include "mark/mark.h"
#include "policy/plan.h"
#include "policy/report.h"
#include "relocate/relocate.h"
#include "relocate/forwarding.h"
#include "stats/gc_log.h"
#include "verify/verify.h"

void collector_visit_roots(void *ctx, rgc_visit_fn visit, void *visit_ctx)
{
    struct rgc_heap *heap = ctx;
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next)
        handles_visit(t, visit, visit_ctx);
    global_roots_visit(&heap->roots, visit, visit_ctx);
}

/* One cycle's state, from its first pause to its last. */
struct cycle {
    struct rgc_heap *heap;
    struct cpu_slice slice;    /* the driver's, for pacing                */
    bool full;
    rgc_collect_kind kind;
    struct marking mark;
    bool mark_done;
    uint64_t allocated_at_mark_start; /* bytes_allocated then            */
    uint64_t allocated_during_mark;   /* since, until marking completed  */
    int64_t mark_budget;       /* work units a mark-end pause may do */
    struct pause_plan plan;    /* the next pause's, and its measurements */
    struct relocation_set rs;
    uint64_t copied0, freed0, start_ns;
    uint64_t cpu0_ns;          /* full: the collecting mutator's CPU clock */
    struct cycle_record rec;
};

/* The walk is left out of the pause's measured work (plan.c). */
static void verify(struct rgc_heap *heap, struct cycle *c, unsigned flags,
                   const char *when)
{
    uint64_t t0 = rgc_now_ns();
    size_t problems =
        verify_heap(&heap->regions, &heap->types, collector_visit_roots, heap,
                    heap->good_color, flags, when);
    if (problems)
        rgc_fatal("heap verification %s found %zu problems", when, problems);
    c->plan.sample.checks_ns += rgc_now_ns() - t0;
}

/* ---- pauses ---- */

typedef void (*pause_fn)(struct rgc_heap *heap, struct cycle *c);

/* Close every thread's TLAB (regions parse exactly; `used` is exact) and,
 * for a full collection, hand back every allocation region so it can be
 * evacuated. */
static void retire_allocation(struct rgc_heap *heap, bool regions)
{
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next) {
        heap_count_allocated(heap, regions ? tlab_retire_region(t)
                                           : tlab_retire(t));
        heap_count_loads(heap, t);
    }
    if (regions)
        spare_regions_retire(&heap->spare_regions);
}

static void pause(struct rgc_heap *heap, struct cycle *c, rgc_pause_kind kind,
                  pause_fn fn)
{
    uint64_t start = rgc_now_ns();
    uint64_t ttsp = safepoint_stop_world(&heap->safepoint);
    rgc_event ev = report_pause_begin(&heap->safepoint, kind, start, ttsp);
    uint64_t t0 = rgc_now_ns();
    retire_allocation(heap, kind == RGC_PAUSE_FULL);
    c->plan.sample = (struct pause_sample){
        .threads = __atomic_load_n(&heap->safepoint.thread_count,
                                   __ATOMIC_RELAXED),
        .threads_ns = rgc_now_ns() - t0};
    fn(heap, c);
    /* The pause ends when the world is told to resume: read later, the
     * clock would also count the driver waiting for a core once the
     * mutators it woke have taken them. */
    uint64_t ns = rgc_now_ns() - start;
    safepoint_resume_world(&heap->safepoint);
    pthread_mutex_lock(&heap->stats_lock);
    histogram_record(&heap->ttsp, ttsp);
    histogram_record(&heap->pauses, ns);
    histogram_record(&heap->pause_kind[kind], ns);
    histogram_record(&heap->pause_work[kind], ns - ttsp);
    pthread_mutex_unlock(&heap->stats_lock);
    c->rec.pauses++;
    c->rec.pause_total_ns += ns;
    if (ns > c->rec.pause_max_ns)
        c->rec.pause_max_ns = ns;
    if (ns > c->rec.kind_max_ns[kind])
        c->rec.kind_max_ns[kind] = ns;
    if (ttsp > c->rec.ttsp_max_ns)
        c->rec.ttsp_max_ns = ttsp;
    c->rec.mark_end_tries += kind == RGC_PAUSE_MARK_END;
    ev.duration_ns = ns;
    bool foreseen = plan_record(heap, &c->plan, &c->rec, &ev, c->mark_budget);
    report_pause(heap, &c->rec, &ev, foreseen); /* the world runs */
}

/* The world is stopped.  Turning marking on takes the root snapshot:
 * every thread's handles in use and every global root, to be read while
 * mutators run (scan_roots); turning it off ends the snapshot. */
static void set_marking(struct rgc_heap *heap, bool on)
{
    heap->marking = on;
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next) {
        t->fast.marking = on;
        if (on)
            handles_snapshot(t);
        else
            handles_snapshot_end(t);
    }
    if (on)
        global_roots_snapshot(&heap->roots);
    else
        global_roots_snapshot_end(&heap->roots);
}

/* The driver's pacing between two steps of its own concurrent work
 * (thread/cpu_share.h). */
static void driver_pace(void *ctx)
{
    struct cycle *c = ctx;
    cpu_share_pace(&c->heap->workers.share, &c->slice);
}

struct root_scan {
    struct cycle *c;
    rgc_visit_fn visit;
    void *visit_ctx;
};

static void scan_thread_roots(struct rgc_thread *t, void *ctx)
{
    struct root_scan *s = ctx;
    chaos_point(CHAOS_ROOT_SCAN, t);
    handles_visit_snapshot(t, s->visit, s->visit_ctx, driver_pace, s->c);
}

/* The snapshot's roots, read by the driver while mutators run, one
 * thread at a time: a thread being read cannot detach (its handle chunks
 * stay allocated), and nothing else waits for the scan. */
static void snapshot_roots(void *ctx, rgc_visit_fn visit, void *visit_ctx)
{
    struct cycle *c = ctx;
    struct rgc_heap *heap = c->heap;
    struct root_scan s = {c, visit, visit_ctx};
    safepoint_visit_threads(&heap->safepoint, handles_snapshot_pending,
                            scan_thread_roots, &s);
    global_roots_visit_snapshot(&heap->roots, visit, visit_ctx, driver_pace,
                                c);
}

/* The GC threads keep to their CPU share while the mutators fill the
 * cores until the mutators have allocated, since the cycle started, half
 * of the headroom the trigger gives (trigger - live) beyond the trigger;
 * then they take what they can get, so that the cycle ends before the
 * heap outgrows its goal by much, or fills. */
static void set_pace_limit(struct rgc_heap *heap)
{
    size_t trigger = HEAP_GET(heap->trigger), live = HEAP_GET(heap->live);
    size_t used = HEAP_GET(heap->used);
    size_t headroom = trigger > live ? trigger - live : trigger;
    size_t from = used > trigger ? used : trigger;
    cpu_share_set_limit(&heap->workers.share, from + headroom / 2);
}

/* ---- marking ---- */

static void mark_start(struct rgc_heap *heap, struct cycle *c)
{
    c->rec.used_before = HEAP_GET(heap->used);
    c->rec.threads = heap->safepoint.thread_count;
    if (heap->config.verify)
        verify(heap, c, VERIFY_STALE_OK, "before collection");
    mark_begin(&c->mark, &heap->regions, &heap->types, heap->good_color,
               c->full ? NULL : &heap->satb);
    c->allocated_at_mark_start = HEAP_GET(heap->bytes_allocated);
    if (c->full)
        mark_roots(&c->mark, collector_visit_roots, heap);
    else
        set_marking(heap, true); /* roots: after the pause */
}

static void flush_satb(struct rgc_thread *t, void *ctx)
{
    satb_flush(&t->satb, ctx);
}

/* Marking is complete (world stopped): nothing reachable is unmarked, and
 * no reachable slot is stale. */
static void mark_complete(struct rgc_heap *heap, struct cycle *c)
{
    set_marking(heap, false);
    satb_queue_trim(&heap->satb);
    c->mark_done = true;
    /* TLABs were retired by this pause: everything allocated since mark
     * start is counted, and is live. */
    c->allocated_during_mark =
        HEAP_GET(heap->bytes_allocated) - c->allocated_at_mark_start;
    if (heap->config.checkmark)
        verify(heap, c, VERIFY_MARKS, "checkmark after marking");
}

/* Dead large objects go back to the free set (they never move).  Dead
 * means unmarked and present at mark start (TAMS above bottom), so no
 * mutator can reach one, pin it, or be inside it: this runs while they
 * run. */
static void reclaim_humongous(struct rgc_heap *heap)
{
    struct region_table *rt = &heap->regions;
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (region_state(r) == REGION_HUMONGOUS_START && !r->live_objects &&
            region_tams(rt, r) > r->bottom &&
            !__atomic_load_n(&r->pin_count, __ATOMIC_RELAXED)) {
            HEAP_ADD(heap->regions_freed, r->span);
            HEAP_SUB(heap->used, region_top(r) - r->bottom);
            region_table_release(rt, r);
        }
    }
}

/* After the pause that completed marking, while mutators run (inside the
 * pause for a full collection): the region walks that need marking's
 * result.  The previous relocation's forwarding tables can go, since no
 * reachable slot is stale (so no load reads them). */
static void finish_marking(struct rgc_heap *heap, struct cycle *c)
{
    HEAP_SET(heap->live, mark_finish(&c->mark) + c->allocated_during_mark);
    struct region_table *rt = &heap->regions;
    for (size_t i = 0; i < rt->count; i++) {
        forwarding_destroy(rt->regions[i].forwarding);
        rt->regions[i].forwarding = NULL;
    }
    reclaim_humongous(heap);
}

/* Marking is complete when the pool and the SATB queue are empty and no
 * thread waits for a SATB buffer: a waiting thread holds an entry not yet
 * recorded, and sits offline inside rgc_store (barrier.c), where only a
 * pause that moves nothing may pass it by. */
static void mark_end(struct rgc_heap *heap, struct cycle *c)
{
    struct pause_sample *s = &c->plan.sample;
    if (heap->slow_mark_end_ns) /* test hook: a fixed part over the goal */
        nanosleep(&(struct timespec){0, (long)heap->slow_mark_end_ns}, NULL);
    uint64_t t0 = rgc_now_ns();
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next)
        satb_flush(&t->satb, &heap->satb);
    global_roots_flush(&heap->roots);
    uint64_t t1 = rgc_now_ns(), w1 = mark_work(&c->mark);
    s->threads_ns += t1 - t0;
    s->satb = satb_queue_entries(&heap->satb);
    c->mark_budget = plan_mark_end_floor(heap, &c->plan, c->mark_budget);
    if (heap->starve_first_mark_end && !c->rec.mark_end_tries)
        c->mark_budget = 0; /* test hook: trace nothing in the pause */
    bool done = mark_run(&c->mark, &heap->workers, c->mark_budget);
    s->units = mark_work(&c->mark) - w1;
    s->units_ns = rgc_now_ns() - t1;
    if (done && satb_queue_empty(&heap->satb) && !satb_waiting(&heap->satb))
        mark_complete(heap, c);
}

/* A thread waiting for a SATB buffer (barrier.c) holds an entry back, and
 * no mark-end pause can complete marking while it waits: keep draining the
 * queue, so buffers come back to the free list, and give the waiters time
 * to take them before pausing (pausing at once would only fail again, and
 * could keep a waiter from coming back online). */
static void let_satb_waiters_go(struct rgc_heap *heap, struct cycle *c)
{
    while (satb_waiting(&heap->satb)) {
        mark_run(&c->mark, &heap->workers, TRACE_UNLIMITED);
        nanosleep(&(struct timespec){0, 50000}, NULL);
    }
}

/* Concurrent marking until a mark-end pause finds nothing left; each
 * pause is planned first (plan.h), and put off if it would not fit. */
static void mark_concurrently(struct rgc_heap *heap, struct cycle *c)
{
    mark_roots(&c->mark, snapshot_roots, c);
    while (!c->mark_done) {
        mark_run(&c->mark, &heap->workers, TRACE_UNLIMITED);
        /* Partial buffers, then what they add.  The SATB queue need not be
         * empty before the pause (mutators keep filling it): the pause
         * drains what is left within its budget, or hands it back. */
        safepoint_handshake(&heap->safepoint, NULL, flush_satb, &heap->satb);
        global_roots_flush(&heap->roots);
        mark_run(&c->mark, &heap->workers, TRACE_UNLIMITED);
        let_satb_waiters_go(heap, c);
        if (!plan_mark_end(heap, &c->plan, &c->rec, &c->mark_budget))
            continue; /* would not fit: one more concurrent round */
        pause(heap, c, RGC_PAUSE_MARK_END, mark_end);
    }
}

/* ---- relocation ---- */

static uintptr_t next_color(uintptr_t color)
{
    return color == RGC_COLOR_MARKED0 ? RGC_COLOR_MARKED1 : RGC_COLOR_MARKED0;
}

/* Every slot written before now turns stale at once; the world is
 * stopped, so every thread sees the new colors before it loads again. */
static void flip_color(struct rgc_heap *heap)
{
    heap->good_color = next_color(heap->good_color);
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next) {
        t->fast.good_color = heap->good_color;
        t->fast.bad_mask = RGC_COLOR_MASK & ~heap->good_color;
    }
}

/* What `used` must be with the world stopped (TLABs retired): the verify
 * option checks the running count against it. */
static size_t used_bytes(const struct region_table *rt)
{
    size_t used = 0;
    for (size_t i = 0; i < rt->count; i++)
        used += rt->regions[i].top - rt->regions[i].bottom;
    return used;
}

/* The next cycle starts when used reaches the trigger: the growth
 * threshold (live * (1 + growth_percent/100), at least 8 regions), or
 * earlier if at the measured allocation rate the heap would fill before a
 * cycle as long as the last one could finish (twice that, for safety). */
static void set_trigger(struct rgc_heap *heap)
{
    struct region_table *rt = &heap->regions;
    size_t grown = heap->live + heap->live / 100 * heap->config.growth_percent;
    size_t floor = 8 * rt->region_size;
    size_t trigger = grown > floor ? grown : floor;
    size_t capacity = rt->count * rt->region_size;
    double headroom = 2.0 * heap->alloc_rate * (double)heap->last_cycle_ns +
                      (double)__atomic_load_n(&heap->safepoint.thread_count,
                                              __ATOMIC_RELAXED) *
                          (double)heap->config.tlab_size;
    size_t early = headroom < (double)capacity
                       ? capacity - (size_t)headroom
                       : 0;
    HEAP_SET(heap->trigger, trigger < early ? trigger : early);
}

bool collector_should_start(const struct rgc_heap *heap)
{
    return HEAP_GET(heap->used) >= HEAP_GET(heap->trigger);
}

/* The relocate-start pause: O(threads + relocation set), no copying, no
 * walk of the regions.  Roots are not touched: every root is a colored
 * slot read through the load barrier, so a stale root is healed (its
 * object relocated) when it is next loaded, or by the next marking
 * (docs/design.md, "Roots"). */
static void relocate_start(struct rgc_heap *heap, struct cycle *c)
{
    struct pause_sample *s = &c->plan.sample;
    uint64_t t0 = rgc_now_ns();
    s->units = c->rs.count;
    relocation_set_drop_pinned(&c->rs);
    uint64_t t1 = rgc_now_ns();
    s->units_ns = t1 - t0;
    flip_color(heap);
    s->threads_ns += rgc_now_ns() - t1;
    __atomic_store_n(&heap->relocating, true, __ATOMIC_RELAXED);
    if (heap->config.verify) {
        size_t counted = HEAP_GET(heap->used);
        size_t walked = used_bytes(&heap->regions);
        if (counted != walked)
            rgc_fatal("heap verification at relocate start: used is %zu "
                      "bytes, the regions hold %zu",
                      counted, walked);
        verify(heap, c, VERIFY_STALE_OK, "at relocate start");
    }
}

static void verify_relocated(struct rgc_heap *heap, struct cycle *c)
{
    verify(heap, c, VERIFY_STALE_OK, "after relocation");
}

/* Copy the set out on the workers (mutators join in through the load
 * barrier), then account for the cycle. */
static void relocate_set(struct rgc_heap *heap, struct cycle *c)
{
    struct region_table *rt = &heap->regions;
    struct relocation_result res;
    size_t room = heap->relocate_in_place && !c->full
                      ? heap->relocate_in_place - 1
                      : SIZE_MAX;
    relocation_run(&c->rs, rt, &heap->workers, room, &res);
    HEAP_ADD(heap->used, res.copied);
    HEAP_SUB(heap->used, res.freed);
    HEAP_ADD(heap->bytes_copied, res.copied);
    HEAP_ADD(heap->regions_freed, res.regions_freed);
    HEAP_ADD(heap->regions_in_place, res.in_place);
    __atomic_store_n(&heap->relocating, false, __ATOMIC_RELAXED);
    set_trigger(heap);
    HEAP_ADD(heap->cycles, 1);

    c->rec.cycle = HEAP_GET(heap->cycles);
    c->rec.used_after = HEAP_GET(heap->used);
    c->rec.live = HEAP_GET(heap->live);
    c->rec.copied = HEAP_GET(heap->bytes_copied) - c->copied0;
    c->rec.regions_freed = HEAP_GET(heap->regions_freed) - c->freed0;
    c->rec.committed = HEAP_GET(rt->committed_count) * rt->region_size;
}

/* After relocation, while mutators run: every FULL region with at least
 * 1/8 of a region free at its top (the last destinations, regions slid in
 * place) is offered to refills as a spare, so partly filled regions fill
 * up instead of piling up. */
static void offer_spares(struct rgc_heap *heap)
{
    struct region_table *rt = &heap->regions;
    spare_regions_collect(&heap->spare_regions, rt, rt->region_size / 8);
}

/* After relocation, while mutators run: every region in use but a
 * humongous continuation has a bitmap this cycle may have dirtied.  Nothing else writes bitmaps now, and no
 * region becomes free before the next pause; a region taken meanwhile had
 * its bitmap cleared when it was taken (before its state left FREE), so
 * clearing it again is redundant, not a race. */
static void clear_bitmaps(struct rgc_heap *heap, struct cycle *c)
{
    struct region_table *rt = &heap->regions;
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (region_state(r) != REGION_FREE)
            region_clear_marks(rt, r);
        driver_pace(c);
    }
}

/* A whole cycle in one pause. */
static void full_cycle(struct rgc_heap *heap, struct cycle *c)
{
    mark_prepare(&heap->regions);
    mark_start(heap, c);
    mark_run(&c->mark, &heap->workers, TRACE_UNLIMITED);
    mark_complete(heap, c);
    finish_marking(heap, c);
    if (relocation_set_select(&c->rs, &heap->regions, true,
                              heap->config.evacuate_live_percent) != RGC_OK)
        c->rs = (struct relocation_set){0}; /* collect without moving */
    relocate_start(heap, c);
    relocate_set(heap, c);
    if (heap->config.verify)
        verify_relocated(heap, c);
    offer_spares(heap);
    clear_bitmaps(heap, c);
}

/* what: the cycle's name in the GC log. */
static void begin_cycle(struct rgc_heap *heap, struct cycle *c, bool full,
                        const char *what, rgc_collect_kind kind)
{
    *c = (struct cycle){.heap = heap, .full = full, .kind = kind};
    cpu_slice_start(&c->slice);
    c->copied0 = HEAP_GET(heap->bytes_copied);
    c->freed0 = HEAP_GET(heap->regions_freed);
    c->start_ns = rgc_now_ns();
    c->rec.kind = kind == RGC_COLLECT_RELEASE ? "release" : what;
    report_cycle_start(heap, &c->rec, c->start_ns);
    if (full) /* a mutator collects: its time is an assist */
        c->cpu0_ns = rgc_self_cpu_ns();
}

static void end_cycle(struct rgc_heap *heap, struct cycle *c)
{
    if (c->full)
        HEAP_ADD(heap->assist_ns, rgc_self_cpu_ns() - c->cpu0_ns);
    relocation_set_destroy(&c->rs);
    c->rec.cycle_ns = rgc_now_ns() - c->start_ns;
    /* The world runs (printing is slow), but gc_lock is held: lines come
     * out in cycle order. */
    if (heap->config.log)
        gc_log_cycle(stderr, &c->rec);
    report_cycle_end(heap, &c->rec, c->start_ns);
}

void collector_concurrent_cycle(struct rgc_heap *heap)
{
    pthread_mutex_lock(&heap->gc_lock);
    struct cycle c;
    begin_cycle(heap, &c, false, "concurrent", RGC_COLLECT_FULL);
    uint64_t allocated = HEAP_GET(heap->bytes_allocated);
    if (heap->last_cycle_start_ns) {
        double rate = (double)(allocated - heap->last_alloc_total) /
                      (double)(c.start_ns - heap->last_cycle_start_ns + 1);
        heap->alloc_rate = (heap->alloc_rate + rate) / 2;
    }
    heap->last_cycle_start_ns = c.start_ns;
    heap->last_alloc_total = allocated;

    cpu_share_busy(&heap->workers.share, 1);
    set_pace_limit(heap);
    mark_prepare(&heap->regions);
    pause(heap, &c, RGC_PAUSE_MARK_START, mark_start);
    mark_concurrently(heap, &c);
    finish_marking(heap, &c);
    if (relocation_set_select(&c.rs, &heap->regions, false,
                              heap->config.evacuate_live_percent) != RGC_OK)
        c.rs = (struct relocation_set){0};
    plan_relocate(heap, &c.plan, &c.rec, c.rs.count);
    pause(heap, &c, RGC_PAUSE_RELOCATE, relocate_start);
    if (heap->relocation_hook)
        heap->relocation_hook(heap, heap->relocation_hook_ctx);
    relocate_set(heap, &c);
    if (heap->config.verify)
        pause(heap, &c, RGC_PAUSE_RELOCATE, verify_relocated);
    offer_spares(heap);
    clear_bitmaps(heap, &c);
    cpu_share_set_limit(&heap->workers.share, SIZE_MAX);
    cpu_share_busy(&heap->workers.share, -1);
    heap->last_cycle_ns = rgc_now_ns() - c.start_ns;
    end_cycle(heap, &c);
    pthread_mutex_unlock(&heap->gc_lock);
}

void collector_handshake(struct rgc_heap *heap, struct rgc_thread *self,
                         handshake_fn op, void *ctx)
{
    thread_offline(&heap->safepoint, self);
    pthread_mutex_lock(&heap->gc_lock);
    safepoint_handshake(&heap->safepoint, self, op, ctx);
    pthread_mutex_unlock(&heap->gc_lock);
    thread_online(&heap->safepoint, self);
}

bool collector_collect(struct rgc_heap *heap, struct rgc_thread *self,
                       rgc_collect_kind kind, uint64_t seen_cycles)
{
    thread_offline(&heap->safepoint, self);
    pthread_mutex_lock(&heap->gc_lock);
    /* Only an allocation that found no room passes seen_cycles: its
     * collection is the degenerated one, the last resort. */
    bool degenerated = seen_cycles != COLLECT_ALWAYS;
    bool run = !degenerated || HEAP_GET(heap->cycles) == seen_cycles;
    struct cycle c;
    if (run) {
        begin_cycle(heap, &c, true, degenerated ? "degenerated" : "full",
                    kind);
        pause(heap, &c, RGC_PAUSE_FULL, full_cycle);
        /* Outside the pause, still offline and under gc_lock: mutators
         * take regions meanwhile, and the uncommit claims each region
         * against them (heap/region_table.h). */
        if (kind == RGC_COLLECT_RELEASE) {
            region_table_uncommit_free(&heap->regions);
            c.rec.committed = HEAP_GET(heap->regions.committed_count) *
                              heap->regions.region_size;
        }
        HEAP_ADD(heap->full_cycles, 1);
        HEAP_ADD(heap->degenerated_cycles, degenerated);
    }
    if (run)
        end_cycle(heap, &c);
    pthread_mutex_unlock(&heap->gc_lock);
    thread_online(&heap->safepoint, self);
    return run;
}
