/*
 * remap.h — turning a stale reference into a current one.
 *
 * Lookup only, for marking and the verifier, which run when relocation is
 * complete (or, for the verifier at relocate start, before it began): a
 * slot whose color is not the good color was written before the last
 * relocation, and its object may have moved.  The region the address
 * points into keeps the forwarding table of that relocation until the next
 * marking has visited (and healed) every reachable slot, so the lookup is
 * always possible while such a slot can still be read (docs/design.md,
 * "References and colors").  A region with no table did not move; an
 * object with no entry in a table not yet done has not moved yet (only the
 * relocate-start verifier looks then), and one with no entry in a done
 * table was not live: fatal (forwarding.h).  Mutators, who may meet a
 * table still being filled, go through relocate_object instead
 * (relocate/relocate.h).
 */
#ifndef RGC_RELOCATE_REMAP_H
#define RGC_RELOCATE_REMAP_H

#include "base/chaos.h"
#include "base/error.h"
#include "heap/region_table.h"
#include "object/header.h"
#include "relocate/forwarding.h"

/* The region of the object a stale reference to payload address addr
 * names, if that region has a forwarding table; NULL otherwise (null, not
 * ours — whoever checks the reference reports it —, or never relocated). */
static inline struct region *forwarded_region(const struct region_table *rt,
                                              uintptr_t addr)
{
    uintptr_t start = object_start((void *)addr);
    if (!addr || !heap_contains(rt, start))
        return NULL;
    struct region *r = region_of(rt, start);
    return r->forwarding ? r : NULL;
}

/* The current payload address of the object a stale reference names.  A
 * region's table is done except in the relocate-start verifier's pause,
 * before anything was copied: a miss there means "not yet moved", a miss
 * in a done table is a reference to an object that was not live. */
static inline uintptr_t remap_address(const struct region_table *rt,
                                      uintptr_t addr)
{
    const struct region *r = forwarded_region(rt, addr);
    if (!r)
        return addr;
    bool done = forwarding_done(r->forwarding);
    uintptr_t start = object_start((void *)addr);
    uintptr_t to = forwarding_find(r->forwarding, region_word_index(r, start));
    if (to)
        return (uintptr_t)object_payload(to);
    if (done)
        rgc_fatal("stale reference %p: its region %u was relocated, and the "
                  "object has no forwarding entry (it was not live)",
                  (void *)addr, r->index);
    return addr;
}

/* Store `healed` (the good form of the stale value `bits`) into slot,
 * unless the slot changed meanwhile: a newer value is never overwritten.
 * Release: a thread that loads the healed slot sees the copy behind it.
 * Returns healed (the value this load read, forwarded). */
static inline uintptr_t heal_slot_to(rgc_ref *slot, uintptr_t bits,
                                     uintptr_t healed)
{
    chaos_point(CHAOS_HEAL, slot); /* a store may land meanwhile */
    __atomic_compare_exchange_n(rgc__slot_bits(slot), &bits, healed, false,
                                __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    return healed;
}

/* heal_slot_to with the remapped value (lookup only). */
static inline uintptr_t heal_slot(const struct region_table *rt, rgc_ref *slot,
                                  uintptr_t bits, uintptr_t good_color)
{
    return heal_slot_to(
        slot, bits,
        rgc__colored(remap_address(rt, rgc__addr(bits)), good_color));
}

#endif
