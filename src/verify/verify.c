/* verify.c — region parsing and a checked trace from the roots. */
#include "verify/verify.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/bitmap.h"
#include "base/error.h"
#include "base/meta.h"
#include "mark/mark.h"
#include "object/header.h"
#include "relocate/remap.h"

#define REPORT_LIMIT 20

struct verifier {
    struct region_table *rt;
    const struct type_table *types;
    uintptr_t good_color;
    unsigned flags;
    const char *when;
    uint64_t **starts;  /* per region: object-start bits, or NULL */
    uint64_t **visited; /* per region: reached-object bits        */
    size_t problems;
};

__attribute__((format(printf, 2, 3))) static void problem(struct verifier *v,
                                                          const char *fmt, ...)
{
    if (v->problems++ >= REPORT_LIMIT)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rgc: verify (%s): ", v->when);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool holds_objects(const struct region *r)
{
    return r->state == REGION_ALLOC || r->state == REGION_FULL ||
           r->state == REGION_HUMONGOUS_START;
}

static void parse_region(struct verifier *v, struct region *r)
{
    uint64_t *starts = v->starts[r->index];
    for (uintptr_t p = r->bottom; p < r->top;) {
        uint64_t h = object_header_at(p);
        if (!type_table_valid(v->types, header_type(h))) {
            problem(v, "region %u: invalid header %#llx at %p", r->index,
                    (unsigned long long)h, (void *)p);
            return;
        }
        size_t bytes = object_footprint(header_payload(h));
        if (bytes > r->top - p) {
            problem(v, "region %u: object at %p (%zu bytes) runs past top %p",
                    r->index, (void *)p, bytes, (void *)r->top);
            return;
        }
        bitmap_test_and_set(starts, region_word_index(r, p));
        p += bytes;
        if (r->state == REGION_HUMONGOUS_START && p != r->top)
            problem(v, "region %u: a large object must fill [bottom, top)",
                    r->index);
    }
}

static uintptr_t verify_reach(void *ctx, rgc_ref *slot, uintptr_t bits)
{
    struct verifier *v = ctx;
    uintptr_t addr = rgc__addr(bits);
    if (rgc__color(bits) != v->good_color) {
        if (!(v->flags & VERIFY_STALE_OK)) {
            problem(v, "slot %p: reference %p has color %#llx, good is %#llx",
                    (void *)slot, (void *)addr,
                    (unsigned long long)rgc__color(bits),
                    (unsigned long long)v->good_color);
            return 0;
        }
        addr = remap_address(v->rt, addr);
    }
    uintptr_t start = object_start((void *)addr);
    if (!heap_contains(v->rt, start)) {
        problem(v, "slot %p: reference %p is outside the heap", (void *)slot,
                (void *)addr);
        return 0;
    }
    struct region *r = region_of(v->rt, start);
    if (!holds_objects(r) || !v->starts[r->index] ||
        !bitmap_test(v->starts[r->index], region_word_index(r, start))) {
        problem(v, "slot %p: reference %p is not an object start (region %u, "
                   "state %d)",
                (void *)slot, (void *)addr, r->index, (int)r->state);
        return 0;
    }
    if (bitmap_test_and_set(v->visited[r->index], region_word_index(r, start)))
        return 0;
    if ((v->flags & VERIFY_MARKS) && !mark_is_live(v->rt, r, start))
        problem(v, "reachable object %p (region %u, type %u) is not marked",
                (void *)addr, r->index,
                header_type(object_header_at(start)));
    return header_type(object_header_at(start)) != RGC_TYPE_BYTES ? start : 0;
}

size_t verify_heap(struct region_table *rt, const struct type_table *types,
                   roots_fn roots, void *roots_ctx, uintptr_t good_color,
                   unsigned flags, const char *when)
{
    struct verifier v = {rt, types, good_color, flags, when, NULL, NULL, 0};
    v.starts = rgc_meta_calloc(rt->count, sizeof *v.starts);
    v.visited = rgc_meta_calloc(rt->count, sizeof *v.visited);
    if (!v.starts || !v.visited)
        rgc_fatal("verify: no memory for the verifier's bitmaps");
    for (size_t i = 0; i < rt->count; i++) {
        struct region *r = &rt->regions[i];
        if (!holds_objects(r))
            continue;
        v.starts[i] = rgc_meta_calloc(region_mark_words(rt), 8);
        v.visited[i] = rgc_meta_calloc(region_mark_words(rt), 8);
        if (!v.starts[i] || !v.visited[i])
            rgc_fatal("verify: no memory for the verifier's bitmaps");
        parse_region(&v, r);
    }
    /* serial: problem() prints */
    trace_from_roots(types, verify_reach, NULL, &v, roots, roots_ctx, NULL);
    for (size_t i = 0; i < rt->count; i++) {
        rgc_meta_free(v.starts[i]);
        rgc_meta_free(v.visited[i]);
    }
    rgc_meta_free(v.starts);
    rgc_meta_free(v.visited);
    if (v.problems > REPORT_LIMIT)
        fprintf(stderr, "rgc: verify (%s): %zu more problems not shown\n",
                when, v.problems - REPORT_LIMIT);
    return v.problems;
}
