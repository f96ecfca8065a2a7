/* test_forwarding.c — per-region forwarding tables: built from a sorted
 * set of live objects, insert, find, absence, one-word entries at the
 * extremes of region and heap size, 8 bytes per live object whatever the
 * objects' spread, racing inserts, and the user count that guards a
 * region's memory; every table's bytes are counted while it lives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "relocate/forwarding.h"

#define MiB ((size_t)1 << 20)
#define BASE ((uintptr_t)1 << 40) /* any word-aligned heap base */

static struct meta_usage meta; /* every table's bytes, while it lives */

/* A table for objects at word offsets key(0), key(1), ... (increasing). */
static struct forwarding *create_keyed(size_t objects, size_t region_size,
                                       uintptr_t base,
                                       size_t (*key)(size_t i, size_t n))
{
    struct forwarding *f = forwarding_create(objects, region_size, base, &meta);
    assert_non_null(f);
    for (size_t i = 0; i < objects; i++)
        forwarding_add(f, key(i, objects));
    assert_int_equal(f->count, objects);
    return f;
}

static size_t consecutive(size_t i, size_t n)
{
    (void)n;
    return i;
}

static struct forwarding *create(size_t objects, size_t region_size,
                                 uintptr_t base)
{
    return create_keyed(objects, region_size, base, consecutive);
}

static size_t every_third(size_t i, size_t n)
{
    (void)n;
    return i * 3;
}

static void destroy(struct forwarding *f)
{
    forwarding_destroy(f);
    assert_int_equal(meta_bytes(&meta, META_FORWARDING), 0);
}

static void finds_what_was_inserted_and_nothing_else(void **state)
{
    (void)state;
    enum { N = 10000 };
    struct forwarding *f = create_keyed(N, 2 * MiB, BASE, every_third);
    assert_int_equal(meta_bytes(&meta, META_FORWARDING), forwarding_bytes(f));
    for (size_t i = 0; i < N; i++)
        assert_int_equal(forwarding_find(f, i * 3), 0); /* not moved yet */
    for (size_t i = 0; i < N; i++)
        assert_int_equal(forwarding_insert(f, i * 3, BASE + i * 40),
                         BASE + i * 40);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(forwarding_find(f, i * 3), BASE + i * 40);
        assert_int_equal(forwarding_find(f, i * 3 + 1), 0);
    }
    assert_int_equal(forwarding_find(f, 2 * MiB / 8 - 1), 0);
    destroy(f);
}

static void empty_table_finds_nothing(void **state)
{
    (void)state;
    struct forwarding *f = create(0, 2 * MiB, BASE);
    assert_int_equal(forwarding_find(f, 0), 0);
    destroy(f);
}

/* An entry is one word: the largest word offset of the smallest and the
 * largest regions, and the lowest and highest addresses of the largest
 * heap each allows (placed as high as a colored reference can point),
 * come back exactly, and do not alias their neighbours. */
static void packs_offsets_and_addresses_at_the_extremes(void **state)
{
    (void)state;
    static const size_t sizes[] = {256 << 10, 2 * MiB, 512 * MiB};
    static const size_t limits[] = {(size_t)1 << 51, (size_t)1 << 48,
                                    (size_t)1 << 40};
    for (size_t s = 0; s < 3; s++) {
        size_t heap = forwarding_max_heap(sizes[s]);
        assert_int_equal(heap, limits[s]);
        uintptr_t base = ((uintptr_t)1 << 60) - heap, top = base + heap - 8;
        size_t last = sizes[s] / 8 - 1;
        struct forwarding *f = forwarding_create(3, sizes[s], base, &meta);
        assert_non_null(f);
        forwarding_add(f, 0);
        forwarding_add(f, last / 2);
        forwarding_add(f, last);
        assert_int_equal(forwarding_insert(f, last, top), top);
        assert_int_equal(forwarding_insert(f, 0, base), base);
        assert_int_equal(forwarding_insert(f, last / 2, top - heap / 2),
                         top - heap / 2);
        assert_int_equal(forwarding_find(f, last), top);
        assert_int_equal(forwarding_find(f, 0), base);
        assert_int_equal(forwarding_find(f, last / 2), top - heap / 2);
        assert_int_equal(forwarding_find(f, last - 1), 0);
        assert_int_equal(forwarding_find(f, 1), 0);
        /* a second insert of a key returns the first one's target */
        assert_int_equal(forwarding_insert(f, last, base + 8), top);
        destroy(f);
    }
}

/* Live objects spread in different ways over a 2 MiB region (262,144
 * words): evenly, every other word (16-byte objects), bunched at the
 * start or the end, and in two clusters far apart — the lookup's guess is
 * then far off and it must gallop. */
#define WORDS (2 * MiB / 8)
static size_t spread_evenly(size_t i, size_t n) { return i * (WORDS / n); }
static size_t every_other(size_t i, size_t n) { (void)n; return 2 * i; }
static size_t at_the_start(size_t i, size_t n) { (void)n; return i; }
static size_t at_the_end(size_t i, size_t n) { return WORDS - n + i; }
static size_t two_clusters(size_t i, size_t n)
{
    return i < n / 2 ? i : WORDS - n + i;
}

/* A table is one 8-byte entry per live object and its header, and finds
 * every object, and nothing between them, however they are spread. */
static void eight_bytes_per_live_object_however_spread(void **state)
{
    (void)state;
    static const size_t counts[] = {1, 2, 7, 1000, 131072};
    size_t (*const spreads[])(size_t, size_t) = {
        spread_evenly, every_other, at_the_start, at_the_end, two_clusters};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (size_t k = 0; k < sizeof spreads / sizeof spreads[0]; k++) {
            size_t n = counts[c];
            struct forwarding *f = create_keyed(n, 2 * MiB, BASE, spreads[k]);
            assert_int_equal(forwarding_bytes(f),
                             sizeof *f + n * sizeof(uint64_t));
            for (size_t i = 0; i < n; i++)
                forwarding_insert(f, spreads[k](i, n), BASE + i * 8);
            for (size_t i = 0; i < n; i++) {
                size_t key = spreads[k](i, n);
                assert_int_equal(forwarding_find(f, key), BASE + i * 8);
                bool gap_after = i + 1 < n ? spreads[k](i + 1, n) > key + 1
                                           : key + 1 < WORDS;
                if (gap_after)
                    assert_int_equal(forwarding_find(f, key + 1), 0);
            }
            if (spreads[k](0, n) > 0)
                assert_int_equal(forwarding_find(f, 0), 0);
            destroy(f);
        }
}

enum { RACED = 20000 };
static struct forwarding *raced;
static uintptr_t winners[2][RACED];

/* Relocator me (0 or 1) copies object i to its own place for it. */
static uintptr_t copy_of(uintptr_t me, size_t i)
{
    return BASE + (me * RACED + i) * 8;
}

static void *race(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    for (size_t i = 0; i < RACED; i++)
        winners[me][i] = forwarding_insert(raced, i, copy_of(me, i));
    return NULL;
}

/* Two relocators race to forward the same objects: each object gets one
 * target, one of the two racers' copies, and both see the same one. */
static void racing_inserts_agree_on_one_winner(void **state)
{
    (void)state;
    raced = create(RACED, 2 * MiB, BASE);
    pthread_t a, b;
    pthread_create(&a, NULL, race, (void *)(uintptr_t)0);
    pthread_create(&b, NULL, race, (void *)(uintptr_t)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    for (size_t i = 0; i < RACED; i++) {
        assert_int_equal(winners[0][i], winners[1][i]);
        assert_int_equal(forwarding_find(raced, i), winners[0][i]);
        assert_true(winners[0][i] == copy_of(0, i) ||
                    winners[0][i] == copy_of(1, i));
    }
    destroy(raced);
}

/* ---- retain / close / done ---- */

static struct forwarding *guarded;
static bool closed; /* set by the closer once forwarding_close returned */

static void *closer(void *arg)
{
    (void)arg;
    forwarding_close(guarded);
    __atomic_store_n(&closed, true, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A user that retained the table keeps the closer waiting until it
 * releases; once closed, nobody can retain it again.  Done is separate:
 * set by the owner once every live object has an entry. */
static void close_waits_for_users_and_refuses_new_ones(void **state)
{
    (void)state;
    guarded = create(4, 2 * MiB, BASE);
    closed = false;
    assert_true(forwarding_retain(guarded));
    assert_true(forwarding_retain(guarded)); /* two users */
    pthread_t tid;
    pthread_create(&tid, NULL, closer, NULL);
    for (int i = 0; i < 50; i++) { /* the closer has ample time to run */
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        assert_false(__atomic_load_n(&closed, __ATOMIC_SEQ_CST));
    }
    forwarding_release(guarded);
    struct timespec ms = {0, 10000000};
    nanosleep(&ms, NULL);
    assert_false(__atomic_load_n(&closed, __ATOMIC_SEQ_CST)); /* one left */
    forwarding_release(guarded);
    pthread_join(tid, NULL);
    assert_true(closed);
    assert_false(forwarding_retain(guarded));
    assert_false(forwarding_done(guarded));
    forwarding_set_done(guarded);
    assert_true(forwarding_done(guarded));
    destroy(guarded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_what_was_inserted_and_nothing_else),
        cmocka_unit_test(empty_table_finds_nothing),
        cmocka_unit_test(packs_offsets_and_addresses_at_the_extremes),
        cmocka_unit_test(eight_bytes_per_live_object_however_spread),
        cmocka_unit_test(racing_inserts_agree_on_one_winner),
        cmocka_unit_test(close_waits_for_users_and_refuses_new_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
