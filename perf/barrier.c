/*
 * barrier.c — rgc-bench barrier: what rgc's barriers cost per operation,
 * beside the plain operation they replace.
 *
 * Five variants, each a loop over one 4096-slot array (32 KiB, so it stays
 * in L1/L2), slot i & 4095 at iteration i, value v = targets[i & 3], the
 * addresses of four real rgc objects:
 *
 *   plain_store  arr[i & 4095] = v;                      arr: a void *[4096]
 *   store_off    rgc_store_elem(t, refs, i & 4095, v);   marking flag 0
 *   store_on     the same loop, the thread's marking flag set (below)
 *   plain_load   sum += (uintptr_t)arr[i & 4095];
 *   load         sum += (uintptr_t)rgc_load_elem(t, refs, i & 4095);
 *
 * refs is an rgc_alloc_refs array whose slots all hold good-colored
 * references to the targets, so rgc_load always takes its fast path.  (In
 * a release build rgc_store_elem is rgc_store on (rgc_ref *)refs + i and
 * rgc_load_elem is rgc_load; RGC_CHECKED would add a bounds check.)
 *
 * Method:
 *   - Every loop body ends in asm volatile("" ::: "memory"), in all five
 *     variants alike: the compiler can neither vectorise, merge nor delete
 *     the plain loops, and it reloads each iteration what the barriers read
 *     from the rgc_thread (marking, good_color, bad_mask) and the value from
 *     targets[], as it must in real code between stores it cannot see
 *     through.  The load loops also sum what they load into a volatile sink.
 *   - The loops are separate noinline functions, one per variant (store_off
 *     and store_on share one), so each can be read in the disassembly
 *     (objdump -d --no-show-raw-insn rgc-bench | grep -A20 '<kernel_').
 *     With gcc 12.2 -O2 on x86-64 one iteration is (loop control, index
 *     and value included): plain store 9 instructions; rgc_store 14 with
 *     marking off (+ cmp of marking in memory with 0, a not-taken branch,
 *     the shift of the address, or of good_color from memory, a lea of the
 *     slot address kept for the slow path), a call of rgc__store_slow
 *     instead with marking on; plain load 6 (the load folded into the
 *     add); rgc_load 11 (+ a separate load, a lea of the slot address, a
 *     test of the slot against bad_mask in memory, a not-taken branch, the
 *     shift that strips the color).
 *   - A repetition measures `ops` operations of each variant, run in
 *     chunks of 2^20 operations taken in turn (chunk 1 of every variant,
 *     then chunk 2, ...), each timed with CLOCK_MONOTONIC (two clock reads
 *     per 2^20 operations: negligible), so that a noisy stretch of the
 *     machine, longer than a few milliseconds, hits every variant alike.
 *     `reps` repetitions follow one untimed warm-up chunk of each variant.
 *     A sample is one repetition's ns / ops.  Reported per variant: the
 *     median and the minimum of the samples, the ratio of its median to the
 *     median of the plain variant of its kind (store or load), the same
 *     ratio of the minima (on a noisy machine the minimum is the steadier
 *     estimate of the cost itself), and the difference of the medians.
 *   - Nothing is allocated inside the loops and nothing else runs on the
 *     heap, so no collection starts; the run checks that rgc_stats shows no
 *     pause from the first to the last measurement, and fails otherwise.
 *
 * Marking on is simulated.  There is no public switch: the SATB pre-write
 * barrier fires when the thread's rgc__thread_fast.marking is nonzero, and a
 * collection sets it in the mark-start pause.  Here the benchmark sets it
 * by hand on its own thread while no collection runs.  Each store then
 * calls rgc__store_slow, which appends the overwritten value (always a
 * non-null reference here: the worst case, as every store records) to the
 * thread's SATB buffer, pushing full buffers (1022 entries) onto
 * heap->satb, then writes the slot.  After each marking-on chunk, outside the timed region, the
 * benchmark clears the flag, flushes the thread's partial buffer, takes the
 * queued buffers and recycles them, as the marker does, and counts their
 * values: each repetition must have recorded exactly `ops`.  What
 * this leaves out: a marker thread taking buffers concurrently (the CAS on
 * the queue head contended, the buffers' cache lines moving to another
 * core), and the marker's competition for caches, memory bandwidth and, on
 * a small machine, the core itself.  The buffers are recycled on this
 * thread, so they come back warm in its cache, which a real run's may not.
 */
#include "barrier.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rgc_heap.h"

#define SLOTS 4096u
#define SLOT_MASK (SLOTS - 1)
#define TARGETS 4u
#define CHUNK ((uint64_t)1 << 20)

#define CLOBBER() __asm__ volatile("" ::: "memory")

struct kernel_ctx {
    rgc_thread *thread;
    void *refs;   /* rgc_alloc_refs(thread, SLOTS) */
    void **plain; /* SLOTS plain pointers          */
};

static void *targets[TARGETS];
static volatile uintptr_t sink;

typedef void (*kernel_fn)(const struct kernel_ctx *c, uint64_t n);

__attribute__((noinline)) static void kernel_plain_store(
    const struct kernel_ctx *c, uint64_t n)
{
    void **arr = c->plain;
    for (uint64_t i = 0; i < n; i++) {
        arr[i & SLOT_MASK] = targets[i & (TARGETS - 1)];
        CLOBBER();
    }
}

__attribute__((noinline)) static void kernel_rgc_store(
    const struct kernel_ctx *c, uint64_t n)
{
    rgc_thread *t = c->thread;
    void *refs = c->refs;
    for (uint64_t i = 0; i < n; i++) {
        rgc_store_elem(t, refs, i & SLOT_MASK, targets[i & (TARGETS - 1)]);
        CLOBBER();
    }
}

__attribute__((noinline)) static void kernel_plain_load(
    const struct kernel_ctx *c, uint64_t n)
{
    void **arr = c->plain;
    uintptr_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += (uintptr_t)arr[i & SLOT_MASK];
        CLOBBER();
    }
    sink = sum;
}

__attribute__((noinline)) static void kernel_rgc_load(
    const struct kernel_ctx *c, uint64_t n)
{
    rgc_thread *t = c->thread;
    void *refs = c->refs;
    uintptr_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += (uintptr_t)rgc_load_elem(t, refs, i & SLOT_MASK);
        CLOBBER();
    }
    sink = sum;
}

enum { V_PLAIN_STORE, V_STORE_OFF, V_STORE_ON, V_PLAIN_LOAD, V_LOAD,
       V_COUNT };

static const struct variant {
    const char *key;   /* JSON */
    const char *label; /* table */
    kernel_fn fn;
    bool marking;
    int plain; /* the variant it is compared with */
} variants[V_COUNT] = {
    {"plain_store", "plain store (void *[])", kernel_plain_store, false,
     V_PLAIN_STORE},
    {"store_off", "rgc_store, marking off", kernel_rgc_store, false,
     V_PLAIN_STORE},
    {"store_on", "rgc_store, marking on *", kernel_rgc_store, true,
     V_PLAIN_STORE},
    {"plain_load", "plain load (void *[])", kernel_plain_load, false,
     V_PLAIN_LOAD},
    {"load", "rgc_load, fast path", kernel_rgc_load, false, V_PLAIN_LOAD},
};

static const char marking_note[] =
    "marking on is simulated: the benchmark sets its own thread's marking "
    "flag with no collection running; every store records the overwritten "
    "(non-null) reference; full SATB buffers are taken off heap->satb and "
    "recycled between 2^20-store chunks, outside the timed region, by this "
    "thread; no marker thread competes for the queue, the caches or the "
    "cores";

/* Take every queued SATB buffer, recycle it; the values it held. */
static uint64_t satb_drain(struct rgc_heap *heap)
{
    uint64_t values = 0;
    struct satb_buffer *list = satb_queue_take(&heap->satb);
    for (struct satb_buffer *b = list; b; b = b->next)
        values += b->count;
    satb_queue_recycle(&heap->satb, list);
    return values;
}

/* One repetition: ops operations of every variant, in chunks of CHUNK
 * taken in turn (chunk 1 of every variant, then chunk 2, ...), so that a
 * noisy stretch of the machine hits the variants alike.  ns[v]: the time of
 * variant v, chunk by chunk; returns the values the SATB barrier recorded.
 * After each marking-on chunk, outside its timing: the flag cleared, the
 * thread's partial buffer flushed, the queue drained. */
static uint64_t measure_rep(const struct kernel_ctx *c, uint64_t ops,
                            uint64_t ns[V_COUNT])
{
    struct rgc_thread *t = c->thread;
    struct rgc_heap *heap = t->heap;
    uint64_t recorded = 0;
    for (int v = 0; v < V_COUNT; v++)
        ns[v] = 0;
    for (uint64_t done = 0; done < ops;) {
        uint64_t n = ops - done < CHUNK ? ops - done : CHUNK;
        for (int v = 0; v < V_COUNT; v++) {
            const struct variant *var = &variants[v];
            if (var->marking)
                t->fast.marking = 1;
            uint64_t t0 = bench_now_ns();
            var->fn(c, n);
            ns[v] += bench_now_ns() - t0;
            if (var->marking) {
                t->fast.marking = 0;
                satb_flush(&t->satb, &heap->satb);
                recorded += satb_drain(heap);
            }
        }
        done += n;
    }
    return recorded;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct summary {
    double median, min;
    double ratio;     /* median / the plain variant's median */
    double ratio_min; /* min / the plain variant's min       */
    double extra;     /* median - the plain variant's median */
};

static struct summary summarize(const double *samples, unsigned n)
{
    double *s = malloc(n * sizeof *s);
    struct summary r = {0, 0, 0, 0, 0};
    if (!s)
        return r;
    memcpy(s, samples, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    r.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    r.min = s[0];
    free(s);
    return r;
}

static void print_json(const struct barrier_params *p, const char *error,
                       double *const samples[V_COUNT],
                       const struct summary *sum, FILE *out)
{
    fputs("{\"workload\":\"barrier\",\"params\":{", out);
    fprintf(out, "\"ops\":%llu,\"reps\":%u,\"slots\":%u,\"targets\":%u,",
            (unsigned long long)p->ops, p->reps, SLOTS, TARGETS);
    json_options(out, p->options);
    fputs("},\"marking_on\":", out);
    json_string(out, marking_note);
    fprintf(out, ",\"ok\":%s", error ? "false" : "true");
    if (error) {
        fputs(",\"error\":", out);
        json_string(out, error);
        fputs("}\n", out);
        return;
    }
    fputs(",\"results\":[", out);
    for (int v = 0; v < V_COUNT; v++) {
        fprintf(out, "%s{\"variant\":\"%s\",\"baseline\":\"%s\",",
                v ? "," : "", variants[v].key,
                variants[variants[v].plain].key);
        fprintf(out,
                "\"median_ns\":%.4f,\"min_ns\":%.4f,\"ratio\":%.4f,"
                "\"ratio_min\":%.4f,\"extra_ns\":%.4f,\"samples_ns\":[",
                sum[v].median, sum[v].min, sum[v].ratio, sum[v].ratio_min,
                sum[v].extra);
        for (unsigned r = 0; r < p->reps; r++)
            fprintf(out, "%s%.4f", r ? "," : "", samples[v][r]);
        fputs("]}", out);
    }
    fputs("]}\n", out);
}

static void print_table(const struct barrier_params *p,
                        const struct summary *sum, FILE *out)
{
    fprintf(out,
            "barrier: %llu operations x %u repetitions per variant, a "
            "%u-slot array (%u KiB), ns per operation\n\n",
            (unsigned long long)p->ops, p->reps, SLOTS,
            SLOTS * 8u / 1024u);
    fprintf(out, "%-26s %8s %8s %9s %9s %8s\n", "variant", "median", "min",
            "x median", "x min", "+ns/op");
    for (int v = 0; v < V_COUNT; v++) {
        if (v == V_PLAIN_LOAD)
            fputc('\n', out);
        fprintf(out, "%-26s %8.3f %8.3f %8.2fx %8.2fx %8.3f\n",
                variants[v].label, sum[v].median, sum[v].min, sum[v].ratio,
                sum[v].ratio_min, sum[v].extra);
    }
    fprintf(out,
            "\nx median, x min: the variant's median (min) / the plain "
            "store's or load's median (min);\n+ns/op: its median - the "
            "plain median.\n* %s.\n",
            marking_note);
}

int barrier_run(const struct barrier_params *p, bool json, FILE *out)
{
    char error[256] = "";
    double *samples[V_COUNT] = {NULL};
    struct summary sum[V_COUNT] = {{0, 0, 0, 0, 0}};
    void **plain = NULL;
    rgc_heap *heap = NULL;
    rgc_thread *t = NULL;

    for (int v = 0; v < V_COUNT; v++)
        if (!(samples[v] = calloc(p->reps, sizeof(double)))) {
            snprintf(error, sizeof error, "out of memory");
            goto done;
        }
    plain = aligned_alloc(64, SLOTS * sizeof(void *));
    if (!plain) {
        snprintf(error, sizeof error, "out of memory");
        goto done;
    }

    rgc_config cfg;
    rgc_config_init(&cfg);
    if (p->options && *p->options &&
        rgc_config_parse(&cfg, p->options) != RGC_OK) {
        snprintf(error, sizeof error, "%s", rgc_last_error());
        goto done;
    }
    if (!(heap = rgc_heap_create(&cfg))) {
        snprintf(error, sizeof error, "rgc_heap_create: %s",
                 rgc_last_error());
        goto done;
    }
    if (!(t = rgc_thread_attach(heap))) {
        snprintf(error, sizeof error, "rgc_thread_attach: %s",
                 rgc_last_error());
        goto done;
    }

    /* Every allocation happens here, before the measurements; handles keep
     * the objects (no collection is expected, but a raw pointer must not
     * outlive one). */
    rgc_scope scope = rgc_scope_open(t);
    rgc_ref *h_targets[TARGETS], *h_refs;
    for (unsigned k = 0; k < TARGETS; k++) {
        void *obj = rgc_alloc_bytes(t, 16);
        if (!obj || !(h_targets[k] = rgc_handle(t, obj))) {
            snprintf(error, sizeof error, "allocation failed");
            goto close;
        }
    }
    void *refs = rgc_alloc_refs(t, SLOTS);
    if (!refs || !(h_refs = rgc_handle(t, refs))) {
        snprintf(error, sizeof error, "allocation failed");
        goto close;
    }
    for (unsigned k = 0; k < TARGETS; k++)
        targets[k] = rgc_load(t, h_targets[k]);
    refs = rgc_load(t, h_refs);
    for (unsigned i = 0; i < SLOTS; i++) {
        rgc_store_elem(t, refs, i, targets[i % TARGETS]);
        plain[i] = targets[i % TARGETS];
    }

    struct kernel_ctx c = {.thread = t, .refs = refs, .plain = plain};
    rgc_heap_stats before, after;
    rgc_stats(heap, &before);
    uint64_t ns[V_COUNT];
    measure_rep(&c, CHUNK, ns); /* warm-up */
    for (unsigned r = 0; r < p->reps; r++) {
        uint64_t recorded = measure_rep(&c, p->ops, ns);
        for (int v = 0; v < V_COUNT; v++)
            samples[v][r] = (double)ns[v] / (double)p->ops;
        if (recorded != p->ops) {
            snprintf(error, sizeof error,
                     "the SATB barrier recorded %llu of %llu stores",
                     (unsigned long long)recorded,
                     (unsigned long long)p->ops);
            goto close;
        }
    }
    rgc_stats(heap, &after);
    if (after.pause_count != before.pause_count ||
        after.cycles != before.cycles) {
        snprintf(error, sizeof error,
                 "%llu pauses ran during the measurements (a larger "
                 "heap_max may help)",
                 (unsigned long long)(after.pause_count -
                                      before.pause_count));
        goto close;
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (rgc_load_elem(t, refs, i) != targets[i % TARGETS] ||
            plain[i] != targets[i % TARGETS]) {
            snprintf(error, sizeof error, "slot %u holds a wrong value", i);
            goto close;
        }

    for (int v = 0; v < V_COUNT; v++)
        sum[v] = summarize(samples[v], p->reps);
    for (int v = 0; v < V_COUNT; v++) {
        const struct summary *base = &sum[variants[v].plain];
        sum[v].ratio = base->median > 0 ? sum[v].median / base->median : 0;
        sum[v].ratio_min = base->min > 0 ? sum[v].min / base->min : 0;
        sum[v].extra = sum[v].median - base->median;
    }

close:
    rgc_scope_close(t, scope);
done:
    if (t && rgc_thread_detach(t) != RGC_OK) {
        if (!error[0])
            snprintf(error, sizeof error, "rgc_thread_detach: %s",
                     rgc_last_error());
    } else if (heap) {
        rgc_heap_destroy(heap);
    }
    if (json)
        print_json(p, error[0] ? error : NULL, samples, sum, out);
    else if (error[0])
        fprintf(stderr, "rgc-bench barrier: %s\n", error);
    else
        print_table(p, sum, out);
    free(plain);
    for (int v = 0; v < V_COUNT; v++)
        free(samples[v]);
    return error[0] ? 1 : 0;
}
