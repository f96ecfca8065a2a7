/*
 * main.c — rgc-bench: flags, one forked run per allocator, the report.
 *
 *   rgc-bench                    msgbuf, defaults, every allocator (ninja bench)
 *   rgc-bench msgbuf [flags]     the message-buffer latency test
 *   rgc-bench mtchurn --threads N [flags]  msgbuf's ring on N threads
 *   rgc-bench gcbench [flags]    Boehm's GCBench
 *   rgc-bench barrier [flags]    ns per rgc_store / rgc_load beside plain ones
 *   rgc-bench roots [flags]      ms to register and unregister many roots
 *
 * docs/benchmarks.md describes the workloads, the flags and the JSON keys.
 * Exit status: 0 when every run succeeded, 1 when one failed (crashed, ran
 * out of memory, or found its data corrupt), 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "bench.h"
#include "report.h"
#include "rgc_session.h"
#include "roots.h"
#include "runner.h"
#include "timeline.h"

static const char usage_text[] =
    "usage: rgc-bench [msgbuf | mtchurn | cache | gcbench | barrier | roots] "
    "[flags]\n"
    "\n"
    "  rgc-bench                  msgbuf with its defaults on every "
    "allocator\n"
    "  rgc-bench msgbuf [--threads N] [--window N] [--messages N] "
    "[--msg-size BYTES] [--keep-every K] [--handles N] [--global-roots N] "
    "[--attribute] [common flags]\n"
    "  rgc-bench mtchurn --threads N [--window N] [--messages N] "
    "[--msg-size BYTES] [--keep-every K] [--attribute] [common flags]\n"
    "  rgc-bench cache [the msgbuf flags]    msgbuf shaped like a cache "
    "server:\n"
    "                      --window 1000000 --messages 4000000 --random "
    "--temps 4\n"
    "  rgc-bench gcbench [common flags]\n"
    "  rgc-bench barrier [--ops N] [--reps N] [--options OPTS] [--json]\n"
    "  rgc-bench roots [--count N] [--reps N] [--options OPTS]\n"
    "\n"
    "msgbuf, mtchurn and cache flags (defaults: msgbuf / mtchurn):\n"
    "  --threads N         threads, each with its own window (msgbuf: 1; "
    "mtchurn: required), 1..64\n"
    "  --window N          messages kept live per thread, a ring of N slots "
    "(200000 / 50000)\n"
    "  --messages N        messages pushed per thread, each replacing the "
    "one N-window before\n"
    "                      (1000000 / 500000)\n"
    "  --msg-size BYTES    bytes per message (1024 / 256)\n"
    "  --keep-every K      also keep every K-th message in a second ring of "
    "window slots,\n"
    "                      so it lives K times longer (off; 2..2^30)\n"
    "  --handles N         extra roots per thread, held for the whole run, "
    "each naming\n"
    "                      a 16-byte object of its own (rgc: handles; "
    "malloc: an array) (0)\n"
    "  --global-roots N    likewise, registered global roots, held by "
    "thread 0 (0)\n"
    "  --attribute         find the cause of every push over 10 us (pause, "
    "stall, page faults,\n"
    "                      preemption, ...): a table after the main one; "
    "costs a getrusage\n"
    "                      call after every push (its time is reported)\n"
    "  --random            fill the window first (untimed), then replace a "
    "random slot\n"
    "                      per push instead of the oldest (not with "
    "--keep-every)\n"
    "  --temps N           short-lived blocks per push, written and dropped "
    "in it (0; 0..1024)\n"
    "  --temp-size BYTES   bytes per short-lived block (256)\n"
    "barrier flags (it runs rgc alone, in this process; --alloc, "
    "--histograms and\n"
    "--settle-ms do not apply):\n"
    "  --ops N             operations per measurement of each variant "
    "(100000000)\n"
    "  --reps N            measurements per variant; the median and min "
    "are reported (7)\n"
    "roots flags (rgc alone, in this process, a table only):\n"
    "  --count N           roots registered, then unregistered in a "
    "shuffled order (100000)\n"
    "  --reps N            repetitions; the median and min are reported "
    "(7)\n"
    "common flags:\n"
    "  --alloc LIST        rgc, glibc, tcmalloc, jemalloc, bdwgc, a "
    "comma-separated list of them,\n"
    "                      or all (all)\n"
    "  --options OPTS      rgc options, key=value,... (docs/api.md); "
    "RGC_OPTIONS applies on top\n"
    "  --json              print one JSON object instead of tables\n"
    "  --histograms        also print each allocator's push-latency "
    "histogram (msgbuf, mtchurn)\n"
    "  --settle-ms N       idle time between two allocators' runs (2000)\n"
    "  --timeline FILE     sample RSS (rgc: and its heap) into FILE, a TSV; "
    "the rgc run\n"
    "                      then ends with RGC_COLLECT_RELEASE (msgbuf, "
    "mtchurn, gcbench)\n"
    "  --timeline-ms N     milliseconds between two samples (5)\n"
    "  --timeline-idle-ms N  before the release, an idle tail: one "
    "RGC_COLLECT_FULL,\n"
    "                      then N ms of nothing, so uncommit_delay shows "
    "(0: none)\n"
    "  -h, --help          this text\n"
    "\n"
    "Each allocator runs in its own child process, one after the other.\n";

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "rgc-bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage_text);
    exit(2);
}

/* A decimal number in [min, max], or a usage error. */
static uint64_t parse_count(const char *flag, const char *s, uint64_t min,
                            uint64_t max)
{
    uint64_t v = 0;
    if (!*s)
        usage_error("%s needs a number", flag);
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            usage_error("'%s' is not a decimal number", s);
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            usage_error("'%s' is too large", s);
        v = v * 10 + d;
    }
    if (v < min || v > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s %s is out of range (%llu..%llu)", flag,
                 s, (unsigned long long)min, (unsigned long long)max);
        usage_error("%s", msg);
    }
    return v;
}

/* "all" or a comma-separated list of allocators, into a run order. */
static unsigned parse_allocs(const char *s, enum alloc_kind *order)
{
    if (strcmp(s, "all") == 0) {
        for (int k = 0; k < ALLOC_COUNT; k++)
            order[k] = (enum alloc_kind)k;
        return ALLOC_COUNT;
    }
    unsigned n = 0;
    bool seen[ALLOC_COUNT] = {false};
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[32];
        enum alloc_kind k;
        if (len == 0 || len >= sizeof name)
            usage_error("bad --alloc list '%s'", s);
        memcpy(name, p, len);
        name[len] = '\0';
        if (!alloc_parse(name, &k))
            usage_error("unknown allocator '%s' (rgc, glibc, tcmalloc, "
                        "jemalloc, bdwgc, all)",
                        name);
        if (seen[k])
            usage_error("allocator '%s' given twice", name);
        seen[k] = true;
        order[n++] = k;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *workload = "msgbuf";
    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        workload = argv[i++];
        if (strcmp(workload, "msgbuf") != 0 &&
            strcmp(workload, "mtchurn") != 0 &&
            strcmp(workload, "cache") != 0 &&
            strcmp(workload, "gcbench") != 0 &&
            strcmp(workload, "barrier") != 0 &&
            strcmp(workload, "roots") != 0)
            usage_error("unknown workload '%s' (msgbuf, mtchurn, cache, "
                        "gcbench, barrier, roots)",
                        workload);
    }
    bool is_barrier = strcmp(workload, "barrier") == 0;
    struct barrier_params bp = {.ops = 100000000, .reps = 7, .options = ""};
    bool is_roots = strcmp(workload, "roots") == 0;
    struct roots_params rp = {.count = 100000, .reps = 7, .options = ""};
    bool is_mtchurn = strcmp(workload, "mtchurn") == 0;
    bool is_cache = strcmp(workload, "cache") == 0;
    bool is_ring = is_mtchurn || is_cache || strcmp(workload, "msgbuf") == 0;

    struct msgbuf_params mp = {
        .window = 200000, .messages = 1000000, .msg_size = 1024,
        .threads = 1, .temp_size = 256, .options = ""};
    if (is_mtchurn)
        mp = (struct msgbuf_params){.window = 50000, .messages = 500000,
                                    .msg_size = 256, .threads = 0,
                                    .temp_size = 256, .options = ""};
    /* A cache server: a warm 1 GiB of values replaced at random, and a
     * request's worth of short-lived buffers per operation. */
    if (is_cache)
        mp = (struct msgbuf_params){.window = 1000000, .messages = 4000000,
                                    .msg_size = 1024, .threads = 1,
                                    .random = true, .temps = 4,
                                    .temp_size = 256, .options = ""};
    struct gcbench_params gp = {
        .stretch_depth = 17, .long_lived_depth = 16, .min_depth = 4,
        .max_depth = 16, .depth_step = 2, .array_size = 500000,
        .options = ""};
    const char *options = "";
    enum alloc_kind order[ALLOC_COUNT];
    unsigned nalloc = parse_allocs("all", order);
    bool all_allocs = true;
    bool json = false, histograms = false;
    unsigned settle_ms = 2000;
    const char *timeline = NULL;
    unsigned timeline_ms = 0; /* 0: not given */
    unsigned timeline_idle_ms = 0;

    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strncmp(arg, "--", 2) != 0)
            usage_error("unexpected argument '%s'", arg);
        /* --flag=value or --flag value */
        char flag[64];
        const char *value = NULL;
        const char *eq = strchr(arg, '=');
        size_t flen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (flen >= sizeof flag)
            usage_error("unknown flag '%s'", arg);
        memcpy(flag, arg, flen);
        flag[flen] = '\0';
        static const char *const known[] = {
            "--json",     "--histograms", "--window",  "--messages",
            "--msg-size", "--alloc",      "--options", "--settle-ms",
            "--threads",  "--ops",        "--reps",    "--keep-every",
            "--count",    "--timeline",   "--timeline-ms", "--handles",
            "--global-roots", "--timeline-idle-ms", "--attribute",
            "--random",   "--temps",      "--temp-size"};
        bool is_known = false;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            is_known |= strcmp(flag, known[k]) == 0;
        if (!is_known)
            usage_error("unknown flag '%s'", flag);
        bool boolean = strcmp(flag, "--json") == 0 ||
                       strcmp(flag, "--histograms") == 0 ||
                       strcmp(flag, "--attribute") == 0 ||
                       strcmp(flag, "--random") == 0;
        if (boolean) {
            if (eq)
                usage_error("%s takes no value", flag);
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            usage_error("%s needs a value", flag);
        }

        bool ring_flag = strcmp(flag, "--window") == 0 ||
                         strcmp(flag, "--messages") == 0 ||
                         strcmp(flag, "--msg-size") == 0 ||
                         strcmp(flag, "--keep-every") == 0 ||
                         strcmp(flag, "--handles") == 0 ||
                         strcmp(flag, "--global-roots") == 0 ||
                         strcmp(flag, "--attribute") == 0 ||
                         strcmp(flag, "--random") == 0 ||
                         strcmp(flag, "--temps") == 0 ||
                         strcmp(flag, "--temp-size") == 0 ||
                         strcmp(flag, "--threads") == 0;
        if (ring_flag && !is_ring)
            usage_error("%s is a msgbuf, mtchurn and cache flag", flag);
        bool barrier_flag = strcmp(flag, "--ops") == 0 ||
                            strcmp(flag, "--reps") == 0;
        if (strcmp(flag, "--ops") == 0 && !is_barrier)
            usage_error("%s is a barrier flag", flag);
        if (strcmp(flag, "--reps") == 0 && !is_barrier && !is_roots)
            usage_error("%s is a barrier and roots flag", flag);
        if (is_barrier && !barrier_flag && strcmp(flag, "--json") != 0 &&
            strcmp(flag, "--options") != 0)
            usage_error("%s does not apply to barrier", flag);
        bool roots_flag = strcmp(flag, "--count") == 0 ||
                          strcmp(flag, "--reps") == 0;
        if (strcmp(flag, "--count") == 0 && !is_roots)
            usage_error("%s is a roots flag", flag);
        if (is_roots && !roots_flag && strcmp(flag, "--options") != 0)
            usage_error("%s does not apply to roots", flag);

        if (strcmp(flag, "--json") == 0) {
            json = true;
        } else if (strcmp(flag, "--histograms") == 0) {
            histograms = true;
        } else if (strcmp(flag, "--attribute") == 0) {
            mp.attribute = true;
        } else if (strcmp(flag, "--random") == 0) {
            mp.random = true;
        } else if (strcmp(flag, "--temps") == 0) {
            mp.temps = (unsigned)parse_count(flag, value, 0, 1024);
        } else if (strcmp(flag, "--temp-size") == 0) {
            mp.temp_size = (size_t)parse_count(flag, value, 1, 1u << 20);
        } else if (strcmp(flag, "--window") == 0) {
            mp.window = (size_t)parse_count(flag, value, 1, 1u << 30);
        } else if (strcmp(flag, "--messages") == 0) {
            mp.messages = parse_count(flag, value, 1, UINT64_MAX / 2);
        } else if (strcmp(flag, "--msg-size") == 0) {
            mp.msg_size = (size_t)parse_count(flag, value, 1, 1u << 30);
        } else if (strcmp(flag, "--keep-every") == 0) {
            mp.keep_every = parse_count(flag, value, 2, 1u << 30);
        } else if (strcmp(flag, "--handles") == 0) {
            mp.handles = (size_t)parse_count(flag, value, 0, 1u << 30);
        } else if (strcmp(flag, "--global-roots") == 0) {
            mp.global_roots = (size_t)parse_count(flag, value, 0, 1u << 30);
        } else if (strcmp(flag, "--threads") == 0) {
            mp.threads = (unsigned)parse_count(flag, value, 1,
                                               BENCH_MAX_THREADS);
        } else if (strcmp(flag, "--alloc") == 0) {
            nalloc = parse_allocs(value, order);
            all_allocs = strcmp(value, "all") == 0;
        } else if (strcmp(flag, "--options") == 0) {
            options = value;
        } else if (strcmp(flag, "--ops") == 0) {
            bp.ops = parse_count(flag, value, 1, UINT64_MAX / 2);
        } else if (strcmp(flag, "--reps") == 0) {
            bp.reps = rp.reps = (unsigned)parse_count(flag, value, 1, 1000);
        } else if (strcmp(flag, "--count") == 0) {
            rp.count = parse_count(flag, value, 1, 1u << 30);
        } else if (strcmp(flag, "--timeline") == 0) {
            timeline = value;
        } else if (strcmp(flag, "--timeline-ms") == 0) {
            timeline_ms = (unsigned)parse_count(flag, value, 1, 60000);
        } else if (strcmp(flag, "--timeline-idle-ms") == 0) {
            timeline_idle_ms = (unsigned)parse_count(flag, value, 0, 600000);
        } else { /* --settle-ms */
            settle_ms = (unsigned)parse_count(flag, value, 0, 600000);
        }
    }

    if (mp.threads == 0)
        usage_error("%s needs --threads N", workload);
    if (mp.random && mp.keep_every)
        usage_error("%s and --keep-every do not go together (the keep "
                    "ring is FIFO)",
                    "--random");

    /* Before anything runs: jemalloc needs a process started with more
     * static TLS (perf/jemalloc.c), so this may re-execute rgc-bench. */
    for (unsigned k = 0; k < nalloc && !is_barrier && !is_roots; k++)
        if (order[k] == ALLOC_JEMALLOC)
            jemalloc_reexec_for_tls(argv);

    /* "all" means every allocator linked into this binary. */
    if (all_allocs && !is_barrier && !is_roots) {
        unsigned kept = 0;
        for (unsigned k = 0; k < nalloc; k++)
            if (alloc_unavailable(order[k]))
                fprintf(stderr, "rgc-bench: skipping %s: %s\n",
                        alloc_name(order[k]), alloc_unavailable(order[k]));
            else
                order[kept++] = order[k];
        nalloc = kept;
    }

    char err[512];
    if (!rgc_options_valid(options, err, sizeof err))
        usage_error("--options: %s", err);
    if (timeline_ms && !timeline)
        usage_error("%s needs --timeline FILE", "--timeline-ms");
    if (timeline_idle_ms && !timeline)
        usage_error("%s needs --timeline FILE", "--timeline-idle-ms");
    if (timeline && !timeline_open(timeline, timeline_ms ? timeline_ms : 5,
                                   timeline_idle_ms, err, sizeof err))
        usage_error("--timeline: %s", err);
    mp.options = gp.options = options;
    if (is_barrier) {
        bp.options = options;
        return barrier_run(&bp, json, stdout);
    }
    if (is_roots) {
        rp.options = options;
        return roots_run(&rp, stdout);
    }

    struct run_result *results = run_results_alloc(nalloc);
    if (!results) {
        fprintf(stderr, "rgc-bench: out of memory\n");
        return 1;
    }
    workload_fn fn = is_mtchurn ? mtchurn_run
                     : is_cache ? cache_run
                     : is_ring  ? msgbuf_run
                                : gcbench_run;
    const void *params = is_ring ? (const void *)&mp : (const void *)&gp;
    bool progress = isatty(STDERR_FILENO);
    bool all_ok = true;
    for (unsigned k = 0; k < nalloc; k++) {
        if (k && settle_ms)
            run_settle(settle_ms);
        if (progress)
            fprintf(stderr, "rgc-bench: %s on %s...\n", workload,
                    alloc_name(order[k]));
        run_isolated(fn, params, order[k], &results[k]);
        all_ok &= results[k].ok;
    }

    struct report rep = {
        .workload = workload,
        .msgbuf = is_ring ? &mp : NULL,
        .gcbench = is_ring ? NULL : &gp,
        .settle_ms = settle_ms,
        .results = results,
        .count = nalloc,
    };
    if (json)
        report_json(&rep, stdout);
    else
        report_table(&rep, histograms, stdout);
    run_results_free(results, nalloc);
    return all_ok ? 0 : 1;
}
