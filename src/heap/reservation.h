/*
 * reservation.h — the heap's one virtual address range, and the OS calls
 * that commit, pre-fault, protect and release parts of it.
 *
 * The range is reserved inaccessible (PROT_NONE, no swap reservation) and
 * aligned to the region size, so address -> region is a subtract and shift.
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

/* Make [addr, addr+len) readable and writable (its pages fault in lazily). */
int os_commit(uintptr_t addr, size_t len);
/* Fault every page of [addr, addr+len) in now. */
void os_pretouch(uintptr_t addr, size_t len);
/* Return the memory to the OS and make the range inaccessible again. */
void os_uncommit(uintptr_t addr, size_t len);
/* Make the range inaccessible but keep its memory (debug poisoning). */
void os_protect(uintptr_t addr, size_t len);

#endif
