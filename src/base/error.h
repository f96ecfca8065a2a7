/*
 * error.h — the per-thread "last error" behind rgc_last_error().
 *
 * Every failing public call records one human-readable reason, naming the
 * call or key at fault, and returns its rgc_status.  The buffer is
 * thread-local, so errors from heap creation (before any rgc_thread exists)
 * are readable too.
 */
#ifndef RGC_BASE_ERROR_H
#define RGC_BASE_ERROR_H

#include "rgc.h"

/* Record the reason and return status, so callers can `return rgc_fail(...)`. */
int rgc_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "rgc: fatal: ..." and abort: for broken invariants and API misuse
 * that would otherwise corrupt the heap. */
_Noreturn void rgc_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
