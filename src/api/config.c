/*
 * config.c — rgc_config defaults and the "key=value,..." option language.
 *
 * Parsing is all-or-nothing: options are applied to a copy, the copy is
 * checked as a whole, and only a consistent result replaces the caller's
 * configuration.
 */
#include "api/config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/error.h"
#include "relocate/forwarding.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define MIN_REGION (256 * KiB)
#define MAX_REGION (512 * MiB)

void rgc_config_init(rgc_config *cfg)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t quarter = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 4
                                           : GiB;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (rgc_config){
        /* a quarter of RAM, as the JVM; a multiple of the largest region */
        .heap_max = quarter >= MAX_REGION ? quarter / MAX_REGION * MAX_REGION
                                          : MAX_REGION,
        .region_size = 2 * MiB,
        .max_pause_us = 1000,
        .gc_threads = cpus >= 8 ? (unsigned)(cpus / 4) : 1,
        .gc_cpu_percent = 50,
        .growth_percent = 100,
        .evacuate_live_percent = 75,
        .tlab_size = 256 * KiB,
        /* ZGC's and Shenandoah's five minutes: docs/design.md, "Heap" */
        .uncommit_delay_us = 300 * 1000000ull,
#ifdef RGC_DEBUG
        .poison = true,
#endif
    };
}

static bool is_pow2(size_t x)
{
    return x && !(x & (x - 1));
}

int config_check(const rgc_config *c, const char *who)
{
    if (!is_pow2(c->region_size) || c->region_size < MIN_REGION ||
        c->region_size > MAX_REGION)
        return rgc_fail(RGC_EINVAL,
                        "%s: region_size: %zu must be a power of two between "
                        "256k and 512m",
                        who, c->region_size);
    if (c->heap_max % c->region_size)
        return rgc_fail(RGC_EINVAL,
                        "%s: heap_max: %zu is not a multiple of region_size "
                        "(%zu)",
                        who, c->heap_max, c->region_size);
    if (c->heap_max / c->region_size < 4)
        return rgc_fail(RGC_EINVAL,
                        "%s: heap_max: %zu holds fewer than 4 regions of "
                        "region_size %zu",
                        who, c->heap_max, c->region_size);
    if (c->heap_max / c->region_size > UINT32_MAX)
        return rgc_fail(RGC_EINVAL,
                        "%s: heap_max: %zu holds more than 2^32 regions",
                        who, c->heap_max);
    if (c->heap_max > forwarding_max_heap(c->region_size))
        return rgc_fail(RGC_EINVAL,
                        "%s: heap_max: %zu is above %zu, the largest heap a "
                        "forwarding entry can address with region_size %zu "
                        "(use smaller regions)",
                        who, c->heap_max, forwarding_max_heap(c->region_size),
                        c->region_size);
    if (c->tlab_size < 4 * KiB || c->tlab_size > c->region_size ||
        c->tlab_size % 8)
        return rgc_fail(RGC_EINVAL,
                        "%s: tlab_size: %zu must be a multiple of 8 between "
                        "4k and region_size (%zu)",
                        who, c->tlab_size, c->region_size);
    if (c->max_pause_us == 0)
        return rgc_fail(RGC_EINVAL, "%s: max_pause: must be above 0", who);
    if (c->gc_threads == 0 || c->gc_threads > 1024)
        return rgc_fail(RGC_EINVAL,
                        "%s: gc_threads: %u must be between 1 and 1024", who,
                        c->gc_threads);
    if (c->gc_cpu_percent == 0 || c->gc_cpu_percent > 100)
        return rgc_fail(RGC_EINVAL,
                        "%s: gc_cpu_percent: %u must be between 1 and 100",
                        who, c->gc_cpu_percent);
    /* Under a millisecond the driver's timer would keep it busy; above,
     * nanosecond deadlines would overflow. */
    if (c->uncommit_delay_us > UINT64_MAX / 4000)
        return rgc_fail(RGC_EINVAL,
                        "%s: uncommit_delay: %llu us is too large", who,
                        (unsigned long long)c->uncommit_delay_us);
    if (c->uncommit_delay_us && c->uncommit_delay_us < 1000)
        return rgc_fail(RGC_EINVAL,
                        "%s: uncommit_delay: %llu us must be 0 (never) or "
                        "at least 1ms",
                        who, (unsigned long long)c->uncommit_delay_us);
    if (c->evacuate_live_percent > 100)
        return rgc_fail(RGC_EINVAL,
                        "%s: evacuate_live_percent: %u is above 100", who,
                        c->evacuate_live_percent);
    return RGC_OK;
}

/* ---- values ---- */

enum kind { SIZE, TIME, COUNT, PERCENT, BOOL };

struct option {
    const char *key;
    enum kind kind;
    size_t offset;
};

#define OPT(k, kind, field) {k, kind, offsetof(rgc_config, field)}
static const struct option options[] = {
    OPT("heap_max", SIZE, heap_max),
    OPT("region_size", SIZE, region_size),
    OPT("tlab_size", SIZE, tlab_size),
    OPT("max_pause", TIME, max_pause_us),
    OPT("gc_threads", COUNT, gc_threads),
    OPT("gc_cpu_percent", PERCENT, gc_cpu_percent),
    OPT("growth_percent", PERCENT, growth_percent),
    OPT("evacuate_live_percent", PERCENT, evacuate_live_percent),
    OPT("pretouch", BOOL, pretouch),
    OPT("verify", BOOL, verify),
    OPT("poison", BOOL, poison),
    OPT("log", BOOL, log),
    OPT("checkmark", BOOL, checkmark),
    OPT("chaos", COUNT, chaos),
    OPT("uncommit_delay", TIME, uncommit_delay_us),
};

/* A decimal number and the rest of the string; false if s starts with no
 * digit.  Overflow saturates to ULLONG_MAX, which every caller rejects as
 * too large. */
static bool number(const char *s, unsigned long long *n, const char **rest)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    *n = strtoull(s, &end, 10);
    *rest = end;
    return true;
}

static bool scale(unsigned long long *n, unsigned long long by)
{
    if (*n > ULLONG_MAX / by)
        return false;
    *n *= by;
    return true;
}

static int bad(const char *who, const char *key, const char *value,
               const char *what)
{
    return rgc_fail(RGC_EINVAL, "%s: %s: '%s' %s", who, key, value, what);
}

static int parse_value(const struct option *o, const char *v, void *field,
                       const char *who)
{
    unsigned long long n;
    const char *unit;
    switch (o->kind) {
    case BOOL:
        if (!*v || !strcmp(v, "1") || !strcasecmp(v, "true") ||
            !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
            *(bool *)field = true;
        else if (!strcmp(v, "0") || !strcasecmp(v, "false") ||
                 !strcasecmp(v, "no") || !strcasecmp(v, "off"))
            *(bool *)field = false;
        else
            return bad(who, o->key, v, "is not a boolean (1/0/true/false)");
        return RGC_OK;
    case SIZE: {
        if (!number(v, &n, &unit))
            return bad(who, o->key, v, "is not a size (a number, then k, m or g)");
        unsigned long long by = 1;
        if (*unit) {
            switch (tolower((unsigned char)*unit++)) {
            case 'k': by = KiB; break;
            case 'm': by = MiB; break;
            case 'g': by = GiB; break;
            default:
                return bad(who, o->key, v, "has an unknown unit (use k, m or g)");
            }
            if (*unit == 'b' || *unit == 'B')
                unit++;
        }
        if (*unit)
            return bad(who, o->key, v, "has trailing characters");
        if (n == ULLONG_MAX || !scale(&n, by) || n > SIZE_MAX)
            return bad(who, o->key, v, "is too large");
        if (n == 0)
            return bad(who, o->key, v, "must be above 0");
        *(size_t *)field = (size_t)n;
        return RGC_OK;
    }
    case TIME: {
        if (!number(v, &n, &unit))
            return bad(who, o->key, v, "is not a time (a number, then us, ms or s)");
        unsigned long long by;
        if (!strcmp(unit, "us"))
            by = 1;
        else if (!strcmp(unit, "ms"))
            by = 1000;
        else if (!strcmp(unit, "s"))
            by = 1000000;
        else if (!*unit && n)
            return bad(who, o->key, v, "needs a unit (us, ms or s)");
        else if (!*unit)
            by = 1; /* zero is zero in any unit */
        else
            return bad(who, o->key, v, "has an unknown unit (use us, ms or s)");
        if (n == ULLONG_MAX || !scale(&n, by))
            return bad(who, o->key, v, "is too large");
        *(uint64_t *)field = n;
        return RGC_OK;
    }
    case COUNT:
    case PERCENT:
        if (!number(v, &n, &unit) || *unit)
            return bad(who, o->key, v, "is not a whole number");
        if (n > (o->kind == PERCENT ? 100000u : UINT32_MAX))
            return bad(who, o->key, v, "is too large");
        *(unsigned *)field = (unsigned)n;
        return RGC_OK;
    }
    return RGC_EINVAL;
}

/* Applies one "key=value" (or bare "key") token of length len. */
static int apply_one(rgc_config *cfg, const char *tok, size_t len,
                     const char *who)
{
    char buf[256];
    if (len >= sizeof buf)
        return rgc_fail(RGC_EINVAL, "%s: option '%.40s...' is too long", who,
                        tok);
    memcpy(buf, tok, len);
    buf[len] = '\0';
    char *eq = strchr(buf, '=');
    const char *value = "";
    if (eq) {
        *eq = '\0';
        value = eq + 1;
    }
    if (!*buf)
        return rgc_fail(RGC_EINVAL, "%s: empty option name in '%s'", who,
                        tok);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const struct option *o = &options[i];
        if (strcmp(o->key, buf))
            continue;
        if (!eq && o->kind != BOOL)
            return rgc_fail(RGC_EINVAL, "%s: %s: needs a value (%s=...)", who,
                            o->key, o->key);
        return parse_value(o, value, (char *)cfg + o->offset, who);
    }
    return rgc_fail(RGC_EINVAL, "%s: unknown option '%s'", who, buf);
}

int config_apply(rgc_config *cfg, const char *opts, const char *who)
{
    if (!cfg)
        return rgc_fail(RGC_EINVAL, "%s: config is NULL", who);
    if (!opts)
        return RGC_OK;
    rgc_config next = *cfg;
    for (const char *p = opts; *p;) {
        while (isspace((unsigned char)*p))
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (len == 0) {
            if (!end)
                break;
            return rgc_fail(RGC_EINVAL, "%s: empty option in '%s'", who, opts);
        }
        int rc = apply_one(&next, p, len, who);
        if (rc != RGC_OK)
            return rc;
        p = end ? end + 1 : p + len;
    }
    int rc = config_check(&next, who);
    if (rc == RGC_OK)
        *cfg = next;
    return rc;
}

int rgc_config_parse(rgc_config *cfg, const char *options)
{
    return config_apply(cfg, options, "rgc_config_parse");
}
