/*
 * test_threads.c — many mutator threads: a randomized mutation test against
 * per-thread and shared shadow models, blocking regions, attach/detach
 * churn during collections, a pinned buffer written from a blocking region,
 * and misuse of threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rgc.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define OPS_PER_THREAD 20000 /* sanitizers: 10-20x slower */
#else
#define OPS_PER_THREAD 100000
#endif
#define THREADS 4
#define ROOTS 48
#define SHARED 16

typedef struct node {
    rgc_ref left, right;
    uint64_t id;
    uint64_t check; /* a function of id: detects torn or misplaced copies */
} node;

static uint64_t check_of(uint64_t id)
{
    return id * 0x9E3779B97F4A7C15ull ^ 0x5bd1e995;
}

static rgc_heap *heap;
static rgc_type node_type;

static void make_heap(const char *options)
{
    rgc_config c;
    rgc_config_init(&c);
    assert_int_equal(rgc_config_parse(&c, options), RGC_OK);
    heap = rgc_heap_create(&c);
    assert_non_null(heap);
    static const size_t offs[] = {offsetof(node, left), offsetof(node, right)};
    node_type = rgc_type_register(
        heap, &(rgc_type_desc){"node", sizeof(node), offs, 2, NULL});
    assert_true(node_type != 0);
}

/* ---- the shadow model: object id -> child ids ---- */

struct model_node {
    uint64_t left, right; /* ids, 0 = null */
};

struct model {
    struct model_node *nodes; /* indexed by local id */
    size_t count, capacity;
    uint64_t base; /* ids are base + local index + 1 */
};

static uint64_t model_new(struct model *m)
{
    if (m->count == m->capacity) {
        m->capacity = m->capacity ? 2 * m->capacity : 1024;
        m->nodes = realloc(m->nodes, m->capacity * sizeof *m->nodes);
        assert_non_null(m->nodes);
    }
    m->nodes[m->count] = (struct model_node){0, 0};
    return m->base + ++m->count;
}

static struct model_node *model_get(struct model *m, uint64_t id)
{
    return &m->nodes[id - m->base - 1];
}

static node *new_node(rgc_thread *t, struct model *m)
{
    node *n = rgc_alloc(t, node_type);
    assert_non_null(n);
    n->id = model_new(m);
    n->check = check_of(n->id);
    return n;
}

struct seen {
    uint64_t *ids;
    size_t count, capacity;
};

static bool seen_before(struct seen *s, uint64_t id)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->ids[i] == id)
            return true;
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? 2 * s->capacity : 256;
        s->ids = realloc(s->ids, s->capacity * sizeof *s->ids);
    }
    s->ids[s->count++] = id;
    return false;
}

/* Compare the real graph under n with the model graph under id, to a
 * bounded depth (the graphs are random and may be deep). */
static void compare(rgc_thread *t, struct model *m, node *n, uint64_t id,
                    int depth, struct seen *seen)
{
    if (!id) {
        assert_null(n);
        return;
    }
    assert_non_null(n);
    assert_int_equal(n->id, id);
    assert_int_equal(n->check, check_of(id));
    if (depth == 0 || seen_before(seen, id))
        return;
    struct model_node *mn = model_get(m, id);
    compare(t, m, rgc_load(t, &n->left), mn->left, depth - 1, seen);
    compare(t, m, rgc_load(t, &n->right), mn->right, depth - 1, seen);
}

/* ---- the shared graph: SHARED slots behind a user-level lock ---- */

static rgc_ref shared_root = {0}; /* a refs array of SHARED nodes */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t shared_ids[SHARED]; /* the shared model */

/* Blocking on a user lock is a blocking region: a thread waiting for the
 * lock must not hold up a collection started by the lock's holder. */
static void lock_shared(rgc_thread *t)
{
    rgc_blocking_enter(t);
    pthread_mutex_lock(&shared_lock);
    rgc_blocking_leave(t);
}

struct worker {
    rgc_thread *t;
    struct model model;
    unsigned seed;
    uint64_t ops, collections, checks;
};

static void check_private(struct worker *w, rgc_ref **roots, uint64_t *ids)
{
    struct seen seen = {0};
    for (int i = 0; i < ROOTS; i++)
        compare(w->t, &w->model, rgc_load(w->t, roots[i]), ids[i], 64, &seen);
    free(seen.ids);
    w->checks++;
}

static void check_shared(rgc_thread *t)
{
    void *arr = rgc_load(t, &shared_root);
    for (size_t i = 0; i < SHARED; i++) {
        node *n = rgc_load_elem(t, arr, i);
        if (!shared_ids[i]) {
            assert_null(n);
            continue;
        }
        assert_non_null(n);
        assert_int_equal(n->id, shared_ids[i]);
        assert_int_equal(n->check, check_of(n->id));
    }
}

static void *mutate(void *arg)
{
    struct worker *w = arg;
    w->t = rgc_thread_attach(heap);
    assert_non_null(w->t);
    rgc_thread *t = w->t;
    rgc_scope scope = rgc_scope_open(t);
    rgc_ref *roots[ROOTS];
    uint64_t ids[ROOTS] = {0};
    for (int i = 0; i < ROOTS; i++)
        roots[i] = rgc_handle(t, NULL);

    for (uint64_t op = 0; op < OPS_PER_THREAD; op++) {
        int i = rand_r(&w->seed) % ROOTS, j = rand_r(&w->seed) % ROOTS;
        int what = rand_r(&w->seed) % 100;
        node *a = rgc_load(t, roots[i]);
        if (what < 35) { /* allocate, link to two roots, replace root i */
            node *n = new_node(t, &w->model);
            node *l = rgc_load(t, roots[i]), *r = rgc_load(t, roots[j]);
            rgc_store(t, &n->left, l);
            rgc_store(t, &n->right, r);
            *model_get(&w->model, n->id) =
                (struct model_node){ids[i], ids[j]};
            rgc_root_store(t, roots[i], n);
            ids[i] = n->id;
        } else if (what < 55 && a) { /* overwrite a field of root i */
            bool left = what & 1;
            rgc_store(t, left ? &a->left : &a->right, rgc_load(t, roots[j]));
            struct model_node *mn = model_get(&w->model, ids[i]);
            *(left ? &mn->left : &mn->right) = ids[j];
        } else if (what < 70 && a) { /* walk down: root i = its child */
            bool left = what & 1;
            rgc_root_store(t, roots[i], rgc_load(t, left ? &a->left : &a->right));
            struct model_node *mn = model_get(&w->model, ids[i]);
            ids[i] = left ? mn->left : mn->right;
        } else if (what < 78) { /* drop root i */
            rgc_root_store(t, roots[i], NULL);
            ids[i] = 0;
        } else if (what < 86) { /* copy root j into root i */
            rgc_root_store(t, roots[i], rgc_load(t, roots[j]));
            ids[i] = ids[j];
        } else if (what < 96) { /* the shared graph, under the user lock */
            lock_shared(t);
            size_t s = (size_t)rand_r(&w->seed) % SHARED;
            if (what & 1) {
                node *n = new_node(t, &w->model);
                rgc_store(t, &n->left, rgc_load(t, roots[i]));
                *model_get(&w->model, n->id) = (struct model_node){ids[i], 0};
                rgc_store_elem(t, rgc_load(t, &shared_root), s, n);
                shared_ids[s] = n->id;
            } else {
                check_shared(t);
            }
            pthread_mutex_unlock(&shared_lock);
        } else {
            check_private(w, roots, ids);
        }
        if (op % (OPS_PER_THREAD / 25) == 0) { /* and many automatic ones */
            assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
            w->collections++;
            check_private(w, roots, ids);
        }
        if (op % 64 == 0)
            rgc_safepoint(t);
        w->ops++;
    }
    check_private(w, roots, ids);
    rgc_scope_close(t, scope);
    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    return NULL;
}

static void threads_mutate_private_and_shared_graphs(void **state)
{
    (void)state;
    make_heap("heap_max=64m,region_size=1m,tlab_size=32k,gc_threads=3,checkmark");
    rgc_thread *main_thread = rgc_thread_attach(heap);
    assert_int_equal(rgc_root_register(heap, &shared_root), RGC_OK);
    rgc_root_store(main_thread, &shared_root, rgc_alloc_refs(main_thread, SHARED));
    assert_int_equal(rgc_thread_detach(main_thread), RGC_OK);

    static struct worker workers[THREADS];
    pthread_t tids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){.seed = 1234u + (unsigned)i};
        workers[i].model.base = (uint64_t)(i + 1) << 40;
        assert_int_equal(pthread_create(&tids[i], NULL, mutate, &workers[i]), 0);
    }
    uint64_t ops = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tids[i], NULL);
        ops += workers[i].ops;
        free(workers[i].model.nodes);
    }
    assert_int_equal(ops, (uint64_t)THREADS * OPS_PER_THREAD);
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    fprintf(stderr, "  %llu ops on %d threads, %llu cycles\n",
            (unsigned long long)ops, THREADS, (unsigned long long)s.cycles);
    assert_true(s.cycles >= THREADS * 25);
    assert_int_equal(rgc_root_unregister(heap, &shared_root), RGC_OK);
    rgc_heap_destroy(heap);
}

/* ---- blocking regions ---- */

static int blocker_state; /* 1: inside the region, 2: leaving it */

static void *sleep_in_blocking_region(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_blocking_enter(t);
    __atomic_store_n(&blocker_state, 1, __ATOMIC_SEQ_CST);
    sleep(2);
    __atomic_store_n(&blocker_state, 2, __ATOMIC_SEQ_CST);
    rgc_blocking_leave(t);
    rgc_thread_detach(t);
    return NULL;
}

static void a_blocked_thread_does_not_delay_a_collection(void **state)
{
    (void)state;
    make_heap("heap_max=16m,region_size=1m,verify");
    blocker_state = 0;
    pthread_t tid;
    pthread_create(&tid, NULL, sleep_in_blocking_region, NULL);
    while (__atomic_load_n(&blocker_state, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    rgc_thread *t = rgc_thread_attach(heap);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    /* the collection completed while the other thread was still inside */
    assert_int_equal(__atomic_load_n(&blocker_state, __ATOMIC_SEQ_CST), 1);
    rgc_thread_detach(t);
    pthread_join(tid, NULL);
    rgc_heap_destroy(heap);
}

/* ---- attach/detach churn ---- */

static int churn_done;

static int first_cycle_done; /* churn starts once collections run */

static void *attach_detach_churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (!__atomic_load_n(&first_cycle_done, __ATOMIC_SEQ_CST))
        usleep(100); /* not attached yet: holds nothing up */
    for (int round = 0; round < 200; round++) {
        rgc_thread *t = rgc_thread_attach(heap);
        assert_non_null(t);
        rgc_scope s = rgc_scope_open(t);
        struct model m = {.base = (uint64_t)seed << 40};
        rgc_ref *h = rgc_handle(t, NULL);
        for (int i = 0; i < 50; i++) {
            node *n = new_node(t, &m);
            rgc_store(t, &n->left, rgc_load(t, h));
            rgc_root_store(t, h, n);
        }
        uint64_t expect = m.base + m.count;
        for (node *n = rgc_load(t, h); n; n = rgc_load(t, &n->left))
            assert_int_equal(n->id, expect--);
        rgc_scope_close(t, s);
        free(m.nodes);
        assert_int_equal(rgc_thread_detach(t), RGC_OK);
    }
    return NULL;
}

static void *collect_until_done(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(heap);
    do {
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
        __atomic_store_n(&first_cycle_done, 1, __ATOMIC_SEQ_CST);
    } while (!__atomic_load_n(&churn_done, __ATOMIC_SEQ_CST));
    rgc_thread_detach(t);
    return NULL;
}

static void threads_attach_and_detach_during_collections(void **state)
{
    (void)state;
    make_heap("heap_max=32m,region_size=1m,gc_threads=2,verify");
    churn_done = 0;
    first_cycle_done = 0;
    pthread_t collector, churners[3];
    pthread_create(&collector, NULL, collect_until_done, NULL);
    for (uintptr_t i = 0; i < 3; i++)
        pthread_create(&churners[i], NULL, attach_detach_churn,
                       (void *)(i + 1));
    for (int i = 0; i < 3; i++)
        pthread_join(churners[i], NULL);
    __atomic_store_n(&churn_done, 1, __ATOMIC_SEQ_CST);
    pthread_join(collector, NULL);
    rgc_heap_stats s;
    rgc_stats(heap, &s);
    assert_true(s.cycles >= 1);
    rgc_heap_destroy(heap);
}

/* ---- a pinned buffer handed to write(2) from a blocking region ---- */

#define BUF (64u << 10)

static void *collect_garbage_until_done(void *arg)
{
    (void)arg;
    rgc_thread *t = rgc_thread_attach(heap);
    while (!__atomic_load_n(&churn_done, __ATOMIC_SEQ_CST)) {
        for (int i = 0; i < 100; i++)
            rgc_alloc_bytes(t, 1000);
        assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_OK);
    }
    rgc_thread_detach(t);
    return NULL;
}

static void pinned_buffer_is_written_from_a_blocking_region(void **state)
{
    (void)state;
    make_heap("heap_max=32m,region_size=1m,gc_threads=2,verify");
    rgc_thread *t = rgc_thread_attach(heap);
    rgc_scope s = rgc_scope_open(t);
    for (int i = 0; i < 100; i++)
        rgc_alloc_bytes(t, 1000); /* garbage beside the buffer */
    unsigned char *buf = rgc_alloc_bytes(t, BUF);
    rgc_ref *h = rgc_handle(t, buf);
    buf = rgc_load(t, h);
    for (size_t i = 0; i < BUF; i++)
        buf[i] = (unsigned char)(i * 7);
    assert_int_equal(rgc_pin(t, buf), RGC_OK);

    churn_done = 0;
    pthread_t collector;
    pthread_create(&collector, NULL, collect_garbage_until_done, NULL);
    FILE *f = tmpfile();
    assert_non_null(f);
    int fd = fileno(f);
    enum { WRITES = 40 };
    rgc_blocking_enter(t);
    for (int i = 0; i < WRITES; i++) {
        assert_int_equal(write(fd, buf, BUF), BUF);
        usleep(1000);
    }
    __atomic_store_n(&churn_done, 1, __ATOMIC_SEQ_CST);
    pthread_join(collector, NULL); /* blocking: still inside the region */
    rgc_blocking_leave(t);

    assert_ptr_equal(rgc_load(t, h), buf); /* never moved */
    unsigned char *back = malloc(BUF);
    for (int i = 0; i < WRITES; i++) {
        assert_int_equal(pread(fd, back, BUF, (off_t)i * BUF), BUF);
        assert_memory_equal(back, buf, BUF);
    }
    free(back);
    fclose(f);
    assert_int_equal(rgc_unpin(t, buf), RGC_OK);
    rgc_scope_close(t, s);
    rgc_thread_detach(t);
    rgc_heap_destroy(heap);
}

/* ---- misuse ---- */

static rgc_thread *foreign;

static void *use_foreign_thread(void *arg)
{
    (void)arg;
    assert_int_equal(rgc_collect(foreign, RGC_COLLECT_FULL), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "another OS thread"));
    return NULL;
}

static void misused_threads_get_clear_errors(void **state)
{
    (void)state;
    make_heap("heap_max=16m,region_size=1m");
    rgc_thread *t = rgc_thread_attach(heap);
    assert_null(rgc_thread_attach(heap));
    assert_non_null(strstr(rgc_last_error(), "already attached"));

    foreign = t;
    pthread_t tid;
    pthread_create(&tid, NULL, use_foreign_thread, NULL);
    pthread_join(tid, NULL);

    rgc_blocking_enter(t);
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "blocking region"));
    assert_int_equal(rgc_blocking_leave(t), RGC_OK);
    assert_int_equal(rgc_blocking_leave(t), RGC_ESTATE);

    assert_int_equal(rgc_thread_detach(t), RGC_OK);
    /* a detached thread: every slow path refuses it */
    assert_int_equal(rgc_collect(t, RGC_COLLECT_FULL), RGC_ESTATE);
    assert_non_null(strstr(rgc_last_error(), "not attached"));
    assert_null(rgc_alloc_bytes(t, 16));
    assert_null(rgc_handle(t, NULL));
    assert_int_equal(rgc_thread_detach(t), RGC_ESTATE);
    rgc_heap_destroy(heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threads_mutate_private_and_shared_graphs),
        cmocka_unit_test(a_blocked_thread_does_not_delay_a_collection),
        cmocka_unit_test(threads_attach_and_detach_during_collections),
        cmocka_unit_test(pinned_buffer_is_written_from_a_blocking_region),
        cmocka_unit_test(misused_threads_get_clear_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
