/*
 * server.h — rgc-kv as a library: start a server on its own threads, ask
 * its port and figures, stop it.  perf/kv/main.c is the command line on
 * top; test/test_kv.c starts servers in-process.
 */
#ifndef KV_SERVER_H
#define KV_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_config {
    const char *bind;     /* IPv4 address; "127.0.0.1" */
    bool bind_any;        /* allow a non-loopback bind (--bind given) */
    int port;             /* 0: ephemeral */
    unsigned threads;     /* workers; 0: one per core */
    unsigned shards;      /* keyspace shards, a power of two; 128 */
    size_t maxmemory;     /* accounted data bytes; 0: unlimited */
    unsigned maxclients;  /* 10000 */
    size_t qbuf_limit;    /* client-query-buffer-limit: 1 GiB */
    size_t max_bulk;      /* proto-max-bulk-len: 512 MiB */
    size_t max_multibulk; /* max-multibulk-len: 1024 * 1024 */
    unsigned timeout_s;   /* idle clients closed after; 0: never */
    const char *options;  /* rgc options (rgc build) */
};

void kv_config_init(struct kv_config *cfg);

/* A size as Redis writes them: digits, then k / kb / m / mb / g / gb (any
 * case; k = 1000, kb = 1024, ...).  false on anything else or overflow. */
bool kv_parse_size(const char *s, size_t *out);

struct kv_server;

/* Listen and start the workers.  NULL with a reason in err on failure. */
struct kv_server *kv_server_start(const struct kv_config *cfg, char *err,
                                  size_t errlen);
int kv_server_port(const struct kv_server *s);
/* Readable once a client has sent SHUTDOWN (never read from it). */
int kv_server_shutdown_fd(const struct kv_server *s);
/* Stop the workers, close every connection, free everything. */
void kv_server_stop(struct kv_server *s);

struct kv_server_stats {
    size_t clients; /* connected now */
    size_t keys;
    size_t used_bytes; /* accounted, as INFO's used_memory */
    size_t pins;       /* values pinned for replies not yet written */
    size_t out_peak;   /* largest output queue any connection had */
    size_t out_limit;  /* a connection stops being read beyond this */
    uint64_t evicted, expired, rejected;
};
void kv_server_stats(struct kv_server *s, struct kv_server_stats *out);

/* A full collection from the calling thread, which must not be attached
 * to rgc (nothing in the malloc build). */
void kv_server_collect(struct kv_server *s);

#endif
