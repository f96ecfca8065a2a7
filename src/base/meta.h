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
