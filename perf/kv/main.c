/*
 * main.c — the rgc-kv command line: parse the flags into a kv_config,
 * start the server, print the ready line, and stop cleanly on SIGTERM,
 * SIGINT or a client's SHUTDOWN.
 *
 * The signals are blocked before the workers start (they inherit the
 * mask) and read through a signalfd, so the main thread waits in one
 * poll for either a signal or the server's shutdown eventfd.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "server.h"

static const char usage[] =
    "usage: rgc-kv [--port N] [--bind ADDR] [--threads N] [--maxmemory BYTES]\n"
    "              [--maxclients N] [--client-query-buffer-limit BYTES]\n"
    "              [--proto-max-bulk-len BYTES] [--max-multibulk-len N]\n"
    "              [--timeout SECONDS] [--options RGC_OPTIONS]\n"
    "  --port N          TCP port (6380; 0: ephemeral)\n"
    "  --bind ADDR       IPv4 address (127.0.0.1; non-loopback only when "
    "named)\n"
    "  --threads N       worker threads (0: one per core, the default)\n"
    "  --maxmemory BYTES data bytes kept, LRU eviction beyond (0: unlimited)\n"
    "  --maxclients N    connections at once (10000)\n"
    "  --client-query-buffer-limit BYTES  per connection (1gb)\n"
    "  --proto-max-bulk-len BYTES         longest bulk string (512mb)\n"
    "  --max-multibulk-len N              most arguments (1048576)\n"
    "  --timeout SECONDS close clients idle this long (0: never)\n"
    "  --options OPTS    rgc heap options (docs/api.md), rgc build only\n"
    "BYTES take k, kb, m, mb, g, gb (k = 1000, kb = 1024, as Redis).\n";

static _Noreturn void bad(const char *flag, const char *value)
{
    fprintf(stderr, "rgc-kv: bad value for %s: '%s'\n%s", flag,
            value ? value : "", usage);
    exit(2);
}

static size_t size_arg(const char *flag, const char *value)
{
    size_t v;
    if (!kv_parse_size(value, &v))
        bad(flag, value);
    return v;
}

static unsigned count_arg(const char *flag, const char *value, unsigned max)
{
    size_t v;
    if (!kv_parse_size(value, &v) || v > max)
        bad(flag, value);
    return (unsigned)v;
}

/* The value after argv[*i], which is a flag that takes one. */
static const char *value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "rgc-kv: missing value for %s\n%s", argv[*i], usage);
        exit(2);
    }
    return argv[++*i];
}

static void parse_args(int argc, char **argv, struct kv_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(flag, "--port") == 0) {
            cfg->port = (int)count_arg(flag, value(argc, argv, &i), 65535);
        } else if (strcmp(flag, "--bind") == 0) {
            cfg->bind = value(argc, argv, &i);
            cfg->bind_any = true;
        } else if (strcmp(flag, "--threads") == 0) {
            cfg->threads = count_arg(flag, value(argc, argv, &i), 1024);
        } else if (strcmp(flag, "--maxmemory") == 0) {
            cfg->maxmemory = size_arg(flag, value(argc, argv, &i));
        } else if (strcmp(flag, "--maxclients") == 0) {
            cfg->maxclients = count_arg(flag, value(argc, argv, &i), INT_MAX);
        } else if (strcmp(flag, "--client-query-buffer-limit") == 0) {
            cfg->qbuf_limit = size_arg(flag, value(argc, argv, &i));
        } else if (strcmp(flag, "--proto-max-bulk-len") == 0) {
            cfg->max_bulk = size_arg(flag, value(argc, argv, &i));
        } else if (strcmp(flag, "--max-multibulk-len") == 0) {
            cfg->max_multibulk = size_arg(flag, value(argc, argv, &i));
        } else if (strcmp(flag, "--timeout") == 0) {
            cfg->timeout_s = count_arg(flag, value(argc, argv, &i), INT_MAX);
        } else if (strcmp(flag, "--options") == 0) {
            cfg->options = value(argc, argv, &i);
        } else {
            fprintf(stderr, "rgc-kv: unknown argument %s\n%s", flag, usage);
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    struct kv_config cfg;
    kv_config_init(&cfg);
    parse_args(argc, argv, &cfg);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sigfd < 0) {
        perror("rgc-kv: signalfd");
        return 1;
    }

    char err[256];
    struct kv_server *srv = kv_server_start(&cfg, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "rgc-kv: %s\n", err);
        return 1;
    }
    printf("rgc-kv: ready on %s:%d\n", cfg.bind, kv_server_port(srv));
    fflush(stdout);

    struct pollfd fds[2] = {
        {.fd = sigfd, .events = POLLIN},
        {.fd = kv_server_shutdown_fd(srv), .events = POLLIN}};
    while (poll(fds, 2, -1) < 0 && errno == EINTR)
        ;
    kv_server_stop(srv);
    return 0;
}
