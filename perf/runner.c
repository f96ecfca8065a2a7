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
#include <sys/wait.h>
#include <unistd.h>

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
        static struct run_result r; /* large: not on the stack */
        init_result(&r, alloc);
        r.rss_start_kb = proc_rss_kb();
        fn(params, alloc, &r);
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
