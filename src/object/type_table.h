/*
 * type_table.h — registered object layouts, and the one routine that visits
 * the reference slots of any object.
 *
 * Registration is serialised by the caller; lookups may run concurrently
 * with it (next_id is published with release ordering).
 *
 * Invariant: payload[id] is the padded payload size of every registered
 * fixed-size type and RGC__NO_TYPE (an impossible size) for every other id,
 * the built-in kinds included (they have no fixed size), so the inline
 * rgc_alloc fast path needs no validity test.
 */
#ifndef RGC_OBJECT_TYPE_TABLE_H
#define RGC_OBJECT_TYPE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rgc.h"

struct type_info {
    char *name;
    size_t *ref_offsets;
    size_t ref_count;
    rgc_trace_fn trace;
};

struct type_table {
    uint64_t *payload;          /* RGC__MAX_TYPES entries; read inline   */
    struct type_info *info;     /* RGC__MAX_TYPES entries                */
    rgc_type next_id;
};

int type_table_init(struct type_table *types);
void type_table_destroy(struct type_table *types);
rgc_type type_table_register(struct type_table *types,
                             const rgc_type_desc *desc);
bool type_table_valid(const struct type_table *types, rgc_type type);
const char *type_table_name(const struct type_table *types, rgc_type type);

/* Calls visit(slot, ctx) for every reference slot of the object whose header
 * is at start.  A trace callback that reports a slot outside its object is a
 * lying descriptor: fatal, with the type's name. */
void object_visit_refs(const struct type_table *types, uintptr_t start,
                       rgc_visit_fn visit, void *ctx);

#endif
