/*
 * global_roots.c — the registered root slots: a dense array for the
 * collector's walk, indexed by a hash table for O(1) registration and
 * removal (global_roots.h states the invariants).
 */
#include "roots/global_roots.h"

#include <stdint.h>

#include "base/chaos.h"
#include "base/error.h"
#include "base/meta.h"

#define INITIAL_CAPACITY 16 /* slots; the index has twice as many entries */
#define SCAN_BATCH 4096     /* slots the concurrent scan reads per lock hold */

static size_t index_mask(const struct global_roots *g)
{
    return 2 * g->capacity - 1;
}

/* Fibonacci hashing: slot addresses are 8-byte aligned and often
 * consecutive, the multiply spreads them over the whole table. */
static size_t home(const struct global_roots *g, const rgc_ref *slot)
{
    uint64_t h = (uint64_t)(uintptr_t)slot * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & index_mask(g);
}

/* The index entry of slot, or the empty entry where it would go. */
static struct root_entry *probe(const struct global_roots *g,
                                const rgc_ref *slot)
{
    size_t mask = index_mask(g);
    for (size_t i = home(g, slot);; i = (i + 1) & mask)
        if (!g->index[i].slot || g->index[i].slot == slot)
            return &g->index[i];
}

/* Double the array and rebuild the index (half full, at most). */
static int grow(struct global_roots *g)
{
    size_t cap = g->capacity ? 2 * g->capacity : INITIAL_CAPACITY;
    rgc_ref **slots = rgc_meta_realloc(g->slots, cap * sizeof *slots);
    if (!slots)
        return RGC_ENOMEM;
    g->slots = slots;
    struct root_entry *index = rgc_meta_calloc(2 * cap, sizeof *index);
    if (!index)
        return RGC_ENOMEM; /* the larger array is harmless */
    rgc_meta_free(g->index);
    g->index = index;
    g->capacity = cap;
    for (size_t i = 0; i < g->count; i++)
        *probe(g, g->slots[i]) = (struct root_entry){g->slots[i], i};
    return RGC_OK;
}

/* Empty entry e and shift back the entries after it that probed past it,
 * so that no probe meets an empty entry before its slot (no tombstones). */
static void index_delete(struct global_roots *g, struct root_entry *e)
{
    size_t mask = index_mask(g);
    size_t hole = (size_t)(e - g->index);
    for (size_t j = (hole + 1) & mask; g->index[j].slot; j = (j + 1) & mask) {
        size_t h = home(g, g->index[j].slot);
        /* Entry j may fill the hole if the hole lies on its probe path,
         * from its home h to j (cyclically). */
        if (((j - h) & mask) >= ((j - hole) & mask)) {
            g->index[hole] = g->index[j];
            hole = j;
        }
    }
    g->index[hole].slot = NULL;
}

int global_roots_init(struct global_roots *g, struct satb_queue *satb)
{
    *g = (struct global_roots){.satb = satb};
    if (satb_attach(satb, &g->removed) != RGC_OK)
        return rgc_fail(RGC_ENOMEM, "rgc_heap_create: no memory");
    pthread_mutex_init(&g->lock, NULL);
    return RGC_OK;
}

static int add(struct global_roots *g, rgc_ref *slot)
{
    if (g->capacity && probe(g, slot)->slot)
        return rgc_fail(RGC_EINVAL,
                        "rgc_root_register: slot %p is already registered",
                        (void *)slot);
    if (g->count == g->capacity && grow(g) != RGC_OK)
        return rgc_fail(RGC_ENOMEM, "rgc_root_register: no memory");
    *probe(g, slot) = (struct root_entry){slot, g->count};
    g->slots[g->count++] = slot;
    return RGC_OK;
}

int global_roots_add(struct global_roots *g, rgc_ref *slot)
{
    if (!slot)
        return rgc_fail(RGC_EINVAL, "rgc_root_register: slot is NULL");
    pthread_mutex_lock(&g->lock);
    int rc = add(g, slot);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* Remove slot: the array's last slot takes its place.  A snapshot slot
 * the scan has not read yet gives its value to the SATB buffer first. */
static int remove_slot(struct global_roots *g, rgc_ref *slot)
{
    struct root_entry *e = slot && g->capacity ? probe(g, slot) : NULL;
    if (!e || !e->slot)
        return rgc_fail(RGC_EINVAL,
                        "rgc_root_unregister: slot %p is not registered",
                        (void *)slot);
    uintptr_t old = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED);
    if (g->marking && e->at < g->unscanned && rgc__addr(old) &&
        !satb_record(&g->removed, g->satb, old))
        return rgc_fail(RGC_ENOMEM, "rgc_root_unregister: no memory to "
                                    "record the root for marking");
    size_t at = e->at, last = --g->count;
    if (g->unscanned > g->count)
        g->unscanned = g->count;
    index_delete(g, e);
    if (at != last) {
        g->slots[at] = g->slots[last];
        probe(g, g->slots[at])->at = at;
    }
    return RGC_OK;
}

int global_roots_remove(struct global_roots *g, rgc_ref *slot)
{
    pthread_mutex_lock(&g->lock);
    int rc = remove_slot(g, slot);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

bool global_roots_contains(struct global_roots *g, const rgc_ref *slot)
{
    pthread_mutex_lock(&g->lock);
    bool found = slot && g->capacity && probe(g, slot)->slot;
    pthread_mutex_unlock(&g->lock);
    return found;
}

void global_roots_visit(struct global_roots *g, rgc_visit_fn visit, void *ctx)
{
    pthread_mutex_lock(&g->lock);
    for (size_t i = 0; i < g->count; i++)
        visit(g->slots[i], ctx);
    pthread_mutex_unlock(&g->lock);
}

void global_roots_snapshot(struct global_roots *g)
{
    pthread_mutex_lock(&g->lock);
    g->marking = true;
    g->unscanned = g->count;
    pthread_mutex_unlock(&g->lock);
}

void global_roots_visit_snapshot(struct global_roots *g, rgc_visit_fn visit,
                                 void *ctx, void (*between)(void *),
                                 void *between_ctx)
{
    pthread_mutex_lock(&g->lock);
    while (g->unscanned) {
        size_t stop = g->unscanned > SCAN_BATCH ? g->unscanned - SCAN_BATCH
                                                : 0;
        while (g->unscanned > stop)
            visit(g->slots[--g->unscanned], ctx);
        pthread_mutex_unlock(&g->lock);
        chaos_point(CHAOS_ROOT_GLOBAL, g);
        between(between_ctx);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
}

void global_roots_flush(struct global_roots *g)
{
    pthread_mutex_lock(&g->lock);
    satb_flush(&g->removed, g->satb);
    pthread_mutex_unlock(&g->lock);
}

void global_roots_snapshot_end(struct global_roots *g)
{
    pthread_mutex_lock(&g->lock);
    g->marking = false;
    g->unscanned = 0;
    pthread_mutex_unlock(&g->lock);
}

void global_roots_destroy(struct global_roots *g)
{
    satb_detach(g->satb, &g->removed);
    rgc_meta_free(g->slots);
    rgc_meta_free(g->index);
    pthread_mutex_destroy(&g->lock);
    *g = (struct global_roots){0};
}
