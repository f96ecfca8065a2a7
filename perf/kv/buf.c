/* buf.c — the growable byte buffer (buf.h). */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kv_buf_reserve(struct kv_buf *b, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr,
                    "rgc-kv: out of memory growing a buffer to %zu bytes\n",
                    cap);
            abort();
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void kv_buf_append(struct kv_buf *b, const void *p, size_t n)
{
    if (n) {
        memcpy(kv_buf_reserve(b, n), p, n);
        b->len += n;
    }
}

void kv_buf_printf(struct kv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        kv_buf_append(b, small, (size_t)n);
        return;
    }
    /* Too long for the stack buffer: format again, straight into place. */
    char *dst = kv_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void kv_buf_consume(struct kv_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void kv_buf_free(struct kv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
