/*
 * conn.c — one client connection: reading into the query buffer, running
 * the commands it holds, writing the replies, closing.
 *
 * Flow control.  Commands run only while the output queue holds at most
 * KV_OUT_LIMIT bytes; beyond that the connection is *blocked*: it is
 * neither read nor are its buffered commands run until the queue has
 * drained completely (so the queue's buffer is reset before it grows
 * again).  Memory per connection is therefore bounded by the query
 * buffer limit plus KV_OUT_LIMIT plus one command's reply.
 *
 * A closing connection releases its pins through kv_out_discard, whether
 * it closes between replies, mid-reply or mid-command.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "commands.h"

enum { KV_READ_CHUNK = 16 * 1024 };

static void link_newest(struct kv_worker *w, struct kv_conn *c)
{
    c->next = NULL;
    c->prev = w->newest;
    if (w->newest)
        w->newest->next = c;
    else
        w->oldest = c;
    w->newest = c;
}

static void unlink_conn(struct kv_worker *w, struct kv_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        w->oldest = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        w->newest = c->prev;
}

/* Activity: c moves to the end of the idle-timeout order. */
static void touch(struct kv_conn *c)
{
    c->last_active_ms = c->w->ctx.now_ms;
    if (c->w->newest != c) {
        unlink_conn(c->w, c);
        link_newest(c->w, c);
    }
}

struct kv_conn *kv_conn_new(struct kv_worker *w, int fd)
{
    struct kv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->w = w;
    c->req.bulk_len = -1;
    c->events = EPOLLIN;
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(c);
        return NULL;
    }
    c->last_active_ms = w->ctx.now_ms;
    link_newest(w, c);
    return c;
}

void kv_conn_close(struct kv_conn *c)
{
    struct kv_worker *w = c->w;
    kv_out_discard(&c->out, w->m);
    /* Leave the epoll set first: close() alone removes the fd only when no
     * other descriptor shares its file (a fork by the embedding program
     * holds one), and a stale event would then name a freed connection. */
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    unlink_conn(w, c);
    kv_buf_free(&c->in);
    kv_req_free(&c->req);
    free(c);
    atomic_fetch_sub(&w->srv->clients, 1);
}

static void read_input(struct kv_conn *c)
{
    const struct kv_config *cfg = &c->w->srv->cfg;
    /* A chunk, or the rest of a long bulk string at once, but never past
     * the query buffer limit (one byte beyond it says "too much"). */
    size_t want = kv_req_bulk_wanted(&c->req, c->in.len - c->in_pos);
    if (want < KV_READ_CHUNK)
        want = KV_READ_CHUNK;
    size_t room = cfg->qbuf_limit + 1 - c->in.len;
    if (want > room)
        want = room;
    ssize_t n = read(c->fd, kv_buf_reserve(&c->in, want), want);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        c->closing = true;
        return;
    }
    if (n < 0)
        return;
    c->in.len += (size_t)n;
    touch(c);
}

static const struct kv_str *command_args(struct kv_conn *c)
{
    struct kv_worker *w = c->w;
    if (w->argv_cap < c->req.argc) {
        size_t cap = c->req.argc < 16 ? 16 : c->req.argc;
        struct kv_str *a = realloc(w->argv, cap * sizeof *a);
        if (!a)
            abort(); /* bounded by the query buffer limit */
        w->argv = a;
        w->argv_cap = cap;
    }
    for (size_t i = 0; i < c->req.argc; i++) {
        w->argv[i].p = c->in.data + c->req.argv[i].off;
        w->argv[i].n = c->req.argv[i].len;
    }
    return w->argv;
}

static size_t out_queued(const struct kv_conn *c)
{
    return c->out.pending > c->out.buf.len ? c->out.pending : c->out.buf.len;
}

/* Run the complete commands buffered, until the output limit. */
static void run_commands(struct kv_conn *c)
{
    struct kv_server *srv = c->w->srv;
    while (!c->closing && !c->close_after_reply && !c->blocked) {
        if (c->req.mb_left == 0)
            c->cmd_start = c->in_pos; /* a command begins here, if any */
        enum kv_parse p =
            kv_parse(&c->req, c->in.data, c->in.len, &c->in_pos, &srv->limits);
        if (p == KV_PARSE_MORE)
            break;
        if (p == KV_PARSE_ERROR) {
            kv_out_error(&c->out, "ERR %s", c->req.err);
            c->close_after_reply = true;
            break;
        }
        kv_command_run(c, c->req.argc, command_args(c));
        kv_req_next(&c->req);
        if (out_queued(c) > KV_OUT_LIMIT)
            c->blocked = true;
    }
    size_t peak = atomic_load_explicit(&c->w->out_peak, memory_order_relaxed);
    if (out_queued(c) > peak)
        atomic_store_explicit(&c->w->out_peak, out_queued(c),
                              memory_order_relaxed);
    /* Drop the commands that have run; a command still arriving keeps
     * its bytes (its arguments point there) and they move to the front. */
    size_t done = c->req.mb_left ? c->cmd_start : c->in_pos;
    if (done) {
        kv_buf_consume(&c->in, done);
        kv_req_rebase(&c->req, done);
        c->in_pos -= done;
        c->cmd_start = 0;
    }
    if (!c->close_after_reply && c->in.len > srv->cfg.qbuf_limit) {
        kv_out_error(&c->out, "ERR client query buffer limit reached");
        c->close_after_reply = true;
    }
}

static void set_events(struct kv_conn *c)
{
    uint32_t want = (c->blocked || c->close_after_reply ? 0 : EPOLLIN) |
                    (c->out.pending ? EPOLLOUT : 0);
    if (want == c->events)
        return;
    struct epoll_event ev = {.events = want, .data.ptr = c};
    if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->events = want;
    else
        c->closing = true;
}

void kv_conn_event(struct kv_conn *c, uint32_t events)
{
    if (events & (EPOLLERR | EPOLLHUP)) {
        kv_conn_close(c); /* nobody is left to read a reply */
        return;
    }
    if ((events & EPOLLIN) && !c->blocked && !c->close_after_reply)
        read_input(c);
    for (;;) {
        run_commands(c);
        size_t before = c->out.pending;
        if (kv_out_flush(&c->out, c->w->m, c->fd) < 0)
            c->closing = true;
        if (c->out.pending < before)
            touch(c);
        /* Drained while blocked: run what is buffered. */
        if (c->closing || !c->blocked || c->out.pending)
            break;
        c->blocked = false;
    }
    if (!c->closing)
        set_events(c);
    if (c->closing || (c->close_after_reply && !c->out.pending))
        kv_conn_close(c);
}
