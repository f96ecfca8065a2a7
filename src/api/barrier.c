/*
 * barrier.c — the out-of-line halves of the barriers.
 *
 * With a stop-the-world collector every live slot is recolored in the pause,
 * so a slot with a bad color can only belong to an object the collector
 * found unreachable: the embedder read it through a raw pointer held across
 * a safepoint.  That is reported, not repaired.  (With concurrent
 * relocation, this is where a stale pointer is remapped and healed.)
 */
#include "base/error.h"
#include "rgc.h"

uintptr_t rgc__load_slow(rgc_thread *t, rgc_ref *slot, uintptr_t bits)
{
    (void)t;
    rgc_fatal("rgc_load: slot %p holds %#llx, a reference from before the "
              "last collection: the object holding the slot was reached "
              "through a raw pointer kept across a safepoint (use a handle)",
              (void *)slot, (unsigned long long)bits);
}

void rgc__index_fail(const void *refs, size_t i)
{
    if (rgc_type_of(refs) != RGC_TYPE_REFS)
        rgc_fatal("reference array access: %p is not a reference array",
                  refs);
    rgc_fatal("reference array access: index %zu out of bounds (length %zu)",
              i, rgc_length(refs));
}
