/*
 * out.h — a connection's output queue: reply bytes built in a malloc'd
 * buffer, interleaved with values written straight from the heap.
 *
 * A value reply is three segments: "$len\r\n" in the buffer, the pinned
 * value itself, "\r\n" in the buffer; kv_out_flush hands them to the
 * socket with one sendmsg (writev) per batch of segments.  A value stays
 * pinned until its last byte is out, however many partial writes that
 * takes; kv_out_discard unpins whatever a closing connection still had
 * queued.  When no pin is to be had (the thread's pool is full, or the
 * connection already has KV_OUT_PINS), the value is copied instead.
 *
 * Invariants: segments [head, nsegs) are unsent; segs[head] has had
 * head_sent of its bytes sent; pending is the sum of what is unsent;
 * every queued pinned segment holds one pin (pins counts them).  The
 * queue is reset (buffer emptied) whenever it drains.
 */
#ifndef KV_OUT_H
#define KV_OUT_H

#include "buf.h"
#include "mem.h"

#define KV_OUT_PINS 64 /* pinned values one connection may have queued */

struct kv_seg {
    size_t off, len;   /* bytes [off, off + len) of the buffer ... */
    struct kv_pin pin; /* ... or, if pin.obj, the pinned value's len bytes */
};

struct kv_out {
    struct kv_buf buf;
    struct kv_seg *segs;
    size_t nsegs, cap;
    size_t head, head_sent;
    size_t pending;
    unsigned pins;
};

void kv_out_bytes(struct kv_out *o, const void *p, size_t n);
void kv_out_printf(struct kv_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kv_out_status(struct kv_out *o, const char *s);      /* +s */
void kv_out_error(struct kv_out *o, const char *fmt, ...) /* -fmt */
    __attribute__((format(printf, 2, 3)));
void kv_out_int(struct kv_out *o, long long v); /* :v */
void kv_out_array(struct kv_out *o, size_t n);  /* *n */
void kv_out_nil(struct kv_out *o);              /* $-1 */
void kv_out_bulk(struct kv_out *o, const void *p, size_t n);
/* A bulk reply of a byte string just loaded (under its shard's lock):
 * pinned, or copied. */
void kv_out_value(struct kv_out *o, kv_mem *m, void *bytes);

/* Write what the socket takes.  0: all out or the socket is full; -1: the
 * connection is broken. */
int kv_out_flush(struct kv_out *o, kv_mem *m, int fd);
/* Unpin and drop everything queued; free the queue's memory. */
void kv_out_discard(struct kv_out *o, kv_mem *m);

#endif
