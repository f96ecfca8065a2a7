/* error.c — the per-thread last-error buffer and fatal reports. */
#include "base/error.h"

#include "base/chaos.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char last_error[512];

const char *rgc_last_error(void)
{
    return last_error;
}

int rgc_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void rgc_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rgc: fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (chaos_seed()) /* so the failing schedule can be asked for again */
        fprintf(stderr, "rgc: chaos seed %u (RGC_OPTIONS=chaos=%u)\n",
                chaos_seed(), chaos_seed());
    abort();
}
