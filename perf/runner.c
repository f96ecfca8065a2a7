/* runner.c — fork, run, send the result back through a pipe. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strsignal */
#endif
#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeline.h"

void run_fail(struct run_result *r, const char *fmt, ...)
{
    if (!r->ok)
        return; /* keep the first reason */
    r->ok = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
}

static bool write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static size_t read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void init_result(struct run_result *r, enum alloc_kind alloc)
{
    memset(r, 0, sizeof *r);
    r->alloc = alloc;
    r->ok = true;
}

struct run_result *run_results_alloc(unsigned n)
{
    size_t bytes = (size_t)(n ? n : 1) * sizeof(struct run_result);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_DONTFORK); /* best effort */
    return p;
}

void run_results_free(struct run_result *results, unsigned n)
{
    if (results)
        munmap(results, (size_t)(n ? n : 1) * sizeof *results);
}

void run_isolated(workload_fn fn, const void *params, enum alloc_kind alloc,
                  struct run_result *out)
{
    init_result(out, alloc);
    int fds[2];
    if (pipe(fds) != 0) {
        run_fail(out, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        run_fail(out, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        /* Large, not on the stack, and left untouched (zero since the
         * parent never writes it), so that only the pages the run writes
         * count in its RSS. */
        static struct run_result r;
        r.alloc = alloc;
        r.ok = true;
        r.rss_start_kb = proc_rss_kb();
        timeline_begin(alloc);
        fn(params, alloc, &r);
        timeline_end();
        r.peak_rss_kb = proc_peak_rss_kb();
        fflush(NULL);
        _exit(write_all(fds[1], &r, sizeof r) ? 0 : 3);
    }
    close(fds[1]);
    size_t got = read_all(fds[0], out, sizeof *out);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    init_result(out, alloc);
    if (WIFSIGNALED(status))
        run_fail(out, "the %s run died: signal %d (%s)%s", alloc_name(alloc),
                 WTERMSIG(status), strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        run_fail(out, "the %s run exited with status %d", alloc_name(alloc),
                 WEXITSTATUS(status));
    else
        run_fail(out, "the %s run sent a short result (%zu of %zu bytes)",
                 alloc_name(alloc), got, sizeof *out);
}

void run_settle(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
