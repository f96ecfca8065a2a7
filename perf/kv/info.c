/*
 * info.c — INFO: the sections Server, Clients, Memory, Stats and GC, in
 * Redis's "# Name" / "key:value" lines.  Counters are summed over the
 * workers' own (db.h, struct kv_stats) as they are read, so a figure may
 * lag a command that is running meanwhile.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void server_section(struct kv_server *s, struct kv_buf *b)
{
    kv_buf_printf(b,
                  "# Server\r\n"
                  "redis_version:7.0.0\r\n"
                  "rgc_kv_version:1\r\n"
                  "redis_mode:standalone\r\n"
                  "multiplexing_api:epoll\r\n"
                  "process_id:%d\r\n"
                  "tcp_port:%d\r\n"
                  "uptime_in_seconds:%llu\r\n"
                  "server_threads:%u\r\n",
                  (int)getpid(), s->port,
                  (unsigned long long)(kv_now_ms() - s->start_ms) / 1000,
                  s->nworkers);
}

static void clients_section(struct kv_server *s, struct kv_buf *b)
{
    kv_buf_printf(b,
                  "# Clients\r\n"
                  "connected_clients:%u\r\n"
                  "maxclients:%u\r\n"
                  "blocked_clients:0\r\n",
                  atomic_load(&s->clients), s->cfg.maxclients);
}

static void memory_section(struct kv_server *s, struct kv_buf *b)
{
    kv_buf_printf(b,
                  "# Memory\r\n"
                  "used_memory:%zu\r\n"
                  "used_memory_rss:%zu\r\n"
                  "maxmemory:%zu\r\n"
                  "maxmemory_policy:allkeys-lru\r\n"
                  "pinned_values:%zu\r\n",
                  kv_db_used(&s->db), rss_bytes(), s->cfg.maxmemory,
                  kv_heap_pins(s->heap));
}

static void stats_section(struct kv_server *s, struct kv_buf *b)
{
    kv_buf_printf(b,
                  "# Stats\r\n"
                  "total_connections_received:%llu\r\n"
                  "total_commands_processed:%llu\r\n"
                  "rejected_connections:%llu\r\n"
                  "expired_keys:%llu\r\n"
                  "evicted_keys:%llu\r\n"
                  "keyspace_hits:%llu\r\n"
                  "keyspace_misses:%llu\r\n",
                  (unsigned long long)KV_SUM(s, connections),
                  (unsigned long long)KV_SUM(s, commands),
                  (unsigned long long)KV_SUM(s, rejected),
                  (unsigned long long)KV_SUM(s, expired),
                  (unsigned long long)KV_SUM(s, evicted),
                  (unsigned long long)KV_SUM(s, hits),
                  (unsigned long long)KV_SUM(s, misses));
}

static void gc_section(struct kv_server *s, struct kv_buf *b)
{
    kv_buf_printf(b, "# GC\r\n");
    kv_heap_info(s->heap, b);
}

static const struct {
    const char *name;
    void (*write)(struct kv_server *s, struct kv_buf *b);
} sections[] = {{"server", server_section},
                {"clients", clients_section},
                {"memory", memory_section},
                {"stats", stats_section},
                {"gc", gc_section}};

enum { NSECTIONS = sizeof sections / sizeof sections[0] };

void kv_info(struct kv_server *s, size_t n, const struct kv_str *names,
             struct kv_buf *out)
{
    bool want[NSECTIONS] = {false};
    bool all = n == 0;
    for (size_t i = 0; i < n; i++) {
        if (kv_str_is(&names[i], "all") || kv_str_is(&names[i], "default") ||
            kv_str_is(&names[i], "everything"))
            all = true;
        for (size_t k = 0; k < NSECTIONS; k++)
            if (kv_str_is(&names[i], sections[k].name))
                want[k] = true;
    }
    bool first = true;
    for (size_t k = 0; k < NSECTIONS; k++) {
        if (!all && !want[k])
            continue;
        if (!first)
            kv_buf_append(out, "\r\n", 2);
        sections[k].write(s, out);
        first = false;
    }
}
