/*
 * allocator.h — the allocators rgc-bench compares.
 *
 * rgc is a moving collector with its own API (perf/rgc_session.h); glibc,
 * tcmalloc and jemalloc are malloc/free pairs reached through their explicit
 * entry points (libc.so.6's own malloc, tc_malloc, jemalloc's mallocx from a
 * dlopen'ed libjemalloc.so.2), so all three run from the same source in one
 * binary whatever malloc the process itself resolves to.  bdwgc (the
 * Boehm-Demers-Weiser conservative collector) runs the same malloc source
 * with GC_MALLOC and no free: it finds the garbage itself.
 */
#ifndef RGC_PERF_ALLOCATOR_H
#define RGC_PERF_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

enum alloc_kind {
    ALLOC_RGC,
    ALLOC_GLIBC,
    ALLOC_TCMALLOC,
    ALLOC_JEMALLOC,
    ALLOC_BDWGC,
    ALLOC_COUNT
};

/* "rgc", "glibc", "tcmalloc", "jemalloc", "bdwgc". */
const char *alloc_name(enum alloc_kind kind);
/* The kind named s; false if there is none. */
bool alloc_parse(const char *s, enum alloc_kind *kind);

struct malloc_api {
    const char *name;
    void *(*malloc)(size_t size);
    void (*free)(void *p); /* NULL: a collector, nothing to free */
};

/* glibc's, tcmalloc's or jemalloc's malloc/free, bdwgc's GC_MALLOC; NULL
 * for rgc, for tcmalloc when the binary was linked without it (its entry
 * points are weak references), and for jemalloc when libjemalloc.so.2
 * cannot be loaded.  jemalloc is loaded by this call: make it in the run's
 * child only. */
const struct malloc_api *alloc_malloc_api(enum alloc_kind kind);

/* Why alloc_malloc_api(kind) or the allocator is unavailable, or NULL.
 * For jemalloc, before alloc_malloc_api was called, a throwaway child
 * tries to load it, so the caller never does. */
const char *alloc_unavailable(enum alloc_kind kind);

/* jemalloc (perf/jemalloc.c).  Its library needs more static TLS than
 * glibc reserves for dlopen unless the process started with the
 * glibc.rtld.optional_static_tls tunable: jemalloc_reexec_for_tls
 * re-executes the program with it (once; it returns when the tunable is
 * already set or the exec failed).  Call it first thing in main, only
 * when jemalloc will run. */
const struct malloc_api *jemalloc_api(void);
const char *jemalloc_unavailable(void);
void jemalloc_reexec_for_tls(char **argv);

/* bdwgc must know every thread that holds pointers into its heap (it stops
 * them with signals and scans their stacks).  The main thread, after
 * alloc_malloc_api(ALLOC_BDWGC) initialised bdwgc, enables registration;
 * each new thread registers itself before it allocates and unregisters
 * before it exits (perf/bdwgc_threads.c). */
void bdwgc_threads_enable(void);
bool bdwgc_thread_register(void);
void bdwgc_thread_unregister(void);

#endif
