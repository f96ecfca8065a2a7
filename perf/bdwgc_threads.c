/*
 * bdwgc_threads.c — registering threads with bdwgc.  A translation unit of
 * its own because <gc/gc.h> declares the thread calls only under GC_THREADS;
 * GC_NO_THREAD_REDIRECTS keeps it from renaming pthread_create here.
 */
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc.h>

#include "allocator.h"

void bdwgc_threads_enable(void)
{
    GC_allow_register_threads();
}

bool bdwgc_thread_register(void)
{
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS)
        return false;
    int rc = GC_register_my_thread(&sb);
    return rc == GC_SUCCESS;
}

void bdwgc_thread_unregister(void)
{
    GC_unregister_my_thread();
}
