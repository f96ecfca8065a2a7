/*
 * allocator.h — the allocators rgc-bench compares.
 *
 * rgc is a moving collector with its own API (perf/rgc_session.h); glibc and
 * tcmalloc are malloc/free pairs reached through their explicit entry points
 * (libc.so.6's own malloc, tc_malloc), so both run from the same source in one binary
 * whatever malloc the process itself resolves to.  bdwgc (the Boehm-Demers-
 * Weiser conservative collector) runs the same malloc source with GC_MALLOC
 * and no free: it finds the garbage itself.
 */
#ifndef RGC_PERF_ALLOCATOR_H
#define RGC_PERF_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

enum alloc_kind {
    ALLOC_RGC,
    ALLOC_GLIBC,
    ALLOC_TCMALLOC,
    ALLOC_BDWGC,
    ALLOC_COUNT
};

/* "rgc", "glibc", "tcmalloc", "bdwgc". */
const char *alloc_name(enum alloc_kind kind);
/* The kind named s; false if there is none. */
bool alloc_parse(const char *s, enum alloc_kind *kind);

struct malloc_api {
    const char *name;
    void *(*malloc)(size_t size);
    void (*free)(void *p); /* NULL: a collector, nothing to free */
};

/* glibc's or tcmalloc's malloc/free; NULL for rgc, and for tcmalloc when the
 * binary was linked without it (its entry points are weak references). */
const struct malloc_api *alloc_malloc_api(enum alloc_kind kind);

/* Why alloc_malloc_api(kind) or the allocator is unavailable, or NULL. */
const char *alloc_unavailable(enum alloc_kind kind);

/* bdwgc must know every thread that holds pointers into its heap (it stops
 * them with signals and scans their stacks).  The main thread, after
 * alloc_malloc_api(ALLOC_BDWGC) initialised bdwgc, enables registration;
 * each new thread registers itself before it allocates and unregisters
 * before it exits (perf/bdwgc_threads.c). */
void bdwgc_threads_enable(void);
bool bdwgc_thread_register(void);
void bdwgc_thread_unregister(void);

#endif
