/* config.c — configuration defaults and Redis-style sizes (server.h). */
#include "server.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void kv_config_init(struct kv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->bind = "127.0.0.1";
    cfg->port = 6380;
    cfg->shards = 128;
    cfg->maxclients = 10000;
    cfg->qbuf_limit = (size_t)1 << 30;
    cfg->max_bulk = (size_t)512 << 20;
    cfg->max_multibulk = 1024 * 1024;
}

bool kv_parse_size(const char *s, size_t *out)
{
    static const struct {
        const char *suffix;
        size_t mul;
    } units[] = {{"", 1},
                 {"k", 1000},
                 {"kb", 1024},
                 {"m", 1000 * 1000},
                 {"mb", 1024 * 1024},
                 {"g", 1000 * 1000 * 1000},
                 {"gb", (size_t)1024 * 1024 * 1024}};
    size_t v = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(p, units[i].suffix) == 0) {
            if (v > SIZE_MAX / units[i].mul)
                return false;
            *out = v * units[i].mul;
            return true;
        }
    return false;
}
