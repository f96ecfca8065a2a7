/*
 * resp.h — the request side of RESP2, incrementally: multibulk commands
 * ("*N\r\n$len\r\n...") and inline ones ("PING\r\n"), parsed from a
 * connection's query buffer as bytes arrive, with Redis's limits and
 * error texts.
 *
 * The parser keeps its place between calls (the bulk strings already
 * complete, the length of the one being read), so a command that arrives
 * in many reads is scanned once, whatever its size.  Arguments are
 * offsets into the query buffer, which may move (kv_req_rebase).
 */
#ifndef KV_RESP_H
#define KV_RESP_H

#include <stdbool.h>
#include <stddef.h>

/* Longest inline command, and longest "*N" / "$N" line (Redis's
 * PROTO_INLINE_MAX_SIZE). */
#define KV_INLINE_MAX (64 * 1024)

struct kv_arg {
    size_t off, len;
};

struct kv_req {
    struct kv_arg *argv;
    size_t argc, cap;
    long long mb_left;  /* bulk strings still to come; 0: none started */
    long long bulk_len; /* length of the bulk being read; -1: its header */
    char err[96];       /* the protocol error, after KV_PARSE_ERROR */
};

struct kv_limits {
    size_t max_bulk;      /* proto-max-bulk-len */
    size_t max_multibulk; /* max-multibulk-len */
};

enum kv_parse { KV_PARSE_MORE, KV_PARSE_DONE, KV_PARSE_ERROR };

/* Parse on from *pos in buf[0..len).  DONE: argv[0..argc) is a command
 * (non-empty) and *pos is past it; call kv_req_next before parsing on.
 * MORE: everything up to *pos is taken in, more bytes are needed.
 * ERROR: r->err holds "Protocol error: ...". */
enum kv_parse kv_parse(struct kv_req *r, const char *buf, size_t len,
                       size_t *pos, const struct kv_limits *lim);

/* Forget the command just returned. */
static inline void kv_req_next(struct kv_req *r)
{
    r->argc = 0;
}

/* The query buffer's bytes moved down by delta. */
void kv_req_rebase(struct kv_req *r, size_t delta);

/* Bytes the parser still needs before the current bulk is complete (0 if
 * none is being read): a hint for how much to read. */
size_t kv_req_bulk_wanted(const struct kv_req *r, size_t buffered);

void kv_req_free(struct kv_req *r);

#endif
