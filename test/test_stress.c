/* test_stress.c — randomized mutation of the object graph against a shadow
 * model.
 *
 * A seeded random mutator allocates fixed-size objects (one type described
 * by offsets, one by a trace callback), reference arrays and byte arrays
 * (humongous ones included), links and unlinks fields and elements, keeps
 * objects in handles of nested scopes, in registered global roots and in
 * pinned roots, and rewrites contents.  Every change is mirrored in a model.
 * Collections happen automatically (small heaps) and explicitly every few
 * thousand operations; after each explicit one the real heap is walked from
 * every root in lockstep with the model: every reachable model object must be
 * present exactly once with its id, its contents byte for byte and its edges,
 * and stats.used must equal the model's live footprint.
 *
 * RGC_SEED=n runs one seed (its configuration is seed % the table below);
 * RGC_STRESS_OPS=n overrides the number of operations per seed;
 * RGC_STRESS_VERBOSE=1 describes the live graph at each explicit check.
 * The seed is printed before each run and again on any failure.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OPS_PER_SEED 60000ul  /* ASan+UBSan: 4 seeds, 240,000 operations */
#define CHECK_EVERY 3000ul
#else
#define OPS_PER_SEED 150000ul /* 4 seeds: 600,000 operations */
#define CHECK_EVERY 5000ul
#endif
#define DEFAULT_SEEDS 4
#define HUMONGOUS_EVERY 5000ul /* a forced humongous allocation */

#define MAXH 600   /* handles, over all scopes */
#define HANDLES_SOFT 400 /* beyond: reuse handles (room for op_churn) */
#define MAXD 8     /* scope nesting */
#define NG 48      /* registered global roots */
#define NPIN 6     /* pinned roots */

/* ---- object layouts ----------------------------------------------------- */

#define NODE_PAY 20
struct node {
    rgc_ref f[3];
    uint32_t id;
    uint32_t ver;
    unsigned char pay[NODE_PAY];
};
/* Registered size 52: the payload is rounded up to 56. */
#define NODE_SIZE (offsetof(struct node, pay) + NODE_PAY)

struct tnode { /* described by a trace callback */
    uint32_t id;
    uint32_t ver;
    rgc_ref a;
    uint64_t check;
    rgc_ref b;
};

static void tnode_trace(void *obj, rgc_visit_fn visit, void *ctx)
{
    struct tnode *n = obj;
    visit(&n->a, ctx);
    visit(&n->b, ctx);
}

enum kind { K_NODE, K_TNODE, K_REFS, K_BYTES };

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* ---- the model ---------------------------------------------------------- */

struct mobj {
    uint8_t kind;
    bool dead;
    uint32_t ver;
    uint32_t len;     /* edges (node 3, tnode 2, refs n) or bytes */
    uint32_t inl[3];  /* edges when len <= 3 */
    uint32_t *ext;    /* edges when len > 3 */
};

static uint32_t *edges_of(struct mobj *m)
{
    return m->len <= 3 ? m->inl : m->ext;
}

static size_t nedges(const struct mobj *m)
{
    return m->kind == K_BYTES ? 0 : m->len;
}

static size_t footprint(const struct mobj *m)
{
    switch (m->kind) {
    case K_NODE: return 8 + round8(NODE_SIZE);
    case K_TNODE: return 8 + round8(sizeof(struct tnode));
    case K_REFS: return 8 + 8 * (size_t)m->len;
    default: return 8 + round8(m->len);
    }
}

/* Byte j of a byte array (model id, version) is pat[(off + j) % PLEN], off
 * from (id, version): fills and checks are memcpy/memcmp, fast even under
 * ASan, and two arrays of the same length almost never look alike. */
#define PLEN 4093u
static unsigned char pat[2 * PLEN];

static void pat_init(void)
{
    uint64_t x = 0x243F6A8885A308D3ull;
    for (size_t i = 0; i < PLEN; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pat[i] = pat[i + PLEN] = (unsigned char)(x >> 24);
    }
}

static size_t pat_off(uint32_t id, uint32_t ver)
{
    return (size_t)(((uint64_t)id * 2654435761u + ver * 40503u) % PLEN);
}

static uint8_t bpat(uint32_t id, uint32_t ver, size_t j)
{
    return pat[(pat_off(id, ver) + j) % PLEN];
}

static void pat_fill(unsigned char *b, size_t n, uint32_t id, uint32_t ver)
{
    size_t off = pat_off(id, ver);
    for (size_t pos = 0; pos < n; pos += PLEN) {
        size_t len = n - pos < PLEN ? n - pos : PLEN;
        memcpy(b + pos, pat + (off + pos) % PLEN, len);
    }
}

/* The first byte that differs from the pattern, or n. */
static size_t pat_diff(const unsigned char *b, size_t n, uint32_t id,
                       uint32_t ver)
{
    size_t off = pat_off(id, ver);
    for (size_t pos = 0; pos < n; pos += PLEN) {
        size_t len = n - pos < PLEN ? n - pos : PLEN;
        const unsigned char *want = pat + (off + pos) % PLEN;
        if (memcmp(b + pos, want, len))
            for (size_t j = 0; j < len; j++)
                if (b[pos + j] != want[j])
                    return pos + j;
    }
    return n;
}

static uint64_t tcheck(uint32_t id, uint32_t ver)
{
    return ((uint64_t)id * 0x9E3779B97F4A7C15ull) ^ ver;
}

/* ---- the run ------------------------------------------------------------ */

struct cur {
    void *p;
    uint32_t id;
};

struct stress {
    unsigned long long seed;
    const char *options;
    unsigned long op, ops;
    uint64_t rng;
    rgc_heap *heap;
    rgc_thread *t;
    rgc_type node_t, tnode_t;
    size_t region;

    struct mobj *obj; /* obj[0]: null */
    uint32_t nobj, cap;

    struct { rgc_ref *h; uint32_t id; } hand[MAXH];
    size_t nh;
    struct { rgc_scope s; size_t base; } scope[MAXD + 1]; /* +1: churn */
    size_t depth;
    uint32_t gid[NG];
    uint32_t pin_id[NPIN];
    unsigned pin_count[NPIN];
    void *pin_addr[NPIN];

    /* explicit checks */
    uint32_t *seen; /* generation stamp per model id */
    uintptr_t *addr_of;
    uint32_t gen;
    size_t live_bytes, live_objects;
    bool pressure;

    unsigned long allocs, humongous, links, explicit_collections, pins;
    size_t max_live;
};

static rgc_ref g_roots[NG];
static rgc_ref g_pins[NPIN];
static struct stress *g_cur; /* for failure messages */
static char abort_msg[256];

static void report_seed(void)
{
    if (g_cur)
        fprintf(stderr,
                "test_stress: FAILED with seed %llu (RGC_SEED=%llu), at "
                "operation %lu, options \"%s\"\n",
                g_cur->seed, g_cur->seed, g_cur->op, g_cur->options);
}

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            report_seed();                                                     \
            fprintf(stderr, "test_stress: check failed: %s: ", #cond);        \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            fail_msg("%s (seed %llu)", #cond, g_cur ? g_cur->seed : 0ull);     \
        }                                                                      \
    } while (0)

/* rgc_fatal aborts; say which seed was running (async-signal-safe). */
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

static uint64_t rnd(struct stress *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t below(struct stress *s, size_t n)
{
    return n ? (size_t)(rnd(s) % n) : 0;
}

static bool chance(struct stress *s, unsigned percent)
{
    return below(s, 100) < percent;
}

/* ---- model objects ------------------------------------------------------- */

static uint32_t model_new(struct stress *s, enum kind kind, uint32_t len)
{
    if (s->nobj == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->obj = realloc(s->obj, s->cap * sizeof *s->obj);
        s->seen = realloc(s->seen, s->cap * sizeof *s->seen);
        s->addr_of = realloc(s->addr_of, s->cap * sizeof *s->addr_of);
        assert_non_null(s->obj);
        assert_non_null(s->seen);
        assert_non_null(s->addr_of);
    }
    uint32_t id = s->nobj++;
    struct mobj *m = &s->obj[id];
    memset(m, 0, sizeof *m);
    m->kind = (uint8_t)kind;
    m->len = len;
    if (kind != K_BYTES && len > 3) {
        m->ext = calloc(len, sizeof *m->ext);
        assert_non_null(m->ext);
    }
    s->seen[id] = 0;
    return id;
}

/* ---- real objects ------------------------------------------------------- */

static rgc_ref *field(struct stress *s, void *p, uint32_t id, size_t i)
{
    if (s->obj[id].kind == K_NODE)
        return &((struct node *)p)->f[i];
    struct tnode *n = p;
    return i ? &n->b : &n->a;
}

static void *edge_load(struct stress *s, struct cur c, size_t i)
{
    if (s->obj[c.id].kind == K_REFS)
        return rgc_load_elem(s->t, c.p, i);
    return rgc_load(s->t, field(s, c.p, c.id, i));
}

static void edge_store(struct stress *s, struct cur c, size_t i, struct cur v)
{
    if (s->obj[c.id].kind == K_REFS)
        rgc_store_elem(s->t, c.p, i, v.p);
    else
        rgc_store(s->t, field(s, c.p, c.id, i), v.p);
    edges_of(&s->obj[c.id])[i] = v.id;
}

static void fill_contents(struct stress *s, struct cur c)
{
    struct mobj *m = &s->obj[c.id];
    switch (m->kind) {
    case K_NODE: {
        struct node *n = c.p;
        n->id = c.id;
        n->ver = m->ver;
        pat_fill(n->pay, NODE_PAY, c.id, m->ver);
        break;
    }
    case K_TNODE: {
        struct tnode *n = c.p;
        n->id = c.id;
        n->ver = m->ver;
        n->check = tcheck(c.id, m->ver);
        break;
    }
    case K_BYTES:
        pat_fill(c.p, m->len, c.id, m->ver);
        break;
    default:
        break;
    }
}

/* Type, length and identity; with `deep`, every content byte too. */
static void check_object(struct stress *s, struct cur c, bool deep)
{
    CHECK(c.p != NULL, "model object %u is missing (NULL)", c.id);
    CHECK(c.id > 0 && c.id < s->nobj, "bad model id %u", c.id);
    struct mobj *m = &s->obj[c.id];
    CHECK(!m->dead, "model object %u was found dead but is reachable", c.id);
    rgc_type ty = rgc_type_of(c.p);
    switch (m->kind) {
    case K_NODE: {
        struct node *n = c.p;
        CHECK(ty == s->node_t, "object %u at %p: type %u, expected node %u",
              c.id, c.p, ty, s->node_t);
        CHECK(rgc_length(c.p) == round8(NODE_SIZE), "object %u: length %zu",
              c.id, rgc_length(c.p));
        CHECK(n->id == c.id, "node at %p holds id %u, expected %u", c.p,
              n->id, c.id);
        CHECK(n->ver == m->ver, "node %u: version %u, expected %u", c.id,
              n->ver, m->ver);
        if (deep) {
            size_t j = pat_diff(n->pay, NODE_PAY, c.id, m->ver);
            CHECK(j == NODE_PAY, "node %u: payload byte %zu is %u, expected %u",
                  c.id, j, n->pay[j], bpat(c.id, m->ver, j));
        }
        break;
    }
    case K_TNODE: {
        struct tnode *n = c.p;
        CHECK(ty == s->tnode_t, "object %u at %p: type %u, expected tnode %u",
              c.id, c.p, ty, s->tnode_t);
        CHECK(rgc_length(c.p) == sizeof(struct tnode),
              "object %u: length %zu", c.id, rgc_length(c.p));
        CHECK(n->id == c.id, "tnode at %p holds id %u, expected %u", c.p,
              n->id, c.id);
        CHECK(n->ver == m->ver && n->check == tcheck(c.id, m->ver),
              "tnode %u: contents damaged", c.id);
        break;
    }
    case K_REFS:
        CHECK(ty == RGC_TYPE_REFS, "object %u at %p: type %u, expected refs",
              c.id, c.p, ty);
        CHECK(rgc_length(c.p) == m->len, "refs %u: length %zu, expected %u",
              c.id, rgc_length(c.p), m->len);
        break;
    case K_BYTES: {
        const unsigned char *b = c.p;
        CHECK(ty == RGC_TYPE_BYTES, "object %u at %p: type %u, expected bytes",
              c.id, c.p, ty);
        CHECK(rgc_length(c.p) == m->len, "bytes %u: length %zu, expected %u",
              c.id, rgc_length(c.p), m->len);
        if (m->len) {
            CHECK(b[0] == bpat(c.id, m->ver, 0), "bytes %u: byte 0", c.id);
            CHECK(b[m->len - 1] == bpat(c.id, m->ver, m->len - 1),
                  "bytes %u: last byte", c.id);
        }
        if (deep) {
            size_t j = pat_diff(b, m->len, c.id, m->ver);
            CHECK(j == m->len, "bytes %u (len %u): byte %zu is %u, expected %u",
                  c.id, m->len, j, b[j], bpat(c.id, m->ver, j));
        }
        break;
    }
    }
}

/* ---- roots and walks ----------------------------------------------------- */

static size_t nroots(struct stress *s)
{
    return s->nh + NG + NPIN;
}

static struct cur root_at(struct stress *s, size_t r)
{
    if (r < s->nh)
        return (struct cur){rgc_load(s->t, s->hand[r].h), s->hand[r].id};
    r -= s->nh;
    if (r < NG)
        return (struct cur){rgc_load(s->t, &g_roots[r]), s->gid[r]};
    r -= NG;
    return (struct cur){rgc_load(s->t, &g_pins[r]), s->pin_id[r]};
}

/* A random reachable object: a random root, then up to `steps` random edges.
 * Checks identity along the way.  {NULL, 0} if it found none. */
static struct cur walk(struct stress *s, size_t steps)
{
    struct cur c = {NULL, 0};
    for (int tries = 0; tries < 8 && !c.id; tries++) {
        c = root_at(s, below(s, nroots(s)));
        if (!c.id)
            CHECK(c.p == NULL, "a null root holds %p", c.p);
    }
    if (!c.id)
        return c;
    check_object(s, c, false);
    for (size_t k = 0; k < steps; k++) {
        struct mobj *m = &s->obj[c.id];
        size_t n = nedges(m);
        if (!n)
            break;
        size_t i = below(s, n);
        uint32_t next = edges_of(m)[i];
        void *p = edge_load(s, c, i);
        if (!next) {
            CHECK(p == NULL, "edge %zu of %u: expected NULL, found %p", i,
                  c.id, p);
            break;
        }
        c = (struct cur){p, next};
        check_object(s, c, false);
    }
    return c;
}

static struct cur walk_or_null(struct stress *s, unsigned null_percent)
{
    if (chance(s, null_percent))
        return (struct cur){NULL, 0};
    return walk(s, below(s, 5));
}

static void push_handle(struct stress *s, struct cur c)
{
    if (s->nh && (s->nh >= HANDLES_SOFT || s->pressure)) {
        size_t i = below(s, s->nh);
        rgc_root_store(s->t, s->hand[i].h, c.p);
        s->hand[i].id = c.id;
        return;
    }
    rgc_ref *h = rgc_handle(s->t, c.p);
    CHECK(h != NULL, "rgc_handle failed: %s", rgc_last_error());
    s->hand[s->nh].h = h;
    s->hand[s->nh].id = c.id;
    s->nh++;
}

/* ---- operations ---------------------------------------------------------- */

enum alloc_mode {
    A_KEEP,      /* small, stored somewhere reachable */
    A_TEMP,      /* any size, in a new handle of the current scope */
    A_HUMONGOUS, /* humongous, stored somewhere reachable */
};

static void op_alloc(struct stress *s, enum alloc_mode mode)
{
    size_t half = s->region / 2;
    bool force_humongous = mode == A_HUMONGOUS, big = mode == A_TEMP;
    enum kind kind;
    size_t len = 0;
    size_t r = below(s, 100);
    kind = r < 40 ? K_NODE : r < 55 ? K_TNODE : r < 75 ? K_REFS : K_BYTES;
    if (force_humongous)
        kind = chance(s, 50) ? K_REFS : K_BYTES;
    if (kind == K_REFS) {
        r = below(s, 1000);
        if (force_humongous || (big && r >= 998))
            len = half / 8 + below(s, half / 8); /* humongous */
        else
            len = r < 100   ? 0 /* one-word objects */
                  : r < 900 ? below(s, 17)
                            : 17 + below(s, 600);
    } else if (kind == K_BYTES) {
        r = below(s, 1000);
        if (force_humongous || (big && r >= 997))
            len = half - 7 + below(s, s->region); /* humongous */
        else if (big && r >= 900)
            len = 6000 + below(s, s->region / 4);
        else
            len = r < 100   ? below(s, 2) /* one or two words */
                  : r < 600 ? below(s, 300)
                            : 300 + below(s, 6000);
    }

    void *p;
    switch (kind) {
    case K_NODE: p = rgc_alloc(s->t, s->node_t); break;
    case K_TNODE: p = rgc_alloc(s->t, s->tnode_t); break;
    case K_REFS: p = rgc_alloc_refs(s->t, len); break;
    default: p = rgc_alloc_bytes(s->t, len); break;
    }
    CHECK(p != NULL, "allocation of kind %d, length %zu failed: %s", kind,
          len, rgc_last_error());
    s->allocs++;
    uint32_t mlen = kind == K_NODE ? 3 : kind == K_TNODE ? 2 : (uint32_t)len;
    struct cur c = {p, model_new(s, kind, mlen)};
    size_t fp = footprint(&s->obj[c.id]);
    if (fp > half)
        s->humongous++;
    /* Zeroed memory. */
    if (kind == K_REFS || kind == K_BYTES) {
        const unsigned char *b = p;
        size_t bytes = kind == K_REFS ? 8 * len : len;
        for (size_t j = 0; j < bytes; j += 1 + j / 2)
            CHECK(b[j] == 0, "new %s of length %zu: byte %zu is not zero",
                  kind == K_REFS ? "refs" : "bytes", len, j);
        if (bytes)
            CHECK(b[bytes - 1] == 0, "new object: last byte not zero");
    } else {
        CHECK(rgc_load(s->t, field(s, p, c.id, 0)) == NULL &&
                  rgc_load(s->t, field(s, p, c.id, 1)) == NULL,
              "new object %u: fields are not NULL", c.id);
    }
    fill_contents(s, c);

    /* Some outgoing edges (no safepoint from here on: p stays valid). */
    size_t n = nedges(&s->obj[c.id]);
    if (n) {
        size_t k = n <= 3 ? n : 1 + below(s, 4);
        for (size_t j = 0; j < k; j++)
            if (chance(s, 60))
                edge_store(s, c, n <= 3 ? j : below(s, n),
                           walk(s, below(s, 4)));
    }

    /* Where it lives. */
    r = below(s, 100);
    if (mode == A_TEMP) {
        CHECK(s->nh < MAXH, "no room for a temporary handle");
        rgc_ref *h = rgc_handle(s->t, c.p);
        CHECK(h != NULL, "rgc_handle failed: %s", rgc_last_error());
        s->hand[s->nh].h = h;
        s->hand[s->nh].id = c.id;
        s->nh++;
    } else if (r < 35) {
        push_handle(s, c);
    } else if (r < 50) {
        size_t g = below(s, NG);
        rgc_root_store(s->t, &g_roots[g], c.p);
        s->gid[g] = c.id;
    } else {
        struct cur dst = walk(s, below(s, 4));
        if (dst.id && nedges(&s->obj[dst.id]))
            edge_store(s, dst, below(s, nedges(&s->obj[dst.id])), c);
        else
            push_handle(s, c);
    }
}

/* Short-lived objects: a scope of temporaries, linked among themselves,
 * one of them sometimes kept. */
static void op_churn(struct stress *s)
{
    size_t base = s->nh, depth = s->depth;
    if (s->nh + 32 > MAXH)
        return;
    s->scope[s->depth].s = rgc_scope_open(s->t);
    s->scope[s->depth].base = s->nh;
    s->depth++;
    size_t k = 1 + below(s, 32);
    for (size_t i = 0; i < k; i++) {
        op_alloc(s, A_TEMP);
        if (s->nh > base && chance(s, 50)) { /* link two temporaries */
            struct cur a = root_at(s, base + below(s, s->nh - base));
            struct cur b = root_at(s, base + below(s, s->nh - base));
            if (a.id && nedges(&s->obj[a.id]))
                edge_store(s, a, below(s, nedges(&s->obj[a.id])), b);
        }
    }
    if (s->nh > base && chance(s, 10)) {
        struct cur keep = root_at(s, base + below(s, s->nh - base));
        struct cur dst = walk(s, below(s, 3));
        /* dst may be a temporary: then keep dies with it */
        if (dst.id && nedges(&s->obj[dst.id]))
            edge_store(s, dst, below(s, nedges(&s->obj[dst.id])), keep);
    }
    s->depth = depth;
    rgc_scope_close(s->t, s->scope[depth].s);
    s->nh = s->scope[depth].base;
}

static void op_link(struct stress *s)
{
    struct cur src = walk(s, below(s, 5));
    if (!src.id || !nedges(&s->obj[src.id]))
        return;
    size_t i = below(s, nedges(&s->obj[src.id]));
    edge_store(s, src, i, walk_or_null(s, s->pressure ? 75 : 25));
    s->links++;
}

static void op_scope(struct stress *s)
{
    if (chance(s, 50) && s->depth < MAXD) {
        s->scope[s->depth].s = rgc_scope_open(s->t);
        s->scope[s->depth].base = s->nh;
        s->depth++;
    } else if (s->depth > 1) {
        s->depth--;
        rgc_scope_close(s->t, s->scope[s->depth].s);
        s->nh = s->scope[s->depth].base;
    }
}

static void op_rewrite(struct stress *s)
{
    struct cur c = walk(s, below(s, 5));
    if (!c.id || s->obj[c.id].kind == K_REFS)
        return;
    s->obj[c.id].ver++;
    fill_contents(s, c);
}

static void pin_check(struct stress *s, size_t k)
{
    void *p = rgc_load(s->t, &g_pins[k]);
    CHECK(p == s->pin_addr[k], "pinned object %u moved from %p to %p",
          s->pin_id[k], s->pin_addr[k], p);
    check_object(s, (struct cur){p, s->pin_id[k]}, true);
}

static void unpin_all(struct stress *s, size_t k)
{
    while (s->pin_count[k]) {
        CHECK(rgc_unpin(s->t, s->pin_addr[k]) == RGC_OK, "rgc_unpin: %s",
              rgc_last_error());
        s->pin_count[k]--;
    }
}

static void op_pin(struct stress *s)
{
    size_t k = below(s, NPIN);
    if (s->pin_count[k]) {
        pin_check(s, k);
        if (chance(s, 20)) { /* pins nest */
            CHECK(rgc_pin(s->t, s->pin_addr[k]) == RGC_OK, "rgc_pin: %s",
                  rgc_last_error());
            s->pin_count[k]++;
            return;
        }
        CHECK(rgc_unpin(s->t, s->pin_addr[k]) == RGC_OK, "rgc_unpin: %s",
              rgc_last_error());
        s->pin_count[k]--;
        return;
    }
    struct cur c = walk(s, below(s, 3));
    if (chance(s, 30))
        c = (struct cur){NULL, 0};
    rgc_root_store(s->t, &g_pins[k], c.p);
    s->pin_id[k] = c.id;
    if (!c.id)
        return;
    CHECK(rgc_pin(s->t, c.p) == RGC_OK, "rgc_pin: %s", rgc_last_error());
    s->pin_addr[k] = c.p;
    s->pin_count[k] = 1;
    s->pins++;
}

/* ---- explicit collection and the full comparison ------------------------- */

struct addr_set {
    uintptr_t *keys;
    uint32_t *vals;
    size_t mask;
};

static size_t addr_hash(uintptr_t a)
{
    return (size_t)((a >> 3) * 0x9E3779B97F4A7C15ull >> 20);
}

/* The model id recorded for a, or 0 after recording id for it. */
static uint32_t addr_claim(struct addr_set *set, uintptr_t a, uint32_t id)
{
    for (size_t i = addr_hash(a) & set->mask;; i = (i + 1) & set->mask) {
        if (set->keys[i] == a)
            return set->vals[i];
        if (!set->keys[i]) {
            set->keys[i] = a;
            set->vals[i] = id;
            return 0;
        }
    }
}

struct work {
    struct cur *items;
    size_t n, cap;
};

/* Compare one reference (a root or an edge) with the model; queue new
 * objects. */
static void reach(struct stress *s, struct addr_set *set, struct work *w,
                  void *p, uint32_t id, const char *where, size_t i)
{
    if (!id) {
        CHECK(p == NULL, "%s %zu: expected NULL, found %p", where, i, p);
        return;
    }
    CHECK(p != NULL, "%s %zu: expected object %u, found NULL", where, i, id);
    if (s->seen[id] == s->gen) {
        CHECK((uintptr_t)p == s->addr_of[id],
              "%s %zu: object %u seen at %p and at %p", where, i, id,
              (void *)s->addr_of[id], p);
        return;
    }
    uint32_t other = addr_claim(set, (uintptr_t)p, id);
    CHECK(other == 0, "%s %zu: objects %u and %u are both at %p", where, i,
          other, id, p);
    s->seen[id] = s->gen;
    s->addr_of[id] = (uintptr_t)p;
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1024;
        w->items = realloc(w->items, w->cap * sizeof *w->items);
        assert_non_null(w->items);
    }
    w->items[w->n++] = (struct cur){p, id};
}

static void compare_heap(struct stress *s, rgc_collect_kind kind)
{
    rgc_heap_stats before, st;
    rgc_stats(s->heap, &before);
    CHECK(rgc_collect(s->t, kind) == RGC_OK, "rgc_collect: %s",
          rgc_last_error());
    s->explicit_collections++;
    rgc_stats(s->heap, &st);
    CHECK(st.full_cycles == before.full_cycles + 1,
          "rgc_collect ran %llu full cycles",
          (unsigned long long)(st.full_cycles - before.full_cycles));

    s->gen++;
    size_t alive = 0;
    for (uint32_t i = 1; i < s->nobj; i++)
        alive += !s->obj[i].dead;
    size_t cap = 64;
    while (cap < 2 * alive + 16)
        cap *= 2;
    struct addr_set set = {calloc(cap, sizeof(uintptr_t)),
                           calloc(cap, sizeof(uint32_t)), cap - 1};
    assert_non_null(set.keys);
    assert_non_null(set.vals);
    struct work w = {0};

    for (size_t i = 0; i < s->nh; i++)
        reach(s, &set, &w, rgc_load(s->t, s->hand[i].h), s->hand[i].id,
              "handle", i);
    for (size_t i = 0; i < NG; i++)
        reach(s, &set, &w, rgc_load(s->t, &g_roots[i]), s->gid[i],
              "global root", i);
    for (size_t i = 0; i < NPIN; i++)
        reach(s, &set, &w, rgc_load(s->t, &g_pins[i]), s->pin_id[i],
              "pin root", i);

    size_t live = 0, objects = 0, bykind[4] = {0}, nkind[4] = {0};
    while (w.n) {
        struct cur c = w.items[--w.n];
        check_object(s, c, true);
        struct mobj *m = &s->obj[c.id];
        live += footprint(m);
        bykind[m->kind] += footprint(m);
        nkind[m->kind]++;
        objects++;
        size_t n = nedges(m);
        for (size_t i = 0; i < n; i++) {
            uint32_t e = edges_of(&s->obj[c.id])[i];
            reach(s, &set, &w, edge_load(s, c, i), e, "edge", i);
        }
    }
    if (getenv("RGC_STRESS_VERBOSE"))
        fprintf(stderr,
                "test_stress: op %lu: live %zu bytes: nodes %zu (%zu bytes), "
                "tnodes %zu (%zu), refs %zu (%zu), bytes %zu (%zu); %zu "
                "handles, %zu scopes%s\n",
                s->op, live, nkind[K_NODE], bykind[K_NODE], nkind[K_TNODE],
                bykind[K_TNODE], nkind[K_REFS], bykind[K_REFS],
                nkind[K_BYTES], bykind[K_BYTES], s->nh, s->depth,
                s->pressure ? ", under pressure" : "");
    free(w.items);
    free(set.keys);
    free(set.vals);

    CHECK(st.live_after_last_cycle == live,
          "live_after_last_cycle is %zu, the model's live footprint is %zu "
          "(%zu objects)",
          st.live_after_last_cycle, live, objects);
    CHECK(st.used == live,
          "after a full collection stats.used is %zu, the model's live "
          "footprint is %zu (%zu objects)",
          st.used, live, objects);
    CHECK(st.committed >= st.used && st.committed % st.region_size == 0,
          "committed %zu, used %zu", st.committed, st.used);
    if (kind == RGC_COLLECT_RELEASE)
        CHECK(st.committed <= before.committed,
              "RELEASE committed more memory (%zu > %zu)", st.committed,
              before.committed);

    /* Unreachable model objects are gone for good. */
    for (uint32_t i = 1; i < s->nobj; i++) {
        struct mobj *m = &s->obj[i];
        if (!m->dead && s->seen[i] != s->gen) {
            m->dead = true;
            free(m->ext);
            m->ext = NULL;
        }
    }
    s->live_bytes = live;
    s->live_objects = objects;
    if (live > s->max_live)
        s->max_live = live;
}

static void explicit_collection(struct stress *s)
{
    for (size_t k = 0; k < NPIN; k++)
        if (s->pin_count[k]) {
            pin_check(s, k);
            unpin_all(s, k); /* pinned regions keep garbage */
        }
    compare_heap(s, s->explicit_collections % 4 == 3 ? RGC_COLLECT_RELEASE
                                                     : RGC_COLLECT_FULL);
}

/* ---- one seed ------------------------------------------------------------ */

static const char *const configs[] = {
    "heap_max=32m,region_size=256k,tlab_size=16k,verify,checkmark",
    "heap_max=64m,region_size=1m,growth_percent=50,verify,checkmark",
    "heap_max=32m,region_size=256k,tlab_size=4k,evacuate_live_percent=100,"
    "poison,verify,checkmark",
    "heap_max=48m,region_size=512k,evacuate_live_percent=25,"
    "growth_percent=200,pretouch,verify,checkmark",
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

static unsigned long ops_from_env(void)
{
    const char *e = getenv("RGC_STRESS_OPS");
    return e && *e ? strtoul(e, NULL, 0) : OPS_PER_SEED;
}

static unsigned long run_seed(unsigned long long seed)
{
    struct stress *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->seed = seed;
    s->rng = seed * 0x2545F4914F6CDD1Dull + 1;
    s->options = configs[seed % NCONFIGS];
    s->ops = ops_from_env();
    g_cur = s;
    snprintf(abort_msg, sizeof abort_msg,
             "test_stress: aborted while running seed %llu (RGC_SEED=%llu), "
             "options \"%s\"\n",
             seed, seed, s->options);
    fprintf(stderr, "test_stress: seed %llu, %lu operations, \"%s\"\n", seed,
            s->ops, s->options);

    rgc_config cfg;
    rgc_config_init(&cfg);
    assert_int_equal(rgc_config_parse(&cfg, s->options), RGC_OK);
    s->heap = rgc_heap_create(&cfg);
    assert_non_null(s->heap);
    s->t = rgc_thread_attach(s->heap);
    assert_non_null(s->t);
    size_t offs[] = {offsetof(struct node, f[0]), offsetof(struct node, f[2]),
                     offsetof(struct node, f[1])};
    rgc_type_desc nd = {.name = "stress.node", .size = NODE_SIZE,
                        .ref_offsets = offs, .ref_count = 3};
    rgc_type_desc td = {.name = "stress.tnode", .size = sizeof(struct tnode),
                        .trace = tnode_trace};
    s->node_t = rgc_type_register(s->heap, &nd);
    s->tnode_t = rgc_type_register(s->heap, &td);
    assert_int_not_equal(s->node_t, 0);
    assert_int_not_equal(s->tnode_t, 0);
    rgc_heap_stats st;
    rgc_stats(s->heap, &st);
    s->region = st.region_size;

    memset(g_roots, 0, sizeof g_roots);
    memset(g_pins, 0, sizeof g_pins);
    for (size_t i = 0; i < NG; i++)
        assert_int_equal(rgc_root_register(s->heap, &g_roots[i]), RGC_OK);
    for (size_t i = 0; i < NPIN; i++)
        assert_int_equal(rgc_root_register(s->heap, &g_pins[i]), RGC_OK);
    model_new(s, K_NODE, 0); /* id 0: null */
    s->obj[0].dead = true;
    s->scope[0].s = rgc_scope_open(s->t);
    s->scope[0].base = 0;
    s->depth = 1;

    for (s->op = 0; s->op < s->ops; s->op++) {
        if (s->op % HUMONGOUS_EVERY == HUMONGOUS_EVERY / 2) {
            op_alloc(s, A_HUMONGOUS);
            continue;
        }
        if (s->pressure && chance(s, 10)) { /* prune: drop a root */
            size_t r = below(s, s->nh + NG);
            if (r < s->nh) {
                rgc_root_store(s->t, s->hand[r].h, NULL);
                s->hand[r].id = 0;
            } else {
                rgc_root_store(s->t, &g_roots[r - s->nh], NULL);
                s->gid[r - s->nh] = 0;
            }
        }
        size_t r = below(s, 100);
        if (r < 25)
            op_alloc(s, A_KEEP);
        else if (r < 30)
            op_churn(s);
        else if (r < 50)
            op_link(s);
        else if (r < 57)
            push_handle(s, walk(s, below(s, 4)));
        else if (r < 62) {
            if (s->nh) {
                size_t i = below(s, s->nh);
                struct cur c = walk_or_null(s, s->pressure ? 60 : 20);
                rgc_root_store(s->t, s->hand[i].h, c.p);
                s->hand[i].id = c.id;
            }
        } else if (r < 68) {
            size_t g = below(s, NG);
            struct cur c = walk_or_null(s, s->pressure ? 80 : 30);
            rgc_root_store(s->t, &g_roots[g], c.p);
            s->gid[g] = c.id;
        } else if (r < 74 || (s->pressure && r < 80))
            op_scope(s);
        else if (r < 80)
            op_rewrite(s);
        else if (r < 92) {
            struct cur c = walk(s, below(s, 9));
            if (c.id)
                check_object(s, c, true);
        } else if (r < 96)
            op_pin(s);
        else
            op_link(s);

        if (s->op % 128 == 0) {
            for (size_t k = 0; k < NPIN; k++)
                if (s->pin_count[k])
                    pin_check(s, k);
            /* Keep the live set small enough for a full evacuation. */
            rgc_heap_stats now;
            rgc_stats(s->heap, &now);
            s->pressure = now.live_after_last_cycle > now.heap_max / 8 ||
                          s->live_bytes > now.heap_max / 8;
        }
        if ((s->op + 1) % CHECK_EVERY == 0)
            explicit_collection(s);
    }
    explicit_collection(s);

    rgc_stats(s->heap, &st);
    fprintf(stderr,
            "test_stress: seed %llu: %lu allocations (%lu humongous), %lu "
            "links, %lu pins, %llu cycles (%lu explicit), %zu live objects "
            "(%zu bytes) at the end, at most %zu live bytes, %llu MiB "
            "allocated\n",
            seed, s->allocs, s->humongous, s->links, s->pins,
            (unsigned long long)st.cycles, s->explicit_collections,
            s->live_objects, s->live_bytes, s->max_live,
            (unsigned long long)(st.bytes_allocated >> 20));
    /* The run exercised what it claims to. */
    CHECK(st.cycles > s->explicit_collections + 5,
          "only %llu automatic collections",
          (unsigned long long)(st.cycles - s->explicit_collections));
    CHECK(s->humongous > 0, "no humongous allocation");
    CHECK(st.bytes_copied > 0, "nothing was ever moved");
    CHECK(s->live_objects > 100, "the live graph stayed trivial");

    rgc_scope_close(s->t, s->scope[0].s);
    assert_int_equal(rgc_thread_detach(s->t), RGC_OK);
    for (size_t i = 0; i < NG; i++)
        assert_int_equal(rgc_root_unregister(s->heap, &g_roots[i]), RGC_OK);
    for (size_t i = 0; i < NPIN; i++)
        assert_int_equal(rgc_root_unregister(s->heap, &g_pins[i]), RGC_OK);
    rgc_heap_destroy(s->heap);

    unsigned long done = s->op;
    for (uint32_t i = 0; i < s->nobj; i++)
        free(s->obj[i].ext);
    free(s->obj);
    free(s->seen);
    free(s->addr_of);
    free(s);
    g_cur = NULL;
    abort_msg[0] = '\0';
    return done;
}

static void stress_seeds(void **state)
{
    (void)state;
    pat_init();
    signal(SIGABRT, on_abort);
    const char *env = getenv("RGC_SEED");
    if (env && *env) {
        run_seed(strtoull(env, NULL, 0));
        return;
    }
    unsigned long total = 0;
    for (unsigned long long seed = 1; seed <= DEFAULT_SEEDS; seed++)
        total += run_seed(seed);
    fprintf(stderr, "test_stress: %lu operations over %d seeds\n", total,
            DEFAULT_SEEDS);
    if (!getenv("RGC_STRESS_OPS"))
        assert_true(total >= DEFAULT_SEEDS * OPS_PER_SEED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stress_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
