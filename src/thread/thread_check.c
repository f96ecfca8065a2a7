/* thread_check.c — the report for a thread that must not reach the heap. */
#include "thread/thread_check.h"

#include "base/error.h"

bool thread_misuse(struct rgc_thread *t, const char *call)
{
    const char *why =
        !t                                        ? "the thread is NULL"
        : t->magic != RGC_THREAD_MAGIC            ? "the thread is not attached"
        : !pthread_equal(t->owner, pthread_self())
            ? "the thread was attached by another OS thread"
            : "the thread is inside a blocking region";
#ifdef RGC_DEBUG
    rgc_fatal("%s: %s", call, why);
#else
    rgc_fail(RGC_ESTATE, "%s: %s", call, why);
    return false;
#endif
}
