/*
 * jemalloc.c — jemalloc as an rgc-bench allocator, reached without
 * replacing the process's malloc: libjemalloc.so.2 is dlopen'ed
 * RTLD_LOCAL inside the run's child, and the runs call its non-standard
 * mallocx/dallocx.
 *
 * Why mallocx/dallocx and not malloc/free looked up through the handle:
 * both reach jemalloc's arenas (jemalloc's "thread.allocated" counter sees
 * both, and not the process's malloc), but dlsym(handle, "malloc")
 * searches the library and then its dependencies, so a jemalloc built
 * with a symbol prefix (je_malloc) would silently hand back libc's malloc.
 * mallocx exists only in jemalloc: a wrong library fails to load instead
 * of measuring another allocator.  The price is a wrapper call per
 * operation (mallocx takes a flags argument).
 *
 * Why a re-exec: libjemalloc.so.2 uses initial-exec TLS (2.6 KiB of it,
 * DF_STATIC_TLS), more than glibc's default reserve of static TLS for
 * libraries loaded later, so a plain dlopen fails ("cannot allocate
 * memory in static TLS block").  The glibc.rtld.optional_static_tls
 * tunable raises the reserve but is read only at process start, so
 * rgc-bench re-executes itself with it once (every run of that invocation
 * then has the larger reserve: 4 KiB more per thread's TLS, untouched).
 *
 * Whether the library loads is asked in a throwaway child, so that the
 * parent, whose memory every run inherits, never loads it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocator.h"

#define JEMALLOC_SONAME "libjemalloc.so.2"
#define TLS_TUNABLE "glibc.rtld.optional_static_tls"
/* jemalloc 5.3's TLS block is 2,632 bytes; room for alignment. */
#define TLS_BYTES "4096"

static void *(*jmallocx)(size_t size, int flags);
static void (*jdallocx)(void *p, int flags);
static char load_error[200]; /* why the last load failed, or "" */
static bool probed;          /* a child was asked already */

static void *jemalloc_malloc(size_t size)
{
    return jmallocx(size, 0);
}

static void jemalloc_free(void *p)
{
    if (p) /* free(NULL) is a no-op; dallocx(NULL) is undefined */
        jdallocx(p, 0);
}

static const struct malloc_api api = {"jemalloc", jemalloc_malloc,
                                      jemalloc_free};

static bool load(void)
{
    if (jmallocx)
        return true;
    void *h = dlopen(JEMALLOC_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "cannot load jemalloc: %s",
                 dlerror());
        return false;
    }
    void *m = dlsym(h, "mallocx");
    void *f = dlsym(h, "dallocx");
    if (!m || !f) {
        snprintf(load_error, sizeof load_error,
                 JEMALLOC_SONAME " has no mallocx/dallocx");
        dlclose(h);
        return false;
    }
    jmallocx = (void *(*)(size_t, int))m;
    jdallocx = (void (*)(void *, int))f;
    /* Initialise it here, on the thread that loaded it, not in the
     * first push. */
    jemalloc_free(jemalloc_malloc(1));
    return true;
}

const struct malloc_api *jemalloc_api(void)
{
    return load() ? &api : NULL;
}

/* Load it in a child and bring its error back through a pipe. */
static void probe(void)
{
    int fds[2];
    probed = true;
    if (pipe(fds) != 0) {
        snprintf(load_error, sizeof load_error, "pipe failed");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        ssize_t n = load() ? 0 : (ssize_t)strlen(load_error);
        _exit(write(fds[1], load_error, (size_t)n) == n ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = pid > 0 ? read(fds[0], load_error, sizeof load_error - 1)
                          : -1;
    close(fds[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (got < 0 || !WIFEXITED(status))
        snprintf(load_error, sizeof load_error,
                 "cannot tell whether jemalloc loads (the probe %s)",
                 pid > 0 ? "died" : "could not fork");
    else
        load_error[got] = '\0';
}

const char *jemalloc_unavailable(void)
{
    if (!jmallocx && !load_error[0] && !probed)
        probe();
    return load_error[0] ? load_error : NULL;
}

void jemalloc_reexec_for_tls(char **argv)
{
    const char *old = getenv("GLIBC_TUNABLES");
    if (old && strstr(old, TLS_TUNABLE))
        return; /* already set: by us, or by the user on purpose */
    const char setting[] = TLS_TUNABLE "=" TLS_BYTES;
    size_t len = (old ? strlen(old) + 1 : 0) + sizeof setting;
    char *value = malloc(len);
    if (!value)
        return;
    snprintf(value, len, "%s%s%s", old ? old : "", old ? ":" : "", setting);
    if (setenv("GLIBC_TUNABLES", value, 1) == 0)
        execv("/proc/self/exe", argv);
    /* No re-exec: jemalloc then reports why it cannot load. */
    free(value);
}
