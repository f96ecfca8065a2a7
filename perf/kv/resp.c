/* resp.c — the incremental RESP2 request parser (resp.h). */
#include "resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* Arguments allocated up front for "*N", at most: a header cannot make
 * the server allocate more than what it has been sent (Redis: 1024). */
#define KV_ARGV_PREALLOC 1024

static void push_arg(struct kv_req *r, size_t off, size_t len)
{
    if (r->argc == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct kv_arg *a = realloc(r->argv, cap * sizeof *a);
        if (!a)
            abort(); /* bounded by the query buffer limit (buf.h) */
        r->argv = a;
        r->cap = cap;
    }
    r->argv[r->argc].off = off;
    r->argv[r->argc].len = len;
    r->argc++;
}

static void reserve_args(struct kv_req *r, size_t n)
{
    if (n > KV_ARGV_PREALLOC)
        n = KV_ARGV_PREALLOC;
    if (r->cap < n) {
        struct kv_arg *a = realloc(r->argv, n * sizeof *a);
        if (!a)
            abort();
        r->argv = a;
        r->cap = n;
    }
}

static enum kv_parse fail(struct kv_req *r, const char *msg)
{
    snprintf(r->err, sizeof r->err, "Protocol error: %s", msg);
    return KV_PARSE_ERROR;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* An inline command: one line, split at whitespace (no quoting). */
static enum kv_parse parse_inline(struct kv_req *r, const char *buf, size_t len,
                                  size_t *pos)
{
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    if (!nl) {
        if (len - *pos > KV_INLINE_MAX)
            return fail(r, "too big inline request");
        return KV_PARSE_MORE;
    }
    for (const char *p = start; p < nl;) {
        while (p < nl && is_space(*p))
            p++;
        const char *word = p;
        while (p < nl && !is_space(*p))
            p++;
        if (p > word)
            push_arg(r, (size_t)(word - buf), (size_t)(p - word));
    }
    *pos = (size_t)(nl + 1 - buf);
    return KV_PARSE_DONE; /* argc 0: an empty line */
}

/* The number on a "*N" or "$N" line starting at buf[*pos]; *eol is set to
 * its '\r'.  MORE if the line is not complete. */
static enum kv_parse header_line(const char *buf, size_t len, size_t pos,
                                 const char **eol)
{
    const char *cr = memchr(buf + pos, '\r', len - pos);
    if (!cr || (size_t)(cr - buf) + 1 >= len)
        return KV_PARSE_MORE;
    *eol = cr;
    return KV_PARSE_DONE;
}

enum kv_parse kv_parse(struct kv_req *r, const char *buf, size_t len,
                       size_t *pos, const struct kv_limits *lim)
{
    for (;;) {
        if (r->mb_left == 0) {
            /* Between commands. */
            if (*pos == len)
                return KV_PARSE_MORE;
            if (buf[*pos] != '*') {
                enum kv_parse p = parse_inline(r, buf, len, pos);
                if (p == KV_PARSE_DONE && r->argc == 0)
                    continue; /* an empty line */
                return p;
            }
            const char *eol;
            if (header_line(buf, len, *pos, &eol) == KV_PARSE_MORE) {
                if (len - *pos > KV_INLINE_MAX)
                    return fail(r, "too big mbulk count string");
                return KV_PARSE_MORE;
            }
            long long n;
            const char *num = buf + *pos + 1;
            if (!kv_parse_ll(num, (size_t)(eol - num), &n) ||
                n > (long long)lim->max_multibulk)
                return fail(r, "invalid multibulk length");
            *pos = (size_t)(eol + 2 - buf);
            if (n <= 0)
                continue; /* "*0" / "*-1": nothing to run */
            r->mb_left = n;
            r->bulk_len = -1;
            reserve_args(r, (size_t)n);
        }
        while (r->mb_left > 0) {
            if (r->bulk_len < 0) {
                if (*pos == len)
                    return KV_PARSE_MORE;
                const char *eol;
                if (header_line(buf, len, *pos, &eol) == KV_PARSE_MORE) {
                    if (len - *pos > KV_INLINE_MAX)
                        return fail(r, "too big bulk count string");
                    return KV_PARSE_MORE;
                }
                if (buf[*pos] != '$') {
                    snprintf(r->err, sizeof r->err,
                             "Protocol error: expected '$', got '%c'",
                             buf[*pos]);
                    return KV_PARSE_ERROR;
                }
                long long n;
                const char *num = buf + *pos + 1;
                if (!kv_parse_ll(num, (size_t)(eol - num), &n) || n < 0 ||
                    (unsigned long long)n > lim->max_bulk)
                    return fail(r, "invalid bulk length");
                *pos = (size_t)(eol + 2 - buf);
                r->bulk_len = n;
            }
            if (len - *pos < (size_t)r->bulk_len + 2)
                return KV_PARSE_MORE;
            push_arg(r, *pos, (size_t)r->bulk_len);
            *pos += (size_t)r->bulk_len + 2;
            r->bulk_len = -1;
            r->mb_left--;
        }
        return KV_PARSE_DONE;
    }
}

void kv_req_rebase(struct kv_req *r, size_t delta)
{
    for (size_t i = 0; i < r->argc; i++)
        r->argv[i].off -= delta;
}

size_t kv_req_bulk_wanted(const struct kv_req *r, size_t buffered)
{
    if (r->mb_left == 0 || r->bulk_len < 0)
        return 0;
    size_t need = (size_t)r->bulk_len + 2;
    return need > buffered ? need - buffered : 0;
}

void kv_req_free(struct kv_req *r)
{
    free(r->argv);
    r->argv = NULL;
    r->argc = r->cap = 0;
}
