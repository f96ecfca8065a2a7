/* test_collect.c — what a collection does, seen through the public API:
 * survival and movement, root updating, reclamation (cycles included),
 * humongous objects, pinning, deep graphs, heap exhaustion, returning memory
 * to the OS, stale-pointer detection, trace callbacks, and the error paths of
 * the thread, pin and allocation calls. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "child.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LONG_LIST 1000000ul
/* Bytes malloc'ed and not yet freed (the library's metadata included). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t malloc_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
/* Freed metadata waits in the sanitizer's quarantine, still mapped, and ASan maps
 * its size-class arenas on demand: allow 16 MiB, far below the 256 MiB
 * reservation whose unmapping this checks. */
#define VM_SLACK_KIB 16384
#else
#include <gperftools/malloc_extension_c.h>
#define LONG_LIST 10000000ul
static size_t malloc_in_use(void)
{
    size_t bytes = 0;
    if (!MallocExtension_GetNumericProperty("generic.current_allocated_bytes",
                                            &bytes))
        return 0;
    return bytes;
}
#define VM_SLACK_KIB 8
#endif

/* ---- helpers ---------------------------------------------------------- */

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}
static size_t fp_refs(size_t n)
{
    return 8 + 8 * n;
}
static size_t fp_bytes(size_t n)
{
    return 8 + round8(n);
}
static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static rgc_heap *heap_with(const char *options, rgc_config *base)
{
    rgc_config c;
    if (base)
        c = *base;
    else
        rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, options), RGC_OK);
    rgc_heap *heap = rgc_heap_create(&c);
    if (!heap)
        fail_msg("rgc_heap_create(\"%s\"): %s", options, rgc_last_error());
    return heap;
}

static rgc_heap_stats stats(rgc_heap *heap)
{
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    return st;
}

static void collect(rgc_thread *t)
{
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
}

/* After a full collection with room to evacuate, exactly the live objects'
 * footprint is in use. */
static void assert_live(rgc_heap *heap, size_t expected)
{
    rgc_heap_stats st = stats(heap);
    assert_int_equal(st.used, expected);
    assert_int_equal(st.live_after_last_cycle, expected);
}

/* The test node: two references, an id, 40 bytes of data (64 bytes). */
struct tn {
    rgc_ref next;
    rgc_ref other;
    uint64_t id;
    unsigned char data[40];
};
#define TN_FP (8 + sizeof(struct tn))

static rgc_type tn_type(rgc_heap *heap)
{
    static const size_t offs[] = {offsetof(struct tn, next),
                                  offsetof(struct tn, other)};
    rgc_type_desc d = {.name = "test.tn", .size = sizeof(struct tn),
                       .ref_offsets = offs, .ref_count = 2};
    rgc_type ty = rgc_type_register(heap, &d);
    assert_int_not_equal(ty, 0);
    return ty;
}

static unsigned char pattern(uint64_t id, size_t j)
{
    return (unsigned char)(id * 131 + j * 7 + (j >> 9));
}

static void fill(void *p, size_t n, uint64_t id)
{
    unsigned char *b = p;
    for (size_t j = 0; j < n; j++)
        b[j] = pattern(id, j);
}

static void check_fill(const void *p, size_t n, uint64_t id)
{
    const unsigned char *b = p;
    for (size_t j = 0; j < n; j++)
        if (b[j] != pattern(id, j))
            fail_msg("object %llu: byte %zu of %zu is %u, expected %u",
                     (unsigned long long)id, j, n, b[j], pattern(id, j));
}

static struct tn *tn_new(rgc_thread *t, rgc_type ty, uint64_t id)
{
    struct tn *n = rgc_alloc(t, ty);
    assert_non_null(n);
    assert_null(rgc_load(t, &n->next));
    assert_null(rgc_load(t, &n->other));
    n->id = id;
    fill(n->data, sizeof n->data, id);
    return n;
}

static void tn_check(rgc_type ty, struct tn *n, uint64_t id)
{
    assert_non_null(n);
    assert_int_equal(rgc_type_of(n), ty);
    assert_int_equal(rgc_length(n), sizeof(struct tn));
    assert_int_equal(n->id, id);
    check_fill(n->data, sizeof n->data, id);
}

/* Unreachable byte arrays: their region gets garbage. */
static void garbage(rgc_thread *t, size_t bytes)
{
    for (size_t done = 0; done < bytes; done += fp_bytes(1000))
        assert_non_null(rgc_alloc_bytes(t, 1000));
}

static uintptr_t region_of(const void *p, size_t region)
{
    return (uintptr_t)p / region;
}

/* ---- survival and movement ---------------------------------------------- */

static rgc_ref g_root;

static void objects_survive_and_move(void **state)
{
    (void)state;
    const size_t region = 256 << 10;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    rgc_type ty = tn_type(heap);
    memset(&g_root, 0, sizeof g_root); /* null again (zeroed is null) */
    assert_int_equal(rgc_root_register(heap, &g_root), RGC_OK);
    rgc_scope s = rgc_scope_open(t);

    /* a (handle) <- c (handle) -> b (global) -> d (bytes); c -> c. */
    rgc_ref *ha = rgc_handle(t, tn_new(t, ty, 1));
    garbage(t, 40 << 10);
    rgc_root_store(t, &g_root, tn_new(t, ty, 2));
    garbage(t, 40 << 10);
    unsigned char *d = rgc_alloc_bytes(t, 1001);
    assert_non_null(d);
    fill(d, 1001, 4);
    struct tn *b = rgc_load(t, &g_root);
    rgc_store(t, &b->other, d);
    struct tn *c = tn_new(t, ty, 3);
    rgc_ref *hc = rgc_handle(t, c);
    rgc_store(t, &c->next, rgc_load(t, ha));
    rgc_store(t, &c->other, rgc_load(t, &g_root));
    garbage(t, 40 << 10);

    void *a0 = rgc_load(t, ha), *b0 = rgc_load(t, &g_root);
    void *c0 = rgc_load(t, hc), *d0 = rgc_load(t, &((struct tn *)b0)->other);
    assert_int_equal(region_of(a0, region), region_of(d0, region));
    rgc_heap_stats before = stats(heap);
    assert_int_equal(before.cycles, 0);

    collect(t);
    const size_t live = 3 * TN_FP + fp_bytes(1001);
    assert_live(heap, live);
    rgc_heap_stats after = stats(heap);
    assert_int_equal(after.cycles, 1);
    assert_true(after.regions_freed >= 1);
    assert_true(after.bytes_copied >= live); /* all four lived in one region */

    struct tn *a = rgc_load(t, ha);
    b = rgc_load(t, &g_root);
    c = rgc_load(t, hc);
    d = rgc_load(t, &b->other);
    /* Every object's region had garbage: every one moved. */
    assert_ptr_not_equal(a, a0);
    assert_ptr_not_equal(b, b0);
    assert_ptr_not_equal(c, c0);
    assert_ptr_not_equal(d, d0);
    assert_true(region_of(a, region) != region_of(a0, region));
    tn_check(ty, a, 1);
    tn_check(ty, b, 2);
    tn_check(ty, c, 3);
    assert_int_equal(rgc_type_of(d), RGC_TYPE_BYTES);
    assert_int_equal(rgc_length(d), 1001);
    check_fill(d, 1001, 4);
    /* Heap fields were updated too. */
    assert_ptr_equal(rgc_load(t, &c->next), a);
    assert_ptr_equal(rgc_load(t, &c->other), b);
    assert_null(rgc_load(t, &a->next));

    /* Now densely packed, without garbage: a second FULL moves nothing. */
    uint64_t copied = after.bytes_copied;
    collect(t);
    assert_live(heap, live);
    assert_int_equal(stats(heap).bytes_copied, copied);
    assert_ptr_equal(rgc_load(t, ha), a);
    assert_ptr_equal(rgc_load(t, &g_root), b);
    assert_ptr_equal(rgc_load(t, hc), c);
    tn_check(ty, rgc_load(t, ha), 1);

    assert_int_equal(rgc_collect(t, (rgc_collect_kind)7), RGC_EINVAL);
    assert_int_equal(stats(heap).cycles, 2);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_root_unregister(heap, &g_root), RGC_OK);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static rgc_ref g_roots2[3];

static void handles_and_global_roots_are_updated(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    memset(g_roots2, 0, sizeof g_roots2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rgc_root_register(heap, &g_roots2[i]), RGC_OK);
    assert_int_equal(rgc_root_register(heap, &g_roots2[0]), RGC_EINVAL);

    rgc_scope outer = rgc_scope_open(t);
    rgc_ref *hx = rgc_handle(t, tn_new(t, ty, 10));
    rgc_root_store(t, &g_roots2[0], tn_new(t, ty, 11));
    rgc_root_store(t, &g_roots2[1], tn_new(t, ty, 12));
    garbage(t, 60 << 10);

    rgc_scope inner = rgc_scope_open(t);
    enum { H = 1000 }; /* several handle chunks */
    rgc_ref *h[H];
    void *old[H];
    for (int i = 0; i < H; i++) {
        h[i] = rgc_handle(t, tn_new(t, ty, 100 + (uint64_t)i));
        assert_non_null(h[i]);
        if (i % 2)
            garbage(t, 1000);
    }
    for (int i = 0; i < H; i++)
        old[i] = rgc_load(t, h[i]);
    void *x0 = rgc_load(t, hx), *g0 = rgc_load(t, &g_roots2[0]);

    collect(t);
    assert_live(heap, (3 + H) * TN_FP);
    size_t moved = 0;
    for (int i = 0; i < H; i++) {
        void *p = rgc_load(t, h[i]);
        tn_check(ty, p, 100 + (uint64_t)i);
        moved += p != old[i];
    }
    assert_int_equal(moved, H);
    assert_ptr_not_equal(rgc_load(t, hx), x0);
    assert_ptr_not_equal(rgc_load(t, &g_roots2[0]), g0);
    tn_check(ty, rgc_load(t, hx), 10);
    tn_check(ty, rgc_load(t, &g_roots2[0]), 11);
    tn_check(ty, rgc_load(t, &g_roots2[1]), 12);
    assert_null(rgc_load(t, &g_roots2[2]));

    /* Closing a scope drops its handles' objects. */
    rgc_scope_close(t, inner);
    collect(t);
    assert_live(heap, 3 * TN_FP);

    /* Overwriting a handle and unregistering a root drop theirs. */
    rgc_root_store(t, hx, NULL);
    assert_int_equal(rgc_root_unregister(heap, &g_roots2[1]), RGC_OK);
    assert_int_equal(rgc_root_unregister(heap, &g_roots2[1]), RGC_EINVAL);
    collect(t);
    assert_live(heap, TN_FP);
    tn_check(ty, rgc_load(t, &g_roots2[0]), 11);

    rgc_scope_close(t, outer);
    rgc_root_store(t, &g_roots2[0], NULL);
    collect(t);
    assert_live(heap, 0);
    assert_int_equal(rgc_root_unregister(heap, &g_roots2[0]), RGC_OK);
    assert_int_equal(rgc_root_unregister(heap, &g_roots2[2]), RGC_OK);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void unreachable_cycles_are_reclaimed(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *keep = rgc_handle(t, tn_new(t, ty, 1));

    rgc_scope inner = rgc_scope_open(t);
    /* A ring of 1000 nodes, each also pointing at the kept node. */
    enum { RING = 1000 };
    rgc_ref *first = rgc_handle(t, tn_new(t, ty, 1000));
    rgc_ref *last = rgc_handle(t, rgc_load(t, first));
    struct tn *f = rgc_load(t, first);
    rgc_store(t, &f->other, rgc_load(t, keep));
    for (int i = 1; i < RING; i++) {
        struct tn *n = tn_new(t, ty, 1000 + (uint64_t)i);
        struct tn *prev = rgc_load(t, last);
        rgc_store(t, &prev->next, n);
        rgc_store(t, &n->other, rgc_load(t, keep));
        rgc_root_store(t, last, n);
    }
    struct tn *l = rgc_load(t, last);
    rgc_store(t, &l->next, rgc_load(t, first));
    /* A self loop, a two-node cycle, a refs array holding itself. */
    struct tn *self = tn_new(t, ty, 5);
    rgc_store(t, &self->next, self);
    rgc_ref *hs = rgc_handle(t, self);
    struct tn *p = tn_new(t, ty, 6);
    rgc_ref *hp = rgc_handle(t, p);
    struct tn *q = tn_new(t, ty, 7);
    p = rgc_load(t, hp);
    rgc_store(t, &p->next, q);
    rgc_store(t, &q->next, p);
    void *arr = rgc_alloc_refs(t, 9);
    assert_non_null(arr);
    rgc_store_elem(t, arr, 0, arr);
    rgc_store_elem(t, arr, 8, rgc_load(t, first));
    rgc_store_elem(t, arr, 4, rgc_load(t, hs));
    rgc_ref *harr = rgc_handle(t, arr);
    struct tn *k = rgc_load(t, keep);
    rgc_store(t, &k->other, k); /* the kept node is a cycle of its own */

    const size_t all = (1 + RING + 3) * TN_FP + fp_refs(9);
    collect(t);
    assert_live(heap, all); /* rooted cycles all live */
    arr = rgc_load(t, harr);
    assert_ptr_equal(rgc_load_elem(t, arr, 0), arr);
    assert_ptr_equal(rgc_load_elem(t, arr, 8), rgc_load(t, first));
    struct tn *n = rgc_load(t, first);
    for (int i = 0; i < RING; i++) {
        tn_check(ty, n, 1000 + (uint64_t)i);
        assert_ptr_equal(rgc_load(t, &n->other), rgc_load(t, keep));
        n = rgc_load(t, &n->next);
    }
    assert_ptr_equal(n, rgc_load(t, first));

    uint64_t freed = stats(heap).regions_freed;
    rgc_scope_close(t, inner);
    collect(t);
    assert_live(heap, TN_FP);
    assert_true(stats(heap).regions_freed > freed);
    k = rgc_load(t, keep);
    tn_check(ty, k, 1);
    assert_ptr_equal(rgc_load(t, &k->other), k);

    rgc_scope_close(t, s);
    collect(t);
    assert_live(heap, 0);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* A FULL collection evacuates every region with garbage, however full. */
static void full_collection_compacts_mostly_live_regions(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { N = 10000 }; /* ~700 KiB: three regions, each ~90% live */
    rgc_ref *head = rgc_handle(t, NULL);
    size_t kept = 0;
    for (int i = 0; i < N; i++) {
        struct tn *n = tn_new(t, ty, (uint64_t)i);
        if (i % 10 == 5)
            continue; /* garbage */
        rgc_store(t, &n->next, rgc_load(t, head));
        rgc_root_store(t, head, n);
        kept++;
    }
    assert_int_equal(stats(heap).cycles, 0);
    collect(t);
    assert_live(heap, kept * TN_FP);
    int i = N;
    for (struct tn *n = rgc_load(t, head); n; n = rgc_load(t, &n->next)) {
        if (--i % 10 == 5)
            i--;
        tn_check(ty, n, (uint64_t)i);
    }
    assert_int_equal(i, 0);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* One-word objects (empty arrays) and tiny ones packed side by side (tens
 * of thousands per region: long probe chains in the forwarding tables)
 * keep their identity when they move. */
static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

static size_t tiny_footprint(size_t i)
{
    switch (i % 5) {
    case 3: return fp_bytes(i % 8);
    case 4: return fp_refs(1);
    default: return 8;
    }
}

static void tiny_objects_keep_identity(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { N = 60000 };
    rgc_ref *arr = rgc_handle(t, rgc_alloc_refs(t, N)); /* humongous */
    size_t live = fp_refs(N);
    for (size_t i = 0; i < N; i++) {
        void *o;
        switch (i % 5) {
        case 0: case 2: o = rgc_alloc_refs(t, 0); break;
        case 1: o = rgc_alloc_bytes(t, 0); break;
        case 3: o = rgc_alloc_bytes(t, i % 8); break;
        default: o = rgc_alloc_refs(t, 1); break;
        }
        assert_non_null(o);
        if (i % 5 == 3)
            fill(o, i % 8, i);
        if (i % 5 == 4) /* points at the empty array before it */
            rgc_store_elem(t, o, 0, rgc_load_elem(t, rgc_load(t, arr), i - 2));
        if (i % 11 == 10)
            continue; /* garbage */
        rgc_store_elem(t, rgc_load(t, arr), i, o);
        live += tiny_footprint(i);
    }
    assert_int_equal(stats(heap).cycles, 0);
    void *e0 = rgc_load_elem(t, rgc_load(t, arr), 0);
    collect(t);
    assert_live(heap, live);
    void *a = rgc_load(t, arr);
    assert_ptr_not_equal(rgc_load_elem(t, a, 0), e0);
    uintptr_t *addrs = malloc(N * sizeof *addrs);
    assert_non_null(addrs);
    size_t n = 0;
    for (size_t i = 0; i < N; i++) {
        void *o = rgc_load_elem(t, a, i);
        if (i % 11 == 10) {
            assert_null(o);
            continue;
        }
        assert_non_null(o);
        addrs[n++] = (uintptr_t)o;
        switch (i % 5) {
        case 0: case 2:
            assert_int_equal(rgc_type_of(o), RGC_TYPE_REFS);
            assert_int_equal(rgc_length(o), 0);
            break;
        case 1:
            assert_int_equal(rgc_type_of(o), RGC_TYPE_BYTES);
            assert_int_equal(rgc_length(o), 0);
            break;
        case 3:
            assert_int_equal(rgc_type_of(o), RGC_TYPE_BYTES);
            assert_int_equal(rgc_length(o), i % 8);
            check_fill(o, i % 8, i);
            break;
        default:
            assert_int_equal(rgc_type_of(o), RGC_TYPE_REFS);
            assert_int_equal(rgc_length(o), 1);
            assert_ptr_equal(rgc_load_elem(t, o, 0),
                             rgc_load_elem(t, a, i - 2));
        }
    }
    /* Every object is still a distinct object. */
    qsort(addrs, n, sizeof *addrs, by_address);
    for (size_t i = 1; i < n; i++)
        if (addrs[i] == addrs[i - 1])
            fail_msg("two live objects share address %p",
                     (void *)addrs[i]);
    free(addrs);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- humongous objects --------------------------------------------------- */

static void humongous_objects(void **state)
{
    (void)state;
    const size_t region = 1 << 20, half = region / 2;
    rgc_heap *heap = heap_with("heap_max=64m,region_size=1m,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { NREFS = 200000, NODES = 500 };
    const size_t big = 3 * region + 5; /* four regions */
    const size_t edge = half - 7;      /* footprint half + 8: humongous */
    const size_t normal = half - 16;   /* footprint half - 8: not */

    rgc_ref *hr = rgc_handle(t, rgc_alloc_refs(t, NREFS));
    assert_non_null(rgc_load(t, hr));
    rgc_ref *hb = rgc_handle(t, rgc_alloc_bytes(t, big));
    rgc_ref *he = rgc_handle(t, rgc_alloc_bytes(t, edge));
    assert_non_null(rgc_load(t, hb));
    assert_non_null(rgc_load(t, he));
    fill(rgc_load(t, hb), big, 77);
    fill(rgc_load(t, he), edge, 78);
    assert_int_equal(rgc_length(rgc_load(t, hr)), NREFS);
    assert_int_equal(rgc_length(rgc_load(t, hb)), big);
    for (size_t i = 0; i < NREFS; i += 997)
        assert_null(rgc_load_elem(t, rgc_load(t, hr), i)); /* zeroed */
    /* Small nodes reachable only from the humongous array, among garbage. */
    for (int i = 0; i < NODES; i++) {
        struct tn *n = tn_new(t, ty, (uint64_t)i);
        rgc_store_elem(t, rgc_load(t, hr), (size_t)i * 400, n);
        garbage(t, 2000);
    }
    rgc_ref *hn = rgc_handle(t, rgc_alloc_bytes(t, normal));
    assert_non_null(rgc_load(t, hn));
    fill(rgc_load(t, hn), normal, 79);
    garbage(t, 100 << 10);

    void *r0 = rgc_load(t, hr), *b0 = rgc_load(t, hb), *e0 = rgc_load(t, he);
    void *n0 = rgc_load(t, hn), *first0 = rgc_load_elem(t, r0, 0);
    const size_t live = fp_refs(NREFS) + fp_bytes(big) + fp_bytes(edge) +
                        fp_bytes(normal) + NODES * TN_FP;
    for (int round = 0; round < 2; round++) {
        collect(t);
        assert_live(heap, live);
        assert_ptr_equal(rgc_load(t, hr), r0);
        assert_ptr_equal(rgc_load(t, hb), b0);
        assert_ptr_equal(rgc_load(t, he), e0);
        if (round == 0) {
            /* The half-region object and the array's small elements lived
             * in regions with garbage: they moved (checked after the first
             * cycle only: a later one may copy them back to a reused
             * region at the same address). */
            assert_ptr_not_equal(rgc_load(t, hn), n0);
            assert_ptr_not_equal(rgc_load_elem(t, rgc_load(t, hr), 0), first0);
        }
        garbage(t, 200 << 10);
    }
    check_fill(rgc_load(t, hn), normal, 79);
    check_fill(rgc_load(t, hb), big, 77);
    check_fill(rgc_load(t, he), edge, 78);
    void *arr = rgc_load(t, hr);
    for (size_t i = 0; i < NREFS; i++) {
        void *e = rgc_load_elem(t, arr, i);
        if (i % 400 == 0 && i / 400 < NODES)
            tn_check(ty, e, i / 400);
        else if (e)
            fail_msg("element %zu should be NULL", i);
    }

    /* Dead humongous objects are reclaimed, regions and all. */
    collect(t);
    uint64_t freed = stats(heap).regions_freed;
    rgc_root_store(t, hb, NULL);
    collect(t);
    assert_live(heap, live - fp_bytes(big));
    assert_true(stats(heap).regions_freed >= freed + 4);
    rgc_root_store(t, hr, NULL);
    rgc_root_store(t, he, NULL);
    collect(t);
    assert_live(heap, fp_bytes(normal));
    /* Room again for large objects, in reused (dirty) regions: zeroed. */
    for (int i = 0; i < 40; i++) {
        unsigned char *b = rgc_alloc_bytes(t, big);
        assert_non_null(b);
        for (size_t j = 0; j < big; j += 4093)
            if (b[j])
                fail_msg("humongous array %d: byte %zu is not zero", i, j);
        assert_int_equal(b[big - 1], 0);
        memset(b, 0xa5, big);
    }
    collect(t);
    assert_live(heap, fp_bytes(normal));
    check_fill(rgc_load(t, hn), normal, 79);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- pinning ------------------------------------------------------------- */

static void pinned_objects_do_not_move(void **state)
{
    (void)state;
    const size_t region = 256 << 10;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { N = 60000 };
    rgc_ref *hp = rgc_handle(t, rgc_alloc_bytes(t, N));
    fill(rgc_load(t, hp), N, 1);
    garbage(t, 64 << 10);
    garbage(t, region); /* the control object gets a region of its own */
    rgc_ref *hc = rgc_handle(t, rgc_alloc_bytes(t, N));
    fill(rgc_load(t, hc), N, 2);
    garbage(t, 64 << 10);
    void *p = rgc_load(t, hp), *c = rgc_load(t, hc);
    assert_true(region_of(p, region) != region_of(c, region));

    assert_int_equal(rgc_pin(t, p), RGC_OK);
    assert_int_equal(rgc_pin(t, p), RGC_OK); /* pins nest */
    collect(t);
    assert_ptr_equal(rgc_load(t, hp), p);
    assert_ptr_not_equal(rgc_load(t, hc), c); /* unpinned: moved */
    for (int i = 0; i < 3; i++) {
        garbage(t, 3 << 20);
        collect(t);
        assert_ptr_equal(rgc_load(t, hp), p);
    }
    assert_int_equal(rgc_unpin(t, p), RGC_OK);
    collect(t);
    assert_ptr_equal(rgc_load(t, hp), p); /* still pinned once */
    check_fill(p, N, 1);
    check_fill(rgc_load(t, hc), N, 2);
    assert_int_equal(rgc_unpin(t, p), RGC_OK);
    collect(t);
    assert_ptr_not_equal(rgc_load(t, hp), p); /* free to move again */
    check_fill(rgc_load(t, hp), N, 1);
    assert_live(heap, 2 * fp_bytes(N));

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void pinned_buffer_written_to_a_file(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);

    enum { N = 100000, CHUNK = 1000 };
    rgc_ref *hb = rgc_handle(t, rgc_alloc_bytes(t, N));
    unsigned char *buf = rgc_load(t, hb);
    fill(buf, N, 9);
    garbage(t, 20 << 10); /* the buffer's region has garbage */
    assert_int_equal(rgc_pin(t, buf), RGC_OK);

    FILE *f = tmpfile();
    assert_non_null(f);
    int fd = fileno(f);
    uint64_t cycles0 = stats(heap).cycles;
    rgc_ref *list = rgc_handle(t, NULL);
    for (size_t off = 0; off < N; off += CHUNK) {
        /* The OS reads the pinned buffer through the raw pointer taken
         * before all these collections. */
        size_t len = N - off < CHUNK ? N - off : CHUNK;
        assert_int_equal(write(fd, buf + off, len), (ssize_t)len);
        /* Churn: a little kept, much dropped; collections in between. */
        struct tn *n = tn_new(t, ty, off);
        rgc_store(t, &n->next, rgc_load(t, list));
        rgc_root_store(t, list, n);
        garbage(t, 200 << 10);
        if (off % (20 * CHUNK) == 0)
            collect(t);
        assert_ptr_equal(rgc_load(t, hb), buf);
    }
    /* 5 explicit collections, and automatic ones (2 MiB trigger: how many
     * have finished by now depends on the driver thread's progress). */
    assert_true(stats(heap).cycles >= cycles0 + 5);

    unsigned char *back = malloc(N);
    assert_non_null(back);
    assert_int_equal(pread(fd, back, N, 0), N);
    check_fill(back, N, 9);
    check_fill(buf, N, 9);
    free(back);
    fclose(f);

    assert_int_equal(rgc_unpin(t, buf), RGC_OK);
    collect(t);
    assert_live(heap, fp_bytes(N) + (N / CHUNK) * TN_FP);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void pin_errors(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, rgc_alloc_bytes(t, 100));
    void *p = rgc_load(t, h);

    assert_int_equal(rgc_unpin(t, p), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "not pinned"));
    assert_int_equal(rgc_pin(t, p), RGC_OK);
    assert_int_equal(rgc_unpin(t, p), RGC_OK);
    assert_int_equal(rgc_unpin(t, p), RGC_ESTATE);
    int local = 0;
    assert_int_equal(rgc_pin(t, &local), RGC_EINVAL);
    assert_int_equal(rgc_pin(t, NULL), RGC_EINVAL);
    assert_int_equal(rgc_unpin(t, &local), RGC_EINVAL);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- a deep graph -------------------------------------------------------- */

struct ln {
    rgc_ref next;
    uint64_t val;
};

static void long_list_survives(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=512m,region_size=2m,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    size_t off = offsetof(struct ln, next);
    rgc_type_desc d = {.name = "test.ln", .size = sizeof(struct ln),
                       .ref_offsets = &off, .ref_count = 1};
    rgc_type ty = rgc_type_register(heap, &d);
    assert_int_not_equal(ty, 0);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *head = rgc_handle(t, NULL);

    for (uint64_t i = 0; i < LONG_LIST; i++) {
        struct ln *n = rgc_alloc(t, ty);
        if (!n)
            fail_msg("allocation %llu failed: %s", (unsigned long long)i,
                     rgc_last_error());
        n->val = i;
        rgc_store(t, &n->next, rgc_load(t, head));
        rgc_root_store(t, head, n);
    }
    collect(t);
    assert_live(heap, LONG_LIST * (8 + sizeof(struct ln)));
    uint64_t expect = LONG_LIST;
    for (struct ln *n = rgc_load(t, head); n; n = rgc_load(t, &n->next)) {
        if (n->val != --expect)
            fail_msg("list node holds %llu, expected %llu",
                     (unsigned long long)n->val, (unsigned long long)expect);
    }
    assert_int_equal(expect, 0);

    rgc_root_store(t, head, NULL);
    collect(t);
    assert_live(heap, 0);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- heap exhaustion ----------------------------------------------------- */

static struct {
    int calls;
    size_t request;
    void *ctx;
    bool says_exhausted;
    size_t used;
} oom;

static void on_oom(rgc_heap *heap, size_t request, void *ctx)
{
    oom.calls++;
    oom.request = request;
    oom.ctx = ctx;
    oom.says_exhausted = strstr(rgc_last_error(), "exhausted") != NULL;
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    oom.used = st.used;
}

struct bn {
    rgc_ref next;
    uint64_t id;
    unsigned char data[1008];
};

static void heap_exhaustion(void **state)
{
    (void)state;
    static int ctx_marker;
    const size_t heap_max = 16 << 20;
    rgc_config cfg;
    rgc_config_init(&cfg);
    cfg.oom_callback = on_oom;
    cfg.oom_ctx = &ctx_marker;
    memset(&oom, 0, sizeof oom);
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", &cfg);
    rgc_thread *t = rgc_thread_attach(heap);
    size_t off = 0;
    rgc_type_desc d = {.name = "test.bn", .size = sizeof(struct bn),
                       .ref_offsets = &off, .ref_count = 1};
    rgc_type ty = rgc_type_register(heap, &d);
    assert_int_not_equal(ty, 0);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *head = rgc_handle(t, NULL);

    const size_t fp = 8 + sizeof(struct bn);
    size_t count = 0;
    for (;;) {
        struct bn *n = rgc_alloc(t, ty);
        if (!n)
            break;
        assert_int_equal(oom.calls, 0);
        n->id = count;
        fill(n->data, 16, count);
        rgc_store(t, &n->next, rgc_load(t, head));
        rgc_root_store(t, head, n);
        if (++count > heap_max / fp)
            fail_msg("%zu objects of %zu bytes fit a %zu-byte heap", count,
                     fp, heap_max);
    }
    assert_non_null(strstr(rgc_last_error(), "exhausted"));
    assert_int_equal(oom.calls, 1);
    assert_int_equal(oom.request, sizeof(struct bn));
    assert_ptr_equal(oom.ctx, &ctx_marker);
    assert_true(oom.says_exhausted);
    rgc_heap_stats st = stats(heap);
    assert_int_equal(st.oom_count, 1);
    /* Out of memory is declared only after last-resort collections, each
     * counted as degenerated (this test never calls rgc_collect). */
    assert_true(st.degenerated_cycles >= 3);
    assert_int_equal(st.degenerated_cycles, st.full_cycles);
    assert_true(count * fp > heap_max / 10 * 9); /* the heap really is full */
    assert_int_equal(st.live_after_last_cycle, count * fp);

    /* Larger requests fail the same way. */
    assert_null(rgc_alloc_bytes(t, 1 << 20));
    assert_non_null(strstr(rgc_last_error(), "exhausted"));
    assert_int_equal(oom.calls, 2);
    assert_int_equal(oom.request, 1 << 20);
    assert_null(rgc_alloc_refs(t, heap_max)); /* more than the heap */
    assert_int_equal(oom.calls, 3);
    assert_int_equal(oom.request, heap_max * sizeof(rgc_ref));
    assert_int_equal(stats(heap).oom_count, 3);

    /* Nothing was lost. */
    size_t seen = 0;
    for (struct bn *n = rgc_load(t, head); n; n = rgc_load(t, &n->next)) {
        assert_int_equal(n->id, count - 1 - seen);
        check_fill(n->data, 16, n->id);
        seen++;
    }
    assert_int_equal(seen, count);

    /* Drop the roots: the heap is as good as new. */
    rgc_root_store(t, head, NULL);
    for (size_t i = 0; i < 3 * count; i++) {
        struct bn *n = rgc_alloc(t, ty);
        if (!n)
            fail_msg("allocation %zu after the drop failed: %s", i,
                     rgc_last_error());
        if (i % 2 == 0) { /* keep a short list */
            rgc_store(t, &n->next, rgc_load(t, head));
            rgc_root_store(t, head, n);
            if (i % 1000 == 0)
                rgc_root_store(t, head, NULL);
        }
    }
    assert_non_null(rgc_alloc_bytes(t, 4 << 20));
    assert_int_equal(oom.calls, 3);
    assert_int_equal(stats(heap).oom_count, 3);

    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- memory back to the OS ----------------------------------------------- */

static void release_uncommits_free_regions(void **state)
{
    (void)state;
    const size_t region = 1 << 20;
    rgc_heap *heap = heap_with("heap_max=64m,region_size=1m,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);

    /* 6 MiB in ~1000-byte arrays, one in 20 kept: under the first trigger
     * (8 regions), so every region in use holds garbage. */
    enum { KEEP = 300, EVERY = 20, LEN = 1000 };
    rgc_ref *keep = rgc_handle(t, rgc_alloc_refs(t, KEEP));
    assert_non_null(rgc_load(t, keep));
    for (size_t i = 0; i < KEEP * EVERY; i++) {
        unsigned char *b = rgc_alloc_bytes(t, LEN);
        assert_non_null(b);
        if (i % EVERY == 0) {
            fill(b, LEN, i);
            rgc_store_elem(t, rgc_load(t, keep), i / EVERY, b);
        }
    }
    rgc_heap_stats before = stats(heap);
    assert_int_equal(before.cycles, 0);
    assert_true(before.committed >= 6 * region);

    assert_int_equal(rgc_collect(t, RGC_COLLECT_RELEASE), RGC_OK);
    rgc_heap_stats after = stats(heap);
    const size_t live = fp_refs(KEEP) + KEEP * fp_bytes(LEN);
    assert_live(heap, live);
    assert_true(after.committed >= after.used);
    if (after.committed > round_up(after.used, region))
        fail_msg("after RGC_COLLECT_RELEASE %zu bytes committed for %zu "
                 "used (%zu rounded up to regions)",
                 after.committed, after.used, round_up(after.used, region));
    for (size_t i = 0; i < KEEP; i++)
        check_fill(rgc_load_elem(t, rgc_load(t, keep), i), LEN, i * EVERY);

    /* Memory comes back on demand; automatic cycles run. */
    rgc_ref *more = rgc_handle(t, rgc_alloc_refs(t, 100));
    for (size_t i = 0; i < 400; i++) {
        void *b = rgc_alloc_bytes(t, 100 << 10);
        assert_non_null(b);
        fill(b, 100 << 10, 5000 + i);
        rgc_store_elem(t, rgc_load(t, more), i % 100, b);
    }
    before = stats(heap);
    assert_true(before.committed >= 10 * region);
    assert_true(before.cycles >= 2);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_RELEASE), RGC_OK);
    after = stats(heap);
    assert_true(after.committed >= after.used);
    assert_true(after.committed < before.committed);
    for (size_t i = 0; i < 100; i++)
        check_fill(rgc_load_elem(t, rgc_load(t, more), i), 100 << 10,
                   5000 + 300 + i);
    for (size_t i = 0; i < KEEP; i++)
        check_fill(rgc_load_elem(t, rgc_load(t, keep), i), LEN, i * EVERY);

    /* Nothing live: nothing committed. */
    rgc_scope_close(t, s);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_RELEASE), RGC_OK);
    assert_live(heap, 0);
    assert_int_equal(stats(heap).committed, 0);
    assert_non_null(rgc_alloc_bytes(t, 1000)); /* and it still works */
    assert_int_equal(stats(heap).committed, region);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static size_t vm_size_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    size_t kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &kib) == 1)
            break;
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

static rgc_ref g_life;

/* One heap's whole life: returns VmSize (KiB) while it was at its largest. */
static size_t heap_life(void)
{
    rgc_heap *heap = heap_with("heap_max=256m,region_size=1m,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    memset(&g_life, 0, sizeof g_life); /* null again (zeroed is null) */
    assert_int_equal(rgc_root_register(heap, &g_life), RGC_OK);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, NULL);
    for (int i = 0; i < 20000; i++) {
        struct tn *n = tn_new(t, ty, (uint64_t)i);
        if (i % 3 == 0) {
            rgc_store(t, &n->next, rgc_load(t, h));
            rgc_root_store(t, h, n);
        }
        garbage(t, 1000);
        if (i == 10000)
            rgc_root_store(t, &g_life, rgc_alloc_bytes(t, 3 << 20));
    }
    collect(t);
    size_t peak = vm_size_kib();
    assert_int_equal(rgc_collect(t, RGC_COLLECT_RELEASE), RGC_OK);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
    return peak;
}

static void heap_destroy_returns_every_byte(void **state)
{
    (void)state;
    heap_life(); /* warm the process's own allocators up */
    size_t base = vm_size_kib(), base_malloc = malloc_in_use();
    assert_true(base_malloc > 0);
    for (int i = 0; i < 3; i++) {
        size_t peak = heap_life();
        assert_true(peak >= base + (256 << 10)); /* the reservation */
        size_t now = vm_size_kib();
        if (now > base + VM_SLACK_KIB)
            fail_msg("VmSize %zu KiB after rgc_heap_destroy, %zu KiB before "
                     "rgc_heap_create (round %d)",
                     now, base, i);
        /* Metadata (region table, bitmaps, types, roots) is freed too. */
        assert_int_equal(malloc_in_use(), base_malloc);
    }
}

/* ---- stale pointers ------------------------------------------------------ */

static void poisoned_child(void)
{
    rgc_heap *heap =
        heap_with("heap_max=16m,region_size=256k,poison,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, tn_new(t, ty, 42));
    garbage(t, 50 << 10);
    volatile struct tn *stale = rgc_load(t, h);
    collect(t);
    if ((void *)stale == rgc_load(t, h)) {
        fputs("child: the object did not move\n", stderr);
        _exit(3);
    }
    fputs("child: reading through the stale pointer\n", stderr);
    fflush(stderr);
    uint64_t id = stale->id; /* the evacuated region is protected */
    fprintf(stderr, "child: read %llu\n", (unsigned long long)id);
    rgc_scope_close(t, s);
}

static void poison_traps_stale_pointers(void **state)
{
    (void)state;
    struct child c = run_child(poisoned_child);
    assert_killed_by(&c, SIGSEGV, "reading through the stale pointer");
}

static void stale_load_child(void)
{
    rgc_heap *heap =
        heap_with("heap_max=16m,region_size=256k,poison=0,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *live = rgc_handle(t, tn_new(t, ty, 1));
    /* A raw pointer is all that is left of this node: it dies. */
    struct tn *stale = tn_new(t, ty, 2);
    rgc_store(t, &stale->next, rgc_load(t, live));
    garbage(t, 20 << 10); /* a safepoint: stale is now a stale pointer */
    collect(t);
    tn_check(ty, rgc_load(t, live), 1); /* live objects load fine */
    fputs("child: loading through the stale pointer\n", stderr);
    fflush(stderr);
    void *p = rgc_load(t, &stale->next);
    fprintf(stderr, "child: loaded %p\n", p);
    rgc_scope_close(t, s);
}

static void stale_load_aborts(void **state)
{
    (void)state;
    struct child c = run_child(stale_load_child);
    assert_killed_by(&c, SIGABRT, "loading through the stale pointer");
    assert_non_null(strstr(c.err, "rgc_load"));
    assert_non_null(strstr(c.err, "before the last collection"));
}

/* ---- trace callbacks ----------------------------------------------------- */

/* An irregular layout: a count says how many of the slots hold references. */
struct irregular {
    uint32_t count;
    uint32_t tag;
    uint64_t junk;
    rgc_ref slot[4];
};

static void irregular_trace(void *obj, rgc_visit_fn visit, void *ctx)
{
    struct irregular *o = obj;
    for (uint32_t i = 0; i < o->count; i++)
        visit(&o->slot[i], ctx);
}

static void trace_callback_types(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type tn = tn_type(heap);
    rgc_type_desc d = {.name = "test.irregular",
                       .size = sizeof(struct irregular),
                       .trace = irregular_trace};
    rgc_type ty = rgc_type_register(heap, &d);
    assert_int_not_equal(ty, 0);
    size_t off = 0;
    rgc_type_desc both = d;
    both.ref_offsets = &off;
    both.ref_count = 1;
    assert_int_equal(rgc_type_register(heap, &both), 0);

    rgc_scope s = rgc_scope_open(t);
    enum { N = 200 };
    rgc_ref *arr = rgc_handle(t, rgc_alloc_refs(t, N));
    for (int i = 0; i < N; i++) {
        struct irregular *o = rgc_alloc(t, ty);
        assert_non_null(o);
        o->count = (uint32_t)(i % 5);
        o->tag = (uint32_t)i;
        o->junk = 0xdeadbeefcafef00dull ^ (uint64_t)i;
        rgc_store_elem(t, rgc_load(t, arr), (size_t)i, o);
        for (uint32_t k = 0; k < o->count; k++) {
            struct tn *n = tn_new(t, tn, (uint64_t)(i * 10 + (int)k));
            o = rgc_load_elem(t, rgc_load(t, arr), (size_t)i);
            rgc_store(t, &o->slot[k], n);
            garbage(t, 1000);
        }
        if (i > 0 && i % 7 == 0) { /* irregular objects point at others */
            o = rgc_load_elem(t, rgc_load(t, arr), (size_t)i);
            if (o->count)
                rgc_store(t, &o->slot[0],
                          rgc_load_elem(t, rgc_load(t, arr), (size_t)i - 1));
        }
    }
    void *first = rgc_load_elem(t, rgc_load(t, arr), 1);
    size_t nodes = 0;
    for (int i = 0; i < N; i++)
        nodes += (size_t)(i % 5) - (i > 0 && i % 7 == 0 && i % 5 ? 1 : 0);

    collect(t);
    assert_live(heap, fp_refs(N) + N * (8 + sizeof(struct irregular)) +
                          nodes * TN_FP);
    assert_ptr_not_equal(rgc_load_elem(t, rgc_load(t, arr), 1), first);
    for (int i = 0; i < N; i++) {
        struct irregular *o = rgc_load_elem(t, rgc_load(t, arr), (size_t)i);
        assert_int_equal(rgc_type_of(o), ty);
        assert_int_equal(o->tag, i);
        assert_int_equal(o->junk, 0xdeadbeefcafef00dull ^ (uint64_t)i);
        for (uint32_t k = 0; k < 4; k++) {
            void *v = rgc_load(t, &o->slot[k]);
            if (k >= o->count)
                assert_null(v);
            else if (k == 0 && i > 0 && i % 7 == 0)
                assert_ptr_equal(v, rgc_load_elem(t, rgc_load(t, arr),
                                                  (size_t)i - 1));
            else
                tn_check(tn, v, (uint64_t)(i * 10 + (int)k));
        }
    }
    rgc_scope_close(t, s);
    collect(t);
    assert_live(heap, 0);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void stray_trace(void *obj, rgc_visit_fn visit, void *ctx)
{
    visit((rgc_ref *)obj + 4, ctx); /* one slot past a 32-byte object */
}

static void stray_trace_child(void)
{
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type_desc d = {.name = "test.stray", .size = 32,
                       .trace = stray_trace};
    rgc_type ty = rgc_type_register(heap, &d);
    if (!ty)
        _exit(3);
    rgc_scope s = rgc_scope_open(t);
    rgc_handle(t, rgc_alloc(t, ty));
    rgc_alloc(t, ty); /* the neighbour the stray slot lands on */
    fputs("child: collecting\n", stderr);
    fflush(stderr);
    rgc_collect(t, RGC_COLLECT_FULL);
    rgc_scope_close(t, s);
}

static void trace_outside_object_aborts(void **state)
{
    (void)state;
    struct child c = run_child(stray_trace_child);
    assert_killed_by(&c, SIGABRT, "child: collecting");
    assert_non_null(strstr(c.err, "test.stray"));
    assert_non_null(strstr(c.err, "outside its object"));
}

/* ---- threads and errors -------------------------------------------------- */

static void second_attach_of_one_os_thread_fails(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_non_null(t);
    assert_null(rgc_thread_attach(heap));
    assert_non_null(strstr(rgc_last_error(), "already attached"));
    assert_non_null(rgc_alloc_bytes(t, 10)); /* the first one still works */
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    t = rgc_thread_attach(heap); /* once detached, attach again */
    assert_non_null(t);
    assert_non_null(rgc_alloc_bytes(t, 10));
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

/* Each cycle leaves regions partly filled (the last evacuation destination,
 * the allocation region it retired).  They must fill up again, or a heap
 * with almost nothing live runs out of regions: one 16-byte object kept per
 * full collection, then one 104-byte object per 300 KB of garbage with only
 * automatic cycles. */
static void partly_filled_regions_are_reused(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *head = rgc_handle(t, NULL);
    for (int i = 0; i < 1000; i++) {
        void *node = rgc_alloc_refs(t, 1);
        if (!node)
            fail_msg("explicit cycles: allocation %d failed: %s", i,
                     rgc_last_error());
        rgc_store_elem(t, node, 0, rgc_load(t, head));
        rgc_root_store(t, head, node);
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    }
    rgc_root_store(t, head, NULL);
    for (int i = 0; i < 2000; i++) {
        void *node = rgc_alloc_refs(t, 12);
        if (!node)
            fail_msg("automatic cycles: allocation %d failed: %s", i,
                     rgc_last_error());
        rgc_store_elem(t, node, 0, rgc_load(t, head));
        rgc_root_store(t, head, node);
        for (int g = 0; g < 300; g++)
            rgc_alloc_bytes(t, 1000);
    }
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    assert_true(st.cycles > 1000);
    assert_int_equal(st.oom_count, 0);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

static void builtin_kinds_need_their_own_allocators(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_null(rgc_alloc(t, RGC_TYPE_REFS));
    assert_non_null(strstr(rgc_last_error(), "rgc_alloc_refs"));
    assert_null(rgc_alloc(t, RGC_TYPE_BYTES));
    assert_non_null(strstr(rgc_last_error(), "rgc_alloc_bytes"));
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    assert_int_equal(st.oom_count, 0); /* a bad request, not exhaustion */
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

static void detach_with_open_handles(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    rgc_scope s = rgc_scope_open(t);
    rgc_ref *h = rgc_handle(t, tn_new(t, ty, 3));
    assert_int_equal(rgc_thread_detach(t), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "handles"));
    /* Nothing changed: the handle still works across a collection. */
    garbage(t, 10 << 10);
    collect(t);
    tn_check(ty, rgc_load(t, h), 3);
    assert_live(heap, TN_FP);
    rgc_scope_close(t, s);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

static void unregistered_type(void **state)
{
    (void)state;
    rgc_heap *heap = heap_with("heap_max=16m,region_size=256k,verify", NULL);
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_type ty = tn_type(heap);
    const rgc_type bad[] = {0, 3, 15, ty + 1, 999, 4095, 4096, 70000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(rgc_alloc(t, bad[i]));
        if (!strstr(rgc_last_error(), "not registered"))
            fail_msg("type %u: \"%s\"", bad[i], rgc_last_error());
    }
    assert_int_equal(stats(heap).oom_count, 0);
    assert_int_equal(stats(heap).used, 0);
    tn_check(ty, tn_new(t, ty, 5), 5);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(objects_survive_and_move),
        cmocka_unit_test(handles_and_global_roots_are_updated),
        cmocka_unit_test(unreachable_cycles_are_reclaimed),
        cmocka_unit_test(full_collection_compacts_mostly_live_regions),
        cmocka_unit_test(tiny_objects_keep_identity),
        cmocka_unit_test(humongous_objects),
        cmocka_unit_test(pinned_objects_do_not_move),
        cmocka_unit_test(pinned_buffer_written_to_a_file),
        cmocka_unit_test(pin_errors),
        cmocka_unit_test(long_list_survives),
        cmocka_unit_test(heap_exhaustion),
        cmocka_unit_test(release_uncommits_free_regions),
        cmocka_unit_test(heap_destroy_returns_every_byte),
        cmocka_unit_test(poison_traps_stale_pointers),
        cmocka_unit_test(stale_load_aborts),
        cmocka_unit_test(trace_callback_types),
        cmocka_unit_test(trace_outside_object_aborts),
        cmocka_unit_test(second_attach_of_one_os_thread_fails),
        cmocka_unit_test(partly_filled_regions_are_reused),
        cmocka_unit_test(builtin_kinds_need_their_own_allocators),
        cmocka_unit_test(detach_with_open_handles),
        cmocka_unit_test(unregistered_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
