/*
 * test_concurrent_mark.c — concurrent marking under heavy mutation, against
 * shadow models.
 *
 * THREADS mutator threads each own a private graph (handles and registered
 * global roots) and all share one shared graph (registered global roots),
 * which they touch only under a user lock taken inside a blocking region.
 * Small regions and a small heap make the driver run many concurrent cycles
 * while the threads mutate; `checkmark` re-traces from the roots after every
 * concurrent marking and aborts if a reachable object is unmarked or a
 * reachable slot stale.
 *
 * Objects: three registered node types (2, 3 or 4 reference fields, an id,
 * payload words derived from the id and a checksum of them) and reference
 * arrays (length 1..300, sometimes ~5,000 so they are scanned in chunks,
 * rarely humongous) whose element 0 is a small byte array, the tag, holding
 * the array's id and length.  Every object can be checked from its id alone.
 *
 * Most operations overwrite references — fields, array elements in bursts,
 * swaps and copies within an array, moving the only reference to a subgraph
 * from one slot to another (cut first, the value held in a C local) — so the
 * SATB barrier works while marking runs; new objects are linked into old
 * ones at once; chains of short-lived objects and garbage byte arrays keep
 * the allocation rate (and so the cycle rate) up.  Every load is compared
 * with the model (the id the slot should hold, and that object's
 * contents).  Every CHECK_EVERY operations,
 * after each explicit collection and at the end, everything reachable is
 * walked and compared with the model exactly: ids, contents, edges, one
 * address per object.
 *
 * Private graphs may point at shared objects (copied out of the shared graph
 * under the lock); these are leaves for the private walks, checked by their
 * contents only.  The shared graph never points into private graphs.
 *
 * RGC_SEED=n sets the base seed (default 1; each thread's seed derives from
 * it); RGC_CM_OPS=n the operations per thread.  The seed and options are
 * printed at the start and on any failure (also on an abort in the library).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#include "base/chaos.h" /* failing SATB buffer allocations */
#include "rgc_heap.h"   /* the in-place relocation hook, SATB counts */

/* Operations per thread: release about 1.3 s per configuration on 2 CPUs,
 * ASan+UBSan about 2.5 s, TSan (with verify) about 10 s. */
#if defined(__SANITIZE_THREAD__)
#define OPS_PER_THREAD 25000ul
#elif defined(__SANITIZE_ADDRESS__)
#define OPS_PER_THREAD 60000ul
#else
#define OPS_PER_THREAD 90000ul
#endif
#define CHECK_EVERY 2000ul /* a full check of the private graph */
#define THREADS 4
#define NH 32 /* private handles per thread */
#define NPG 4 /* private registered global roots per thread */
#define NROOTS (NH + NPG)
#define NSG 16 /* shared registered global roots */
#define SHARED_CHECK_EVERY (2 * CHECK_EVERY)
#define PRIV_BUDGET ((size_t)768 << 10) /* live bytes per private graph */
#define SHARED_BUDGET ((size_t)2 << 20) /* live bytes of the shared graph */
#define MIN_CONCURRENT_CYCLES 20

/* ---- objects ------------------------------------------------------------ */

enum { K_ARR = 1 }; /* kinds 2, 3, 4: a node with that many references */

struct node {
    uint64_t id;
    uint64_t check; /* of the payload words, which follow f[k] */
    rgc_ref f[];
};

#define TAG_BYTES 24       /* id, length, check */
#define BIG_ARRAY 4500     /* and up: scanned in chunks (2,048 slots each) */
#define HUMONGOUS_ARRAY 16400 /* and up: over half a 256 KiB region */

static rgc_type node_t[5];

static size_t node_bytes(int k)
{
    return 16 + 8 * (size_t)k + 8 * (size_t)(k + 1);
}

static uint64_t *node_pay(struct node *n, int k)
{
    return (uint64_t *)(n->f + k);
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t pay_word(uint64_t id, int j)
{
    return mix64(id * 0x100000001B3ull + (uint64_t)j);
}

static uint64_t pay_check(const uint64_t *pay, int words, uint64_t id)
{
    uint64_t c = id ^ 0xC0FFEEull;
    for (int j = 0; j < words; j++)
        c = mix64(c ^ pay[j]);
    return c;
}

static uint64_t tag_check(uint64_t id, uint64_t len)
{
    return mix64(id ^ (len << 20) ^ 0x7A6ull);
}

static bool is_shared(uint64_t id)
{
    return id >= (1ull << 48);
}

/* What is wrong with object p, which should be `id` (kind and array length
 * from the model; kind < 0: a shared leaf, judged by its own type); NULL if
 * nothing.  No safepoint. */
static const char *bad_object(rgc_thread *t, void *p, uint64_t id, int kind,
                              uint32_t len)
{
    static __thread char buf[320];
    unsigned long long ull = id;
    rgc_type ty = rgc_type_of(p);
    if (kind < 0) {
        if (ty == RGC_TYPE_REFS)
            kind = K_ARR;
        for (int k = 2; k <= 4; k++)
            if (ty == node_t[k])
                kind = k;
        if (kind < 0) {
            snprintf(buf, sizeof buf,
                     "object %#llx at %p has type %u, none of the test's",
                     ull, p, ty);
            return buf;
        }
    } else if (kind == K_ARR ? ty != RGC_TYPE_REFS : ty != node_t[kind]) {
        snprintf(buf, sizeof buf,
                 "object %#llx at %p has type %u, expected kind %d", ull, p,
                 ty, kind);
        return buf;
    }
    if (kind == K_ARR) {
        size_t n = rgc_length(p);
        if (n < 1 || (len && n != (size_t)len + 1)) {
            snprintf(buf, sizeof buf,
                     "array %#llx at %p has length %zu, expected %u + 1", ull,
                     p, n, len);
            return buf;
        }
        const uint64_t *tag = rgc_load_elem(t, p, 0);
        if (!tag) {
            snprintf(buf, sizeof buf,
                     "array %#llx at %p: its tag (element 0) is NULL", ull, p);
            return buf;
        }
        if (rgc_type_of(tag) != RGC_TYPE_BYTES ||
            rgc_length(tag) != TAG_BYTES) {
            snprintf(buf, sizeof buf,
                     "array %#llx at %p: its tag at %p has type %u, length "
                     "%zu",
                     ull, p, (void *)tag, rgc_type_of(tag), rgc_length(tag));
            return buf;
        }
        if (tag[0] != id || tag[1] != n - 1 ||
            tag[2] != tag_check(id, n - 1)) {
            snprintf(buf, sizeof buf,
                     "array at %p (length %zu): tag says id %#llx, length "
                     "%llu, check %#llx; expected id %#llx",
                     p, n, (unsigned long long)tag[0],
                     (unsigned long long)tag[1], (unsigned long long)tag[2],
                     ull);
            return buf;
        }
        return NULL;
    }
    struct node *nd = p;
    if (rgc_length(p) != node_bytes(kind)) {
        snprintf(buf, sizeof buf, "node %#llx at %p has length %zu", ull, p,
                 rgc_length(p));
        return buf;
    }
    if (nd->id != id) {
        snprintf(buf, sizeof buf, "node at %p holds id %#llx, expected %#llx",
                 p, (unsigned long long)nd->id, ull);
        return buf;
    }
    const uint64_t *pay = node_pay(nd, kind);
    for (int j = 0; j <= kind; j++)
        if (pay[j] != pay_word(id, j)) {
            snprintf(buf, sizeof buf,
                     "node %#llx at %p: payload word %d is %#llx, expected "
                     "%#llx",
                     ull, p, j, (unsigned long long)pay[j],
                     (unsigned long long)pay_word(id, j));
            return buf;
        }
    if (nd->check != pay_check(pay, kind + 1, id)) {
        snprintf(buf, sizeof buf, "node %#llx at %p: bad checksum", ull, p);
        return buf;
    }
    return NULL;
}

/* ---- models ------------------------------------------------------------- */

struct mobj {
    uint64_t inl[4]; /* edges (ids) when len <= 4 */
    uint64_t *ext;   /* edges when len > 4 */
    uint32_t len;    /* edges: k for a node, data elements for an array */
    uint8_t kind;
    uint8_t dead; /* unreachable at a full check: never reachable again */
};

struct model {
    struct mobj *o;
    size_t n, cap;
    uint64_t base; /* ids are base + index + 1 */
};

static uint64_t *edges(struct mobj *o)
{
    return o->len <= 4 ? o->inl : o->ext;
}

static size_t footprint(const struct mobj *o)
{
    if (o->kind == K_ARR) /* header, elements, tag */
        return 8 + 8 * ((size_t)o->len + 1) + 8 + TAG_BYTES;
    return 8 + node_bytes(o->kind);
}

static uint64_t model_new(struct model *m, int kind, uint32_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 4096;
        m->o = realloc(m->o, m->cap * sizeof *m->o);
        if (!m->o)
            abort();
    }
    struct mobj *o = &m->o[m->n];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->len = len;
    if (len > 4 && !(o->ext = calloc(len, sizeof *o->ext)))
        abort();
    return m->base + ++m->n;
}

static void model_free(struct model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->o[i].ext);
    free(m->o);
    memset(m, 0, sizeof *m);
}

/* ---- the run's state ----------------------------------------------------- */

struct cur {
    void *p;
    uint64_t id;
};

struct worker {
    int idx; /* THREADS: the main thread */
    unsigned long long seed;
    uint64_t rng;
    rgc_thread *t;
    struct model m;
    unsigned long op, ops;
    const char *what; /* the operation running, for failure messages */
    bool locked;      /* holds shared_lock */

    rgc_ref *h[NH];
    uint64_t hid[NH];
    uint64_t gid[NPG];
    rgc_ref *scratch, *chain;

    bool pressure;
    size_t live_bytes, max_live;

    unsigned long allocs, allocs_marking, big_arrays, humongous;
    unsigned long stores, stores_marking, loads_checked;
    unsigned long shared_ops, full_checks, collections;
};

static rgc_heap *heap;
static const char *g_options;
static unsigned long long g_base_seed;
static char abort_msg[512];

static rgc_ref priv_roots[THREADS][NPG];

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static rgc_ref shared_roots[NSG];
/* Under shared_lock: */
static uint64_t shared_rid[NSG];
static struct model shared_m;
static bool shared_pressure;
static size_t shared_live, shared_max_live;

static void on_abort(int sig)
{
    (void)sig;
    if (abort_msg[0]) {
        ssize_t r = write(2, abort_msg, strlen(abort_msg));
        (void)r;
    }
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
}

__attribute__((noreturn, format(printf, 2, 3))) static void
failf(const struct worker *w, const char *fmt, ...)
{
    flockfile(stderr);
    fprintf(stderr,
            "test_concurrent_mark: FAILED: options \"%s\", base seed %llu "
            "(RGC_SEED=%llu)",
            g_options, g_base_seed, g_base_seed);
    const char *env = getenv("RGC_OPTIONS");
    if (env && *env)
        fprintf(stderr, ", RGC_OPTIONS=\"%s\"", env);
    if (w)
        fprintf(stderr, ", %s thread %d (seed %#llx), operation %lu (%s)",
                w->idx == THREADS ? "main" : "mutator", w->idx, w->seed,
                w->op, w->what ? w->what : "-");
    fputs(":\n  ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    abort();
}

static uint64_t rnd(struct worker *w)
{
    return mix64(w->rng += 0x9E3779B97F4A7C15ull);
}

static size_t below(struct worker *w, size_t n)
{
    return n ? (size_t)(rnd(w) % n) : 0;
}

static bool chance(struct worker *w, unsigned percent)
{
    return below(w, 100) < percent;
}

/* Whether this thread's SATB barrier is on, i.e. marking runs: only to count
 * how many stores and allocations the test made during marking.  (Peeks at
 * the library's private fast-path struct of rgc/inline.h.) */
static bool marking_now(rgc_thread *t)
{
    return ((const struct rgc__thread_fast *)t)->marking != 0;
}

/* Blocking on the user lock is a blocking region: a thread waiting for it
 * never holds a pause up (test_threads.c). */
static void lock_shared(struct worker *w)
{
    rgc_blocking_enter(w->t);
    pthread_mutex_lock(&shared_lock);
    rgc_blocking_leave(w->t);
    w->locked = true;
}

static void unlock_shared(struct worker *w)
{
    w->locked = false;
    pthread_mutex_unlock(&shared_lock);
}

/* ---- graphs: sh = the shared graph (under the lock), else w's private ---- */

static struct model *model_of(struct worker *w, bool sh)
{
    if (sh && !w->locked)
        failf(w, "test bug: the shared model used without the lock");
    return sh ? &shared_m : &w->m;
}

static struct mobj *mobj_of(struct worker *w, bool sh, uint64_t id)
{
    struct model *m = model_of(w, sh);
    if (id <= m->base || id > m->base + m->n)
        failf(w, "test bug: id %#llx is not in the %s model",
              (unsigned long long)id, sh ? "shared" : "private");
    return &m->o[id - m->base - 1];
}

static size_t nroots(bool sh)
{
    return sh ? NSG : NROOTS;
}

static rgc_ref *root_slot(struct worker *w, bool sh, size_t r)
{
    if (sh)
        return &shared_roots[r];
    return r < NH ? w->h[r] : &priv_roots[w->idx][r - NH];
}

static uint64_t *root_idp(struct worker *w, bool sh, size_t r)
{
    if (sh && !w->locked)
        failf(w, "test bug: a shared root used without the lock");
    return sh ? &shared_rid[r] : r < NH ? &w->hid[r] : &w->gid[r - NH];
}

/* A shared object seen from a private graph: checked by its contents only
 * (its edges belong to the shared model, read only under the lock). */
static bool is_leaf(bool sh, uint64_t id)
{
    return !sh && is_shared(id);
}

/* A loaded reference p must be object `id` of graph sh (0: NULL). */
static void expect_ref(struct worker *w, bool sh, void *p, uint64_t id,
                       const char *where, size_t i)
{
    w->loads_checked++;
    unsigned long long ull = id;
    if (!id) {
        if (p)
            failf(w, "%s %zu: expected NULL, found %p", where, i, p);
        return;
    }
    if (!p)
        failf(w, "%s %zu: expected object %#llx, found NULL", where, i, ull);
    if (sh && !is_shared(id))
        failf(w, "test bug: the shared graph names private object %#llx",
              ull);
    struct mobj *o = is_leaf(sh, id) ? NULL : mobj_of(w, sh, id);
    if (o && o->dead)
        failf(w,
              "%s %zu: object %#llx at %p is reachable, but an earlier full "
              "check found it unreachable",
              where, i, ull, p);
    const char *err = bad_object(w->t, p, id, o ? o->kind : -1, o ? o->len : 0);
    if (err)
        failf(w, "%s %zu (expected %#llx): %s", where, i, ull, err);
}

static rgc_ref *edge_slot(void *p, const struct mobj *o, size_t i)
{
    if (o->kind == K_ARR)
        return (rgc_ref *)p + 1 + i;
    return &((struct node *)p)->f[i];
}

/* Edge i of c (model index: element i + 1 of an array). */
static struct cur edge_get(struct worker *w, bool sh, struct cur c, size_t i)
{
    struct mobj *o = mobj_of(w, sh, c.id);
    void *p = o->kind == K_ARR ? rgc_load_elem(w->t, c.p, i + 1)
                               : rgc_load(w->t, edge_slot(c.p, o, i));
    uint64_t id = edges(o)[i];
    expect_ref(w, sh, p, id, o->kind == K_ARR ? "element" : "field", i);
    return (struct cur){p, id};
}

static void edge_put(struct worker *w, bool sh, struct cur c, size_t i,
                     struct cur v)
{
    struct mobj *o = mobj_of(w, sh, c.id);
    if (marking_now(w->t))
        w->stores_marking++;
    if (o->kind == K_ARR)
        rgc_store_elem(w->t, c.p, i + 1, v.p);
    else
        rgc_store(w->t, edge_slot(c.p, o, i), v.p);
    edges(o)[i] = v.id;
    w->stores++;
}

static struct cur root_get(struct worker *w, bool sh, size_t r)
{
    struct cur c = {rgc_load(w->t, root_slot(w, sh, r)), *root_idp(w, sh, r)};
    expect_ref(w, sh, c.p, c.id, "root", r);
    return c;
}

static void root_put(struct worker *w, bool sh, size_t r, struct cur v)
{
    rgc_root_store(w->t, root_slot(w, sh, r), v.p);
    *root_idp(w, sh, r) = v.id;
}

static size_t pick_index(struct worker *w, bool sh, struct cur c)
{
    return below(w, mobj_of(w, sh, c.id)->len);
}

/* A random object reachable in graph sh: a random root, then up to `steps`
 * random edges, every load checked.  With leaf_ok the walk may end at a
 * shared object seen from a private graph; otherwise it ends at an object
 * of graph sh.  {NULL, 0} if it found none.  No safepoint. */
static struct cur walk(struct worker *w, bool sh, size_t steps, bool leaf_ok)
{
    struct cur c = {NULL, 0};
    for (int tries = 0; tries < 8; tries++) {
        c = root_get(w, sh, below(w, nroots(sh)));
        if (c.id && (leaf_ok || !is_leaf(sh, c.id)))
            break;
        c = (struct cur){NULL, 0};
    }
    if (!c.id || is_leaf(sh, c.id))
        return c;
    for (size_t s = 0; s < steps; s++) {
        struct mobj *o = mobj_of(w, sh, c.id);
        size_t i = below(w, o->len);
        for (int k = 0; k < 4 && !edges(o)[i]; k++) /* prefer non-null */
            i = below(w, o->len);
        struct cur next = edge_get(w, sh, c, i);
        if (!next.id)
            break;
        if (is_leaf(sh, next.id)) {
            if (leaf_ok)
                return next;
            break;
        }
        c = next;
    }
    return c;
}

static struct cur pick_value(struct worker *w, bool sh, unsigned null_percent)
{
    if (chance(w, null_percent))
        return (struct cur){NULL, 0};
    return walk(w, sh, below(w, 5), true);
}

static bool graph_pressure(struct worker *w, bool sh)
{
    return sh ? shared_pressure : w->pressure;
}

/* ---- operations ---------------------------------------------------------- */

/* A new object of graph sh, contents filled, edges NULL.  A safepoint (two
 * for an array: its tag first, kept in a handle). */
static struct cur new_object(struct worker *w, bool sh)
{
    rgc_thread *t = w->t;
    int kind;
    size_t len = 0;
    if (chance(w, 60)) {
        kind = 2 + (int)below(w, 3);
    } else {
        kind = K_ARR;
        size_t r = below(w, 1000);
        len = r < 2    ? HUMONGOUS_ARRAY + below(w, 3000)
              : r < 12 ? BIG_ARRAY + below(w, 1000)
                       : 1 + below(w, 300);
    }
    void *p;
    uint64_t id;
    if (kind == K_ARR) {
        uint64_t *tag = rgc_alloc_bytes(t, TAG_BYTES);
        if (!tag)
            failf(w, "rgc_alloc_bytes(%d): %s", TAG_BYTES, rgc_last_error());
        id = model_new(model_of(w, sh), K_ARR, (uint32_t)len);
        tag[0] = id;
        tag[1] = len;
        tag[2] = tag_check(id, len);
        rgc_root_store(t, w->scratch, tag);
        p = rgc_alloc_refs(t, len + 1);
        if (!p)
            failf(w, "rgc_alloc_refs(%zu): %s", len + 1, rgc_last_error());
        size_t probe[3] = {0, len / 2, len};
        for (int j = 0; j < 3; j++)
            if (rgc_load_elem(t, p, probe[j]))
                failf(w, "a new array of length %zu: element %zu is not NULL",
                      len + 1, probe[j]);
        rgc_store_elem(t, p, 0, rgc_load(t, w->scratch));
        rgc_root_store(t, w->scratch, NULL);
        w->big_arrays += len >= BIG_ARRAY;
        w->humongous += len >= HUMONGOUS_ARRAY;
    } else {
        p = rgc_alloc(t, node_t[kind]);
        if (!p)
            failf(w, "rgc_alloc(node%d): %s", kind, rgc_last_error());
        id = model_new(model_of(w, sh), kind, (uint32_t)kind);
        struct node *n = p;
        for (int i = 0; i < kind; i++)
            if (rgc_load(t, &n->f[i]))
                failf(w, "a new node: field %d is not NULL", i);
        n->id = id;
        uint64_t *pay = node_pay(n, kind);
        for (int j = 0; j <= kind; j++)
            pay[j] = pay_word(id, j);
        n->check = pay_check(pay, kind + 1, id);
    }
    w->allocs++;
    if (marking_now(t))
        w->allocs_marking++;
    return (struct cur){p, id};
}

/* Store v into a random slot of a random old object of graph sh, or into a
 * root if none is found. */
static void link_somewhere(struct worker *w, bool sh, struct cur v)
{
    if (chance(w, 85)) {
        struct cur d = walk(w, sh, below(w, 5), false);
        if (d.id && d.id != v.id) {
            edge_put(w, sh, d, pick_index(w, sh, d), v);
            return;
        }
    }
    root_put(w, sh, below(w, nroots(sh)), v);
}

/* Allocate, give the new object some edges, link it into an old object at
 * once (no safepoint between the allocation and the link). */
static void op_alloc_link(struct worker *w, bool sh)
{
    w->what = "alloc+link";
    struct cur c = new_object(w, sh);
    struct mobj *o = mobj_of(w, sh, c.id);
    size_t n = o->len;
    if (o->kind == K_ARR) {
        size_t k = n > 1000 ? 64 : 1 + below(w, n < 8 ? n : 8);
        for (size_t j = 0; j < k; j++)
            edge_put(w, sh, c, below(w, n), pick_value(w, sh, 10));
    } else {
        for (size_t j = 0; j < n; j++)
            if (chance(w, 60))
                edge_put(w, sh, c, j, pick_value(w, sh, 10));
    }
    link_somewhere(w, sh, c);
}

/* Short-lived objects: a chain of new objects held by a handle, each linked
 * to the previous one; sometimes kept (linked into an old object). */
static void op_churn(struct worker *w)
{
    w->what = "churn";
    size_t k = 1 + below(w, 16);
    uint64_t prev = 0;
    for (size_t j = 0; j < k; j++) {
        struct cur c = new_object(w, false);
        struct cur p = {rgc_load(w->t, w->chain), prev};
        expect_ref(w, false, p.p, p.id, "chain", j);
        edge_put(w, false, c, 0, p);
        rgc_root_store(w->t, w->chain, c.p);
        prev = c.id;
        if (!rgc_alloc_bytes(w->t, 16 + below(w, 4000))) /* garbage */
            failf(w, "rgc_alloc_bytes: %s", rgc_last_error());
    }
    struct cur head = {rgc_load(w->t, w->chain), prev};
    expect_ref(w, false, head.p, head.id, "chain", k);
    if (chance(w, 30))
        link_somewhere(w, false, head);
    rgc_root_store(w->t, w->chain, NULL);
}

static void op_overwrite(struct worker *w, bool sh)
{
    w->what = "overwrite";
    struct cur d = walk(w, sh, below(w, 6), false);
    if (!d.id)
        return;
    size_t i = pick_index(w, sh, d);
    edge_put(w, sh, d, i, pick_value(w, sh, graph_pressure(w, sh) ? 50 : 10));
}

/* Many overwrites in one reference array: new values, NULLs, copies and
 * swaps of its own elements. */
static void op_burst(struct worker *w, bool sh)
{
    struct cur a = {NULL, 0};
    for (int tries = 0; tries < 4 && !a.id; tries++) {
        struct cur c = walk(w, sh, below(w, 6), false);
        if (c.id && mobj_of(w, sh, c.id)->kind == K_ARR)
            a = c;
    }
    if (!a.id) {
        op_overwrite(w, sh);
        return;
    }
    w->what = "array burst";
    size_t n = mobj_of(w, sh, a.id)->len;
    size_t count = 1 + below(w, 48);
    unsigned nulls = graph_pressure(w, sh) ? 40 : 12;
    for (size_t b = 0; b < count; b++) {
        size_t i = below(w, n), j = below(w, n);
        size_t r = below(w, 100);
        if (r < 25) {
            edge_put(w, sh, a, i, edge_get(w, sh, a, j));
        } else if (r < 45) {
            struct cur vi = edge_get(w, sh, a, i), vj = edge_get(w, sh, a, j);
            edge_put(w, sh, a, i, vj);
            edge_put(w, sh, a, j, vi);
        } else if (r < 45 + nulls) {
            edge_put(w, sh, a, i, (struct cur){NULL, 0});
        } else {
            edge_put(w, sh, a, i, pick_value(w, sh, 0));
        }
    }
}

/* Move a reference: cut it from its slot first, so that for a moment the
 * value lives only in a C local, then store it elsewhere (the case SATB
 * exists for). */
static void op_move(struct worker *w, bool sh)
{
    w->what = "move";
    struct cur s = walk(w, sh, below(w, 6), false);
    if (!s.id)
        return;
    struct mobj *o = mobj_of(w, sh, s.id);
    size_t i = below(w, o->len);
    for (int k = 0; k < 4 && !edges(o)[i]; k++)
        i = below(w, o->len);
    struct cur v = edge_get(w, sh, s, i);
    edge_put(w, sh, s, i, (struct cur){NULL, 0});
    if (!v.id)
        return;
    if (chance(w, 80)) {
        struct cur d = walk(w, sh, below(w, 6), false);
        if (d.id) {
            edge_put(w, sh, d, pick_index(w, sh, d), v);
            return;
        }
    }
    root_put(w, sh, below(w, nroots(sh)), v);
}

static void op_root(struct worker *w, bool sh)
{
    w->what = "root";
    size_t r = below(w, nroots(sh)), x = below(w, 100);
    if (x < 40) {
        root_put(w, sh, r, pick_value(w, sh, graph_pressure(w, sh) ? 60 : 20));
    } else if (x < 70) {
        root_put(w, sh, r, root_get(w, sh, below(w, nroots(sh))));
    } else { /* descend: the root takes one of its object's children */
        struct cur c = root_get(w, sh, r);
        if (c.id && !is_leaf(sh, c.id))
            root_put(w, sh, r, edge_get(w, sh, c, pick_index(w, sh, c)));
    }
}

/* A long checked walk; an array at its end is read whole. */
static void op_read(struct worker *w, bool sh)
{
    w->what = "read";
    struct cur c = walk(w, sh, 2 + below(w, 12), true);
    if (!c.id || is_leaf(sh, c.id))
        return;
    struct mobj *o = mobj_of(w, sh, c.id);
    if (o->kind == K_ARR)
        for (size_t i = 0; i < o->len; i++)
            edge_get(w, sh, c, i);
}

/* Under the lock: copy a shared object into the private graph. */
static void op_transfer(struct worker *w)
{
    w->what = "transfer";
    struct cur v = walk(w, true, below(w, 4), false);
    if (!v.id)
        return;
    if (chance(w, 70)) {
        struct cur d = walk(w, false, below(w, 4), false);
        if (d.id) {
            edge_put(w, false, d, pick_index(w, false, d), v);
            return;
        }
    }
    root_put(w, false, below(w, NROOTS), v);
}

/* ---- full checks --------------------------------------------------------- */

struct map { /* open addressing, nonzero keys */
    uint64_t *key, *val;
    size_t mask, n;
};

static void map_init(struct map *m, size_t hint)
{
    size_t cap = 1024;
    while (cap < 2 * hint)
        cap *= 2;
    m->key = calloc(cap, sizeof *m->key);
    m->val = calloc(cap, sizeof *m->val);
    if (!m->key || !m->val)
        abort();
    m->mask = cap - 1;
    m->n = 0;
}

static uint64_t *map_find(const struct map *m, uint64_t key)
{
    for (size_t i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->key[i] == key)
            return &m->val[i];
        if (!m->key[i])
            return NULL;
    }
}

static void map_put(struct map *m, uint64_t key, uint64_t val);

static void map_grow(struct map *m)
{
    struct map old = *m;
    map_init(m, old.mask + 1);
    for (size_t i = 0; i <= old.mask; i++)
        if (old.key[i])
            map_put(m, old.key[i], old.val[i]);
    free(old.key);
    free(old.val);
}

static void map_put(struct map *m, uint64_t key, uint64_t val)
{
    if (2 * (m->n + 1) > m->mask + 1)
        map_grow(m);
    size_t i = mix64(key) & m->mask;
    while (m->key[i] && m->key[i] != key)
        i = (i + 1) & m->mask;
    m->n += !m->key[i];
    m->key[i] = key;
    m->val[i] = val;
}

static void map_free(struct map *m)
{
    free(m->key);
    free(m->val);
}

struct walk_state {
    struct map by_id, by_addr;
    struct cur *stack;
    size_t n, cap;
};

static void reach(struct worker *w, bool sh, struct walk_state *ws, void *p,
                  uint64_t id, const char *where, size_t i)
{
    expect_ref(w, sh, p, id, where, i);
    if (!id)
        return;
    uint64_t *at = map_find(&ws->by_id, id);
    if (at) {
        if (*at != (uintptr_t)p)
            failf(w, "%s %zu: object %#llx is at %p and at %p", where, i,
                  (unsigned long long)id, (void *)(uintptr_t)*at, p);
        return;
    }
    uint64_t *other = map_find(&ws->by_addr, (uintptr_t)p);
    if (other)
        failf(w, "%s %zu: objects %#llx and %#llx are both at %p", where, i,
              (unsigned long long)*other, (unsigned long long)id, p);
    map_put(&ws->by_id, id, (uintptr_t)p);
    map_put(&ws->by_addr, (uintptr_t)p, id);
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? 2 * ws->cap : 1024;
        ws->stack = realloc(ws->stack, ws->cap * sizeof *ws->stack);
        if (!ws->stack)
            abort();
    }
    ws->stack[ws->n++] = (struct cur){p, id};
}

/* Walk everything reachable in graph sh and compare it with the model
 * exactly; model objects not reached are dead for good.  No safepoint. */
static void full_check(struct worker *w, bool sh)
{
    const char *what = w->what;
    w->what = sh ? "full check of the shared graph"
                 : "full check of the private graph";
    struct model *m = model_of(w, sh);
    struct walk_state ws = {0};
    map_init(&ws.by_id, 4096);
    map_init(&ws.by_addr, 4096);
    for (size_t r = 0; r < nroots(sh); r++)
        reach(w, sh, &ws, rgc_load(w->t, root_slot(w, sh, r)),
              *root_idp(w, sh, r), "root", r);
    size_t live = 0, objects = 0;
    while (ws.n) {
        struct cur c = ws.stack[--ws.n];
        if (is_leaf(sh, c.id))
            continue;
        struct mobj *o = mobj_of(w, sh, c.id);
        live += footprint(o);
        objects++;
        for (size_t i = 0; i < o->len; i++) {
            void *p = o->kind == K_ARR ? rgc_load_elem(w->t, c.p, i + 1)
                                       : rgc_load(w->t, edge_slot(c.p, o, i));
            reach(w, sh, &ws, p, edges(o)[i],
                  o->kind == K_ARR ? "element" : "field", i);
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        struct mobj *o = &m->o[i];
        if (!o->dead && !map_find(&ws.by_id, m->base + i + 1)) {
            o->dead = 1;
            free(o->ext);
            o->ext = NULL;
            o->len = 0;
        }
    }
    free(ws.stack);
    map_free(&ws.by_id);
    map_free(&ws.by_addr);
    if (sh) {
        shared_live = live;
        if (live > shared_max_live)
            shared_max_live = live;
        shared_pressure = live > SHARED_BUDGET;
    } else {
        w->live_bytes = live;
        if (live > w->max_live)
            w->max_live = live;
        w->pressure = live > PRIV_BUDGET;
    }
    w->full_checks++;
    w->what = what;
}

static void check_shared(struct worker *w)
{
    lock_shared(w);
    full_check(w, true);
    unlock_shared(w);
}

/* ---- the mutator --------------------------------------------------------- */

static void shared_op(struct worker *w)
{
    lock_shared(w);
    w->shared_ops++;
    if (shared_pressure && chance(w, 10))
        root_put(w, true, below(w, NSG), (struct cur){NULL, 0});
    size_t r = below(w, 100);
    if (r < (shared_pressure ? 10u : 25u))
        op_alloc_link(w, true);
    else if (r < 50)
        op_overwrite(w, true);
    else if (r < 60)
        op_burst(w, true);
    else if (r < 68)
        op_move(w, true);
    else if (r < 80)
        op_transfer(w);
    else if (r < 92)
        op_read(w, true);
    else
        op_root(w, true);
    unlock_shared(w);
}

static bool g_extend; /* run on until enough concurrent cycles ran */

/* Whether to run another operation: OPS_PER_THREAD of them, then (unless
 * RGC_CM_OPS is set) more until MIN_CONCURRENT_CYCLES concurrent cycles
 * have run, up to four times as many: on a loaded machine (ninja check runs
 * the builds side by side) each cycle spans more allocation. */
static bool keep_going(struct worker *w)
{
    if (w->op < w->ops)
        return true;
    if (!g_extend || w->op >= 4 * w->ops)
        return false;
    if ((w->op - w->ops) % 256)
        return true;
    rgc_heap_stats st;
    rgc_stats(heap, &st);
    return st.cycles - st.full_cycles < MIN_CONCURRENT_CYCLES;
}

static void *mutate(void *arg)
{
    struct worker *w = arg;
    w->t = rgc_thread_attach(heap);
    if (!w->t)
        failf(w, "rgc_thread_attach: %s", rgc_last_error());
    rgc_thread *t = w->t;
    rgc_scope scope = rgc_scope_open(t);
    for (size_t i = 0; i < NH; i++)
        w->h[i] = rgc_handle(t, NULL);
    w->scratch = rgc_handle(t, NULL);
    w->chain = rgc_handle(t, NULL);
    if (!w->scratch || !w->chain)
        failf(w, "rgc_handle: %s", rgc_last_error());

    unsigned long collect_at[2] = {w->ops / 3 + (unsigned long)w->idx * 97,
                                   2 * w->ops / 3 + (unsigned long)w->idx * 97};
    for (w->op = 0; keep_going(w); w->op++) {
        if (w->pressure && chance(w, 10))
            root_put(w, false, below(w, NROOTS), (struct cur){NULL, 0});
        size_t r = below(w, 100);
        if (r < (w->pressure ? 8u : 16u))
            op_alloc_link(w, false);
        else if (r < 20)
            op_churn(w);
        else if (r < 46)
            op_overwrite(w, false);
        else if (r < 54)
            op_burst(w, false);
        else if (r < 60)
            op_move(w, false);
        else if (r < 66)
            op_root(w, false);
        else if (r < 78)
            op_read(w, false);
        else if (r < 88)
            shared_op(w);
        else
            op_overwrite(w, false);
        w->what = NULL;

        if (w->op % 32 == 31)
            rgc_safepoint(t);
        if ((w->op + 1) % CHECK_EVERY == 0)
            full_check(w, false);
        if ((w->op + 1) % SHARED_CHECK_EVERY ==
            (unsigned long)w->idx * SHARED_CHECK_EVERY / THREADS)
            check_shared(w);
        if (w->op == collect_at[0] || w->op == collect_at[1]) {
            w->what = "rgc_collect";
            if (rgc_collect(t, RGC_COLLECT_FULL) != RGC_OK)
                failf(w, "rgc_collect: %s", rgc_last_error());
            w->collections++;
            full_check(w, false);
            check_shared(w);
            w->what = NULL;
        }
    }
    w->what = "final checks";
    full_check(w, false);
    check_shared(w);
    rgc_scope_close(t, scope);
    if (rgc_thread_detach(t) != RGC_OK)
        failf(w, "rgc_thread_detach: %s", rgc_last_error());
    return NULL;
}

/* ---- one configuration --------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The next run has a chaos hook of its own (chaos's random schedule is
 * then off, RGC_OPTIONS=chaos or not). */
static bool g_hooked;

/* Test hook for the next run: the first mark-end pause of every cycle
 * traces nothing. */
static bool g_starve_first_mark_end;
static uint64_t g_satb_waits; /* the last run's: threads that waited for a
                                 recycled SATB buffer */

/* Test hook, on the driver between the relocate-start pause and the
 * workers' relocation: every fourth cycle the mutators get a millisecond
 * to meet stale references first, so that the run's claim that they
 * relocated objects themselves (load_relocations > 0) does not hang on
 * how the threads happened to be scheduled (on a loaded machine the
 * workers once relocated everything before any mutator looked). */
static void mutators_first(struct rgc_heap *h, void *ctx)
{
    (void)h;
    unsigned *cycles = ctx;
    if ((*cycles)++ % 4 == 0)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
}

static void run(const char *options, unsigned salt, bool in_place)
{
    static unsigned hook_cycles;
    const char *env = getenv("RGC_SEED");
    g_base_seed = env && *env ? strtoull(env, NULL, 0) : 1;
    g_options = options;
    const char *ops_env = getenv("RGC_CM_OPS");
    unsigned long ops =
        ops_env && *ops_env ? strtoul(ops_env, NULL, 0) : OPS_PER_THREAD;
    g_extend = !(ops_env && *ops_env);
    const char *operator = getenv("RGC_OPTIONS");
    snprintf(abort_msg, sizeof abort_msg,
             "test_concurrent_mark: aborted with options \"%s\"%s%s%s, base "
             "seed %llu (RGC_SEED=%llu)\n",
             options, operator ? " + RGC_OPTIONS \"" : "",
             operator ? operator : "", operator ? "\"" : "", g_base_seed,
             g_base_seed);
    signal(SIGABRT, on_abort);
    fprintf(stderr,
            "test_concurrent_mark: \"%s\", base seed %llu, %d threads x %lu "
            "operations\n",
            options, g_base_seed, THREADS, ops);
    double t0 = now_s();

    rgc_config cfg;
    rgc_config_init(&cfg);
    assert_int_equal(rgc_config_parse(&cfg, options), RGC_OK);
    heap = rgc_heap_create(&cfg);
    assert_non_null(heap);
    /* Test hook: workers copy one object out of each region, then slide
     * the rest in place (both halves of running out of room). */
    heap->relocate_in_place = in_place ? 2 : 0;
    heap->starve_first_mark_end = g_starve_first_mark_end;
    hook_cycles = 0;
    heap->relocation_hook = mutators_first;
    heap->relocation_hook_ctx = &hook_cycles;
    for (int k = 2; k <= 4; k++) {
        static const char *const names[] = {"", "", "cm.node2", "cm.node3",
                                            "cm.node4"};
        size_t offs[4];
        for (int i = 0; i < k; i++)
            offs[i] = offsetof(struct node, f) + (size_t)i * sizeof(rgc_ref);
        rgc_type_desc d = {.name = names[k], .size = node_bytes(k),
                           .ref_offsets = offs, .ref_count = (size_t)k};
        node_t[k] = rgc_type_register(heap, &d);
        assert_int_not_equal(node_t[k], 0);
    }
    /* Roots are registered by an attached thread here; any thread may
     * (test_relocate registers from an unattached one while cycles run). */
    rgc_thread *main_thread = rgc_thread_attach(heap);
    assert_non_null(main_thread);
    memset(priv_roots, 0, sizeof priv_roots);
    memset(shared_roots, 0, sizeof shared_roots);
    memset(shared_rid, 0, sizeof shared_rid);
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < NPG; j++)
            assert_int_equal(rgc_root_register(heap, &priv_roots[i][j]),
                             RGC_OK);
    for (int j = 0; j < NSG; j++)
        assert_int_equal(rgc_root_register(heap, &shared_roots[j]), RGC_OK);
    assert_int_equal(rgc_thread_detach(main_thread), RGC_OK);
    model_free(&shared_m);
    shared_m.base = 1ull << 48;
    shared_pressure = false;
    shared_live = shared_max_live = 0;

    static struct worker workers[THREADS + 1];
    pthread_t tids[THREADS];
    for (int i = 0; i <= THREADS; i++) {
        struct worker *w = &workers[i];
        memset(w, 0, sizeof *w);
        w->idx = i;
        w->seed = mix64(g_base_seed * 0x9E3779B97F4A7C15ull +
                        (unsigned long long)salt * 1000003u + (unsigned)i);
        w->rng = w->seed;
        w->ops = ops;
        w->m.base = (uint64_t)(i + 1) << 40;
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&tids[i], NULL, mutate, &workers[i]),
                         0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(tids[i], NULL), 0);

    /* The shared graph, once more, from the main thread. */
    struct worker *mw = &workers[THREADS];
    mw->t = rgc_thread_attach(heap);
    assert_non_null(mw->t);
    mw->what = "final check of the shared graph";
    check_shared(mw);
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < NPG; j++)
            assert_int_equal(rgc_root_unregister(heap, &priv_roots[i][j]),
                             RGC_OK);
    for (int j = 0; j < NSG; j++)
        assert_int_equal(rgc_root_unregister(heap, &shared_roots[j]), RGC_OK);
    assert_int_equal(rgc_thread_detach(mw->t), RGC_OK);

    rgc_heap_stats st;
    rgc_stats(heap, &st);
    /* Chaos's own schedule runs unless a test hook replaces it. */
    bool heap_chaos = heap->config.chaos != 0 && !g_hooked;
    unsigned long long total_ops = 0, allocs = 0, allocs_marking = 0,
                       stores = 0, stores_marking = 0, loads = 0, big = 0,
                       huge = 0, shared_ops = 0, checks = 0, collections = 0;
    size_t max_live = 0;
    for (int i = 0; i < THREADS; i++) {
        struct worker *w = &workers[i];
        assert_true(w->op >= ops);
        total_ops += w->op;
        allocs += w->allocs;
        allocs_marking += w->allocs_marking;
        stores += w->stores;
        stores_marking += w->stores_marking;
        loads += w->loads_checked;
        big += w->big_arrays;
        huge += w->humongous;
        shared_ops += w->shared_ops;
        checks += w->full_checks;
        collections += w->collections;
        if (w->max_live > max_live)
            max_live = w->max_live;
        model_free(&w->m);
    }
    model_free(&shared_m);
    unsigned long long concurrent = st.cycles - st.full_cycles;
    rgc_percentiles mark_ends;
    assert_int_equal(
        rgc_pause_kind_percentiles(heap, RGC_PAUSE_MARK_END, &mark_ends),
        RGC_OK);
    fprintf(stderr,
            "  %.2f s: %llu cycles (%llu concurrent, %llu full, %llu by "
            "rgc_collect, %llu degenerated), %llu mark-end pauses, %llu "
            "stalls (max %.2f ms), "
            "pause max %.2f ms\n"
            "  %llu operations, %llu allocations (%llu while marking; %llu "
            "arrays >= %d elements, %llu humongous), %llu reference stores "
            "(%llu while marking), %llu loads checked, %llu shared "
            "operations, %llu full checks; max live %zu KiB private, %zu KiB "
            "shared; %llu MiB allocated, %llu MiB copied; load barrier: "
            "%llu slow paths, %llu relocations, %llu waits; %llu regions in "
            "place\n",
            now_s() - t0, (unsigned long long)st.cycles, concurrent,
            (unsigned long long)st.full_cycles, collections,
            (unsigned long long)st.degenerated_cycles,
            (unsigned long long)mark_ends.count,
            (unsigned long long)st.alloc_stalls,
            (double)st.alloc_stall_max_ns / 1e6,
            (double)st.pause_max_ns / 1e6, total_ops, allocs, allocs_marking,
            big, BIG_ARRAY, huge, stores, stores_marking, loads, shared_ops,
            checks, max_live >> 10, shared_max_live >> 10,
            (unsigned long long)(st.bytes_allocated >> 20),
            (unsigned long long)(st.bytes_copied >> 20),
            (unsigned long long)st.load_slow_paths,
            (unsigned long long)st.load_relocations,
            (unsigned long long)st.load_waits,
            (unsigned long long)st.regions_in_place);

    g_satb_waits = __atomic_load_n(&heap->satb.waits, __ATOMIC_RELAXED);
    rgc_heap_destroy(heap);
    heap = NULL;
    abort_msg[0] = '\0';

    /* Every full cycle is an explicit one or a counted last resort. */
    assert_int_equal(st.full_cycles - st.degenerated_cycles, collections);

    /* The run exercised what it claims to. */
    if (g_extend) {
        assert_true(concurrent >= MIN_CONCURRENT_CYCLES);
        assert_true(stores_marking > 0);
        assert_true(allocs_marking > 0);
        assert_true(big > 0);
        assert_true(st.bytes_copied > 0);
        /* Mutators met stale references and relocated objects themselves,
         * while workers relocated the rest. */
        assert_true(st.load_relocations > 0);
        if (in_place || heap_chaos)
            assert_true(st.regions_in_place > 0);
        /* Chaos fails mutators' copies: they wait for the workers. */
        if (heap_chaos)
            assert_true(st.load_waits > 0);
        /* A starved first mark end leaves work: marking resumed. */
        if (g_starve_first_mark_end)
            assert_true(mark_ends.count > concurrent);
    }
}

static void concurrent_mark_with_verify_and_checkmark(void **state)
{
    (void)state;
    run("heap_max=48m,region_size=256k,tlab_size=16k,checkmark,verify", 1,
        false);
}

static void concurrent_mark_on_two_gc_threads_with_checkmark(void **state)
{
    (void)state;
    run("heap_max=48m,region_size=256k,tlab_size=16k,gc_threads=2,checkmark",
        2, false);
}

/* Every relocation-set region runs out of room after one object (the test
 * hook for a heap with no free region to copy to) and slides the rest
 * within itself; mutators still copy out what they reach first. */
static void concurrent_relocation_in_place_with_verify(void **state)
{
    (void)state;
    run("heap_max=48m,region_size=256k,tlab_size=16k,gc_threads=2,checkmark,"
        "verify",
        3, true);
}

/* The mark-end retry loop: every cycle's first mark-end pause may trace
 * nothing, so any SATB entry it collects sends marking back to run
 * concurrently; checkmark proves nothing was lost on the way. */
static void mark_end_retries_with_checkmark(void **state)
{
    (void)state;
    g_starve_first_mark_end = true;
    run("heap_max=48m,region_size=256k,tlab_size=16k,checkmark", 4, false);
    g_starve_first_mark_end = false;
}

/* Every SATB buffer allocation fails (the hook fails that failure point
 * and no other): threads run on the buffers they got at attach, recycled
 * by the marker, and wait for one whenever none is free.  Checkmark proves
 * that no overwritten reference was dropped on the way. */
static uint64_t satb_allocations_failed;

static bool fail_satb_buffers(void *ctx, enum chaos_point point,
                              const void *subject)
{
    (void)ctx;
    (void)subject;
    if (point != CHAOS_FAIL_SATB_BUFFER)
        return false;
    __atomic_fetch_add(&satb_allocations_failed, 1, __ATOMIC_RELAXED);
    return true;
}

static void concurrent_mark_without_satb_memory_with_checkmark(void **state)
{
    (void)state;
    satb_allocations_failed = 0;
    chaos_set_hook(fail_satb_buffers, NULL);
    g_hooked = true;
    run("heap_max=48m,region_size=256k,tlab_size=16k,checkmark", 5, false);
    g_hooked = false;
    chaos_set_hook(NULL, NULL);
    fprintf(stderr,
            "  SATB buffer allocations failed: %llu; waits for a recycled "
            "buffer: %llu\n",
            (unsigned long long)satb_allocations_failed,
            (unsigned long long)g_satb_waits);
    if (g_extend) {
        assert_true(satb_allocations_failed > 0);
        assert_true(g_satb_waits > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_mark_with_verify_and_checkmark),
        cmocka_unit_test(concurrent_mark_on_two_gc_threads_with_checkmark),
        cmocka_unit_test(concurrent_relocation_in_place_with_verify),
        cmocka_unit_test(mark_end_retries_with_checkmark),
        cmocka_unit_test(concurrent_mark_without_satb_memory_with_checkmark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
