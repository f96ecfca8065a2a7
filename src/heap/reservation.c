/* reservation.c — mmap/mprotect/madvise behind the heap's address range. */
#include "heap/reservation.h"

#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"

int reservation_create(struct reservation *res, size_t size, size_t align)
{
    size_t mapping_size = size + align;
    void *p = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return rgc_fail(RGC_ENOMEM,
                        "rgc_heap_create: cannot reserve %zu bytes of address "
                        "space (heap_max)",
                        size);
    uintptr_t base = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    /* A slot keeps an address in its top 64 - RGC__COLOR_BITS bits. */
    if (base + size > (uintptr_t)1 << (64 - RGC__COLOR_BITS)) {
        munmap(p, mapping_size);
        return rgc_fail(RGC_ENOMEM,
                        "rgc_heap_create: the kernel placed the heap at %p, "
                        "above the 2^%d bytes a colored pointer can address",
                        (void *)base, 64 - RGC__COLOR_BITS);
    }
    res->base = base;
    res->size = size;
    res->mapping = p;
    res->mapping_size = mapping_size;
    return RGC_OK;
}

void reservation_destroy(struct reservation *res)
{
    if (res->mapping)
        munmap(res->mapping, res->mapping_size);
    res->mapping = NULL;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

void os_pretouch(uintptr_t addr, size_t len)
{
    if (madvise((void *)addr, len, MADV_POPULATE_WRITE) == 0)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < len; off += page)
        *(volatile char *)(addr + off) = 0;
}

void os_uncommit(uintptr_t addr, size_t len)
{
    madvise((void *)addr, len, MADV_DONTNEED);
}

void os_protect(uintptr_t addr, size_t len)
{
    mprotect((void *)addr, len, PROT_NONE);
}

int os_unprotect(uintptr_t addr, size_t len)
{
    if (mprotect((void *)addr, len, PROT_READ | PROT_WRITE) != 0)
        return rgc_fail(RGC_ENOMEM,
                        "cannot make %zu bytes of poisoned heap memory "
                        "accessible again",
                        len);
    return RGC_OK;
}
