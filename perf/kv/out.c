/* out.c — the output queue with pinned value segments (out.h). */
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "num.h"

#define KV_IOV 64 /* segments per sendmsg */

static struct kv_seg *push_seg(struct kv_out *o)
{
    if (o->nsegs == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        struct kv_seg *s = realloc(o->segs, cap * sizeof *s);
        if (!s)
            abort(); /* bounded by the output limit (conn.h) */
        o->segs = s;
        o->cap = cap;
    }
    struct kv_seg *s = &o->segs[o->nsegs++];
    s->pin.obj = NULL;
    return s;
}

void kv_out_bytes(struct kv_out *o, const void *p, size_t n)
{
    if (!n)
        return;
    struct kv_seg *last = o->nsegs > o->head ? &o->segs[o->nsegs - 1] : NULL;
    if (!last || last->pin.obj || last->off + last->len != o->buf.len) {
        last = push_seg(o);
        last->off = o->buf.len;
        last->len = 0;
    }
    kv_buf_append(&o->buf, p, n);
    last->len += n;
    o->pending += n;
}

void kv_out_printf(struct kv_out *o, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n > 0)
        kv_out_bytes(o, text,
                     (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

void kv_out_status(struct kv_out *o, const char *s)
{
    kv_out_printf(o, "+%s\r\n", s);
}

void kv_out_error(struct kv_out *o, const char *fmt, ...)
{
    char text[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* An error is one line: newlines in echoed arguments become spaces,
     * as Redis does. */
    for (char *p = text; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    kv_out_printf(o, "-%s\r\n", text);
}

void kv_out_int(struct kv_out *o, long long v)
{
    char text[24];
    text[0] = ':';
    size_t n = 1 + kv_ll_to_str(v, text + 1);
    text[n++] = '\r';
    text[n++] = '\n';
    kv_out_bytes(o, text, n);
}

void kv_out_array(struct kv_out *o, size_t n)
{
    kv_out_printf(o, "*%zu\r\n", n);
}

void kv_out_nil(struct kv_out *o)
{
    kv_out_bytes(o, "$-1\r\n", 5);
}

void kv_out_bulk(struct kv_out *o, const void *p, size_t n)
{
    kv_out_printf(o, "$%zu\r\n", n);
    kv_out_bytes(o, p, n);
    kv_out_bytes(o, "\r\n", 2);
}

void kv_out_value(struct kv_out *o, kv_mem *m, void *bytes)
{
    size_t n = kv_bytes_len(bytes);
    struct kv_pin pin;
    if (n == 0 || o->pins >= KV_OUT_PINS || !kv_pin(m, bytes, &pin)) {
        kv_out_bulk(o, kv_bytes_data(bytes), n);
        return;
    }
    kv_out_printf(o, "$%zu\r\n", n);
    struct kv_seg *s = push_seg(o);
    s->len = n;
    s->pin = pin;
    o->pins++;
    o->pending += n;
    kv_out_bytes(o, "\r\n", 2);
}

static const char *seg_data(const struct kv_out *o, const struct kv_seg *s)
{
    return s->pin.obj ? kv_bytes_data(s->pin.obj) : o->buf.data + s->off;
}

/* The segment at head is out: release it. */
static void finish_head(struct kv_out *o, kv_mem *m)
{
    struct kv_seg *s = &o->segs[o->head++];
    o->head_sent = 0;
    if (s->pin.obj) {
        kv_unpin(m, &s->pin);
        o->pins--;
    }
}

static void reset(struct kv_out *o)
{
    o->nsegs = o->head = o->head_sent = 0;
    o->buf.len = 0;
}

int kv_out_flush(struct kv_out *o, kv_mem *m, int fd)
{
    while (o->head < o->nsegs) {
        struct iovec iov[KV_IOV];
        int k = 0;
        for (size_t i = o->head; i < o->nsegs && k < KV_IOV; i++, k++) {
            size_t skip = i == o->head ? o->head_sent : 0;
            iov[k].iov_base = (char *)seg_data(o, &o->segs[i]) + skip;
            iov[k].iov_len = o->segs[i].len - skip;
        }
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)k};
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        o->pending -= (size_t)n;
        while (n > 0) {
            size_t left = o->segs[o->head].len - o->head_sent;
            if ((size_t)n < left) {
                o->head_sent += (size_t)n;
                break;
            }
            n -= (ssize_t)left;
            finish_head(o, m);
        }
    }
    reset(o);
    return 0;
}

void kv_out_discard(struct kv_out *o, kv_mem *m)
{
    while (o->head < o->nsegs)
        finish_head(o, m);
    reset(o);
    o->pending = 0;
    kv_buf_free(&o->buf);
    free(o->segs);
    o->segs = NULL;
    o->cap = 0;
}
