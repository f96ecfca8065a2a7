/* allocator.c — names of the allocators and their malloc/free entry points. */
#include "allocator.h"

#include <dlfcn.h>
#include <string.h>

#include <gc/gc.h>
#include <gperftools/tcmalloc.h>

/* glibc's own allocator, whichever malloc the process resolves.  tcmalloc,
 * once linked, interposes malloc and also defines __libc_malloc and
 * __libc_free (as aliases of tc_malloc and tc_free), so neither name reaches
 * glibc: look malloc and free up in libc.so.6 itself, which dlsym searches
 * without the global scope.  __libc_malloc is the fallback (correct when
 * tcmalloc is not linked). */
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

/* Weak, so a build linked without tcmalloc (the sanitizer build) still
 * links and reports tcmalloc as unavailable instead. */
#pragma weak tc_malloc
#pragma weak tc_free

static const char *const names[ALLOC_COUNT] = {
    [ALLOC_RGC] = "rgc",
    [ALLOC_GLIBC] = "glibc",
    [ALLOC_TCMALLOC] = "tcmalloc",
    [ALLOC_JEMALLOC] = "jemalloc",
    [ALLOC_BDWGC] = "bdwgc",
};

const char *alloc_name(enum alloc_kind kind)
{
    return kind < ALLOC_COUNT ? names[kind] : "?";
}

bool alloc_parse(const char *s, enum alloc_kind *kind)
{
    for (int k = 0; k < ALLOC_COUNT; k++)
        if (strcmp(s, names[k]) == 0) {
            *kind = (enum alloc_kind)k;
            return true;
        }
    return false;
}

static struct malloc_api glibc_api = {"glibc", __libc_malloc, __libc_free};

static void glibc_resolve(void)
{
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (!libc)
        return;
    void *m = dlsym(libc, "malloc");
    void *f = dlsym(libc, "free");
    if (m && f) {
        glibc_api.malloc = (void *(*)(size_t))m;
        glibc_api.free = (void (*)(void *))f;
    }
    dlclose(libc);
    /* glibc initialises its malloc on the first call, without a lock: it
     * counts on a process's first malloc running before its threads.  When
     * another allocator is interposed (tcmalloc, ASan), nothing calls
     * glibc's malloc early, and two ring threads could race to initialise
     * it (seen as "__malloc_arena_thread_freeres: a->attached_threads > 0"
     * at thread exit, in about 3 % of ASan mtchurn runs).  Call it once,
     * here, on the main thread. */
    glibc_api.free(glibc_api.malloc(1));
}
static const struct malloc_api tcmalloc_api = {"tcmalloc", tc_malloc,
                                               tc_free};

static void *bdwgc_malloc(size_t size)
{
    return GC_MALLOC(size);
}

static const struct malloc_api bdwgc_api = {"bdwgc", bdwgc_malloc, NULL};

static bool tcmalloc_linked(void)
{
    void *(*volatile m)(size_t) = tc_malloc;
    void (*volatile f)(void *) = tc_free;
    return m != NULL && f != NULL;
}

const struct malloc_api *alloc_malloc_api(enum alloc_kind kind)
{
    switch (kind) {
    case ALLOC_GLIBC:
        glibc_resolve();
        return &glibc_api;
    case ALLOC_TCMALLOC:
        return tcmalloc_linked() ? &tcmalloc_api : NULL;
    case ALLOC_JEMALLOC:
        return jemalloc_api();
    case ALLOC_BDWGC:
        GC_INIT(); /* each run is its own process: initialise there */
        return &bdwgc_api;
    default:
        return NULL;
    }
}

const char *alloc_unavailable(enum alloc_kind kind)
{
    if (kind == ALLOC_TCMALLOC && !tcmalloc_linked())
        return "tcmalloc is not linked into this binary "
               "(link with -ltcmalloc_minimal)";
    if (kind == ALLOC_JEMALLOC)
        return jemalloc_unavailable();
    return NULL;
}
