/*
 * collector.c — the collection cycle, top to bottom.
 *
 * This version stops the world for the whole cycle (the concurrent phases
 * are later work, docs/limitations.md).  The thread that needs the cycle
 * goes offline, takes gc_lock, stops every other attached thread
 * (thread/safepoint.h), and runs the phases, in order:
 *
 *   1. retire   every thread's TLAB and allocation region (and the spare
 *               regions detached threads left), so every region's
 *               [bottom, top) is exact and parsable;
 *   2. verify   (option) the heap before anything changes;
 *   3. mark     from the roots with an explicit stack; live bytes per region;
 *   4. select   the relocation set: sparsest regions first, within the free
 *               space available to copy into (relocate/relocation_set.h);
 *   5. evacuate live objects of the set into fresh regions, recording the
 *               moves in per-region forwarding tables;
 *   6. update   every root and every live object's slots: forward moved
 *               targets and flip all of them to the new good color;
 *   7. reclaim  evacuated regions and dead large objects, and offer regions
 *               left with room at their top to the mutators as spares;
 *   8. account  used/live/trigger, verify (option) again, and for
 *               RGC_COLLECT_RELEASE give free memory back to the OS.
 *
 * The whole cycle is one pause, recorded in the pause histogram (from the
 * stop request); its time-to-safepoint is recorded on its own as well.
 */
#include "policy/collector.h"

#include "base/clock.h"
#include "base/error.h"
#include "mark/mark.h"
#include "relocate/evacuate.h"
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

static void verify(struct rgc_heap *heap, const char *when)
{
    size_t problems =
        verify_heap(&heap->regions, &heap->types, collector_visit_roots, heap,
                    heap->good_color, when);
    if (problems)
        rgc_fatal("heap verification %s found %zu problems", when, problems);
}

static void retire_allocation(struct rgc_heap *heap)
{
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next) {
        heap_count_allocated(heap, tlab_retire_region(t));
    }
    spare_regions_retire(&heap->spare_regions);
}

static uintptr_t next_color(uintptr_t color)
{
    return color == RGC_COLOR_MARKED0 ? RGC_COLOR_MARKED1 : RGC_COLOR_MARKED0;
}

static void flip_color(struct rgc_heap *heap)
{
    heap->good_color = next_color(heap->good_color);
    for (struct rgc_thread *t = heap->safepoint.threads; t; t = t->next) {
        t->fast.good_color = heap->good_color;
        t->fast.bad_mask = RGC_COLOR_MASK & ~heap->good_color;
    }
}

static void reclaim(struct rgc_heap *heap, struct relocation_set *rs)
{
    struct region_table *rt = &heap->regions;
    for (size_t i = 0; i < rs->count; i++) {
        struct region *r = rs->regions[i];
        forwarding_destroy(r->forwarding);
        r->forwarding = NULL;
        if (r->evacuation_failed) {
            r->in_relocation_set = false;
            r->evacuation_failed = false;
            continue;
        }
        region_table_release(rt, r);
        HEAP_ADD(heap->regions_freed, 1);
    }
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (r->state == REGION_HUMONGOUS_START && !r->live_objects &&
            !r->pin_count) {
            HEAP_ADD(heap->regions_freed, r->span);
            region_table_release(rt, r);
        }
    }
}

static size_t used_bytes(const struct region_table *rt)
{
    size_t used = 0;
    for (size_t i = 0; i < rt->count; i++)
        used += rt->regions[i].top - rt->regions[i].bottom;
    return used;
}

static void set_trigger(struct rgc_heap *heap)
{
    size_t region = heap->regions.region_size;
    size_t grown = heap->live + heap->live / 100 * heap->config.growth_percent;
    size_t floor = 8 * region; /* tiny live sets: do not collect constantly */
    HEAP_SET(heap->trigger, grown > floor ? grown : floor);
}

bool collector_should_start(const struct rgc_heap *heap)
{
    return HEAP_GET(heap->used) >= HEAP_GET(heap->trigger);
}

/* The cycle itself; the world is stopped. */
static void run_cycle(struct rgc_heap *heap, rgc_collect_kind kind, bool full,
                      struct cycle_record *rec)
{
    struct region_table *rt = &heap->regions;
    uint64_t copied = HEAP_GET(heap->bytes_copied);
    uint64_t freed = HEAP_GET(heap->regions_freed);

    retire_allocation(heap);
    rec->used_before = HEAP_GET(heap->used);
    rec->threads = heap->safepoint.thread_count;
    if (heap->config.verify)
        verify(heap, "before collection");

    HEAP_SET(heap->live,
             mark_live(rt, &heap->types, collector_visit_roots, heap,
                       &heap->workers));

    struct relocation_set rs;
    if (relocation_set_select(&rs, rt, full,
                              heap->config.evacuate_live_percent) != RGC_OK)
        rs = (struct relocation_set){0}; /* collect without moving */
    HEAP_ADD(heap->bytes_copied, evacuate(&rs, rt, &heap->workers));

    flip_color(heap);
    update_references(rt, &heap->types, collector_visit_roots, heap,
                      heap->good_color, &heap->workers);
    reclaim(heap, &rs);
    relocation_set_destroy(&rs);
    spare_regions_collect(&heap->spare_regions, rt, rt->region_size / 8);

    HEAP_SET(heap->used, used_bytes(rt));
    set_trigger(heap);
    HEAP_ADD(heap->cycles, 1);
    if (heap->config.verify)
        verify(heap, "after collection");
    if (kind == RGC_COLLECT_RELEASE)
        region_table_uncommit_free(rt);

    rec->cycle = HEAP_GET(heap->cycles);
    rec->kind = kind == RGC_COLLECT_RELEASE ? "release"
                : full                      ? "full"
                                            : "routine";
    rec->used_after = HEAP_GET(heap->used);
    rec->live = HEAP_GET(heap->live);
    rec->copied = HEAP_GET(heap->bytes_copied) - copied;
    rec->regions_freed = HEAP_GET(heap->regions_freed) - freed;
    rec->committed = HEAP_GET(rt->committed_count) * rt->region_size;
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
                       rgc_collect_kind kind, bool full, uint64_t seen_cycles)
{
    thread_offline(&heap->safepoint, self);
    pthread_mutex_lock(&heap->gc_lock);
    bool run = seen_cycles == COLLECT_ALWAYS ||
               HEAP_GET(heap->cycles) == seen_cycles;
    if (run) {
        struct cycle_record rec;
        uint64_t start = rgc_now_ns();
        rec.ttsp_ns = safepoint_stop_world(&heap->safepoint);
        run_cycle(heap, kind, full, &rec);
        safepoint_resume_world(&heap->safepoint);
        rec.pause_ns = rgc_now_ns() - start;
        pthread_mutex_lock(&heap->stats_lock);
        histogram_record(&heap->ttsp, rec.ttsp_ns);
        histogram_record(&heap->pauses, rec.pause_ns);
        pthread_mutex_unlock(&heap->stats_lock);
        if (heap->config.log) /* the world runs again: printing is slow */
            gc_log_cycle(stderr, &rec);
    }
    pthread_mutex_unlock(&heap->gc_lock);
    thread_online(&heap->safepoint, self);
    return run;
}
