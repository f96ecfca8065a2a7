/*
 * region_table.h — the heap as an array of equal, power-of-two regions.
 *
 * Owns every region's metadata (outside the heap) and the set of free
 * regions.  Invariants:
 *   - region i covers [base + i*size, base + (i+1)*size); region_of() is O(1);
 *   - a region's objects lie in [bottom, top) and parse back to back;
 *   - a FREE region holds no object;
 *   - a region's forwarding table (if any) maps the objects it held when it
 *     was last relocated; it stays, even while the region is reused, until
 *     the next marking has healed every stale reference (relocate/remap.h);
 *   - a region has a mark bitmap while it can hold marked objects: every
 *     region in use but a humongous run's continuations (the object's mark
 *     is on its start region); a free region may keep one until it is
 *     uncommitted;
 *   - outside a collection cycle, the mark bitmap of every region that is
 *     not free is clear (a free region's is cleared when it is taken);
 *   - TAMS (top at mark start, region_tams) is top at the last mark start,
 *     or bottom if the region was taken since: objects at or above it are
 *     newer than the marking and live for it.  It is kept lazily, so that
 *     a mark start costs O(1) whatever the region count: the mark-start
 *     pause only advances mark_epoch, and a region whose tams_epoch is
 *     older has had nothing allocated since, so its TAMS is its top.
 *     Whoever raises a region's top first records TAMS (region_note_alloc,
 *     before the top moves; taking a region sets it to bottom);
 *   - state, top and tams change while markers read them, so they are
 *     accessed with atomics outside pauses (region_state, region_set_state,
 *     region_top, ...);
 *   - every region is readable and writable but a poisoned one (free,
 *     with the poison option); "committed" regions may hold pages (the
 *     heap's committed memory), uncommitted ones hold none; free regions
 *     stay committed (warm) until an uncommit claims them;
 *   - only the claimer of a region (the thread whose and-not cleared its
 *     free bit: a take, or an uncommit) writes its metadata, until it
 *     returns or hands the region over; so an uncommit and a take of the
 *     same region never overlap (docs/design.md, "Uncommit");
 *   - free_since is when a free region last became free (atomic: the
 *     uncommitter reads it before it claims, as a hint);
 *   - every byte in [dirty_end, end) is zero; below dirty_end, bytes at or
 *     above top may be left from an earlier use, and whoever allocates
 *     there zeroes them first (only those: never-touched pages stay
 *     untouched).
 */
#ifndef RGC_HEAP_REGION_TABLE_H
#define RGC_HEAP_REGION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/meta.h"
#include "heap/reservation.h"

enum region_state {
    REGION_FREE,
    REGION_ALLOC,            /* a mutator's or a GC worker's bump region  */
    REGION_FULL,
    REGION_HUMONGOUS_START,  /* first region of one large object          */
    REGION_HUMONGOUS_CONT,   /* the rest of its run                       */
};

struct forwarding;

struct region {
    uintptr_t bottom, top, end;
    uintptr_t tams;          /* top at mark start, if tams_epoch is the
                                current mark_epoch (region_tams)        */
    uint32_t tams_epoch;
    enum region_state state;
    uint32_t index;
    uint32_t span;           /* HUMONGOUS_START: regions in the run       */
    uint32_t pin_count;      /* objects pinned in this region              */
    bool committed;
    uint64_t free_since;     /* atomic; FREE: since when (rgc_now_ns)    */
    uintptr_t dirty_end;     /* bytes from here to end are zero        */
    bool poisoned;
    bool in_relocation_set;  /* atomic: rgc_pin reads it              */
    bool slid;               /* relocated in place since it was taken    */
    uintptr_t settled;       /* atomic; in the relocation set: objects
                                below it were slid to their final place
                                (bottom until a slide starts)            */
    size_t live_bytes;       /* marked bytes (set by the last mark)        */
    size_t live_objects;
    uint64_t *marks;         /* one bit per word from bottom, or NULL
                                (free, or a humongous continuation)      */
    struct forwarding *forwarding; /* from selection to the next mark end */
    struct region *link;     /* a list of the layer that owns the region */
};

struct region_table {
    struct reservation res;
    uintptr_t base;
    size_t region_size;
    unsigned shift;
    size_t count;
    struct region *regions;
    uint64_t *free_set;      /* bit i: region i is FREE                   */
    uint64_t *committed_set; /* bit i: region i is committed              */
    size_t free_count;
    size_t committed_count;
    size_t reserve;          /* free regions only evacuation may take     */
    bool poison;             /* protect free regions to trap stale use    */
    uint32_t mark_epoch;     /* atomic; advanced by each mark start       */
    struct meta_usage meta;  /* the heap's metadata bytes (rgc_stats)     */
};

int region_table_init(struct region_table *rt, size_t heap_max,
                      size_t region_size, bool pretouch, bool poison);
void region_table_destroy(struct region_table *rt);

static inline bool heap_contains(const struct region_table *rt, uintptr_t a)
{
    return a - rt->base < rt->count << rt->shift;
}

static inline struct region *region_of(const struct region_table *rt,
                                       uintptr_t a)
{
    return &rt->regions[(a - rt->base) >> rt->shift];
}

/* Take one free region (committed ones first) into the given state, or
 * NULL.  The last `reserve` free regions are left to evacuation: without
 * them, a heap whose every region holds a little live data could never be
 * compacted again.  (The check is not atomic with the claim: threads
 * racing for the last regions can dip into the reserve by one region
 * each.) */
struct region *region_table_take(struct region_table *rt,
                                 enum region_state state);
/* The same, reserve included: for relocation destinations. */
struct region *region_table_take_reserve(struct region_table *rt,
                                         enum region_state state);
/* Take n contiguous free regions for a humongous object (reserve kept), or
 * NULL. */
struct region *region_table_take_run(struct region_table *rt, size_t n);
/* Return a region (a humongous start: its whole run) to the free set. */
void region_table_release(struct region_table *rt, struct region *r);
/* Zero the bytes of [from, to) inside r that may hold old data. */
void region_zero(struct region *r, uintptr_t from, uintptr_t to);
/* Give the memory of every free region back to the OS; returns bytes.
 * Mutators may take regions meanwhile: each is claimed as by a take, and
 * a region taken first is left alone. */
size_t region_table_uncommit_free(struct region_table *rt);
/* Give region i's memory back if it is still free, committed and free
 * since no later than freed_before: claim it from the free set, uncommit,
 * return it.  false if a taker won it first (or it no longer qualifies).
 * The caller chose i from region_idle_since() without claiming it. */
bool region_table_uncommit(struct region_table *rt, size_t i,
                           uint64_t freed_before);
/* When region i became free if it is free and committed now, else
 * UINT64_MAX: a hint, read without claiming it. */
uint64_t region_idle_since(const struct region_table *rt, size_t i);

/* The region's mark bitmap, allocated on first use (NULL: out of memory);
 * never for a humongous continuation, which holds no object start. */
uint64_t *region_marks(struct region_table *rt, struct region *r);
/* Clear the region's mark bitmap, if it has one. */
void region_clear_marks(const struct region_table *rt, struct region *r);
size_t region_mark_words(const struct region_table *rt);

static inline enum region_state region_state(const struct region *r)
{
    return __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
}

/* Release: whoever sees the new state sees the top written before it. */
static inline void region_set_state(struct region *r, enum region_state s)
{
    __atomic_store_n(&r->state, s, __ATOMIC_RELEASE);
}

/* top changes while markers read it (a mutator carving a TLAB, a large
 * object's allocation), so those writes and this read are atomic. */
static inline uintptr_t region_top(const struct region *r)
{
    return __atomic_load_n(&r->top, __ATOMIC_RELAXED);
}

/* Release: pairs with region_tams (a TAMS recorded before is seen). */
static inline void region_set_top(struct region *r, uintptr_t top)
{
    __atomic_store_n(&r->top, top, __ATOMIC_RELEASE);
}

/* Mark start (world stopped, TLABs retired): every region's TAMS becomes
 * its top, by advancing the epoch. */
static inline void region_table_begin_mark(struct region_table *rt)
{
    __atomic_store_n(&rt->mark_epoch, rt->mark_epoch + 1, __ATOMIC_RELAXED);
}

/* Top first, then the epoch: a reader that sees a top raised since mark
 * start also sees the TAMS recorded before it was raised (release/acquire
 * on top, in region_set_tams_and_top's order), so it never takes a new top
 * for TAMS. */
static inline uintptr_t region_tams(const struct region_table *rt,
                                    const struct region *r)
{
    uintptr_t top = __atomic_load_n(&r->top, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&r->tams_epoch, __ATOMIC_ACQUIRE) ==
        __atomic_load_n(&rt->mark_epoch, __ATOMIC_RELAXED))
        return __atomic_load_n(&r->tams, __ATOMIC_RELAXED);
    return top;
}

static inline void region_set_tams(const struct region_table *rt,
                                   struct region *r, uintptr_t tams)
{
    __atomic_store_n(&r->tams, tams, __ATOMIC_RELAXED);
    __atomic_store_n(&r->tams_epoch,
                     __atomic_load_n(&rt->mark_epoch, __ATOMIC_RELAXED),
                     __ATOMIC_RELEASE);
}

/* Before raising r's top (a TLAB in a region that held objects at the
 * last mark start): record its TAMS if no one has since that mark. */
static inline void region_note_alloc(const struct region_table *rt,
                                     struct region *r)
{
    if (__atomic_load_n(&r->tams_epoch, __ATOMIC_RELAXED) !=
        __atomic_load_n(&rt->mark_epoch, __ATOMIC_RELAXED))
        region_set_tams(rt, r, r->top);
}

static inline size_t region_word_index(const struct region *r, uintptr_t a)
{
    return (a - r->bottom) / 8;
}

#endif
