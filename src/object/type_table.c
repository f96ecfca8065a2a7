/*
 * type_table.c — registration and validation of type descriptors, and
 * reference-slot visiting for every kind of object.
 */
#include "object/type_table.h"

#include <string.h>

#include "base/error.h"
#include "base/meta.h"
#include "object/header.h"

int type_table_init(struct type_table *types)
{
    types->payload = rgc_meta_calloc(RGC__MAX_TYPES, sizeof *types->payload);
    types->info = rgc_meta_calloc(RGC__MAX_TYPES, sizeof *types->info);
    if (!types->payload || !types->info) {
        type_table_destroy(types);
        return rgc_fail(RGC_ENOMEM, "rgc_heap_create: no memory for types");
    }
    for (size_t i = 0; i < RGC__MAX_TYPES; i++)
        types->payload[i] = RGC__NO_TYPE; /* built-in kinds too */
    types->info[RGC_TYPE_REFS].name = "refs[]";
    types->info[RGC_TYPE_BYTES].name = "bytes[]";
    types->next_id = RGC_FIRST_USER_TYPE;
    return RGC_OK;
}

void type_table_destroy(struct type_table *types)
{
    if (types->info) {
        for (rgc_type id = RGC_FIRST_USER_TYPE; id < types->next_id; id++) {
            rgc_meta_free(types->info[id].name);
            rgc_meta_free(types->info[id].ref_offsets);
        }
    }
    rgc_meta_free(types->payload);
    rgc_meta_free(types->info);
    types->payload = NULL;
    types->info = NULL;
}

static int validate(const rgc_type_desc *d)
{
    const char *name = d->name ? d->name : "(unnamed)";
    if (d->size == 0)
        return rgc_fail(RGC_EINVAL, "rgc_type_register: type '%s': size is 0",
                        name);
    if (d->size > RGC__MAX_PAYLOAD)
        return rgc_fail(RGC_EINVAL,
                        "rgc_type_register: type '%s': size %zu exceeds the "
                        "maximum object size",
                        name, d->size);
    if (d->trace && d->ref_count)
        return rgc_fail(RGC_EINVAL,
                        "rgc_type_register: type '%s': give either "
                        "ref_offsets or a trace callback, not both",
                        name);
    if (d->ref_count && !d->ref_offsets)
        return rgc_fail(RGC_EINVAL,
                        "rgc_type_register: type '%s': ref_count %zu but "
                        "ref_offsets is NULL",
                        name, d->ref_count);
    for (size_t i = 0; i < d->ref_count; i++) {
        size_t off = d->ref_offsets[i];
        if (off % sizeof(rgc_ref))
            return rgc_fail(RGC_EINVAL,
                            "rgc_type_register: type '%s': ref_offsets[%zu] "
                            "= %zu is not aligned to %zu bytes",
                            name, i, off, sizeof(rgc_ref));
        if (off > d->size - sizeof(rgc_ref) || d->size < sizeof(rgc_ref))
            return rgc_fail(RGC_EINVAL,
                            "rgc_type_register: type '%s': ref_offsets[%zu] "
                            "= %zu is out of bounds for size %zu",
                            name, i, off, d->size);
        for (size_t j = 0; j < i; j++)
            if (d->ref_offsets[j] == off)
                return rgc_fail(RGC_EINVAL,
                                "rgc_type_register: type '%s': offset %zu "
                                "appears twice",
                                name, off);
    }
    return RGC_OK;
}

rgc_type type_table_register(struct type_table *types,
                             const rgc_type_desc *desc)
{
    if (!desc) {
        rgc_fail(RGC_EINVAL, "rgc_type_register: descriptor is NULL");
        return 0;
    }
    if (validate(desc) != RGC_OK)
        return 0;
    if (types->next_id >= RGC__MAX_TYPES) {
        rgc_fail(RGC_EINVAL, "rgc_type_register: more than %u types",
                 RGC__MAX_TYPES - RGC_FIRST_USER_TYPE);
        return 0;
    }
    struct type_info info = {.ref_count = desc->ref_count,
                             .trace = desc->trace};
    const char *name = desc->name ? desc->name : "(unnamed)";
    info.name = rgc_meta_calloc(1, strlen(name) + 1);
    if (desc->ref_count)
        info.ref_offsets =
            rgc_meta_calloc(desc->ref_count, sizeof *info.ref_offsets);
    if (!info.name || (desc->ref_count && !info.ref_offsets)) {
        rgc_meta_free(info.name);
        rgc_meta_free(info.ref_offsets);
        rgc_fail(RGC_ENOMEM, "rgc_type_register: no memory");
        return 0;
    }
    strcpy(info.name, name);
    if (desc->ref_count)
        memcpy(info.ref_offsets, desc->ref_offsets,
               desc->ref_count * sizeof *info.ref_offsets);
    rgc_type id = types->next_id;
    types->info[id] = info;
    types->payload[id] = (desc->size + 7) & ~(uint64_t)7;
    /* publish: readers that see the new bound see the entry */
    __atomic_store_n(&types->next_id, id + 1, __ATOMIC_RELEASE);
    return id;
}

bool type_table_valid(const struct type_table *types, rgc_type type)
{
    return type == RGC_TYPE_REFS || type == RGC_TYPE_BYTES ||
           (type >= RGC_FIRST_USER_TYPE &&
            type < __atomic_load_n(&types->next_id, __ATOMIC_ACQUIRE));
}

const char *type_table_name(const struct type_table *types, rgc_type type)
{
    return type_table_valid(types, type) ? types->info[type].name : "invalid";
}

struct bounded_visit {
    rgc_visit_fn visit;
    void *ctx;
    uintptr_t lo, hi;
    const char *type_name;
};

static void visit_in_bounds(rgc_ref *slot, void *ctx)
{
    struct bounded_visit *b = ctx;
    uintptr_t s = (uintptr_t)slot;
    if (s < b->lo || s > b->hi - sizeof(rgc_ref) || s % sizeof(rgc_ref))
        rgc_fatal("type '%s': trace callback visited slot %p outside its "
                  "object [%p, %p)",
                  b->type_name, (void *)slot, (void *)b->lo, (void *)b->hi);
    b->visit(slot, b->ctx);
}

void object_visit_refs(const struct type_table *types, uintptr_t start,
                       rgc_visit_fn visit, void *ctx)
{
    uint64_t h = object_header_at(start);
    rgc_type type = header_type(h);
    rgc_ref *payload = object_payload(start);
    if (type == RGC_TYPE_REFS) {
        size_t n = header_payload(h) / sizeof(rgc_ref);
        for (size_t i = 0; i < n; i++)
            visit(&payload[i], ctx);
        return;
    }
    if (type < RGC_FIRST_USER_TYPE)
        return; /* byte arrays: never scanned */
    const struct type_info *info = &types->info[type];
    if (info->trace) {
        struct bounded_visit b = {visit, ctx, (uintptr_t)payload,
                                  (uintptr_t)payload + header_payload(h),
                                  info->name};
        info->trace(payload, visit_in_bounds, &b);
        return;
    }
    for (size_t i = 0; i < info->ref_count; i++)
        visit((rgc_ref *)((char *)payload + info->ref_offsets[i]), ctx);
}
