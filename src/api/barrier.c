/*
 * barrier.c — the out-of-line halves of the barriers.
 *
 * Load: a slot with a bad color was written before the last relocate
 * start; its object may be in the relocation set.  If the region it points
 * into has a forwarding table, the object is relocated — by this thread,
 * into its own TLAB, if no one has copied it yet — and the slot healed to
 * the copy with a CAS (relocate/relocate.h).  The slow path never reaches
 * a safepoint: a thread here may hold the right to read from-space (a
 * retained table), which a pause must not wait on.
 *
 * A slot that lies in a free region cannot belong to a live object: the
 * embedder read it through a raw pointer kept across a safepoint, which is
 * reported.
 *
 * Store: while marking runs, the SATB pre-write barrier records the value
 * being overwritten, then the slot is written.  Roots have the same
 * barrier, since marking reads them while mutators run: a root store, and a
 * scope close that drops handles marking has not read yet.  Recording never aborts for
 * want of memory: a thread that can get no SATB buffer waits for the
 * marker to recycle one (record_after_wait).
 *
 * A detached thread's fast fields send every non-null load and every store
 * here (heap.c, disarm), so both check the thread first and refuse it.
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "base/chaos.h"
#include "base/clock.h"
#include "base/error.h"
#include "object/header.h"
#include "relocate/relocate.h"
#include "relocate/remap.h"
#include "rgc_heap.h"
#include "thread/thread_check.h"

/* A mutator's copies go into its TLAB, refilled without polling (and with
 * the allocation limit kept at 0 if a pause is being requested, so the
 * next allocation still stops). */
static uintptr_t tlab_copy_alloc(void *ctx, size_t bytes)
{
    struct rgc_thread *t = ctx;
    struct rgc_heap *heap = t->heap;
    if (chaos_fail(CHAOS_FAIL_MUTATOR_COPY, t))
        return 0;
    if (t->fast.tlab_top + bytes > t->tlab_end) {
        heap_count_allocated(heap, tlab_retire(t));
        if (!tlab_refill(t, &heap->regions, &heap->spare_regions, bytes,
                         heap->config.tlab_size))
            return 0; /* the region's worker will move it */
        if (__atomic_load_n(&t->fast.poll, __ATOMIC_SEQ_CST))
            __atomic_store_n(&t->fast.alloc_limit, 0, __ATOMIC_SEQ_CST);
    }
    tlab_fill_ahead(t, bytes); /* the copy overwrites it whole */
    uintptr_t p = t->fast.tlab_top;
    t->fast.tlab_top = p + bytes;
    return p;
}

static void tlab_copy_undo(void *ctx, uintptr_t p, size_t bytes)
{
    struct rgc_thread *t = ctx;
    memset((void *)p, 0, bytes); /* TLAB memory is handed out zeroed */
    t->fast.tlab_top = p;
}

/* The current address of a stale reference's object, relocating it if
 * no one has yet. */
static uintptr_t forward(struct rgc_thread *t, uintptr_t addr)
{
    struct rgc_heap *heap = t->heap;
    struct region *r = forwarded_region(&heap->regions, addr);
    if (!r)
        return addr;
    struct copier c = {tlab_copy_alloc, tlab_copy_undo, t};
    struct relocate_outcome done = {0};
    uint64_t t0 = rgc_now_ns(); /* a copy is GC work (gc_assist_ns) */
    uintptr_t to = relocate_object(r, object_start((void *)addr), &c, &done);
    if (done.copied) {
        t->load_relocations++;
        HEAP_ADD(heap->bytes_copied, done.copied);
        HEAP_ADD(heap->assist_ns, rgc_now_ns() - t0);
    }
    t->load_waits += done.waited;
    return (uintptr_t)object_payload(to);
}

uintptr_t rgc__load_slow(rgc_thread *t, rgc_ref *slot, uintptr_t bits)
{
    if (!thread_check(t, "rgc_load"))
        return 0; /* rgc_load returns NULL */
    struct region_table *rt = &t->heap->regions;
    uintptr_t s = (uintptr_t)slot;
    if (heap_contains(rt, s) &&
        region_state(region_of(rt, s)) == REGION_FREE)
        rgc_fatal("rgc_load: slot %p holds %#llx, a reference from before "
                  "the last collection, in memory the collector has freed: "
                  "the object holding the slot was reached through a raw "
                  "pointer kept across a safepoint (use a handle)",
                  (void *)slot, (unsigned long long)bits);
    t->load_slow++;
    uintptr_t to = forward(t, rgc__addr(bits));
    return heal_slot_to(slot, bits, rgc__colored(to, t->fast.good_color));
}

/* Yield, then sleep a little: the marker needs the CPU to drain. */
static void wait_a_little(unsigned round)
{
    if (round < 16) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
}

/*
 * No SATB buffer could be had: the free list is empty and metadata memory
 * has run out.  The entry must not be dropped (its object may be reachable
 * only through the snapshot), so wait for the marker to recycle a buffer:
 * one is bound to come back once it drains the queue (satb.h: total >=
 * attached, and this thread holds none).
 *
 * The wait is offline, so that the handshake and the mark-end pauses the
 * marker runs meanwhile do not wait for this thread.  While it waits, no
 * mark-end pause completes marking (satb_waiting), so no relocate-start
 * pause can follow: nothing moves, and the caller's raw pointers (the
 * slot, the value it is storing) stay valid.  Only the owner touches
 * t->satb, and only online: handshakes and pauses flush it while the
 * thread is offline, and it is NULL throughout (this thread had none).
 */
static void record_after_wait(struct rgc_thread *t, uintptr_t old)
{
    struct rgc_heap *heap = t->heap;
    satb_wait_begin(&heap->satb);
    thread_offline(&heap->safepoint, t); /* online: thread_check passed */
    struct satb_buffer *b;
    for (unsigned round = 0; !(b = satb_buffer_get(&heap->satb)); round++)
        wait_a_little(round);
    thread_online(&heap->safepoint, t);
    satb_wait_end(&heap->satb);
    t->satb = b;
    satb_record(&t->satb, &heap->satb, old); /* an empty buffer: succeeds */
}

static void satb_record_old(rgc_thread *t, rgc_ref *slot)
{
    uintptr_t old = __atomic_load_n(&slot->bits_, __ATOMIC_RELAXED);
    if (rgc__addr(old) && !satb_record(&t->satb, &t->heap->satb, old))
        record_after_wait(t, old);
}

/* call: the API call to name when the thread is refused. */
static void store_slow(rgc_thread *t, rgc_ref *slot, void *value,
                       const char *call)
{
    if (!thread_check(t, call))
        return;
    satb_record_old(t, slot);
    rgc__write_slot(t, slot, value);
}

void rgc__store_slow(rgc_thread *t, rgc_ref *slot, void *value)
{
    store_slow(t, slot, value, "rgc_store");
}

void rgc__root_store_slow(rgc_thread *t, rgc_ref *root, void *value)
{
    store_slow(t, root, value, "rgc_root_store");
}

static void record_dropped(rgc_ref *handle, void *ctx)
{
    satb_record_old(ctx, handle);
}

/* The scope ends in an earlier chunk than the current one, drops handles
 * marking has not scanned yet (they are recorded as an overwritten slot
 * is), or the thread is not attached (then its handle limit is NULL, and
 * the scope may name chunks freed at detach). */
void rgc__scope_close_slow(rgc_thread *t, rgc_scope scope)
{
    if (!thread_check(t, "rgc_scope_close"))
        return;
    handles_close(t, scope, record_dropped, t);
}

void rgc__index_fail(const void *refs, size_t i)
{
    if (rgc_type_of(refs) != RGC_TYPE_REFS)
        rgc_fatal("reference array access: %p is not a reference array",
                  refs);
    rgc_fatal("reference array access: index %zu out of bounds (length %zu)",
              i, rgc_length(refs));
}
