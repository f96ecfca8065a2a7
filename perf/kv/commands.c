/*
 * commands.c — the command table and handlers (commands.h).  A handler
 * gets a complete, arity-checked command, talks to the keyspace through
 * db.h, and replies through out.h; nothing here touches heap objects
 * except kv_out_value, under the shard lock, from kv_db_get's callback.
 */
#include "commands.h"

#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "num.h"

typedef void kv_handler(struct kv_conn *c, size_t argc,
                        const struct kv_str *argv);

struct kv_command {
    const char *name; /* lower case, as Redis names it in errors */
    int arity;        /* argc exactly, or at least -arity */
    kv_handler *run;
};

static bool arg_ll(const struct kv_str *a, long long *v)
{
    return kv_parse_ll(a->p, a->n, v);
}

static void reply_not_int(struct kv_conn *c)
{
    kv_out_error(&c->out, "ERR value is not an integer or out of range");
}

static void reply_syntax(struct kv_conn *c)
{
    kv_out_error(&c->out, "ERR syntax error");
}

static void reply_arity(struct kv_conn *c, const char *name)
{
    kv_out_error(&c->out, "ERR wrong number of arguments for '%s' command",
                 name);
}

static void reply_oom(struct kv_conn *c)
{
    if (c->w->srv->cfg.maxmemory)
        kv_out_error(&c->out,
                     "OOM command not allowed when used memory > 'maxmemory'.");
    else
        kv_out_error(&c->out, "OOM out of memory");
}

static void reply_result(struct kv_conn *c, enum kv_result r)
{
    switch (r) {
    case KV_OK:
        kv_out_status(&c->out, "OK");
        break;
    case KV_SKIPPED:
        kv_out_nil(&c->out);
        break;
    case KV_NOT_INT:
        reply_not_int(c);
        break;
    case KV_OVERFLOW:
        kv_out_error(&c->out, "ERR increment or decrement would overflow");
        break;
    case KV_OOM:
        reply_oom(c);
        break;
    }
}

static struct kv_ctx *ctx(struct kv_conn *c)
{
    return &c->w->ctx;
}

/* A relative expiry of amount (seconds if unit is 1000, else ms) as a
 * deadline; false if it overflows. */
static bool deadline(struct kv_conn *c, long long amount, long long unit,
                     uint64_t *out)
{
    long long ms;
    if (__builtin_mul_overflow(amount, unit, &ms))
        return false;
    uint64_t now = ctx(c)->now_ms;
    if (ms > 0 && (uint64_t)ms > UINT64_MAX - now)
        return false;
    *out = ms <= 0 ? 0 : now + (uint64_t)ms;
    return true;
}

static void cmd_ping(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    if (argc > 2)
        reply_arity(c, "ping");
    else if (argc == 2)
        kv_out_bulk(&c->out, argv[1].p, argv[1].n);
    else
        kv_out_status(&c->out, "PONG");
}

static void cmd_echo(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    kv_out_bulk(&c->out, argv[1].p, argv[1].n);
}

static void cmd_set(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    struct kv_set r = {.key = argv[1].p,
                       .klen = argv[1].n,
                       .val = argv[2].p,
                       .vlen = argv[2].n};
    bool has_expiry = false;
    for (size_t i = 3; i < argc; i++) {
        bool ex = kv_str_is(&argv[i], "ex"), px = kv_str_is(&argv[i], "px");
        if ((ex || px) && i + 1 < argc && !has_expiry) {
            long long v;
            if (!arg_ll(&argv[++i], &v)) {
                reply_not_int(c);
                return;
            }
            if (v <= 0 || !deadline(c, v, ex ? 1000 : 1, &r.expire_ms)) {
                kv_out_error(&c->out,
                             "ERR invalid expire time in 'set' command");
                return;
            }
            has_expiry = true;
        } else if (kv_str_is(&argv[i], "nx") && r.cond != KV_COND_XX) {
            r.cond = KV_COND_NX;
        } else if (kv_str_is(&argv[i], "xx") && r.cond != KV_COND_NX) {
            r.cond = KV_COND_XX;
        } else {
            reply_syntax(c);
            return;
        }
    }
    reply_result(c, kv_db_set(ctx(c), &r));
}

/* kv_db_get's callback: the value, under its shard's lock. */
static void emit_value(void *arg, kv_mem *m, void *value)
{
    struct kv_out *o = arg;
    if (value)
        kv_out_value(o, m, value);
    else
        kv_out_nil(o);
}

static void cmd_get(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    kv_db_get(ctx(c), argv[1].p, argv[1].n, emit_value, &c->out);
}

static void cmd_mget(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    kv_out_array(&c->out, argc - 1);
    for (size_t i = 1; i < argc; i++)
        kv_db_get(ctx(c), argv[i].p, argv[i].n, emit_value, &c->out);
}

static void cmd_mset(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    if (argc % 2 == 0) {
        reply_arity(c, "mset");
        return;
    }
    for (size_t i = 1; i < argc; i += 2) {
        struct kv_set r = {.key = argv[i].p,
                           .klen = argv[i].n,
                           .val = argv[i + 1].p,
                           .vlen = argv[i + 1].n};
        if (kv_db_set(ctx(c), &r) == KV_OOM) {
            reply_oom(c);
            return;
        }
    }
    kv_out_status(&c->out, "OK");
}

static void cmd_del(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    long long n = 0;
    for (size_t i = 1; i < argc; i++)
        n += kv_db_del(ctx(c), argv[i].p, argv[i].n);
    kv_out_int(&c->out, n);
}

static void cmd_exists(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    long long n = 0;
    for (size_t i = 1; i < argc; i++)
        n += kv_db_exists(ctx(c), argv[i].p, argv[i].n);
    kv_out_int(&c->out, n);
}

static void incr_by(struct kv_conn *c, const struct kv_str *key,
                    long long delta)
{
    long long v;
    enum kv_result r = kv_db_incr(ctx(c), key->p, key->n, delta, &v);
    if (r == KV_OK)
        kv_out_int(&c->out, v);
    else
        reply_result(c, r);
}

static void cmd_incr(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    incr_by(c, &argv[1], 1);
}

static void cmd_decr(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    incr_by(c, &argv[1], -1);
}

static void cmd_incrby(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    (void)argc;
    long long d;
    if (!arg_ll(&argv[2], &d)) {
        reply_not_int(c);
        return;
    }
    incr_by(c, &argv[1], d);
}

static void cmd_decrby(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    (void)argc;
    long long d;
    if (!arg_ll(&argv[2], &d)) {
        reply_not_int(c);
        return;
    }
    if (d == LLONG_MIN) {
        kv_out_error(&c->out, "ERR decrement would overflow");
        return;
    }
    incr_by(c, &argv[1], -d);
}

static void expire_by(struct kv_conn *c, size_t argc, const struct kv_str *argv,
                      long long unit, const char *name)
{
    if (argc > 3) {
        kv_out_error(&c->out, "ERR Unsupported option %.*s", (int)argv[3].n,
                     argv[3].p);
        return;
    }
    long long v;
    uint64_t when;
    if (!arg_ll(&argv[2], &v)) {
        reply_not_int(c);
        return;
    }
    if (!deadline(c, v, unit, &when)) {
        kv_out_error(&c->out, "ERR invalid expire time in '%s' command", name);
        return;
    }
    kv_out_int(&c->out, kv_db_expire(ctx(c), argv[1].p, argv[1].n, when));
}

static void cmd_expire(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    expire_by(c, argc, argv, 1000, "expire");
}

static void cmd_pexpire(struct kv_conn *c, size_t argc,
                        const struct kv_str *argv)
{
    expire_by(c, argc, argv, 1, "pexpire");
}

static void cmd_pttl(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    kv_out_int(&c->out, kv_db_pttl(ctx(c), argv[1].p, argv[1].n));
}

static void cmd_ttl(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    long long ms = kv_db_pttl(ctx(c), argv[1].p, argv[1].n);
    kv_out_int(&c->out, ms < 0 ? ms : (ms + 500) / 1000);
}

static void cmd_dbsize(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    (void)argc;
    (void)argv;
    kv_out_int(&c->out, (long long)kv_db_size(&c->w->srv->db));
}

static void cmd_flushall(struct kv_conn *c, size_t argc,
                         const struct kv_str *argv)
{
    if (argc > 2 || (argc == 2 && !kv_str_is(&argv[1], "sync") &&
                     !kv_str_is(&argv[1], "async"))) {
        reply_syntax(c);
        return;
    }
    kv_db_flush(ctx(c));
    kv_out_status(&c->out, "OK");
}

static void cmd_info(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    struct kv_buf text = {0};
    kv_info(c->w->srv, argc - 1, argv + 1, &text);
    kv_out_bulk(&c->out, text.data, text.len);
    kv_buf_free(&text);
}

static void cmd_config(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    if (!kv_str_is(&argv[1], "get")) {
        kv_out_error(&c->out, "ERR unknown subcommand '%.*s'. Try CONFIG HELP.",
                     (int)argv[1].n, argv[1].p);
        return;
    }
    if (argc < 3) {
        reply_arity(c, "config|get");
        return;
    }
    const struct kv_config *cfg = &c->w->srv->cfg;
    char values[3][24];
    snprintf(values[0], sizeof values[0], "%zu", cfg->maxmemory);
    snprintf(values[1], sizeof values[1], "%u", cfg->maxclients);
    snprintf(values[2], sizeof values[2], "%u", cfg->timeout_s);
    const struct {
        const char *key, *value;
    } known[] = {{"save", ""},
                 {"appendonly", "no"},
                 {"maxmemory", values[0]},
                 {"maxclients", values[1]},
                 {"timeout", values[2]}};
    size_t n = sizeof known / sizeof known[0];
    bool want[sizeof known / sizeof known[0]] = {false};
    size_t pairs = 0;
    for (size_t i = 2; i < argc; i++)
        for (size_t k = 0; k < n; k++)
            if (!want[k] && kv_str_is(&argv[i], known[k].key)) {
                want[k] = true;
                pairs++;
            }
    kv_out_array(&c->out, pairs * 2);
    for (size_t k = 0; k < n; k++)
        if (want[k]) {
            kv_out_bulk(&c->out, known[k].key, strlen(known[k].key));
            kv_out_bulk(&c->out, known[k].value, strlen(known[k].value));
        }
}

static void cmd_quit(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    (void)argc;
    (void)argv;
    kv_out_status(&c->out, "OK");
    c->close_after_reply = true;
}

static void cmd_command(struct kv_conn *c, size_t argc,
                        const struct kv_str *argv)
{
    (void)argc;
    (void)argv;
    kv_out_array(&c->out, 0);
}

static void cmd_select(struct kv_conn *c, size_t argc,
                       const struct kv_str *argv)
{
    (void)argc;
    long long db;
    if (!arg_ll(&argv[1], &db)) {
        reply_not_int(c);
        return;
    }
    if (db != 0) {
        kv_out_error(&c->out, "ERR DB index is out of range");
        return;
    }
    kv_out_status(&c->out, "OK");
}

static void cmd_shutdown(struct kv_conn *c, size_t argc,
                         const struct kv_str *argv)
{
    if (argc == 2 && !kv_str_is(&argv[1], "nosave") &&
        !kv_str_is(&argv[1], "save")) {
        reply_syntax(c);
        return;
    }
    if (argc > 2) {
        reply_syntax(c);
        return;
    }
    /* As Redis: no reply, the connection just closes.  The embedder
     * (main.c) stops the server when the eventfd turns readable. */
    uint64_t one = 1;
    if (write(c->w->srv->shutdown_fd, &one, sizeof one) < 0) {
        kv_out_error(&c->out, "ERR cannot signal the shutdown");
        return;
    }
    c->closing = true;
}

static const struct kv_command commands[] = {
    {"get", 2, cmd_get},
    {"set", -3, cmd_set},
    {"ping", -1, cmd_ping},
    {"del", -2, cmd_del},
    {"exists", -2, cmd_exists},
    {"incr", 2, cmd_incr},
    {"decr", 2, cmd_decr},
    {"incrby", 3, cmd_incrby},
    {"decrby", 3, cmd_decrby},
    {"mget", -2, cmd_mget},
    {"mset", -3, cmd_mset},
    {"expire", -3, cmd_expire},
    {"pexpire", -3, cmd_pexpire},
    {"ttl", 2, cmd_ttl},
    {"pttl", 2, cmd_pttl},
    {"dbsize", 1, cmd_dbsize},
    {"flushall", -1, cmd_flushall},
    {"flushdb", -1, cmd_flushall},
    {"info", -1, cmd_info},
    {"config", -2, cmd_config},
    {"echo", 2, cmd_echo},
    {"quit", -1, cmd_quit},
    {"command", -1, cmd_command},
    {"select", 2, cmd_select},
    {"shutdown", -1, cmd_shutdown},
};

static void reply_unknown(struct kv_conn *c, size_t argc,
                          const struct kv_str *argv)
{
    /* Redis 7: the first arguments, quoted, until 128 characters. */
    char args[160];
    size_t len = 0;
    args[0] = '\0';
    for (size_t i = 1; i < argc && len < 128; i++) {
        int room = 128 - (int)len;
        int n = (int)argv[i].n < room ? (int)argv[i].n : room;
        len += (size_t)snprintf(args + len, sizeof args - len, "'%.*s' ", n,
                                argv[i].p);
    }
    kv_out_error(&c->out,
                 "ERR unknown command '%.*s', with args beginning with: %s",
                 argv[0].n < 128 ? (int)argv[0].n : 128, argv[0].p, args);
}

void kv_command_run(struct kv_conn *c, size_t argc, const struct kv_str *argv)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct kv_command *cmd = &commands[i];
        if (!kv_str_is(&argv[0], cmd->name))
            continue;
        if ((cmd->arity > 0 && argc != (size_t)cmd->arity) ||
            (cmd->arity < 0 && argc < (size_t)-cmd->arity)) {
            reply_arity(c, cmd->name);
            return;
        }
        kv_stat_add(&c->w->stats.commands, 1);
        cmd->run(c, argc, argv);
        return;
    }
    reply_unknown(c, argc, argv);
}
