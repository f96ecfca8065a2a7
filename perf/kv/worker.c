/*
 * worker.c — a worker thread: attached to the heap, with its own epoll
 * set holding the shared listening socket (EPOLLEXCLUSIVE: one idle
 * worker is woken per connection, not all), the stop eventfd and its own
 * connections.
 *
 * Each turn of the loop: wait in epoll_wait inside a blocking region (the
 * collector never waits for an idle worker; the worker holds no raw heap
 * pointer there, only pinned replies), refresh the clock, handle the
 * events, run a little active expiry, close idle connections.  The wait
 * is at most 100 ms (Redis's hz 10), so expiry and timeouts run on an
 * idle server too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "state.h"

enum {
    KV_EVENTS = 256,
    KV_TICK_MS = 100,
    KV_ACCEPTS = 16,         /* per wake-up: leave some for the others */
    KV_ACCEPT_PAUSE_MS = 100 /* after EMFILE: let connections close first */
};

static char listen_tag, stop_tag; /* epoll data of the shared fds */

static void reject(struct kv_worker *w, int fd)
{
    static const char msg[] = "-ERR max number of clients reached\r\n";
    kv_stat_add(&w->stats.rejected, 1);
    (void)!send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
}

static void set_accepting(struct kv_worker *w, bool on)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
                             .data.ptr = &listen_tag};
    if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
                  w->srv->listen_fd, &ev) == 0)
        w->accepting = on;
}

static void accept_some(struct kv_worker *w)
{
    struct kv_server *srv = w->srv;
    for (int i = 0; i < KV_ACCEPTS; i++) {
        int fd =
            accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM) {
                /* Level-triggered, the socket would wake us at once. */
                set_accepting(w, false);
                w->accept_resume_ms = w->ctx.now_ms + KV_ACCEPT_PAUSE_MS;
            }
            return;
        }
        if (atomic_fetch_add(&srv->clients, 1) >= srv->cfg.maxclients) {
            atomic_fetch_sub(&srv->clients, 1);
            reject(w, fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!kv_conn_new(w, fd)) {
            atomic_fetch_sub(&srv->clients, 1);
            close(fd);
            continue;
        }
        kv_stat_add(&w->stats.connections, 1);
    }
}

static void close_idle(struct kv_worker *w)
{
    uint64_t limit = (uint64_t)w->srv->cfg.timeout_s * 1000;
    if (!limit)
        return;
    while (w->oldest && w->ctx.now_ms - w->oldest->last_active_ms > limit)
        kv_conn_close(w->oldest);
}

/* Attach and report to kv_server_start; false if attaching failed. */
static bool attach(struct kv_worker *w)
{
    struct kv_server *srv = w->srv;
    w->m = w->ctx.m = kv_mem_attach(srv->heap);
    if (w->m)
        kv_mem_blocking_enter(w->m); /* around a lock, as everywhere */
    pthread_mutex_lock(&srv->start_lock);
    srv->reported++;
    srv->worker_failed |= !w->m;
    pthread_cond_signal(&srv->start_cond);
    pthread_mutex_unlock(&srv->start_lock);
    if (w->m)
        kv_mem_blocking_leave(w->m);
    return w->m != NULL;
}

void *kv_worker_main(void *arg)
{
    struct kv_worker *w = arg;
    if (!attach(w))
        return NULL;
    struct epoll_event events[KV_EVENTS];
    bool stop = false;
    w->ctx.now_ms = kv_now_ms();
    while (!stop) {
        kv_mem_blocking_enter(w->m);
        int n = epoll_wait(w->epfd, events, KV_EVENTS, KV_TICK_MS);
        kv_mem_blocking_leave(w->m);
        w->ctx.now_ms = kv_now_ms();
        for (int i = 0; i < n; i++) {
            void *tag = events[i].data.ptr;
            if (tag == &listen_tag)
                accept_some(w);
            else if (tag == &stop_tag)
                stop = true;
            else
                kv_conn_event(tag, events[i].events);
        }
        kv_db_expire_step(&w->ctx);
        close_idle(w);
        if (!w->accepting && w->ctx.now_ms >= w->accept_resume_ms)
            set_accepting(w, true);
    }
    while (w->oldest)
        kv_conn_close(w->oldest);
    free(w->argv);
    kv_mem_detach(w->m);
    return NULL;
}

bool kv_worker_init(struct kv_worker *w, struct kv_server *srv, unsigned id)
{
    w->srv = srv;
    w->ctx.db = &srv->db;
    w->ctx.stats = &w->stats;
    w->ctx.rng = (0x9e3779b97f4a7c15ULL * (id + 1) ^ (uint64_t)time(NULL)) | 1;
    w->ctx.expire_cursor = id * 31;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0)
        return false;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &stop_tag};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, srv->stop_fd, &ev) < 0)
        return false;
    set_accepting(w, true);
    return w->accepting;
}
