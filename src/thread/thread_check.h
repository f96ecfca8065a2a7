/*
 * thread_check.h — validating the rgc_thread handed to an out-of-line call.
 *
 * A thread that was never attached, was detached, belongs to another OS
 * thread, or sits in a blocking region must not reach the heap.  The slow
 * paths check; the inline fast paths do not (they cost a load each), but a
 * detached thread's fast paths all fall into slow paths (heap.c, disarm:
 * empty TLAB, no handle room, every color bad, marking on), so every
 * allocation, handle, scope close, non-null load and store through it is
 * refused.  A detached rgc_thread may be reused by a later attach: through
 * that OS thread it is a valid thread again; through any other, only the
 * slow paths see (by the owner check) that it is not theirs.
 * Release builds fail the call with RGC_ESTATE; debug builds abort.
 */
#ifndef RGC_THREAD_THREAD_CHECK_H
#define RGC_THREAD_THREAD_CHECK_H

#include <pthread.h>
#include <stdbool.h>

#include "thread/thread.h"

bool thread_misuse(struct rgc_thread *t, const char *call);

static inline bool thread_check(struct rgc_thread *t, const char *call)
{
    if (t && t->magic == RGC_THREAD_MAGIC && !t->blocking &&
        pthread_equal(t->owner, pthread_self()))
        return true;
    return thread_misuse(t, call);
}

#endif
