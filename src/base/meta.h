/*
 * meta.h — allocation of GC metadata (region tables, bitmaps, forwarding
 * tables, mark stacks, handle chunks): never inside the heap it describes.
 *
 * Metadata goes through tcmalloc's explicit entry points, so the collector's
 * own allocations are fast and thread-cached without depending on which
 * malloc the embedder's process resolves.  Sanitizer builds define
 * RGC_META_LIBC: ASan must see every allocation, and tcmalloc's allocator
 * cannot be interposed by it.
 */
#ifndef RGC_BASE_META_H
#define RGC_BASE_META_H

#include <stdbool.h>
#include <stddef.h>

#ifdef RGC_META_LIBC
#include <stdlib.h>
#define rgc_meta_malloc(size) malloc(size)
#define rgc_meta_calloc(n, size) calloc((n), (size))
#define rgc_meta_realloc(p, size) realloc((p), (size))
#define rgc_meta_free(p) free(p)
#define rgc_meta_aligned(align, size) aligned_alloc((align), (size))
#else
#include <gperftools/tcmalloc.h>
#define rgc_meta_malloc(size) tc_malloc(size)
#define rgc_meta_calloc(n, size) tc_calloc((n), (size))
#define rgc_meta_realloc(p, size) tc_realloc((p), (size))
#define rgc_meta_free(p) tc_free(p)
#define rgc_meta_aligned(align, size) tc_memalign((align), (size))
#endif

/* What a heap's metadata takes, by kind, for rgc_stats: kept with atomic
 * adds where the metadata is allocated and freed (none of these sits on a
 * fast path: a bitmap per region taken, a table per relocated region, an
 * 8 KiB SATB buffer per 1,022 recorded slots).  The peak is the high-water
 * mark of the total, so a benchmark need not sample it at the right
 * moment.  Requested sizes: the allocator's rounding is not included. */
enum meta_kind {
    META_REGION_TABLE, /* the region array and its free/committed sets */
    META_BITMAP,       /* mark bitmaps                                  */
    META_FORWARDING,   /* forwarding tables                             */
    META_SATB,         /* SATB buffers, filled or queued                */
    META_KINDS
};

struct meta_usage {
    size_t bytes[META_KINDS];
    size_t total;
    size_t peak;
};

static inline void meta_count(struct meta_usage *u, enum meta_kind kind,
                              size_t bytes)
{
    __atomic_fetch_add(&u->bytes[kind], bytes, __ATOMIC_RELAXED);
    size_t total = __atomic_add_fetch(&u->total, bytes, __ATOMIC_RELAXED);
    size_t peak = __atomic_load_n(&u->peak, __ATOMIC_RELAXED);
    while (peak < total &&
           !__atomic_compare_exchange_n(&u->peak, &peak, total, true,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static inline void meta_uncount(struct meta_usage *u, enum meta_kind kind,
                                size_t bytes)
{
    __atomic_fetch_sub(&u->bytes[kind], bytes, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&u->total, bytes, __ATOMIC_RELAXED);
}

static inline size_t meta_bytes(const struct meta_usage *u,
                                enum meta_kind kind)
{
    return __atomic_load_n(&u->bytes[kind], __ATOMIC_RELAXED);
}

/* Called first thing by every GC thread (the driver, the workers): the
 * first metadata allocations on a thread set up its allocator cache and
 * fault in fresh memory, measured at 0.4-0.6 ms, which would otherwise
 * land in that thread's first pause.  Allocates and frees a block of each
 * size the tracer uses (a chunk of pooled work, a 4,096-entry mark stack),
 * touched so its pages are in. */
static inline void rgc_meta_warm_thread(void)
{
    static const size_t sizes[] = {4 << 10, 64 << 10};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        rgc_meta_free(rgc_meta_calloc(1, sizes[i]));
}

#endif
