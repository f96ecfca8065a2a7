/*
 * header.h — the one-word object header and object geometry.
 *
 * Every object is a header word followed by its payload; the address the API
 * hands out is the payload's.  The collector works with the header address
 * (the object's "start"), which always lies inside the object's region even
 * for an empty payload.
 *
 *   bits  0..15  type id (RGC_TYPE_REFS, RGC_TYPE_BYTES, or a registered type)
 *   bits 16..23  GC bits (reserved, always 0 in this version)
 *   bits 24..63  payload size in bytes (40 bits)
 *
 * There is no forwarding pointer in the header: forwarding lives in
 * per-region tables (relocate/forwarding.h), so the header of an object that
 * is being moved is never overwritten.
 */
#ifndef RGC_OBJECT_HEADER_H
#define RGC_OBJECT_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "rgc.h"

#define RGC_WORD 8u
#define RGC_FIRST_USER_TYPE 16u /* ids below are the built-in kinds */

static inline uint64_t header_make(rgc_type type, uint64_t payload)
{
    return (uint64_t)type | payload << RGC__SIZE_SHIFT;
}

static inline rgc_type header_type(uint64_t h)
{
    return (rgc_type)(h & 0xffff);
}

static inline uint64_t header_payload(uint64_t h)
{
    return h >> RGC__SIZE_SHIFT;
}

/* Bytes an object occupies in its region: header plus padded payload. */
static inline size_t object_footprint(uint64_t payload)
{
    return RGC__HEADER_BYTES + (size_t)((payload + 7) & ~(uint64_t)7);
}

static inline uintptr_t object_start(const void *obj)
{
    return (uintptr_t)obj - RGC__HEADER_BYTES;
}

static inline void *object_payload(uintptr_t start)
{
    return (void *)(start + RGC__HEADER_BYTES);
}

static inline uint64_t object_header_at(uintptr_t start)
{
    return *(const uint64_t *)start;
}

#endif
