/*
 * test_kv.c — rgc-kv in-process (perf/kv/server.h), driven over loopback
 * by the small client in kv_client.h: every command and its errors,
 * expiry, eviction, incremental rehash, values across collections with
 * concurrent clients, and bad input (protocol errors, limits, slow and
 * vanishing clients, pipelines, too many clients).
 *
 * Each test starts its own server on an ephemeral port.  No assertion is
 * about time; every wait is bounded (kv_client.h, WAIT_UNTIL), so a hung
 * server fails the test rather than hanging the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "buf.h"
#include "kv_client.h"
#include "server.h"

static struct kv_server *srv;
static int port;

static struct kv_config config(void)
{
    struct kv_config c;
    kv_config_init(&c);
    c.port = 0;
    c.threads = 2;
    c.options = "heap_max=256m";
    return c;
}

static void start_with(const struct kv_config *c)
{
    char err[256];
    srv = kv_server_start(c, err, sizeof err);
    if (!srv)
        fail_msg("kv_server_start: %s", err);
    port = kv_server_port(srv);
}

static void start(void)
{
    struct kv_config c = config();
    start_with(&c);
}

static void stop(void)
{
    kv_server_stop(srv);
    srv = NULL;
}

static struct kv_server_stats stats(void)
{
    struct kv_server_stats s;
    kv_server_stats(srv, &s);
    return s;
}

/* Poll cond every 5 ms for up to 20 s, then assert it; on failure the
 * server's figures go with the message. */
#define WAIT_UNTIL(cond)                                                       \
    do {                                                                       \
        for (int waited_ = 0; !(cond) && waited_ < 20000; waited_ += 5)        \
            usleep(5000);                                                      \
        if (!(cond)) {                                                         \
            struct kv_server_stats s_ = stats();                               \
            fail_msg("still not %s after 20 s: clients %zu, keys %zu, "        \
                     "pins %zu, out_peak %zu",                                 \
                     #cond, s_.clients, s_.keys, s_.pins, s_.out_peak);        \
        }                                                                      \
    } while (0)

#define EXPECT(c, want, ...)                                                   \
    assert_string_equal(kvc_call(c, __VA_ARGS__, (const char *)NULL), want)

static long long call_int(struct kvc *c, ...)
{
    va_list ap;
    va_start(ap, c);
    assert_true(kvc_sendl(c, ap));
    va_end(ap);
    const char *r = kvc_reply(c);
    if (r[0] != ':')
        fail_msg("expected an integer reply, got %s", r);
    return atoll(r + 1);
}

static struct kvc client(void)
{
    struct kvc c;
    assert_true(kvc_open(&c, port));
    return c;
}

/* The fixture of most tests: a server with the default configuration and
 * one client connected to it (cmocka setup and teardown). */
static int open_server_and_client(void **state)
{
    static struct kvc c;
    start();
    c = client();
    *state = &c;
    return 0;
}

static int close_server_and_client(void **state)
{
    kvc_close(*state);
    stop();
    return 0;
}

/* ---- commands ------------------------------------------------------------ */

static void strings_and_counters(void **state)
{
    struct kvc *c = *state;
    EXPECT(c, "+PONG", "PING");
    EXPECT(c, "$hi", "PING", "hi");
    EXPECT(c, "-ERR wrong number of arguments for 'ping' command", "PING", "a",
           "b");
    EXPECT(c, "$x", "ECHO", "x");
    EXPECT(c, "+OK", "SET", "k", "v");
    EXPECT(c, "$v", "GET", "k");
    EXPECT(c, "$v", "get", "k");
    EXPECT(c, "(nil)", "GET", "nope");
    EXPECT(c, "(nil)", "SET", "k", "w", "NX");
    EXPECT(c, "+OK", "SET", "k", "w", "XX");
    EXPECT(c, "$w", "GET", "k");
    EXPECT(c, "(nil)", "SET", "k2", "w", "XX");
    EXPECT(c, "+OK", "SET", "k2", "w", "nx");
    EXPECT(c, "-ERR syntax error", "SET", "k", "v", "NX", "XX");
    EXPECT(c, "-ERR syntax error", "SET", "k", "v", "BOGUS");
    EXPECT(c, "-ERR syntax error", "SET", "k", "v", "EX");
    EXPECT(c, "-ERR syntax error", "SET", "k", "v", "EX", "10", "PX", "9");
    EXPECT(c, "-ERR value is not an integer or out of range", "SET", "k", "v",
           "EX", "ten");
    EXPECT(c, "-ERR invalid expire time in 'set' command", "SET", "k", "v",
           "EX", "0");
    EXPECT(c, "-ERR invalid expire time in 'set' command", "SET", "k", "v",
           "PX", "-5");
    EXPECT(c, "-ERR wrong number of arguments for 'set' command", "SET", "k");
    EXPECT(c, "-ERR wrong number of arguments for 'get' command", "GET");
    EXPECT(c, "-ERR wrong number of arguments for 'get' command", "GET", "a",
           "b");

    /* Binary-safe keys and values. */
    const char *argv[] = {"SET", "a\r\nb\0c", "x\0y\r\n"};
    size_t lens[] = {3, 6, 5};
    assert_true(kvc_sendv(c, 3, argv, lens));
    assert_string_equal(kvc_reply(c), "+OK");
    const char *get[] = {"GET", "a\r\nb\0c"};
    assert_true(kvc_sendv(c, 2, get, lens));
    const char *r = kvc_reply(c);
    assert_int_equal(c->text_len, 6);
    assert_memory_equal(r, "$x\0y\r\n", 6);

    EXPECT(c, "+OK", "SET", "a", "1");
    EXPECT(c, "+OK", "SET", "b", "2");
    EXPECT(c, ":2", "DEL", "a", "b", "nope");
    EXPECT(c, ":0", "DEL", "a");
    EXPECT(c, "+OK", "SET", "a", "1");
    EXPECT(c, ":2", "EXISTS", "a", "a", "nope");
    EXPECT(c, "-ERR wrong number of arguments for 'del' command", "DEL");

    EXPECT(c, ":1", "INCR", "n");
    EXPECT(c, ":11", "INCRBY", "n", "10");
    EXPECT(c, ":10", "DECR", "n");
    EXPECT(c, ":7", "DECRBY", "n", "3");
    EXPECT(c, ":-3", "INCRBY", "n", "-10");
    EXPECT(c, "$-3", "GET", "n");
    EXPECT(c, "-ERR value is not an integer or out of range", "INCR", "k");
    EXPECT(c, "-ERR value is not an integer or out of range", "INCRBY", "n",
           "x");
    EXPECT(c, "+OK", "SET", "sp", " 1");
    EXPECT(c, "-ERR value is not an integer or out of range", "INCR", "sp");
    EXPECT(c, "+OK", "SET", "max", "9223372036854775807");
    EXPECT(c, "-ERR increment or decrement would overflow", "INCR", "max");
    EXPECT(c, "-ERR wrong number of arguments for 'incr' command", "INCR");

    EXPECT(c, "+OK", "MSET", "x", "1", "y", "2");
    EXPECT(c, "[$1,$2,(nil)]", "MGET", "x", "y", "nope");
    EXPECT(c, "-ERR wrong number of arguments for 'mset' command", "MSET",
           "x");
    EXPECT(c, "-ERR wrong number of arguments for 'mset' command", "MSET", "x",
           "1", "y");
    EXPECT(c, "-ERR wrong number of arguments for 'mget' command", "MGET");

    assert_int_equal(call_int(c, "DBSIZE", NULL), 9);
    EXPECT(c, "+OK", "FLUSHALL");
    EXPECT(c, ":0", "DBSIZE");
    EXPECT(c, "+OK", "SET", "a", "1");
    EXPECT(c, ":1", "DBSIZE");
    EXPECT(c, "-ERR syntax error", "FLUSHALL", "LATER");
    EXPECT(c, "+OK", "FLUSHALL", "ASYNC");
    EXPECT(c, ":0", "DBSIZE");
}

static void dbsize_counts(void **state)
{
    struct kvc *c = *state;
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        EXPECT(c, "+OK", "SET", k, "v");
    }
    EXPECT(c, ":100", "DBSIZE");
    EXPECT(c, ":1", "DEL", "k7");
    EXPECT(c, ":99", "DBSIZE");
}

static void ttl_commands(void **state)
{
    struct kvc *c = *state;
    EXPECT(c, "+OK", "SET", "t", "v", "EX", "100");
    long long ttl = call_int(c, "TTL", "t", NULL);
    assert_true(ttl >= 99 && ttl <= 100);
    long long pttl = call_int(c, "PTTL", "t", NULL);
    assert_true(pttl > 0 && pttl <= 100000);
    EXPECT(c, "+OK", "SET", "t", "v2"); /* SET drops the deadline */
    EXPECT(c, ":-1", "TTL", "t");
    EXPECT(c, ":-2", "TTL", "nope");
    EXPECT(c, ":-2", "PTTL", "nope");
    EXPECT(c, ":1", "EXPIRE", "t", "100");
    assert_true(call_int(c, "TTL", "t", NULL) >= 99);
    EXPECT(c, ":0", "EXPIRE", "nope", "10");
    EXPECT(c, "-ERR value is not an integer or out of range", "EXPIRE", "t",
           "soon");
    EXPECT(c, "-ERR Unsupported option NX", "EXPIRE", "t", "10", "NX");
    EXPECT(c, "-ERR invalid expire time in 'expire' command", "EXPIRE", "t",
           "9223372036854775807");
    EXPECT(c, ":1", "PEXPIRE", "t", "100000");
    pttl = call_int(c, "PTTL", "t", NULL);
    assert_true(pttl > 0 && pttl <= 100000);
    EXPECT(c, "+OK", "SET", "e", "5", "PX", "100000");
    EXPECT(c, ":6", "INCR", "e"); /* INCR keeps the deadline */
    assert_true(call_int(c, "PTTL", "e", NULL) > 0);
    EXPECT(c, ":1", "EXPIRE", "t", "0"); /* in the past: deleted */
    EXPECT(c, ":0", "EXISTS", "t");
    EXPECT(c, ":1", "PEXPIRE", "e", "-1");
    EXPECT(c, "(nil)", "GET", "e");
}

static void server_commands(void **state)
{
    struct kvc *c = *state;
    const char *info = kvc_call(c, "INFO", NULL);
    static const char *const fields[] = {"# Server\r\n",
                                         "# Clients\r\n",
                                         "connected_clients:1\r\n",
                                         "# Memory\r\n",
                                         "used_memory:",
                                         "used_memory_rss:",
                                         "maxmemory:0\r\n",
                                         "# Stats\r\n",
                                         "total_commands_processed:",
                                         "evicted_keys:",
                                         "expired_keys:",
                                         "keyspace_hits:",
                                         "keyspace_misses:",
                                         "# GC\r\n",
                                         "rgc_cycles:",
                                         "rgc_pause_count:",
                                         "rgc_pause_p50_us:",
                                         "rgc_pause_p99_us:",
                                         "rgc_pause_p999_us:",
                                         "rgc_pause_max_us:",
                                         "rgc_pause_total_us:",
                                         "rgc_ttsp_max_us:",
                                         "rgc_heap_committed_bytes:",
                                         "rgc_heap_used_bytes:",
                                         "rgc_live_bytes:",
                                         "rgc_stalls:"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strstr(info, fields[i]))
            fail_msg("INFO lacks %s", fields[i]);
    info = kvc_call(c, "INFO", "gc", NULL);
    assert_true(strncmp(info, "$# GC\r\nallocator:rgc\r\n", 22) == 0);
    assert_null(strstr(info, "# Server"));
    info = kvc_call(c, "INFO", "STATS", "memory", NULL);
    assert_non_null(strstr(info, "# Stats"));
    assert_non_null(strstr(info, "# Memory"));
    assert_null(strstr(info, "# GC"));
    EXPECT(c, "$", "INFO", "nosuchsection");

    EXPECT(c, "[$save,$]", "CONFIG", "GET", "save");
    EXPECT(c, "[$appendonly,$no]", "CONFIG", "GET", "appendonly");
    EXPECT(c, "[]", "CONFIG", "GET", "nosuchkey");
    EXPECT(c, "-ERR unknown subcommand 'SET'. Try CONFIG HELP.", "CONFIG",
           "SET", "save", "");
    EXPECT(c, "-ERR wrong number of arguments for 'config' command", "CONFIG");
    EXPECT(c, "[]", "COMMAND");
    EXPECT(c, "[]", "COMMAND", "DOCS");
    EXPECT(c, "+OK", "SELECT", "0");
    EXPECT(c, "-ERR DB index is out of range", "SELECT", "1");
    EXPECT(c, "-ERR value is not an integer or out of range", "SELECT", "x");
    EXPECT(c, "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
           "FOO", "a", "b");
    EXPECT(c, "-ERR unknown command 'foo', with args beginning with: ", "foo");
    EXPECT(c, "-ERR syntax error", "SHUTDOWN", "NOW");
    EXPECT(c, "+OK", "QUIT");
    assert_true(kvc_wait_closed(c));
}

static void inline_commands(void **state)
{
    struct kvc *c = *state;
    assert_string_equal(kvc_raw(c, "PING\r\n"), "+PONG");
    assert_string_equal(kvc_raw(c, "SET a hello\r\n"), "+OK");
    assert_string_equal(kvc_raw(c, "GET a\n"), "$hello");
    assert_string_equal(kvc_raw(c, "\r\n\r\n  SET\tb  x \r\nGET b\r\n"),
                        "+OK");
    assert_string_equal(kvc_reply(c), "$x");
    assert_string_equal(
        kvc_raw(c, "nosuch 1\r\n"),
        "-ERR unknown command 'nosuch', with args beginning with: '1' ");
}

static void shutdown_command(void **state)
{
    struct kvc *c = *state;
    assert_true(kvc_send(c, "SHUTDOWN", "NOSAVE", NULL));
    assert_true(kvc_wait_closed(c));
    struct pollfd p = {.fd = kv_server_shutdown_fd(srv), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 20000), 1);
}

/* ---- expiry, eviction, rehash ------------------------------------------- */

static void expiry_lazy_and_active(void **state)
{
    struct kvc *c = *state;
    EXPECT(c, "+OK", "SET", "soon", "v", "PX", "30");
    /* Lazy: the access finds it expired. */
    for (int i = 0;
         i < 4000 && strcmp(kvc_call(c, "GET", "soon", NULL), "(nil)") != 0;
         i++)
        usleep(5000);
    assert_string_equal(c->text, "(nil)");
    assert_true(stats().expired >= 1);

    /* Active: nobody touches these keys, yet they go. */
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof k, "e%d", i);
        EXPECT(c, "+OK", "SET", k, "v", "PX", "20");
    }
    EXPECT(c, "+OK", "SET", "stays", "v");
    WAIT_UNTIL(stats().keys == 1);
    assert_true(stats().expired >= 301);
    EXPECT(c, "$v", "GET", "stays");
    const char *info = kvc_call(c, "INFO", "stats", NULL);
    assert_null(strstr(info, "expired_keys:0\r\n"));
}

/* SET key i with a 100-byte value. */
static void set_filler(struct kvc *c, const char *prefix, int i)
{
    char k[64], v[101];
    snprintf(k, sizeof k, "%s%d", prefix, i);
    memset(v, 'a' + i % 26, 100);
    v[100] = '\0';
    EXPECT(c, "+OK", "SET", k, v);
}

static int survivors(struct kvc *c, const char *prefix, int n)
{
    int alive = 0;
    for (int i = 0; i < n; i++) {
        char k[64];
        snprintf(k, sizeof k, "%s%d", prefix, i);
        /* EXISTS touches, but only after every eviction is done. */
        alive += (int)call_int(c, "EXISTS", k, NULL);
    }
    return alive;
}

static void eviction_keeps_recent_keys(void **state)
{
    (void)state;
    enum { MAXMEM = 64 * 1024, HOT = 40, BATCHES = 20, BATCH = 100 };
    struct kv_config cfg = config();
    cfg.maxmemory = MAXMEM;
    start_with(&cfg);
    struct kvc c = client();
    for (int i = 0; i < HOT; i++)
        set_filler(&c, "hot", i);
    char name[32];
    for (int b = 0; b < BATCHES; b++) {
        usleep(2000); /* let the LRU clock (ms) move on between phases */
        for (int i = 0; i < BATCH; i++) {
            snprintf(name, sizeof name, "cold%d_", b);
            set_filler(&c, name, i);
            assert_true(stats().used_bytes <= MAXMEM);
        }
        usleep(2000);
        for (int i = 0; i < HOT; i++) {
            char k[32];
            snprintf(k, sizeof k, "hot%d", i);
            kvc_call(&c, "GET", k, NULL); /* a hit or, if evicted, a miss */
        }
    }
    struct kv_server_stats s = stats();
    assert_true(s.used_bytes <= MAXMEM);
    assert_true(s.evicted > 0);
    /* Each key costs at least its 80 bytes of overhead. */
    assert_true(s.keys <= MAXMEM / 80);
    int hot = survivors(&c, "hot", HOT);
    int cold = 0;
    for (int b = 0; b < BATCHES; b++) {
        snprintf(name, sizeof name, "cold%d_", b);
        cold += survivors(&c, name, BATCH);
    }
    print_message("eviction: %d/%d hot and %d/%d cold keys survived, %zu keys, "
                  "%zu bytes, %llu evicted\n",
                  hot, HOT, cold, BATCHES * BATCH, s.keys, s.used_bytes,
                  (unsigned long long)s.evicted);
    /* Recently used keys survive more than old ones, by far. */
    assert_true((double)hot / HOT > 2.0 * cold / (BATCHES * BATCH));
    const char *info = kvc_call(&c, "INFO", "stats", NULL);
    assert_null(strstr(info, "evicted_keys:0\r\n"));
    /* More than maxmemory can never fit. */
    char *huge = malloc(MAXMEM + 1);
    memset(huge, 'h', MAXMEM);
    huge[MAXMEM] = '\0';
    EXPECT(&c, "-OOM command not allowed when used memory > 'maxmemory'.",
           "SET", "huge", huge);
    free(huge);
    kvc_close(&c);
    stop();
}

/* Send every command of the buffer (n of them) and check each reply. */
static void pipeline(struct kvc *c, struct kv_buf *cmds, int n,
                     void (*check)(int i, const char *reply))
{
    assert_true(kvc_write(c, cmds->data, cmds->len));
    for (int i = 0; i < n; i++)
        check(i, kvc_reply(c));
    cmds->len = 0;
}

static void check_ok(int i, const char *reply)
{
    if (strcmp(reply, "+OK") != 0)
        fail_msg("reply %d: %s", i, reply);
}

static int check_base;

static void check_value(int i, const char *reply)
{
    char want[32];
    snprintf(want, sizeof want, "$value-%d", check_base + i);
    if (strcmp(reply, want) != 0)
        fail_msg("key %d: %s, not %s", check_base + i, reply, want);
}

static void check_deleted(int i, const char *reply)
{
    if (strcmp(reply, ":1") != 0)
        fail_msg("DEL %d: %s", i, reply);
}

static void incremental_rehash(void **state)
{
    (void)state;
    enum { KEYS = 20000, STEP = 1000 };
    struct kv_config cfg = config();
    cfg.shards = 1; /* one table grows from 4 buckets to 32768 */
    start_with(&cfg);
    struct kvc c = client();
    struct kv_buf cmds = {0};
    for (int base = 0; base < KEYS; base += STEP) {
        for (int i = base; i < base + STEP; i++)
            kv_buf_printf(&cmds, "SET key-%d value-%d\r\n", i, i);
        pipeline(&c, &cmds, STEP, check_ok);
        /* Everything so far is there, mid-rehash or not. */
        for (int i = 0; i < base + STEP; i += 97)
            kv_buf_printf(&cmds, "GET key-%d\r\n", i);
        assert_true(kvc_write(&c, cmds.data, cmds.len));
        cmds.len = 0;
        for (int i = 0; i < base + STEP; i += 97) {
            check_base = i;
            check_value(0, kvc_reply(&c));
        }
    }
    assert_int_equal(call_int(&c, "DBSIZE", NULL), KEYS);
    for (int i = 0; i < KEYS; i++)
        kv_buf_printf(&cmds, "GET key-%d\r\n", i);
    check_base = 0;
    pipeline(&c, &cmds, KEYS, check_value);
    /* Shrink back: delete all but the last STEP. */
    for (int i = 0; i < KEYS - STEP; i++)
        kv_buf_printf(&cmds, "DEL key-%d\r\n", i);
    pipeline(&c, &cmds, KEYS - STEP, check_deleted);
    for (int i = KEYS - STEP; i < KEYS; i++)
        kv_buf_printf(&cmds, "GET key-%d\r\n", i);
    check_base = KEYS - STEP;
    pipeline(&c, &cmds, STEP, check_value);
    assert_int_equal(call_int(&c, "DBSIZE", NULL), STEP);
    kv_buf_free(&cmds);
    kvc_close(&c);
    stop();
}

/* ---- values across collections, concurrent clients ---------------------- */

enum { GC_CLIENTS = 4, GC_KEYS = 64, GC_OPS = 1500 };

struct gc_client {
    int id;
    int failures;
    char first[256];
    unsigned version[GC_KEYS]; /* 0: absent */
};

static atomic_bool gc_done;

/* The value of (client, key, version): its length and bytes follow from
 * them, so a model of versions is enough to check every byte. */
static size_t gc_value(int id, int key, unsigned version, char *out)
{
    size_t n = 1 + (key * 131u + version * 17u) % 6000;
    if (key == 0)
        n = 700 * 1024; /* humongous: never moved, still pinned */
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('a' + (id * 7 + key + version + i) % 26);
    return n;
}

static void gc_fail(struct gc_client *g, const char *what, int key,
                    const char *got)
{
    if (g->failures++ == 0)
        snprintf(g->first, sizeof g->first, "client %d key %d: %s: %.60s",
                 g->id, key, what, got);
}

static void *gc_client_main(void *arg)
{
    struct gc_client *g = arg;
    struct kvc c;
    if (!kvc_open(&c, port)) {
        gc_fail(g, "connect", -1, "");
        return NULL;
    }
    char *val = malloc(700 * 1024 + 1);
    uint64_t rng = 88172645463325252ULL * (uint64_t)(g->id + 1);
    for (int op = 0; op < GC_OPS && !g->failures; op++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int key = (int)(rng % GC_KEYS);
        int what = (int)(rng >> 32) % 10;
        char k[32];
        snprintf(k, sizeof k, "c%d:k%d", g->id, key);
        if (what < 4) {
            unsigned v = g->version[key] + 1;
            size_t n = gc_value(g->id, key, v, val);
            const char *argv[] = {"SET", k, val};
            size_t lens[] = {3, strlen(k), n};
            if (!kvc_sendv(&c, 3, argv, lens) ||
                strcmp(kvc_reply(&c), "+OK") != 0)
                gc_fail(g, "SET", key, c.text);
            g->version[key] = v;
        } else if (what < 9) {
            const char *r = kvc_call(&c, "GET", k, NULL);
            if (!g->version[key]) {
                if (strcmp(r, "(nil)") != 0)
                    gc_fail(g, "GET of a deleted key", key, r);
                continue;
            }
            size_t n = gc_value(g->id, key, g->version[key], val);
            if (r[0] != '$' || c.text_len != n + 1 ||
                memcmp(r + 1, val, n) != 0)
                gc_fail(g, "GET", key, r);
        } else {
            const char *want = g->version[key] ? ":1" : ":0";
            if (strcmp(kvc_call(&c, "DEL", k, NULL), want) != 0)
                gc_fail(g, "DEL", key, c.text);
            g->version[key] = 0;
        }
    }
    free(val);
    kvc_close(&c);
    return NULL;
}

static void *collector_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&gc_done)) {
        kv_server_collect(srv);
        usleep(2000);
    }
    return NULL;
}

static void values_survive_collections(void **state)
{
    (void)state;
    struct kv_config cfg = config();
    cfg.options = "heap_max=48m,region_size=1m"; /* concurrent cycles too */
    start_with(&cfg);
    static struct gc_client clients[GC_CLIENTS];
    pthread_t threads[GC_CLIENTS], collector;
    atomic_store(&gc_done, false);
    assert_int_equal(pthread_create(&collector, NULL, collector_main, NULL), 0);
    for (int i = 0; i < GC_CLIENTS; i++) {
        memset(&clients[i], 0, sizeof clients[i]);
        clients[i].id = i;
        assert_int_equal(
            pthread_create(&threads[i], NULL, gc_client_main, &clients[i]), 0);
    }
    for (int i = 0; i < GC_CLIENTS; i++)
        pthread_join(threads[i], NULL);
    atomic_store(&gc_done, true);
    pthread_join(collector, NULL);
    for (int i = 0; i < GC_CLIENTS; i++)
        if (clients[i].failures)
            fail_msg("%d failures, first: %s", clients[i].failures,
                     clients[i].first);
    struct kvc c = client();
    const char *info = kvc_call(&c, "INFO", "gc", NULL);
    const char *cycles = strstr(info, "rgc_cycles:");
    assert_non_null(cycles);
    assert_true(atoll(cycles + 11) > 0);
    WAIT_UNTIL(stats().pins == 0);
    kvc_close(&c);
    stop();
}

/* ---- bad input ----------------------------------------------------------- */

/* raw gets the error want, then the connection closes; the server stays
 * healthy. */
static void protocol_error(const char *raw, size_t n, const char *want)
{
    struct kvc c = client();
    assert_true(kvc_write(&c, raw, n));
    assert_string_equal(kvc_reply(&c), want);
    assert_true(kvc_wait_closed(&c));
    kvc_close(&c);
    struct kvc ok = client();
    EXPECT(&ok, "+PONG", "PING");
    kvc_close(&ok);
}

static void protocol_errors(void **state)
{
    (void)state;
    start();
#define BAD(raw, want) protocol_error(raw, sizeof raw - 1, want)
    BAD("*1\r\n$1099511627776\r\n", "-ERR Protocol error: invalid bulk length");
    BAD("*10000000\r\n", "-ERR Protocol error: invalid multibulk length");
    BAD("*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'");
    BAD("*2\r\n$4\r\nECHO\r\n:12\r\n",
        "-ERR Protocol error: expected '$', got ':'");
    BAD("*x\r\n", "-ERR Protocol error: invalid multibulk length");
    BAD("*1x\r\n", "-ERR Protocol error: invalid multibulk length");
    BAD("*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length");
    BAD("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length");
    BAD("*1\r\n$04\r\nPING\r\n", "-ERR Protocol error: invalid bulk length");
#undef BAD
    /* Inline lines and headers that never end: one byte past the 64 KiB
     * limit, so the server has read everything when it answers (unread
     * bytes at close would make it a reset, which may drop the reply). */
    enum { LONG = 64 * 1024 + 1 };
    char *junk = malloc(LONG + 8);
    memset(junk, 'a', LONG);
    protocol_error(junk, LONG, "-ERR Protocol error: too big inline request");
    junk[0] = '*';
    memset(junk + 1, '1', LONG - 1);
    protocol_error(junk, LONG,
                   "-ERR Protocol error: too big mbulk count string");
    memcpy(junk, "*1\r\n$", 5);
    memset(junk + 5, '1', LONG - 1);
    protocol_error(junk, LONG + 4,
                   "-ERR Protocol error: too big bulk count string");
    free(junk);
    /* Commands before the error are answered first. */
    struct kvc c = client();
    assert_string_equal(kvc_raw(&c, "PING\r\n*1\r\n$9999999999\r\n"), "+PONG");
    assert_string_equal(kvc_reply(&c),
                        "-ERR Protocol error: invalid bulk length");
    assert_true(kvc_wait_closed(&c));
    kvc_close(&c);
    stop();
}

static void query_buffer_limit(void **state)
{
    (void)state;
    struct kv_config cfg = config();
    cfg.qbuf_limit = 64 * 1024;
    start_with(&cfg);
    enum { FITS = 60 * 1024, TOO_BIG = 200 * 1024 };
    char *v = malloc(TOO_BIG);
    memset(v, 'q', TOO_BIG);
    struct kvc c = client();
    const char *argv[] = {"SET", "k", v};
    size_t lens[] = {3, 1, FITS};
    assert_true(kvc_sendv(&c, 3, argv, lens));
    assert_string_equal(kvc_reply(&c), "+OK");
    /* A bulk string that takes the buffer past the limit: the server
     * answers when the buffer is one byte over (all sent bytes read, so
     * the close is no reset that could drop the reply). */
    char head[64];
    int n = snprintf(head, sizeof head, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n",
                     TOO_BIG);
    assert_true(kvc_write(&c, head, (size_t)n));
    assert_true(kvc_write(&c, v, cfg.qbuf_limit + 1 - (size_t)n));
    assert_string_equal(kvc_reply(&c),
                        "-ERR client query buffer limit reached");
    assert_true(kvc_wait_closed(&c));
    kvc_close(&c);
    free(v);
    struct kvc ok = client();
    EXPECT(&ok, "+PONG", "PING");
    assert_int_equal(call_int(&ok, "DBSIZE", NULL), 1);
    kvc_close(&ok);
    stop();
}

static void slow_and_idle_clients(void **state)
{
    (void)state;
    struct kv_config cfg = config();
    cfg.timeout_s = 1;
    cfg.threads = 1; /* the slow client and the others share the worker */
    start_with(&cfg);
    struct kvc slow = client(), other = client();
    const char *cmd = "*1\r\n$4\r\nPING\r\n";
    /* One byte at a time; the other client is served in between. */
    for (size_t i = 0; cmd[i]; i++) {
        assert_true(kvc_write(&slow, cmd + i, 1));
        EXPECT(&other, "+PONG", "PING");
        usleep(20000);
    }
    assert_string_equal(kvc_reply(&slow), "+PONG");
    /* A client that stops mid-command, and one that never says anything,
     * are closed by --timeout; the active one is served throughout. */
    struct kvc stuck = client(), idle = client();
    assert_true(kvc_write(&stuck, "*1\r\n$4\r\nPI", 10));
    for (int i = 0; i < 2000 && !(stuck.eof && idle.eof); i++) {
        EXPECT(&other, "+PONG", "PING");
        kvc_fill(&stuck, 10);
        kvc_fill(&idle, 10);
    }
    assert_true(stuck.eof && idle.eof);
    kvc_close(&stuck);
    kvc_close(&idle);
    kvc_close(&slow);
    kvc_close(&other);
    stop();
}

static void disconnects(void **state)
{
    struct kvc *c = *state;
    /* Mid-command: nothing is set, nothing leaks. */
    struct kvc gone = client();
    const char partial[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\nabc";
    assert_true(kvc_write(&gone, partial, sizeof partial - 1));
    kvc_close(&gone);
    WAIT_UNTIL(stats().clients == 1);
    EXPECT(c, "(nil)", "GET", "k");

    /* Mid-reply: GETs of a large value, and the client leaves without
     * reading.  The server had pinned values for the writes, and unpins
     * them when the connection closes. */
    enum { BIG = 8 << 20 };
    char *v = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        v[i] = (char)('a' + i % 23);
    const char *argv[] = {"SET", "big", v};
    size_t lens[] = {3, 3, BIG};
    assert_true(kvc_sendv(c, 3, argv, lens));
    assert_string_equal(kvc_reply(c), "+OK");
    WAIT_UNTIL(stats().pins == 0);
    gone = client();
    const char gets[] = "GET big\r\nGET big\r\nGET big\r\nGET big\r\n";
    assert_true(send(gone.fd, gets, sizeof gets - 1, 0) == sizeof gets - 1);
    WAIT_UNTIL(stats().pins > 0); /* a reply is stuck in a full socket */
    kvc_close(&gone);
    WAIT_UNTIL(stats().pins == 0 && stats().clients == 1);
    kv_server_collect(srv);
    /* The value is intact, and a complete reply leaves no pin either. */
    const char *r = kvc_call(c, "GET", "big", NULL);
    assert_int_equal(c->text_len, BIG + 1);
    assert_memory_equal(r + 1, v, BIG);
    WAIT_UNTIL(stats().pins == 0);
    free(v);
}

static void check_pipeline(int i, const char *reply)
{
    char want[32];
    if (i % 2 == 0)
        snprintf(want, sizeof want, "+OK");
    else
        snprintf(want, sizeof want, "$v%d", i / 2);
    if (strcmp(reply, want) != 0)
        fail_msg("reply %d: %s, not %s", i, reply, want);
}

static void check_64k(int i, const char *reply)
{
    if (reply[0] != '$' || strlen(reply) != 64 * 1024 + 1)
        fail_msg("reply %d: %.40s", i, reply);
}

static void pipelines(void **state)
{
    struct kvc *c = *state;
    struct kv_buf cmds = {0};
    for (int i = 0; i < 10000; i++)
        if (i % 2 == 0)
            kv_buf_printf(&cmds,
                          "*3\r\n$3\r\nSET\r\n$6\r\np%05d\r\n$%d\r\nv%d\r\n",
                          i / 2, snprintf(NULL, 0, "v%d", i / 2), i / 2);
        else
            kv_buf_printf(&cmds, "GET p%05d\r\n", i / 2);
    pipeline(c, &cmds, 10000, check_pipeline);

    /* Replies far beyond the output limit, to a client that does not
     * read: the server stops running its commands until it drains. */
    char *v = malloc(64 * 1024 + 1);
    memset(v, 'z', 64 * 1024);
    v[64 * 1024] = '\0';
    EXPECT(c, "+OK", "SET", "v", v);
    for (int i = 0; i < 2000; i++)
        kv_buf_append(&cmds, "GET v\r\n", 7);
    assert_true(send(c->fd, cmds.data, cmds.len, 0) == (ssize_t)cmds.len);
    WAIT_UNTIL(stats().out_peak > stats().out_limit);
    usleep(200 * 1000); /* room for the queue to grow, were it unbounded */
    struct kv_server_stats s = stats();
    size_t bound = s.out_limit + 2 * (64 * 1024 + 64);
    if (s.out_peak > bound)
        fail_msg("output queue reached %zu bytes (limit %zu)", s.out_peak,
                 s.out_limit);
    for (int i = 0; i < 2000; i++)
        check_64k(i, kvc_reply(c));
    assert_true(stats().out_peak <= bound);
    EXPECT(c, "+PONG", "PING");
    free(v);
    kv_buf_free(&cmds);
}

/* ---- too many clients --------------------------------------------------- */

enum { MAX_CONNS = 10100 };
static int child_fds[MAX_CONNS];
static struct pollfd child_polls[MAX_CONNS];
static char child_state[MAX_CONNS]; /* 0 open, 1 rejected, 2 answered,
                                       3 failed */

static long child_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec;
}

/* Until *count reaches goal (or 60 s pass): poll the open connections
 * (state 0) and read what comes; a reply that starts with want moves its
 * connection to state hit and counts, anything else to state miss (0:
 * keep waiting on it). */
static void await_replies(int n, const char *want, char hit, char miss,
                          int *count, int goal)
{
    size_t len = strlen(want);
    long deadline = child_now_s() + 60;
    while (*count < goal && child_now_s() < deadline) {
        for (int i = 0; i < n; i++)
            child_polls[i] = (struct pollfd){
                .fd = child_state[i] ? -1 : child_fds[i], .events = POLLIN};
        if (poll(child_polls, (nfds_t)n, 500) <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            char buf[64];
            if (!(child_polls[i].revents & POLLIN))
                continue;
            ssize_t k = read(child_fds[i], buf, sizeof buf);
            if (k >= (ssize_t)len && memcmp(buf, want, len) == 0) {
                child_state[i] = hit;
                ++*count;
            } else {
                child_state[i] = miss;
            }
        }
    }
}

/* The forked child: only system calls from here on.  Each phase waits up
 * to 60 s for the server. */
static _Noreturn void child_connect(int in, int out, int n, int expect_rejected)
{
    int p, counts[3] = {0, 0, 0}; /* failed connects, rejected, answered */
    if (read(in, &p, sizeof p) != sizeof p)
        _exit(1);
    for (int i = 0; i < n; i++)
        if ((child_fds[i] = kvc_connect(p)) < 0)
            counts[0]++;
    /* The rejected ones get the error and EOF without asking; the accepted
     * ones answer a PING. */
    await_replies(n, "-ERR max number of clients reached", 1, 0, &counts[1],
                  expect_rejected);
    for (int i = 0; i < n; i++)
        if (!child_state[i] && child_fds[i] >= 0 &&
            write(child_fds[i], "PING\r\n", 6) != 6)
            child_state[i] = 3;
    await_replies(n, "+PONG\r\n", 2, 3, &counts[2], n - counts[1]);
    _exit(write(out, counts, sizeof counts) == sizeof counts ? 0 : 1);
}

static void max_clients(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    int n = MAX_CONNS;
    if (rl.rlim_cur < (rlim_t)MAX_CONNS + 200) {
        n = (int)rl.rlim_cur - 200;
        print_message("max_clients: RLIMIT_NOFILE is %llu: %d connections\n",
                      (unsigned long long)rl.rlim_cur, n);
    }
    assert_true(n > 200);
    int maxclients = n - 100;
    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    /* Fork before the server has threads. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_connect(to_child[0], to_parent[1], n, n - maxclients);
    struct kv_config cfg = config();
    cfg.maxclients = (unsigned)maxclients;
    start_with(&cfg);
    assert_int_equal(write(to_child[1], &port, sizeof port), sizeof port);
    struct pollfd p = {.fd = to_parent[0], .events = POLLIN};
    int counts[3] = {-1, -1, -1};
    if (poll(&p, 1, 120000) == 1)
        assert_int_equal(read(to_parent[0], counts, sizeof counts),
                         sizeof counts);
    int status;
    waitpid(pid, &status, 0);
    print_message("max_clients: %d connections: %d failed, %d rejected, "
                  "%d answered\n",
                  n, counts[0], counts[1], counts[2]);
    assert_int_equal(counts[0], 0);
    assert_int_equal(counts[1], n - maxclients);
    assert_int_equal(counts[2], maxclients);
    assert_int_equal(stats().rejected, (uint64_t)(n - maxclients));
    WAIT_UNTIL(stats().clients == 0);
    struct kvc c = client();
    EXPECT(&c, "+PONG", "PING");
    kvc_close(&c);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(strings_and_counters, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(dbsize_counts, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(ttl_commands, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(server_commands, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(inline_commands, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(shutdown_command, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(expiry_lazy_and_active, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test(eviction_keeps_recent_keys),
        cmocka_unit_test(incremental_rehash),
        cmocka_unit_test(values_survive_collections),
        cmocka_unit_test(protocol_errors),
        cmocka_unit_test(query_buffer_limit),
        cmocka_unit_test(slow_and_idle_clients),
        cmocka_unit_test_setup_teardown(disconnects, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test_setup_teardown(pipelines, open_server_and_client,
                                        close_server_and_client),
        cmocka_unit_test(max_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
