/*
 * child.h — death tests: run a function in a forked child and check how it
 * ended and what it printed.  Include after <cmocka.h>.
 */
#ifndef RGC_TEST_CHILD_H
#define RGC_TEST_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
    int status;
    char err[4096];
};

/* Runs fn in a child with default signal dispositions and no core dump;
 * collects its output (stderr and stdout: a failed cmocka assertion in the
 * child reports there) and its wait status. */
__attribute__((unused)) static struct child run_child(void (*fn)(void))
{
    struct child c = {0};
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        fn();
        fputs("child: survived\n", stderr);
        fflush(stderr);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fds[0], c.err + len, sizeof c.err - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof c.err - 1)
            len = 0; /* keep reading; the tail matters little */
    }
    c.err[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &c.status, 0), pid);
    return c;
}

/* The child was killed by signal sig, and printed msg (unless NULL). */
__attribute__((unused)) static void assert_killed_by(const struct child *c,
                                                     int sig, const char *msg)
{
    if (!WIFSIGNALED(c->status) || WTERMSIG(c->status) != sig)
        fail_msg("child: expected signal %d, got status %#x; stderr:\n%s",
                 sig, c->status, c->err);
    if (msg && !strstr(c->err, msg))
        fail_msg("child's stderr lacks \"%s\":\n%s", msg, c->err);
}

/* The child ran fn to its end and exited with status 0. */
__attribute__((unused)) static void assert_survived(const struct child *c)
{
    if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0 ||
        !strstr(c->err, "child: survived"))
        fail_msg("child: expected a clean exit, got status %#x; output:\n%s",
                 c->status, c->err);
}

#endif
