/*
 * test_uncommit.c — memory back to the OS: the driver's delayed
 * background uncommit (uncommit_delay) and RGC_COLLECT_RELEASE's uncommit
 * after its pause, both racing mutators that take regions.
 *
 *   - idle regions go back: fill, drop, collect; committed falls to the
 *     floor by itself, and the heap works afterwards (values intact,
 *     memory committed again on demand);
 *   - mutators allocate and check their data while the driver uncommits
 *     between cycles (TSan sees the claims), and while RGC_COLLECT_RELEASE
 *     uncommits after its pause;
 *   - the claim window, forced with a chaos hook in both paths: the
 *     uncommitter has chosen a free region and stops before claiming it;
 *     a mutator takes that very region and writes an object there; the
 *     uncommit must then leave the region alone.
 * No timing assertions: waits are bounded polls of rgc_stats.  Every heap
 * runs the verifier, and the concurrent ones checkmark.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/chaos.h"
#include "base/clock.h"
#include "fixture.h"
#include "rgc_heap.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ROUNDS 6 /* sanitizers: 10-20x slower */
#else
#define ROUNDS 30
#endif
#define REGION ((size_t)1 << 20)
#define POLL_LIMIT 60000 /* 1 ms polls: a minute, only ever reached if broken */

static void nap_ms(long ms)
{
    nanosleep(&(struct timespec){0, ms * 1000000L}, NULL);
}

static rgc_heap_stats stats(rgc_heap *heap)
{
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    return st;
}

/* A failure seen on a thread other than cmocka's: kept, asserted later. */
static char failure[256];
static void fail_later(const char *fmt, ...)
{
    if (failure[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
}
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fail_later(__VA_ARGS__);                                           \
    } while (0)

static unsigned char pattern(uint64_t seed, size_t i)
{
    return (unsigned char)(seed * 31 + i * 7 + 1);
}

static void fill(unsigned char *b, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i++)
        b[i] = pattern(seed, i);
}

static bool intact(const unsigned char *b, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i++)
        if (b[i] != pattern(seed, i))
            return false;
    return true;
}

/* count byte arrays of len bytes, element i filled from seed + i, in a
 * new reference array held by a handle of the open scope. */
static rgc_ref *keep_arrays(rgc_thread *t, size_t count, size_t len,
                            uint64_t seed)
{
    rgc_ref *keep = rgc_handle(t, rgc_alloc_refs(t, count));
    if (!rgc_load(t, keep))
        return NULL;
    for (size_t i = 0; i < count; i++) {
        unsigned char *b = rgc_alloc_bytes(t, len);
        if (!b)
            return NULL;
        fill(b, len, seed + i);
        rgc_store_elem(t, rgc_load(t, keep), i, b);
    }
    return keep;
}

static size_t broken_arrays(rgc_thread *t, rgc_ref *keep, size_t count,
                            size_t len, uint64_t seed)
{
    size_t broken = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned char *b = rgc_load_elem(t, rgc_load(t, keep), i);
        broken += !b || rgc_length(b) != len || !intact(b, len, seed + i);
    }
    return broken;
}

/* ---- idle regions go back by themselves -------------------------------- */

static void idle_regions_go_back(void **state)
{
    (void)state;
    rgc_heap *heap =
        heap_with("heap_max=64m,region_size=1m,uncommit_delay=10ms,verify,"
                  "checkmark");
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *keep = keep_arrays(t, 500, 1000, 1);
    assert_non_null(keep);
    /* The load spike: 30 MiB live, then dropped and collected, so at
     * least 30 regions are free, committed and idle from here on. */
    rgc_scope spike = rgc_scope_open(t);
    rgc_ref *big = keep_arrays(t, 300, 100 << 10, 1000);
    assert_non_null(big);
    assert_int_equal(broken_arrays(t, big, 300, 100 << 10, 1000), 0);
    rgc_scope_close(t, spike);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    rgc_heap_stats before = stats(heap);
    assert_true(before.committed >= 30 * REGION);

    /* The floor is the trigger: 8 regions for this little live data. */
    rgc_blocking_enter(t);
    rgc_heap_stats now = before;
    for (int i = 0; i < POLL_LIMIT && now.committed > 8 * REGION; i++) {
        nap_ms(1);
        now = stats(heap);
    }
    rgc_blocking_leave(t);
    if (now.committed > 8 * REGION)
        fail_msg("committed stayed at %zu bytes (%zu before; %llu regions "
                 "uncommitted)",
                 now.committed, before.committed,
                 (unsigned long long)now.regions_uncommitted);
    assert_true(now.regions_uncommitted >=
                (before.committed - now.committed) / REGION);
    assert_true(now.committed >= now.used);
    assert_int_equal(broken_arrays(t, keep, 500, 1000, 1), 0);

    /* The memory comes back on demand, zeroed, and everything still
     * works: the spike again, collected, checked. */
    rgc_ref *more = keep_arrays(t, 300, 100 << 10, 2000);
    assert_non_null(more);
    assert_true(stats(heap).committed >= 30 * REGION);
    unsigned char *fresh = rgc_alloc_bytes(t, 64 << 10);
    assert_non_null(fresh);
    for (size_t i = 0; i < (64 << 10); i++)
        assert_int_equal(fresh[i], 0);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    assert_int_equal(broken_arrays(t, keep, 500, 1000, 1), 0);
    assert_int_equal(broken_arrays(t, more, 300, 100 << 10, 2000), 0);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- mutators racing the uncommit -------------------------------------- */

static rgc_heap *shared_heap;
static bool release_done; /* atomic */

/* Rounds of a burst (about 8 MiB kept, checked, dropped): each round's
 * regions become garbage, cycles free them, and the uncommit takes them
 * back while the next round takes regions again. */
static void *churn(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    rgc_thread *t = rgc_thread_attach(shared_heap);
    CHECK(t, "attach: %s", rgc_last_error());
    if (!t)
        return NULL;
    for (unsigned r = 0;
         r < ROUNDS || (id == 0 && !__atomic_load_n(&release_done,
                                                    __ATOMIC_ACQUIRE));
         r++) {
        rgc_scope s = rgc_scope_open(t);
        uint64_t seed = id << 32 | r << 16;
        rgc_ref *keep = keep_arrays(t, 2000, 4000, seed);
        CHECK(keep, "thread %llu round %u: allocation failed: %s",
              (unsigned long long)id, r, rgc_last_error());
        if (keep) {
            size_t broken = broken_arrays(t, keep, 2000, 4000, seed);
            CHECK(!broken, "thread %llu round %u: %zu arrays broken",
                  (unsigned long long)id, r, broken);
        }
        rgc_scope_close(t, s);
    }
    rgc_thread_detach(t);
    return NULL;
}

static void run_churn(unsigned threads)
{
    pthread_t tid[4];
    for (unsigned i = 0; i < threads; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, churn,
                                        (void *)(uintptr_t)i),
                         0);
    for (unsigned i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    if (failure[0])
        fail_msg("%s", failure);
}

static void mutators_race_the_background_uncommit(void **state)
{
    (void)state;
    failure[0] = '\0';
    shared_heap = heap_with("heap_max=64m,region_size=1m,uncommit_delay=1ms,"
                            "verify,checkmark");
    __atomic_store_n(&release_done, true, __ATOMIC_RELEASE);
    run_churn(3);
    /* The driver uncommitted during the churn, or does so now. */
    for (int i = 0; i < POLL_LIMIT && !stats(shared_heap).regions_uncommitted;
         i++)
        nap_ms(1);
    assert_true(stats(shared_heap).regions_uncommitted > 0);
    rgc_heap_destroy(shared_heap);
}

static void *release_repeatedly(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(shared_heap);
    CHECK(t, "attach: %s", rgc_last_error());
    for (unsigned i = 0; t && i < 3 * ROUNDS; i++) {
        CHECK(rgc_collect(t, RGC_COLLECT_RELEASE) == RGC_OK, "release: %s",
              rgc_last_error());
        sched_yield();
    }
    __atomic_store_n(&release_done, true, __ATOMIC_RELEASE);
    if (t)
        rgc_thread_detach(t);
    return NULL;
}

static void mutators_race_the_release(void **state)
{
    (void)state;
    failure[0] = '\0';
    /* uncommit_delay=0s: only the release uncommits. */
    shared_heap =
        heap_with("heap_max=64m,region_size=1m,uncommit_delay=0s,verify");
    __atomic_store_n(&release_done, false, __ATOMIC_RELEASE);
    pthread_t releaser;
    assert_int_equal(
        pthread_create(&releaser, NULL, release_repeatedly, NULL), 0);
    run_churn(2); /* thread 0 keeps going until the releases are done */
    pthread_join(releaser, NULL);
    if (failure[0])
        fail_msg("%s", failure);
    assert_int_equal(stats(shared_heap).regions_uncommitted, 0);
    rgc_heap_destroy(shared_heap);
}

/* ---- the claim window, forced ---------------------------------------- */

/* The uncommitter, at CHAOS_UNCOMMIT_CLAIM for the first region chosen
 * after `armed_at` (a region freed by the test's collection), hands the
 * region to the taker and waits until the taker has an object in it. */
static struct {
    uint64_t armed_at;         /* 0: not armed; else regions freed since */
    struct region *chosen;     /* atomic */
    bool taken;                /* atomic: the taker has an object there */
    bool attempted;            /* atomic: release path: the uncommit is over */
    uintptr_t object;          /* where the taker's object was put */
} window;

static bool window_hook(void *ctx, enum chaos_point point, const void *subject)
{
    (void)ctx;
    if (point != CHAOS_UNCOMMIT_CLAIM)
        return false;
    struct region *r = (struct region *)subject;
    uint64_t armed = __atomic_load_n(&window.armed_at, __ATOMIC_ACQUIRE);
    if (!armed || __atomic_load_n(&r->free_since, __ATOMIC_RELAXED) < armed)
        return false;
    struct region *none = NULL;
    if (!__atomic_compare_exchange_n(&window.chosen, &none, r, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return false; /* only the first */
    while (!__atomic_load_n(&window.taken, __ATOMIC_ACQUIRE))
        sched_yield();
    return false;
}

/* The taker: once a region is chosen, allocate until an object lands in
 * it; the object stays in a handle and is checked once the uncommit of
 * that region was attempted. */
static void *taker(void *arg)
{
    bool background = arg != NULL;
    rgc_thread *t = rgc_thread_attach(shared_heap);
    CHECK(t, "attach: %s", rgc_last_error());
    if (!t)
        return NULL;
    rgc_scope s = rgc_scope_open(t);
    rgc_blocking_enter(t);
    struct region *r;
    while (!(r = __atomic_load_n(&window.chosen, __ATOMIC_ACQUIRE)))
        sched_yield();
    rgc_blocking_leave(t);
    rgc_ref *h = rgc_handle(t, NULL);
    /* Below the chosen region only free committed regions are taken
     * first: well under half the heap, so this never stalls. */
    for (size_t done = 0; done < shared_heap->config.heap_max / 2;
         done += 1024) {
        unsigned char *b = rgc_alloc_bytes(t, 1000);
        if (!b)
            break;
        if ((uintptr_t)b >= r->bottom && (uintptr_t)b < r->end) {
            fill(b, 1000, 77);
            rgc_root_store(t, h, b);
            window.object = (uintptr_t)b;
            break;
        }
    }
    CHECK(window.object, "never got an object in the chosen region");
    __atomic_store_n(&window.taken, true, __ATOMIC_RELEASE);
    if (background) {
        /* The driver ends its pass (a cycle is wanted) and runs the cycle:
         * by its end, the chosen region's uncommit was attempted. */
        driver_wait(shared_heap, t);
    } else {
        rgc_blocking_enter(t);
        while (!__atomic_load_n(&window.attempted, __ATOMIC_ACQUIRE))
            sched_yield();
        rgc_blocking_leave(t);
    }
    unsigned char *b = rgc_load(t, h);
    CHECK(b && rgc_length(b) == 1000 && intact(b, 1000, 77),
          "the object in the chosen region was lost to the uncommit");
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    return NULL;
}

static void claim_window(bool background)
{
    failure[0] = '\0';
    memset(&window, 0, sizeof window);
    shared_heap = heap_with(background
                                ? "heap_max=128m,region_size=1m,"
                                  "uncommit_delay=1ms,verify,checkmark"
                                : "heap_max=128m,region_size=1m,"
                                  "uncommit_delay=0s,verify");
    chaos_set_hook(window_hook, NULL);
    pthread_t tid;
    assert_int_equal(
        pthread_create(&tid, NULL, taker, background ? &tid : NULL), 0);
    rgc_thread *t = rgc_thread_attach(shared_heap);
    /* 30 MiB live, then dropped: at least 30 regions become free at the
     * collection, above the floor, and are chosen after armed_at. */
    rgc_scope spike = rgc_scope_open(t);
    assert_non_null(keep_arrays(t, 300, 100 << 10, 1000));
    rgc_scope_close(t, spike);
    __atomic_store_n(&window.armed_at, rgc_now_ns(), __ATOMIC_RELEASE);
    assert_int_equal(rgc_collect(t, background ? RGC_COLLECT_FULL
                                               : RGC_COLLECT_RELEASE),
                     RGC_OK);
    __atomic_store_n(&window.attempted, true, __ATOMIC_RELEASE);
    rgc_blocking_enter(t);
    pthread_join(tid, NULL);
    rgc_blocking_leave(t);
    chaos_set_hook(NULL, NULL);
    if (failure[0])
        fail_msg("%s", failure);
    /* (the driver may still be passing the hook) */
    assert_non_null(__atomic_load_n(&window.chosen, __ATOMIC_ACQUIRE));
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK); /* verify */
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(shared_heap);
}

static void background_claim_loses_to_a_take(void **state)
{
    (void)state;
    claim_window(true);
}

static void release_claim_loses_to_a_take(void **state)
{
    (void)state;
    claim_window(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_regions_go_back),
        cmocka_unit_test(mutators_race_the_background_uncommit),
        cmocka_unit_test(mutators_race_the_release),
        cmocka_unit_test(background_claim_loses_to_a_take),
        cmocka_unit_test(release_claim_loses_to_a_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
