/*
 * mem.h — rgc-kv's memory layer: the one place that knows whether the
 * server's objects live in the rgc heap (the default) or in malloc
 * (compiled with -DKV_MALLOC, the floor the rgc build is measured against).
 * Everything above it (protocol, commands, table, eviction) is one source.
 *
 * Objects come in three kinds:
 *   - byte strings (keys and values): immutable once filled in;
 *   - reference arrays (a table's buckets);
 *   - entries (struct kv_entry below): a key, a value, the next entry of
 *     the bucket chain, and plain fields.
 * Reference fields are kv_ref and are read and written only through
 * kv_load / kv_store (kv_load_elem / kv_store_elem for arrays, and
 * kv_root_store for roots and holds), whatever the build: in the rgc build
 * these are rgc's barriers, in the malloc build plain accesses.
 *
 * The rules of the rgc build hold for both, so code that works on one
 * works on the other:
 *   - A pointer from kv_load or an allocation is valid until this thread's
 *     next allocation or blocking region (kv_mem_blocking_enter).  What
 *     must survive one goes into a hold (kv_hold: per-thread root slots)
 *     or a registered root.
 *   - Nothing is freed by the collector in the malloc build, so whoever
 *     drops the last reference frees: kv_entry_free (which releases its
 *     key and value), kv_refs_free, kv_bytes_release.  They do nothing in
 *     the rgc build; KV_MEM_FREES says whether walking a structure to free
 *     it is worth doing.
 *   - A value handed to the socket is pinned (kv_pin): it neither moves
 *     nor dies (the rgc build keeps it in a per-thread pin pool that is
 *     reachable from a root; the malloc build counts references) until
 *     kv_unpin, however the table changes meanwhile.
 */
#ifndef KV_MEM_H
#define KV_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct kv_heap kv_heap; /* the process's object store        */
typedef struct kv_mem kv_mem;   /* one attached thread's view of it  */

/* Per-thread root slots for objects that must survive an allocation. */
enum kv_hold { KV_HOLD_ENTRY, KV_HOLD_KEY, KV_HOLD_VALUE, KV_HOLDS };

/* Pinned values a thread may have at once (the rgc pin pool's size). */
#define KV_PIN_SLOTS 1024

struct kv_pin {
    void *obj; /* the pinned byte string */
    int slot;  /* its place in the pin pool (rgc build) */
};

#ifdef KV_MALLOC
typedef struct kv_ref {
    void *p;
} kv_ref;
#else
#include <rgc.h>
typedef rgc_ref kv_ref;
#endif

struct kv_entry {
    kv_ref key;         /* byte string */
    kv_ref value;       /* byte string */
    kv_ref next;        /* next entry in the bucket chain, or null */
    uint64_t hash;      /* of the key: rehashing moves without rehashing */
    uint64_t expire_ms; /* monotonic deadline; 0 = never */
    uint32_t lru;       /* LRU clock (db.h) at the last access */
};

#ifdef KV_MALLOC
#include "mem_malloc.h"
#else
#include "mem_rgc.h"
#endif

/* The object store.  options: rgc options (rgc build; NULL or "" for the
 * defaults; RGC_OPTIONS applies on top), ignored by the malloc build.
 * NULL with a reason in err on failure. */
kv_heap *kv_heap_create(const char *options, char *err, size_t errlen);
/* No thread may be attached; every root unregistered. */
void kv_heap_destroy(kv_heap *heap);

/* Attach / detach the calling thread. */
kv_mem *kv_mem_attach(kv_heap *heap);
void kv_mem_detach(kv_mem *m);

/* Around every call that may block (epoll_wait, a contended mutex).  No
 * unpinned object pointer survives the region. */
void kv_mem_blocking_enter(kv_mem *m);
void kv_mem_blocking_leave(kv_mem *m);

/* Roots outside any object (the tables' bucket arrays).  The slot must be
 * zeroed first; false if it cannot be registered. */
bool kv_root_register(kv_heap *heap, kv_ref *root);
void kv_root_unregister(kv_heap *heap, kv_ref *root);

/* Pin a byte string just loaded (no safepoint since).  false when this
 * thread's pin pool is full: the caller copies instead. */
bool kv_pin(kv_mem *m, void *bytes, struct kv_pin *pin);
void kv_unpin(kv_mem *m, struct kv_pin *pin);
/* Pins taken and not yet released, all threads together. */
size_t kv_heap_pins(kv_heap *heap);

/* The body of INFO's "# GC" section. */
void kv_heap_info(kv_heap *heap, struct kv_buf *out);

/* A full collection, from a thread that is not attached (attaches for the
 * call).  Nothing in the malloc build. */
void kv_heap_collect(kv_heap *heap);

#endif
