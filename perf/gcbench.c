/*
 * gcbench.c — Hans Boehm's GCBench (after John Ellis and Pete Kovac).
 *
 *   1. stretch:    build one bottom-up tree of stretch_depth and drop it;
 *   2. long-lived: build a top-down tree of long_lived_depth and an array of
 *                  array_size doubles (a[i] = 1/i for the first half), both
 *                  kept until the end;
 *   3. for d = min_depth, min_depth + step, ... max_depth:
 *        top-down:  numIters(d) trees, each a node whose subtrees are
 *                   allocated parent first (Populate);
 *        bottom-up: numIters(d) trees, children before parents (MakeTree);
 *      with numIters(d) = 2 * treeSize(stretch_depth) / treeSize(d), so every
 *      phase allocates about the same number of nodes.
 *
 * A node is two references and two ints.  rgc drops each short-lived tree;
 * glibc and tcmalloc free it (iteratively) right after it is built.  Each
 * node's first int holds its height, so after the timed phases the
 * long-lived tree, the array and the last tree of every phase are checked
 * node by node: a collector that loses or corrupts a node fails the run.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rgc_session.h"

struct rnode {
    rgc_ref left, right;
    int32_t height, pad;
};

struct mnode {
    struct mnode *left, *right;
    int32_t height, pad;
};

static uint64_t tree_size(int depth)
{
    return ((uint64_t)1 << (depth + 1)) - 1;
}

static uint64_t num_iters(const struct gcbench_params *p, int depth)
{
    return 2 * tree_size(p->stretch_depth) / tree_size(depth);
}

static struct phase_result *phase_begin(struct run_result *r,
                                        const char *name, int depth,
                                        uint64_t trees)
{
    if (r->phase_count == BENCH_MAX_PHASES)
        return NULL;
    struct phase_result *ph = &r->phases[r->phase_count++];
    snprintf(ph->name, sizeof ph->name, "%s", name);
    ph->depth = depth;
    ph->trees = trees;
    return ph;
}

/* The measured time: every phase, none of the checks between them. */
static uint64_t phases_total(const struct run_result *r)
{
    uint64_t ns = 0;
    for (unsigned i = 0; i < r->phase_count; i++)
        ns += r->phases[i].ns;
    return ns;
}

/* ---- checking ------------------------------------------------------------- */

/* A depth-first walk with a bounded explicit stack; a cycle or a corrupt
 * height ends it with an error instead of a crash or a hang. */
struct walk {
    const void **nodes;
    size_t cap;
};

static bool walk_init(struct walk *w, int max_depth, struct run_result *r)
{
    w->cap = (size_t)max_depth + 8;
    w->nodes = calloc(w->cap, sizeof *w->nodes);
    if (!w->nodes)
        run_fail(r, "gcbench: no memory for the tree walk");
    return w->nodes != NULL;
}

/* Which tree representation a check walks. */
struct tree_ops {
    int32_t (*height)(const void *n);
    const void *(*left)(void *ctx, const void *n);
    const void *(*right)(void *ctx, const void *n);
    void *ctx;
};

static bool check_tree(struct walk *w, const struct tree_ops *ops,
                       const void *root, int depth, const char *what,
                       struct run_result *r)
{
    if (!root) {
        run_fail(r, "gcbench: %s: the tree is missing", what);
        return false;
    }
    uint64_t count = 0, want = tree_size(depth);
    size_t top = 0;
    w->nodes[top++] = root;
    while (top) {
        const void *n = w->nodes[--top];
        if (++count > want)
            break;
        int32_t h = ops->height(n);
        const void *l = ops->left(ops->ctx, n);
        const void *rt = ops->right(ops->ctx, n);
        if (h < 0 || h > depth || (h == 0) != (l == NULL) ||
            (h == 0) != (rt == NULL)) {
            run_fail(r,
                     "gcbench: %s: node %llu has height %d and children "
                     "%p, %p",
                     what, (unsigned long long)count, (int)h, l, rt);
            return false;
        }
        if (h == 0)
            continue;
        if (ops->height(l) != h - 1 || ops->height(rt) != h - 1) {
            run_fail(r,
                     "gcbench: %s: a node of height %d has children of "
                     "heights %d and %d",
                     what, (int)h, (int)ops->height(l), (int)ops->height(rt));
            return false;
        }
        if (top + 2 > w->cap) {
            run_fail(r, "gcbench: %s: the tree is deeper than %d", what,
                     depth);
            return false;
        }
        w->nodes[top++] = rt;
        w->nodes[top++] = l;
    }
    if (count != want) {
        run_fail(r, "gcbench: %s: %llu%s nodes, expected %llu", what,
                 (unsigned long long)count, count > want ? "+" : "",
                 (unsigned long long)want);
        return false;
    }
    return true;
}

static bool check_array(const double *a, size_t size, struct run_result *r)
{
    for (size_t i = 0; i < size; i++) {
        double want = i < size / 2 ? 1.0 / (double)i : 0.0;
        if (memcmp(&a[i], &want, sizeof want) != 0) {
            run_fail(r, "gcbench: array[%zu] is %g, expected %g", i, a[i],
                     want);
            return false;
        }
    }
    return true;
}

static void fill_array(double *a, size_t size)
{
    for (size_t i = 0; i < size / 2; i++)
        a[i] = 1.0 / (double)i;
}

/* ---- rgc ---------------------------------------------------------------------- */

struct rgc_bench {
    struct rgc_session s;
    rgc_thread *t;
    rgc_type node;
    struct run_result *r;
    bool failed;
};

static struct rnode *rnew(struct rgc_bench *b, int height)
{
    struct rnode *n = rgc_alloc(b->t, b->node);
    if (!n) {
        if (!b->failed)
            run_fail(b->r, "gcbench: rgc_alloc: %s", rgc_last_error());
        b->failed = true;
        return NULL;
    }
    n->height = height;
    return n;
}

static rgc_ref *rhandle(struct rgc_bench *b, void *obj)
{
    rgc_ref *h = rgc_handle(b->t, obj);
    if (!h) {
        if (!b->failed)
            run_fail(b->r, "gcbench: rgc_handle: %s", rgc_last_error());
        b->failed = true;
    }
    return h;
}

/* Give the node held in *node (of height depth) its subtrees, parents
 * first.  Every allocation may move everything, so nodes are re-read from
 * handles after each one. */
static void rpopulate(struct rgc_bench *b, int depth, rgc_ref *node)
{
    if (depth <= 0)
        return;
    depth--;
    rgc_thread *t = b->t;
    rgc_scope scope = rgc_scope_open(t);
    struct rnode *child = rnew(b, depth);
    if (!child)
        goto out;
    struct rnode *n = rgc_load(t, node);
    rgc_store(t, &n->left, child);
    if (!(child = rnew(b, depth)))
        goto out;
    n = rgc_load(t, node);
    rgc_store(t, &n->right, child);
    rgc_ref *h = rhandle(b, rgc_load(t, &n->left));
    if (!h)
        goto out;
    rpopulate(b, depth, h);
    if (b->failed)
        goto out;
    n = rgc_load(t, node);
    rgc_root_store(t, h, rgc_load(t, &n->right));
    rpopulate(b, depth, h);
out:
    rgc_scope_close(t, scope);
}

/* A tree of the given depth, children first.  The result is a raw pointer:
 * valid until the next allocation. */
static struct rnode *rmake_tree(struct rgc_bench *b, int depth)
{
    if (depth <= 0)
        return rnew(b, 0);
    rgc_thread *t = b->t;
    struct rnode *n = NULL;
    rgc_scope scope = rgc_scope_open(t);
    struct rnode *l = rmake_tree(b, depth - 1);
    rgc_ref *lh = l ? rhandle(b, l) : NULL;
    if (!lh)
        goto out;
    struct rnode *rt = rmake_tree(b, depth - 1);
    rgc_ref *rh = rt ? rhandle(b, rt) : NULL;
    if (!rh)
        goto out;
    if (!(n = rnew(b, depth)))
        goto out;
    rgc_store(t, &n->left, rgc_load(t, lh));
    rgc_store(t, &n->right, rgc_load(t, rh));
out:
    rgc_scope_close(t, scope);
    return n;
}

static int32_t rheight(const void *n)
{
    return ((const struct rnode *)n)->height;
}

static const void *rleft(void *ctx, const void *n)
{
    return rgc_load(ctx, &((struct rnode *)n)->left);
}

static const void *rright(void *ctx, const void *n)
{
    return rgc_load(ctx, &((struct rnode *)n)->right);
}

/* One phase of short-lived trees; the last one is left in *keep. */
static void rphase(struct rgc_bench *b, const char *name, int depth,
                   uint64_t iters, bool top_down, rgc_ref *keep)
{
    struct phase_result *ph = phase_begin(b->r, name, depth, iters);
    rgc_thread *t = b->t;
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < iters && !b->failed; i++) {
        rgc_scope scope = rgc_scope_open(t);
        if (top_down) {
            struct rnode *root = rnew(b, depth);
            rgc_ref *h = root ? rhandle(b, root) : NULL;
            if (h) {
                rpopulate(b, depth, h);
                rgc_root_store(t, keep, rgc_load(t, h));
            }
        } else {
            struct rnode *root = rmake_tree(b, depth);
            if (root)
                rgc_root_store(t, keep, root);
        }
        rgc_scope_close(t, scope);
        rgc_session_poll(&b->s);
    }
    if (ph)
        ph->ns = bench_now_ns() - start;
}

static void run_rgc(const struct gcbench_params *p, struct run_result *r)
{
    struct rgc_bench b = {.r = r};
    struct walk w = {0};
    if (!walk_init(&w, p->stretch_depth, r))
        return;
    if (!rgc_session_open(&b.s, p->options, r)) {
        free(w.nodes);
        return;
    }
    b.t = b.s.thread;
    rgc_thread *t = b.t;
    static const size_t offsets[] = {offsetof(struct rnode, left),
                                     offsetof(struct rnode, right)};
    rgc_type_desc desc = {.name = "gcbench.node",
                          .size = sizeof(struct rnode),
                          .ref_offsets = offsets,
                          .ref_count = 2};
    b.node = rgc_type_register(b.s.heap, &desc);
    if (!b.node) {
        run_fail(r, "rgc_type_register: %s", rgc_last_error());
        rgc_session_close(&b.s, r);
        free(w.nodes);
        return;
    }
    struct tree_ops ops = {rheight, rleft, rright, t};
    rgc_scope scope = rgc_scope_open(t);
    rgc_ref *keep = rhandle(&b, NULL);
    rgc_ref *long_tree = rhandle(&b, NULL);
    rgc_ref *array = rhandle(&b, NULL);
    if (b.failed)
        goto out;

    /* 1. stretch */
    struct phase_result *ph = phase_begin(r, "stretch", p->stretch_depth, 1);
    uint64_t t0 = bench_now_ns();
    struct rnode *stretch = rmake_tree(&b, p->stretch_depth);
    rgc_root_store(t, keep, stretch);
    rgc_session_poll(&b.s);
    ph->ns = bench_now_ns() - t0;
    if (b.failed ||
        !check_tree(&w, &ops, rgc_load(t, keep), p->stretch_depth,
                    "the stretch tree", r))
        goto out;
    rgc_root_store(t, keep, NULL);

    /* 2. long-lived tree and array */
    ph = phase_begin(r, "long-lived", p->long_lived_depth, 1);
    t0 = bench_now_ns();
    struct rnode *root = rnew(&b, p->long_lived_depth);
    if (!root)
        goto out;
    rgc_root_store(t, long_tree, root);
    rpopulate(&b, p->long_lived_depth, long_tree);
    if (b.failed)
        goto out;
    double *a = rgc_alloc_bytes(t, p->array_size * sizeof(double));
    if (!a) {
        run_fail(r, "gcbench: cannot allocate the array: %s",
                 rgc_last_error());
        goto out;
    }
    fill_array(a, p->array_size);
    rgc_root_store(t, array, a);
    rgc_session_poll(&b.s);
    ph->ns = bench_now_ns() - t0;

    /* 3. short-lived trees; the last of each phase is checked untimed */
    for (int d = p->min_depth; d <= p->max_depth; d += p->depth_step) {
        uint64_t iters = num_iters(p, d);
        for (int td = 1; td >= 0; td--) {
            rphase(&b, td ? "top-down" : "bottom-up", d, iters, td, keep);
            if (b.failed ||
                !check_tree(&w, &ops, rgc_load(t, keep), d,
                            td ? "a top-down tree" : "a bottom-up tree", r))
                goto out;
            rgc_root_store(t, keep, NULL);
        }
    }
    r->total_ns = phases_total(r);

    if (check_tree(&w, &ops, rgc_load(t, long_tree), p->long_lived_depth,
                   "the long-lived tree", r)) {
        double *arr = rgc_load(t, array);
        if (rgc_length(arr) != p->array_size * sizeof(double))
            run_fail(r, "gcbench: the array has %zu bytes, expected %zu",
                     rgc_length(arr), p->array_size * sizeof(double));
        else
            check_array(arr, p->array_size, r);
    }
out:
    rgc_scope_close(t, scope);
    rgc_session_close(&b.s, r);
    free(w.nodes);
}

/* ---- malloc ---------------------------------------------------------------- */

struct malloc_bench {
    const struct malloc_api *api;
    struct run_result *r;
    struct walk free_stack; /* for freeing trees without recursion */
    bool failed;
};

static struct mnode *mnew(struct malloc_bench *b, int height)
{
    struct mnode *n = b->api->malloc(sizeof *n);
    if (!n) {
        if (!b->failed)
            run_fail(b->r, "gcbench: %s malloc(%zu) failed", b->api->name,
                     sizeof *n);
        b->failed = true;
        return NULL;
    }
    n->left = n->right = NULL;
    n->height = height;
    n->pad = 0;
    return n;
}

static void mpopulate(struct malloc_bench *b, int depth, struct mnode *node)
{
    if (depth <= 0)
        return;
    depth--;
    if (!(node->left = mnew(b, depth)) || !(node->right = mnew(b, depth)))
        return;
    mpopulate(b, depth, node->left);
    mpopulate(b, depth, node->right);
}

static struct mnode *mmake_tree(struct malloc_bench *b, int depth)
{
    if (depth <= 0)
        return mnew(b, 0);
    struct mnode *l = mmake_tree(b, depth - 1);
    struct mnode *rt = l ? mmake_tree(b, depth - 1) : NULL;
    struct mnode *n = rt ? mnew(b, depth) : NULL;
    if (n) {
        n->left = l;
        n->right = rt;
    }
    return n; /* on failure the partial subtrees leak: the run is over */
}

/* Free a whole tree with an explicit stack (no recursion). */
static void mfree_tree(struct malloc_bench *b, struct mnode *root)
{
    struct walk *w = &b->free_stack;
    size_t top = 0;
    if (!b->api->free)
        return; /* a collector: dropping the tree is enough */
    if (root)
        w->nodes[top++] = root;
    while (top) {
        struct mnode *n = (struct mnode *)w->nodes[--top];
        if (n->left && top < w->cap)
            w->nodes[top++] = n->left;
        if (n->right && top < w->cap)
            w->nodes[top++] = n->right;
        b->api->free(n);
    }
}

static int32_t mheight(const void *n)
{
    return ((const struct mnode *)n)->height;
}

static const void *mleft(void *ctx, const void *n)
{
    (void)ctx;
    return ((const struct mnode *)n)->left;
}

static const void *mright(void *ctx, const void *n)
{
    (void)ctx;
    return ((const struct mnode *)n)->right;
}

/* One phase of short-lived trees, each freed when built except the last,
 * which is returned for checking. */
static struct mnode *mphase(struct malloc_bench *b, const char *name,
                            int depth, uint64_t iters, bool top_down)
{
    struct phase_result *ph = phase_begin(b->r, name, depth, iters);
    struct mnode *last = NULL;
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < iters && !b->failed; i++) {
        mfree_tree(b, last);
        last = NULL;
        if (top_down) {
            struct mnode *root = mnew(b, depth);
            if (root)
                mpopulate(b, depth, root);
            last = root;
        } else {
            last = mmake_tree(b, depth);
        }
    }
    if (ph)
        ph->ns = bench_now_ns() - start;
    return last;
}

static void run_malloc(const struct malloc_api *api,
                       const struct gcbench_params *p, struct run_result *r)
{
    struct malloc_bench b = {.api = api, .r = r};
    struct walk w = {0};
    if (!walk_init(&w, p->stretch_depth, r) ||
        !walk_init(&b.free_stack, p->stretch_depth, r)) {
        free(w.nodes);
        return;
    }
    struct tree_ops ops = {mheight, mleft, mright, NULL};
    struct mnode *long_tree = NULL;
    double *array = NULL;

    /* 1. stretch: built, checked (untimed), freed (timed) */
    struct phase_result *ph = phase_begin(r, "stretch", p->stretch_depth, 1);
    uint64_t t0 = bench_now_ns();
    struct mnode *stretch = mmake_tree(&b, p->stretch_depth);
    ph->ns = bench_now_ns() - t0;
    bool good = !b.failed && check_tree(&w, &ops, stretch, p->stretch_depth,
                                        "the stretch tree", r);
    t0 = bench_now_ns();
    mfree_tree(&b, stretch);
    ph->ns += bench_now_ns() - t0;
    if (!good)
        goto out;

    /* 2. long-lived tree and array */
    ph = phase_begin(r, "long-lived", p->long_lived_depth, 1);
    t0 = bench_now_ns();
    if (!(long_tree = mnew(&b, p->long_lived_depth)))
        goto out;
    mpopulate(&b, p->long_lived_depth, long_tree);
    if (b.failed)
        goto out;
    if (!(array = api->malloc(p->array_size * sizeof(double)))) {
        run_fail(r, "gcbench: %s cannot allocate the array", api->name);
        goto out;
    }
    memset(array, 0, p->array_size * sizeof(double));
    fill_array(array, p->array_size);
    ph->ns = bench_now_ns() - t0;

    /* 3. short-lived trees; the last of each phase is checked untimed and
     * its free is added to the phase */
    for (int d = p->min_depth; d <= p->max_depth; d += p->depth_step) {
        uint64_t iters = num_iters(p, d);
        for (int td = 1; td >= 0; td--) {
            struct mnode *last =
                mphase(&b, td ? "top-down" : "bottom-up", d, iters, td);
            good = !b.failed &&
                   check_tree(&w, &ops, last, d,
                              td ? "a top-down tree" : "a bottom-up tree", r);
            t0 = bench_now_ns();
            mfree_tree(&b, last);
            r->phases[r->phase_count - 1].ns += bench_now_ns() - t0;
            if (!good)
                goto out;
        }
    }
    r->total_ns = phases_total(r);

    if (check_tree(&w, &ops, long_tree, p->long_lived_depth,
                   "the long-lived tree", r))
        check_array(array, p->array_size, r);
out:
    mfree_tree(&b, long_tree);
    if (api->free)
        api->free(array);
    free(w.nodes);
    free(b.free_stack.nodes);
}

void gcbench_run(const void *params, enum alloc_kind alloc,
                 struct run_result *r)
{
    const struct gcbench_params *p = params;
    if (alloc == ALLOC_RGC) {
        run_rgc(p, r);
        return;
    }
    const struct malloc_api *api = alloc_malloc_api(alloc);
    if (!api) {
        run_fail(r, "%s", alloc_unavailable(alloc));
        return;
    }
    run_malloc(api, p, r);
}
