/*
 * buf.h — a growable byte buffer in malloc'd memory: the query buffer of a
 * connection, the byte part of its output queue, and text such as INFO.
 *
 * Invariant: data[0..len) is valid, cap >= len, and data is NULL only
 * while cap is 0.  Growth doubles, so appending n bytes costs O(n)
 * amortised.  Running out of memory is fatal (abort): the server bounds
 * every buffer (query buffer limit, output limit), so a failed malloc
 * means the machine, not a client, is out of memory.
 */
#ifndef KV_BUF_H
#define KV_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct kv_buf {
    char *data;
    size_t len, cap;
};

/* Make room for n more bytes; returns data + len. */
char *kv_buf_reserve(struct kv_buf *b, size_t n);
void kv_buf_append(struct kv_buf *b, const void *p, size_t n);
void kv_buf_printf(struct kv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes, moving the rest to the front. */
void kv_buf_consume(struct kv_buf *b, size_t n);
void kv_buf_free(struct kv_buf *b);

#endif
