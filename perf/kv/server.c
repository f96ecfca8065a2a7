/*
 * server.c — starting and stopping a server (server.h): the heap, the
 * keyspace, the listening socket, the eventfds and the workers; and the
 * figures read across the workers.
 *
 * Accepting: one listening socket, in every worker's epoll set with
 * EPOLLEXCLUSIVE, rather than SO_REUSEPORT sockets per worker: an idle
 * worker takes the next connection (SO_REUSEPORT hashes it to a socket
 * whatever its worker is doing), and an ephemeral port needs no second
 * bind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "state.h"

static bool listen_on(struct kv_server *s, char *err, size_t errlen)
{
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)s->cfg.port)};
    if (inet_pton(AF_INET, s->cfg.bind, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "bad bind address '%s' (IPv4 expected)",
                 s->cfg.bind);
        return false;
    }
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127 && !s->cfg.bind_any) {
        snprintf(err, errlen,
                 "refusing to listen on non-loopback %s: name it with --bind",
                 s->cfg.bind);
        return false;
    }
    s->listen_fd =
        socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    socklen_t len = sizeof addr;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) ||
        listen(s->listen_fd, SOMAXCONN) ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &len)) {
        snprintf(err, errlen, "listen on %s:%d: %s", s->cfg.bind, s->cfg.port,
                 strerror(errno));
        return false;
    }
    s->port = ntohs(addr.sin_port);
    return true;
}

static bool check_config(const struct kv_config *c, char *err, size_t errlen)
{
    if (c->shards == 0 || c->shards > 65536 || (c->shards & (c->shards - 1)))
        snprintf(err, errlen, "shards must be a power of two up to 65536");
    else if (c->maxclients == 0)
        snprintf(err, errlen, "maxclients must be at least 1");
    else if (c->port < 0 || c->port > 65535)
        snprintf(err, errlen, "port must be 0..65535");
    else if (c->qbuf_limit == 0 || c->max_bulk == 0 || c->max_multibulk == 0)
        snprintf(err, errlen, "protocol limits must be at least 1");
    else
        return true;
    return false;
}

/* The stop eventfd stays readable: every worker's loop sees it. */
static void stop_workers(struct kv_server *s)
{
    uint64_t one = 1;
    if (write(s->stop_fd, &one, sizeof one) < 0)
        perror("rgc-kv: stopping the workers");
}

/* Undo a partial start: everything set is released, in reverse. */
static void teardown(struct kv_server *s, unsigned started)
{
    for (unsigned i = 0; i < started; i++)
        pthread_join(s->workers[i].thread, NULL);
    for (unsigned i = 0; s->workers && i < s->nworkers; i++)
        if (s->workers[i].epfd >= 0)
            close(s->workers[i].epfd);
    free(s->workers);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    if (s->shutdown_fd >= 0)
        close(s->shutdown_fd);
    pthread_cond_destroy(&s->start_cond);
    pthread_mutex_destroy(&s->start_lock);
    if (s->db.shards)
        kv_db_fini(&s->db);
    if (s->heap)
        kv_heap_destroy(s->heap);
    free(s);
}

struct kv_server *kv_server_start(const struct kv_config *cfg, char *err,
                                  size_t errlen)
{
    if (!check_config(cfg, err, errlen))
        return NULL;
    struct kv_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->limits.max_bulk = cfg->max_bulk;
    s->limits.max_multibulk = cfg->max_multibulk;
    s->nworkers = cfg->threads;
    if (!s->nworkers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->nworkers = n > 0 ? (unsigned)n : 1;
    }
    s->listen_fd = s->stop_fd = s->shutdown_fd = -1;
    pthread_mutex_init(&s->start_lock, NULL);
    pthread_cond_init(&s->start_cond, NULL);
    s->start_ms = kv_now_ms();
    if (!(s->heap = kv_heap_create(cfg->options, err, errlen))) {
        teardown(s, 0);
        return NULL;
    }
    if (!kv_db_init(&s->db, s->heap, cfg->shards, cfg->maxmemory)) {
        snprintf(err, errlen, "cannot set up the keyspace");
        teardown(s, 0);
        return NULL;
    }
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->shutdown_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->stop_fd < 0 || s->shutdown_fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        teardown(s, 0);
        return NULL;
    }
    if (!listen_on(s, err, errlen)) {
        teardown(s, 0);
        return NULL;
    }
    s->workers = calloc(s->nworkers, sizeof *s->workers);
    if (!s->workers) {
        snprintf(err, errlen, "out of memory");
        teardown(s, 0);
        return NULL;
    }
    for (unsigned i = 0; i < s->nworkers; i++)
        s->workers[i].epfd = -1;
    for (unsigned i = 0; i < s->nworkers; i++)
        if (!kv_worker_init(&s->workers[i], s, i)) {
            snprintf(err, errlen, "epoll: %s", strerror(errno));
            teardown(s, 0);
            return NULL;
        }
    unsigned started = 0;
    for (; started < s->nworkers; started++)
        if (pthread_create(&s->workers[started].thread, NULL, kv_worker_main,
                           &s->workers[started]) != 0)
            break;
    pthread_mutex_lock(&s->start_lock);
    while (s->reported < started)
        pthread_cond_wait(&s->start_cond, &s->start_lock);
    bool failed = s->worker_failed || started < s->nworkers;
    pthread_mutex_unlock(&s->start_lock);
    if (failed) {
        snprintf(err, errlen, "a worker thread could not start or attach");
        stop_workers(s);
        teardown(s, started);
        return NULL;
    }
    return s;
}

int kv_server_port(const struct kv_server *s)
{
    return s->port;
}

int kv_server_shutdown_fd(const struct kv_server *s)
{
    return s->shutdown_fd;
}

void kv_server_stop(struct kv_server *s)
{
    stop_workers(s);
    teardown(s, s->nworkers);
}

uint64_t kv_server_sum(struct kv_server *s, size_t offset)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < s->nworkers; i++)
        n += atomic_load_explicit(
            (_Atomic uint64_t *)((char *)&s->workers[i].stats + offset),
            memory_order_relaxed);
    return n;
}

void kv_server_stats(struct kv_server *s, struct kv_server_stats *out)
{
    memset(out, 0, sizeof *out);
    out->clients = atomic_load(&s->clients);
    out->keys = kv_db_size(&s->db);
    out->used_bytes = kv_db_used(&s->db);
    out->pins = kv_heap_pins(s->heap);
    out->out_limit = KV_OUT_LIMIT;
    for (unsigned i = 0; i < s->nworkers; i++) {
        size_t p = atomic_load(&s->workers[i].out_peak);
        if (p > out->out_peak)
            out->out_peak = p;
    }
    out->evicted = KV_SUM(s, evicted);
    out->expired = KV_SUM(s, expired);
    out->rejected = KV_SUM(s, rejected);
}

void kv_server_collect(struct kv_server *s)
{
    kv_heap_collect(s->heap);
}
