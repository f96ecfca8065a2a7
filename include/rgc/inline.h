/*
 * rgc/inline.h — the inline fast paths of rgc.h: allocation, barriers,
 * handles.  Included by rgc.h; never include it directly.
 *
 * Everything here reads the first fields of struct rgc_thread, which the
 * library lays out as struct rgc__thread_fast.  Names with the rgc__ prefix
 * are private to the library and may change between versions.
 *
 * Colored pointers (docs/design.md, "References and colors"): a slot holds
 * an address shifted up by RGC__COLOR_BITS and a color in the low
 * RGC__COLOR_BITS bits, so that a load strips the color with one shift
 * (no 64-bit mask to load) and a store colors with a shift and an or.  A slot is fine to use as is when its color has no bit of
 * the thread's bad mask; otherwise the slow path repairs it.  Zeroed
 * memory (color 0, address 0) is a valid null.
 */
#ifndef RGC_INLINE_H
#define RGC_INLINE_H

#ifndef RGC_H
#error "include <rgc.h>, not <rgc/inline.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define RGC__LIKELY(x) __builtin_expect(!!(x), 1)
#define RGC__UNLIKELY(x) __builtin_expect(!!(x), 0)

#define RGC__COLOR_BITS 16 /* addresses stay below 2^48 (the heap checks) */
#define RGC__HEADER_BYTES 8u
#define RGC__SIZE_SHIFT 24
#define RGC__MAX_PAYLOAD ((uint64_t)1 << 40) /* 1 TiB: 40 size bits */
#define RGC__MAX_TYPES 4096u
#define RGC__NO_TYPE UINT64_MAX /* type_payload of an id rgc_alloc refuses */

/* The head of every rgc_thread: what the inline paths touch. */
struct rgc__thread_fast {
    uintptr_t poll;         /* nonzero: the collector waits at a safepoint */
    uintptr_t tlab_top;     /* next free byte of the TLAB (zeroed memory) */
    uintptr_t alloc_limit;  /* the TLAB's end, or 0 while the collector
                               wants this thread at a safepoint: the next
                               allocation then takes the slow path, which
                               polls (atomic: the collector writes it)    */
    uintptr_t good_color;   /* color stored with every new reference      */
    uintptr_t bad_mask;     /* colors the load barrier must repair        */
    uintptr_t marking;      /* nonzero: record overwritten references     */
    rgc_ref *handle_top;    /* next free handle in the current chunk      */
    rgc_ref *handle_limit;  /* end of the current handle chunk            */
    rgc_ref *root_watermark; /* while marking has not yet scanned this
                                thread's handles: closing a scope below
                                this slot of the current chunk must first
                                record the handles it drops (NULL: none) */
    const uint64_t *type_payload; /* payload bytes per type id, or
                                     RGC__NO_TYPE */
};

void *rgc__alloc_slow(rgc_thread *thread, rgc_type type, uint64_t payload);
uintptr_t rgc__load_slow(rgc_thread *thread, rgc_ref *slot, uintptr_t bits);
void rgc__store_slow(rgc_thread *thread, rgc_ref *slot, void *value);
void rgc__root_store_slow(rgc_thread *thread, rgc_ref *root, void *value);
void rgc__safepoint_slow(rgc_thread *thread);
rgc_ref *rgc__handle_slow(rgc_thread *thread, void *obj);
void rgc__scope_close_slow(rgc_thread *thread, rgc_scope scope);
void rgc__index_fail(const void *refs, size_t i);
void rgc__root_check(rgc_thread *thread, rgc_ref *root);

static inline struct rgc__thread_fast *rgc__fast(rgc_thread *thread)
{
    return (struct rgc__thread_fast *)thread;
}

/* The one place that casts away the const of rgc_ref's bits (rgc.h): the
 * library's own atomic writes to a slot go through it.  (Reads need no cast;
 * in C++ the member is not const and the cast does nothing.) */
static inline uintptr_t *rgc__slot_bits(rgc_ref *slot)
{
    return (uintptr_t *)&slot->bits_;
}

/* A slot's address and color, and the slot bits of an address in a color. */
static inline uintptr_t rgc__addr(uintptr_t bits)
{
    return bits >> RGC__COLOR_BITS;
}

static inline uintptr_t rgc__color(uintptr_t bits)
{
    return bits & (((uintptr_t)1 << RGC__COLOR_BITS) - 1);
}

static inline uintptr_t rgc__colored(uintptr_t addr, uintptr_t color)
{
    return addr << RGC__COLOR_BITS | color;
}

static inline uint64_t rgc__header(const void *obj)
{
    return ((const uint64_t *)obj)[-1];
}

/* A safepoint poll: one load and a branch. */
static inline void rgc_safepoint(rgc_thread *thread)
{
    if (RGC__UNLIKELY(__atomic_load_n(&rgc__fast(thread)->poll,
                                      __ATOMIC_RELAXED)))
        rgc__safepoint_slow(thread);
}

/* Bump-pointer allocation in the thread's TLAB, which is pre-zeroed.  (p +
 * bytes cannot overflow: heap addresses and payloads are far below 2^63.) */
static inline void *rgc__alloc(rgc_thread *thread, rgc_type type,
                               uint64_t payload)
{
    struct rgc__thread_fast *f = rgc__fast(thread);
    uint64_t bytes = RGC__HEADER_BYTES + ((payload + 7) & ~(uint64_t)7);
    uintptr_t p = f->tlab_top;
    if (RGC__LIKELY(payload <= RGC__MAX_PAYLOAD &&
                    p + bytes <= __atomic_load_n(&f->alloc_limit,
                                                 __ATOMIC_RELAXED))) {
        f->tlab_top = p + bytes;
        *(uint64_t *)p = (uint64_t)type | payload << RGC__SIZE_SHIFT;
        return (void *)(p + RGC__HEADER_BYTES);
    }
    return rgc__alloc_slow(thread, type, payload);
}

static inline void *rgc_alloc(rgc_thread *thread, rgc_type type)
{
    uint64_t payload = type < RGC__MAX_TYPES
                           ? rgc__fast(thread)->type_payload[type]
                           : RGC__NO_TYPE;
    return rgc__alloc(thread, type, payload);
}

static inline void *rgc_alloc_refs(rgc_thread *thread, size_t n)
{
    uint64_t payload = n <= RGC__MAX_PAYLOAD / sizeof(rgc_ref)
                           ? (uint64_t)n * sizeof(rgc_ref)
                           : RGC__MAX_PAYLOAD + 1;
    return rgc__alloc(thread, RGC_TYPE_REFS, payload);
}

static inline void *rgc_alloc_bytes(rgc_thread *thread, size_t n)
{
    return rgc__alloc(thread, RGC_TYPE_BYTES, n);
}

static inline size_t rgc_length(const void *obj)
{
    uint64_t h = rgc__header(obj);
    uint64_t payload = h >> RGC__SIZE_SHIFT;
    return (h & 0xffff) == RGC_TYPE_REFS ? payload / sizeof(rgc_ref) : payload;
}

/* Load barrier: one load, one test against the bad mask, one strip (three
 * instructions after the load; docs/design.md counts them).  The
 * load acquires (a plain mov on x86-64): a slot healed or stored by another
 * thread names an object that thread wrote, whose bytes must be visible
 * here.  A detached thread's bad mask has every bit set, so each non-null
 * load takes the slow path, which refuses it. */
static inline void *rgc_load(rgc_thread *thread, rgc_ref *slot)
{
    uintptr_t bits = __atomic_load_n(&slot->bits_, __ATOMIC_ACQUIRE);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(RGC_NO_ASM)
    /* A test against the mask in memory, and the branch: for the C below,
     * gcc and clang copy the slot and and the copy (one instruction more). */
    __asm__ goto("testq %0, %1\n\tjnz %l[stale]"
                 :
                 : "r"(bits), "m"(rgc__fast(thread)->bad_mask)
                 : "cc"
                 : stale);
    return (void *)rgc__addr(bits);
stale:
    return (void *)rgc__addr(rgc__load_slow(thread, slot, bits));
#else
    if (RGC__UNLIKELY(bits & rgc__fast(thread)->bad_mask))
        bits = rgc__load_slow(thread, slot, bits);
    return (void *)rgc__addr(bits);
#endif
}

/* Every write of a reference into a slot (stores, handles, root stores)
 * releases (a plain mov on x86-64, the same code as a relaxed store): a
 * thread that loads the slot, and acquires, then sees the bytes written to
 * the object before the store, e.g. the fields of an object just allocated
 * and filled in.  On weakly ordered machines (AArch64, POWER) a relaxed
 * store could be seen before those bytes. */
static inline void rgc__write_slot(rgc_thread *thread, rgc_ref *slot,
                                   void *value)
{
    __atomic_store_n(rgc__slot_bits(slot),
                     rgc__colored((uintptr_t)value,
                                  rgc__fast(thread)->good_color),
                     __ATOMIC_RELEASE);
}

/* Store barrier: one flag test, then the write in the good color.  While
 * marking runs, the slow path writes instead, after the SATB pre-write
 * barrier has recorded the value being overwritten.  A detached thread's
 * marking flag is set, so every store takes the slow path, which refuses
 * it (and writes nothing). */
static inline void rgc_store(rgc_thread *thread, rgc_ref *slot, void *value)
{
    if (RGC__UNLIKELY(rgc__fast(thread)->marking))
        rgc__store_slow(thread, slot, value);
    else
        rgc__write_slot(thread, slot, value);
}

static inline rgc_ref *rgc__elem(const void *refs, size_t i)
{
#ifdef RGC_CHECKED
    if (RGC__UNLIKELY((rgc__header(refs) & 0xffff) != RGC_TYPE_REFS ||
                      i >= rgc_length(refs)))
        rgc__index_fail(refs, i);
#endif
    return (rgc_ref *)refs + i;
}

static inline void *rgc_load_elem(rgc_thread *thread, void *refs, size_t i)
{
    return rgc_load(thread, rgc__elem(refs, i));
}

static inline void rgc_store_elem(rgc_thread *thread, void *refs, size_t i,
                                  void *value)
{
    rgc_store(thread, rgc__elem(refs, i), value);
}

static inline rgc_scope rgc_scope_open(rgc_thread *thread)
{
    struct rgc__thread_fast *f = rgc__fast(thread);
    rgc_scope s = {f->handle_top, f->handle_limit};
    return s;
}

/* A scope that ends in the current handle chunk only moves the top back.
 * One that ends in an earlier chunk goes out of line, as does every scope
 * closed on a detached thread (whose handle limit is NULL): there the scope
 * may name chunks freed at detach, and closing it must not hand them to
 * the rgc_handle fast path again.  So does one that drops handles marking
 * has not scanned yet (below the root watermark): they are recorded first,
 * as the SATB barrier records an overwritten slot. */
static inline void rgc_scope_close(rgc_thread *thread, rgc_scope scope)
{
    struct rgc__thread_fast *f = rgc__fast(thread);
    if (RGC__UNLIKELY(scope.limit_ != f->handle_limit ||
                      scope.top_ < f->root_watermark))
        rgc__scope_close_slow(thread, scope);
    else
        f->handle_top = scope.top_;
}

static inline rgc_ref *rgc_handle(rgc_thread *thread, void *obj)
{
    struct rgc__thread_fast *f = rgc__fast(thread);
    rgc_ref *h = f->handle_top;
    if (RGC__LIKELY(h < f->handle_limit)) {
        f->handle_top = h + 1;
        rgc__write_slot(thread, h, obj);
        return h;
    }
    return rgc__handle_slow(thread, obj);
}

/* Roots are scanned while mutators run, so a root store has the store
 * barrier too: the root's old value may be a snapshot edge marking has not
 * read yet.  RGC_DEBUG: abort unless root is a handle of this thread or a
 * registered global root (an out-of-line lookup). */
static inline void rgc_root_store(rgc_thread *thread, rgc_ref *root,
                                  void *value)
{
#ifdef RGC_DEBUG
    rgc__root_check(thread, root);
#endif
    if (RGC__UNLIKELY(rgc__fast(thread)->marking))
        rgc__root_store_slow(thread, root, value);
    else
        rgc__write_slot(thread, root, value);
}

#ifdef __cplusplus
}
#endif

#endif /* RGC_INLINE_H */
