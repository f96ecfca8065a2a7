/*
 * reservation.h — the heap's one virtual address range, and the OS calls
 * that pre-fault, protect and release parts of it.
 *
 * The range is reserved readable and writable, without swap reservation
 * (MAP_NORESERVE), and aligned to the region size, so address -> region is
 * a subtract and shift.  Committing a region is bookkeeping: its pages
 * fault in as they are first written.  Reserving it inaccessible and
 * committing each region with mprotect took the process's mmap lock for
 * writing once per region, and every page fault of every thread queued
 * behind that (docs/design.md, "The heap").  Only the poison option changes
 * protections (os_protect, os_unprotect).
 */
#ifndef RGC_HEAP_RESERVATION_H
#define RGC_HEAP_RESERVATION_H

#include <stddef.h>
#include <stdint.h>

struct reservation {
    uintptr_t base;
    size_t size;
    void *mapping;      /* what munmap gets back: base minus alignment slack */
    size_t mapping_size;
};

int reservation_create(struct reservation *res, size_t size, size_t align);
void reservation_destroy(struct reservation *res);

/* Fault every page of [addr, addr+len) in now (MADV_POPULATE_WRITE, or a
 * zero written to each page where the kernel lacks it: the caller owns the
 * range, and it holds zeros). */
void os_pretouch(uintptr_t addr, size_t len);
/* Return the memory to the OS: the range reads as zeros afterwards. */
void os_uncommit(uintptr_t addr, size_t len);
/* Make the range inaccessible but keep its memory (debug poisoning). */
void os_protect(uintptr_t addr, size_t len);
/* Make a protected range readable and writable again. */
int os_unprotect(uintptr_t addr, size_t len);

#endif
