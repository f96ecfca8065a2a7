/*
 * region_table.c — region metadata, the free set, and commit/uncommit.
 *
 * Free regions are found by scanning two bitmaps (free, committed), one bit
 * per region, preferring committed memory so the mutator does not pay for
 * page faults it need not take (docs/design.md, "Heap").  Taking a region is
 * lock-free: the thread whose atomic and-not clears a free bit owns that
 * region.  Releasing happens in a pause or, for a relocated region, when
 * its worker has closed its forwarding table (no mutator reads it).
 * Uncommitting happens while mutators run (the driver between cycles, or
 * RGC_COLLECT_RELEASE after its pause), so an uncommit claims the region
 * exactly as a take does: whoever clears the free bit first owns it, and
 * the take path pays nothing for the uncommitter's existence.
 */
#include "heap/region_table.h"

#include <string.h>

#include "base/bitmap.h"
#include "base/chaos.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/meta.h"

int region_table_init(struct region_table *rt, size_t heap_max,
                      size_t region_size, bool pretouch, bool poison)
{
    memset(rt, 0, sizeof *rt);
    int rc = reservation_create(&rt->res, heap_max, region_size);
    if (rc != RGC_OK)
        return rc;
    rt->base = rt->res.base;
    rt->region_size = region_size;
    rt->shift = (unsigned)__builtin_ctzll(region_size);
    rt->count = heap_max / region_size;
    rt->poison = poison;
    rt->regions = rgc_meta_calloc(rt->count, sizeof *rt->regions);
    rt->free_set = rgc_meta_calloc(RGC_BITMAP_WORDS(rt->count), 8);
    rt->committed_set = rgc_meta_calloc(RGC_BITMAP_WORDS(rt->count), 8);
    if (!rt->regions || !rt->free_set || !rt->committed_set) {
        region_table_destroy(rt);
        return rgc_fail(RGC_ENOMEM, "rgc_heap_create: no memory for the "
                                    "region table");
    }
    meta_count(&rt->meta, META_REGION_TABLE,
               rt->count * sizeof *rt->regions +
                   2 * RGC_BITMAP_WORDS(rt->count) * 8);
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        r->index = (uint32_t)i;
        r->bottom = r->top = r->dirty_end = rt->base + (i << rt->shift);
        r->end = r->bottom + region_size;
        r->state = REGION_FREE;
        bitmap_test_and_set(rt->free_set, i);
    }
    rt->free_count = rt->count;
    rt->mark_epoch = 1; /* a region taken records epoch 1 before any mark */
    uint64_t now = rgc_now_ns();
    for (size_t i = 0; i < rt->count; i++)
        rt->regions[i].free_since = now;
    if (pretouch) {
        os_pretouch(rt->base, heap_max);
        for (size_t i = 0; i < rt->count; i++) {
            rt->regions[i].committed = true;
            bitmap_test_and_set(rt->committed_set, i);
        }
        rt->committed_count = rt->count;
    }
    return RGC_OK;
}

static void free_marks(struct region_table *rt, struct region *r)
{
    if (!r->marks)
        return;
    meta_uncount(&rt->meta, META_BITMAP, region_mark_words(rt) * 8);
    rgc_meta_free(r->marks);
    r->marks = NULL;
}

void region_table_destroy(struct region_table *rt)
{
    if (rt->regions)
        for (size_t i = 0; i < rt->count; i++)
            free_marks(rt, &rt->regions[i]);
    rgc_meta_free(rt->regions);
    rgc_meta_free(rt->free_set);
    rgc_meta_free(rt->committed_set);
    reservation_destroy(&rt->res);
    memset(rt, 0, sizeof *rt);
}

size_t region_mark_words(const struct region_table *rt)
{
    return RGC_BITMAP_WORDS(rt->region_size / 8);
}

void region_clear_marks(const struct region_table *rt, struct region *r)
{
    if (r->marks)
        memset(r->marks, 0, region_mark_words(rt) * 8);
}

uint64_t *region_marks(struct region_table *rt, struct region *r)
{
    if (!r->marks && (r->marks = rgc_meta_calloc(region_mark_words(rt), 8)))
        meta_count(&rt->meta, META_BITMAP, region_mark_words(rt) * 8);
    return r->marks;
}

/* Atomically remove region i from the free set; true if this caller won
 * it.  Acquire: the releaser's writes to the region's metadata happen
 * before. */
static bool claim_bit(struct region_table *rt, size_t i)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (!(__atomic_fetch_and(&rt->free_set[i / 64], ~bit, __ATOMIC_ACQUIRE) &
          bit))
        return false;
    __atomic_fetch_sub(&rt->free_count, 1, __ATOMIC_RELAXED);
    return true;
}

static void return_bit(struct region_table *rt, size_t i)
{
    __atomic_fetch_add(&rt->free_count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_or(&rt->free_set[i / 64], (uint64_t)1 << (i % 64),
                      __ATOMIC_RELEASE);
}

/* Make a region this caller has claimed usable: committed, unprotected, a
 * clear mark bitmap if it will hold object starts (marks), none if not (a
 * humongous continuation: its old bitmap, if any, goes).  false (and the
 * region back in the free set) if the OS refuses. */
static bool prepare(struct region_table *rt, struct region *r, bool marks)
{
    if (r->poisoned && os_unprotect(r->bottom, rt->region_size) != RGC_OK) {
        return_bit(rt, r->index);
        return false;
    }
    if (!r->committed) {
        r->committed = true;
        __atomic_fetch_or(&rt->committed_set[r->index / 64],
                          (uint64_t)1 << (r->index % 64), __ATOMIC_RELAXED);
        __atomic_fetch_add(&rt->committed_count, 1, __ATOMIC_RELAXED);
    }
    r->poisoned = false;
    /* Its mark bitmap now, not in the mark-start pause: that pause must not
     * grow with the number of regions taken since the last one. */
    if (!marks) {
        free_marks(rt, r);
    } else if (r->marks) {
        region_clear_marks(rt, r); /* no stale marks leave the free set */
    } else if (!region_marks(rt, r)) {
        return_bit(rt, r->index);
        return false;
    }
    r->top = r->bottom;
    region_set_tams(rt, r, r->bottom); /* all it will hold is newer than a
                                          mark */
    return true;
}

/* Claim the first free region (committed ones only, if asked). */
static struct region *claim_first(struct region_table *rt, bool committed_only)
{
    size_t words = RGC_BITMAP_WORDS(rt->count);
    for (size_t w = 0; w < words; w++) {
        uint64_t bits = __atomic_load_n(&rt->free_set[w], __ATOMIC_RELAXED);
        if (committed_only)
            bits &= __atomic_load_n(&rt->committed_set[w], __ATOMIC_RELAXED);
        while (bits) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            if (claim_bit(rt, i))
                return &rt->regions[i];
            bits &= bits - 1; /* another thread won it */
        }
    }
    return NULL;
}

static bool above_reserve(const struct region_table *rt, size_t n)
{
    return __atomic_load_n(&rt->free_count, __ATOMIC_RELAXED) >=
           rt->reserve + n;
}

struct region *region_table_take(struct region_table *rt,
                                 enum region_state state)
{
    return above_reserve(rt, 1) ? region_table_take_reserve(rt, state) : NULL;
}

struct region *region_table_take_reserve(struct region_table *rt,
                                         enum region_state state)
{
    struct region *r = claim_first(rt, true);
    if (!r)
        r = claim_first(rt, false);
    if (!r || !prepare(rt, r, true))
        return NULL;
    region_set_state(r, state);
    return r;
}

struct region *region_table_take_run(struct region_table *rt, size_t n)
{
    if (n == 0 || !above_reserve(rt, n))
        return NULL;
    size_t run = 0;
    for (size_t i = 0; i < rt->count; i++) {
        run = bitmap_test(rt->free_set, i) ? run + 1 : 0;
        if (run < n)
            continue;
        size_t first = i + 1 - n, got = first;
        while (got <= i && claim_bit(rt, got))
            got++;
        bool ok = got > i;
        for (size_t j = first; ok && j <= i; j++)
            if (!prepare(rt, &rt->regions[j], j == first)) { /* returned j */
                for (size_t k = first; k <= i; k++)
                    if (k != j)
                        return_bit(rt, k);
                return NULL; /* the OS refused memory */
            }
        if (!ok) { /* lost a race for one of them: give the rest back */
            while (got-- > first)
                return_bit(rt, got);
            run = 0;
            continue;
        }
        for (size_t j = first; j <= i; j++)
            region_set_state(&rt->regions[j], REGION_HUMONGOUS_CONT);
        struct region *start = &rt->regions[first];
        region_set_state(start, REGION_HUMONGOUS_START);
        start->span = (uint32_t)n;
        return start;
    }
    return NULL;
}

static void release_one(struct region_table *rt, struct region *r)
{
    uintptr_t written = r->state == REGION_HUMONGOUS_START ||
                                r->state == REGION_HUMONGOUS_CONT
                            ? r->end /* the object may cover it all */
                            : r->top;
    if (written > r->dirty_end)
        r->dirty_end = written;
    region_set_state(r, REGION_FREE);
    r->top = r->bottom;
    r->span = 0;
    r->live_bytes = 0;
    r->live_objects = 0;
    __atomic_store_n(&r->in_relocation_set, false, __ATOMIC_RELAXED);
    r->slid = false;
    if (rt->poison) {
        os_protect(r->bottom, rt->region_size);
        r->poisoned = true;
    }
    __atomic_store_n(&r->free_since, rgc_now_ns(), __ATOMIC_RELAXED);
    return_bit(rt, r->index);
}

void region_table_release(struct region_table *rt, struct region *r)
{
    size_t n = r->state == REGION_HUMONGOUS_START ? r->span : 1;
    for (size_t i = 0; i < n; i++)
        release_one(rt, r + i);
}

void region_zero(struct region *r, uintptr_t from, uintptr_t to)
{
    if (to > r->dirty_end)
        to = r->dirty_end;
    if (from < to)
        memset((void *)from, 0, to - from);
}

uint64_t region_idle_since(const struct region_table *rt, size_t i)
{
    if (!bitmap_test(rt->free_set, i) || !bitmap_test(rt->committed_set, i))
        return UINT64_MAX;
    return __atomic_load_n(&rt->regions[i].free_since, __ATOMIC_RELAXED);
}

/* The caller owns r (claimed, free): its memory goes, and with it what
 * described that memory. */
static void uncommit_claimed(struct region_table *rt, struct region *r)
{
    os_uncommit(r->bottom, rt->region_size); /* poisoned, it stays so */
    free_marks(rt, r);
    r->committed = false;
    r->dirty_end = r->bottom; /* the OS hands back zero pages */
    bitmap_clear(rt->committed_set, r->index);
    __atomic_fetch_sub(&rt->committed_count, 1, __ATOMIC_RELAXED);
}

bool region_table_uncommit(struct region_table *rt, size_t i,
                           uint64_t freed_before)
{
    struct region *r = &rt->regions[i];
    /* Chosen, not yet claimed: a take may win the region here, and then
     * owns it; the claim below fails and the region is left alone. */
    chaos_point(CHAOS_UNCOMMIT_CLAIM, r);
    if (!claim_bit(rt, i))
        return false;
    /* Claimed (acquire): what the last releaser wrote is visible, and the
     * region may have been taken, used and freed again since the hint. */
    bool idle = r->committed &&
                __atomic_load_n(&r->free_since, __ATOMIC_RELAXED) <=
                    freed_before;
    if (idle)
        uncommit_claimed(rt, r);
    return_bit(rt, i);
    return idle;
}

size_t region_table_uncommit_free(struct region_table *rt)
{
    size_t bytes = 0;
    for (size_t i = 0; i < rt->count; i++)
        if (region_idle_since(rt, i) != UINT64_MAX &&
            region_table_uncommit(rt, i, UINT64_MAX))
            bytes += rt->region_size;
    return bytes;
}
