/*
 * barrier.c — the out-of-line halves of the barriers.
 *
 * Load: a slot with a bad color was written before the last relocation; its
 * object may have moved.  Remap it through the forwarding table of the
 * region it points into and heal the slot (relocate/remap.h).  A slot that
 * lies in a free region cannot belong to a live object: the embedder read
 * it through a raw pointer kept across a safepoint, which is reported.
 *
 * Store: the SATB pre-write barrier's recording half.
 */
#include "base/error.h"
#include "relocate/remap.h"
#include "rgc_heap.h"

uintptr_t rgc__load_slow(rgc_thread *t, rgc_ref *slot, uintptr_t bits)
{
    struct region_table *rt = &t->heap->regions;
    uintptr_t s = (uintptr_t)slot;
    if (heap_contains(rt, s) &&
        region_state(region_of(rt, s)) == REGION_FREE)
        rgc_fatal("rgc_load: slot %p holds %#llx, a reference from before "
                  "the last collection, in memory the collector has freed: "
                  "the object holding the slot was reached through a raw "
                  "pointer kept across a safepoint (use a handle)",
                  (void *)slot, (unsigned long long)bits);
    return heal_slot(rt, slot, bits, t->fast.good_color);
}

void rgc__satb_record(rgc_thread *t, rgc_ref *slot)
{
    uintptr_t old = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED);
    if (old & RGC__ADDR_MASK)
        satb_record(&t->satb, &t->heap->satb, old);
}

void rgc__index_fail(const void *refs, size_t i)
{
    if (rgc_type_of(refs) != RGC_TYPE_REFS)
        rgc_fatal("reference array access: %p is not a reference array",
                  refs);
    rgc_fatal("reference array access: index %zu out of bounds (length %zu)",
              i, rgc_length(refs));
}
