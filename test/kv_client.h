/*
 * kv_client.h — a small RESP2 client for test_kv: connect, send commands
 * (multibulk or raw bytes), read and print replies.
 *
 * Every wait is bounded (KVC_WAIT_MS without progress), so a hung server
 * fails the test instead of hanging it.  Writing also reads: a client that
 * sends a long pipeline takes in replies while the socket is full, as the
 * server stops reading a client whose replies pile up (conn.c).
 * kvc_call returns the reply as text in the client's own buffer:
 * "+OK", "-ERR ...", ":3", "$value" (bulk), "(nil)", "[a,b]" (arrays),
 * "(closed)", "(timeout)", "(bad reply)".
 */
#ifndef KV_CLIENT_H
#define KV_CLIENT_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KVC_WAIT_MS 20000

struct kvc {
    int fd;
    char *in; /* received, not yet parsed: in[pos..len) */
    size_t len, cap, pos;
    bool eof;
    char *text; /* the last kvc_call's reply as text */
    size_t text_len, text_cap;
};

static int kvc_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool kvc_open(struct kvc *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = kvc_connect(port);
    return c->fd >= 0;
}

static void kvc_close(struct kvc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
    free(c->text);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Read what is there (waiting up to ms); false on timeout or EOF. */
static bool kvc_fill(struct kvc *c, int ms)
{
    if (c->eof)
        return false;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return false;
    if (c->cap - c->len < 65536 && c->pos) {
        memmove(c->in, c->in + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->cap - c->len < 65536) {
        c->cap = c->cap * 2 + 65536;
        c->in = realloc(c->in, c->cap);
    }
    ssize_t n = recv(c->fd, c->in + c->len, c->cap - c->len, MSG_DONTWAIT);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        c->eof = true;
        return false;
    }
    c->len += (size_t)n;
    return true;
}

/* Send all of p, taking in replies meanwhile. */
static bool kvc_write(struct kvc *c, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        struct pollfd pf = {.fd = c->fd, .events = POLLOUT | POLLIN};
        if (poll(&pf, 1, KVC_WAIT_MS) <= 0)
            return false;
        if (pf.revents & POLLIN)
            kvc_fill(c, 0);
        if (!(pf.revents & POLLOUT)) {
            if (pf.revents & (POLLERR | POLLHUP))
                return false;
            continue;
        }
        ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (k > 0) {
            b += k;
            n -= (size_t)k;
        }
    }
    return true;
}

/* A multibulk command of argc strings of the given lengths. */
static bool kvc_sendv(struct kvc *c, int argc, const char *const *argv,
                      const size_t *lens)
{
    size_t total = 32;
    for (int i = 0; i < argc; i++)
        total += lens[i] + 32;
    char *msg = malloc(total), *p = msg;
    p += sprintf(p, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        p += sprintf(p, "$%zu\r\n", lens[i]);
        memcpy(p, argv[i], lens[i]);
        p += lens[i];
        *p++ = '\r';
        *p++ = '\n';
    }
    bool ok = kvc_write(c, msg, (size_t)(p - msg));
    free(msg);
    return ok;
}

/* The words up to NULL as one command. */
static bool kvc_sendl(struct kvc *c, va_list ap)
{
    const char *argv[64];
    size_t lens[64];
    int argc = 0;
    for (const char *w; argc < 64 && (w = va_arg(ap, const char *));) {
        argv[argc] = w;
        lens[argc++] = strlen(w);
    }
    return kvc_sendv(c, argc, argv, lens);
}

static bool kvc_send(struct kvc *c, ...)
{
    va_list ap;
    va_start(ap, c);
    bool ok = kvc_sendl(c, ap);
    va_end(ap);
    return ok;
}

static void kvc_text(struct kvc *c, const char *p, size_t n)
{
    if (c->text_cap - c->text_len < n + 1) {
        c->text_cap = (c->text_cap + n + 1) * 2;
        c->text = realloc(c->text, c->text_cap);
    }
    memcpy(c->text + c->text_len, p, n);
    c->text_len += n;
    c->text[c->text_len] = '\0';
}

/* One reply from in[*at..len) as text; 1 done, 0 incomplete, -1 bad. */
static int kvc_parse(struct kvc *c, size_t *at)
{
    if (*at >= c->len)
        return 0;
    const char *p = c->in + *at, *end = c->in + c->len;
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    if (!cr || cr + 1 >= end)
        return 0;
    size_t line = (size_t)(cr - p);
    *at += line + 2;
    switch (p[0]) {
    case '+':
    case '-':
    case ':':
        kvc_text(c, p, line);
        return 1;
    case '$': {
        long n = strtol(p + 1, NULL, 10);
        if (n < 0) {
            kvc_text(c, "(nil)", 5);
            return 1;
        }
        if ((size_t)(end - (cr + 2)) < (size_t)n + 2)
            return 0;
        kvc_text(c, "$", 1);
        kvc_text(c, cr + 2, (size_t)n);
        *at += (size_t)n + 2;
        return 1;
    }
    case '*': {
        long n = strtol(p + 1, NULL, 10);
        kvc_text(c, "[", 1);
        for (long i = 0; i < n; i++) {
            if (i)
                kvc_text(c, ",", 1);
            int r = kvc_parse(c, at);
            if (r <= 0)
                return r;
        }
        kvc_text(c, "]", 1);
        return 1;
    }
    default:
        return -1;
    }
}

/* The next reply as text (see the top). */
static const char *kvc_reply(struct kvc *c)
{
    for (;;) {
        c->text_len = 0;
        kvc_text(c, "", 0);
        size_t at = c->pos;
        int r = kvc_parse(c, &at);
        if (r == 1) {
            c->pos = at;
            return c->text;
        }
        c->text_len = 0;
        if (r < 0) {
            kvc_text(c, "(bad reply)", 11);
            return c->text;
        }
        if (!kvc_fill(c, KVC_WAIT_MS)) {
            kvc_text(c, c->eof ? "(closed)" : "(timeout)", c->eof ? 8 : 9);
            return c->text;
        }
    }
}

/* Send the words up to NULL, return the reply as text. */
static const char *kvc_call(struct kvc *c, ...)
{
    va_list ap;
    va_start(ap, c);
    bool ok = kvc_sendl(c, ap);
    va_end(ap);
    if (!ok) {
        c->text_len = 0;
        kvc_text(c, "(send failed)", 13);
        return c->text;
    }
    return kvc_reply(c);
}

/* Send raw bytes, return the reply as text. */
static const char *kvc_raw(struct kvc *c, const char *bytes)
{
    if (!kvc_write(c, bytes, strlen(bytes))) {
        c->text_len = 0;
        kvc_text(c, "(send failed)", 13);
        return c->text;
    }
    return kvc_reply(c);
}

/* Wait until the server closes the connection (discarding what comes). */
static bool kvc_wait_closed(struct kvc *c)
{
    while (!c->eof) {
        c->pos = c->len = 0;
        if (!kvc_fill(c, KVC_WAIT_MS) && !c->eof)
            return false;
    }
    return true;
}

#endif
