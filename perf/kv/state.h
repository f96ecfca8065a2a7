/*
 * state.h — the server's shared state, for its own files only: the
 * server, its workers, their connections.
 *
 * Ownership: a connection belongs to the worker that accepted it, for
 * its whole life; only that thread touches it (its buffers, its pins).
 * The server's fields are set before the workers start and read-only
 * after, except the atomics.
 */
#ifndef KV_STATE_H
#define KV_STATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "db.h"
#include "out.h"
#include "resp.h"
#include "server.h"

/* A connection stops being read (and its buffered commands stop being
 * run) while its output queue is beyond this; it resumes once the queue
 * has drained. */
#define KV_OUT_LIMIT (1024 * 1024)

struct kv_worker;
struct kv_str;

struct kv_conn {
    int fd;
    struct kv_worker *w;
    struct kv_buf in; /* query buffer */
    size_t in_pos;    /* parsed up to here */
    size_t cmd_start; /* where the command being parsed begins */
    struct kv_req req;
    struct kv_out out;
    uint64_t last_active_ms;
    struct kv_conn *prev,
        *next;              /* the worker's list, least recently active first */
    uint32_t events;        /* the epoll mask registered */
    bool blocked;           /* output beyond KV_OUT_LIMIT: no reading, no
                             commands, until the queue has drained */
    bool close_after_reply; /* QUIT, a protocol error: read nothing more */
    bool closing;           /* close now (a broken socket, SHUTDOWN) */
};

struct kv_worker {
    struct kv_server *srv;
    pthread_t thread;
    int epfd;
    kv_mem *m;
    struct kv_ctx ctx;
    struct kv_stats stats;
    struct kv_conn *oldest, *newest;
    struct kv_str *argv; /* the command being run, as strings */
    size_t argv_cap;
    atomic_size_t out_peak;
    uint64_t accept_resume_ms; /* accepting paused (EMFILE) until then */
    bool accepting;
};

struct kv_server {
    struct kv_config cfg;
    kv_heap *heap;
    struct kv_db db;
    struct kv_limits limits;
    int listen_fd, port;
    int stop_fd;     /* eventfd: written once, to stop the workers */
    int shutdown_fd; /* eventfd: written when a client sends SHUTDOWN */
    unsigned nworkers;
    struct kv_worker *workers;
    atomic_uint clients;
    uint64_t start_ms;
    /* Start-up: each worker reports whether it attached. */
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
    unsigned reported;
    bool worker_failed;
};

/* A struct kv_stats counter summed over the workers: KV_SUM(s, hits). */
uint64_t kv_server_sum(struct kv_server *s, size_t offset);
#define KV_SUM(s, name) kv_server_sum(s, offsetof(struct kv_stats, name))

/* Workers (worker.c): set up w (its epoll set) on the starting thread,
 * then run kv_worker_main on its own. */
bool kv_worker_init(struct kv_worker *w, struct kv_server *srv, unsigned id);
void *kv_worker_main(void *w);

/* Connections (conn.c), run by their worker's thread. */
struct kv_conn *kv_conn_new(struct kv_worker *w, int fd);
/* Handle epoll events of c; c may be closed (freed) on return. */
void kv_conn_event(struct kv_conn *c, uint32_t events);
/* Close c: its pins are released, its memory freed. */
void kv_conn_close(struct kv_conn *c);

#endif
