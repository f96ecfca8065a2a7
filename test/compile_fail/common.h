/*
 * common.h — what every compile-fail snippet shares: an embedder's object
 * with a reference field, and the thread that writes it.
 *
 * Each snippet (gen/configure, rule compile_fail) must compile as is, as C
 * with -Werror and as C++, and must fail to compile, in both languages and
 * without -Werror, once RGC_FORBIDDEN adds its one forbidden line.  So the
 * failure can only come from that line, not from a broken include path.
 */
#include <rgc.h>

struct node {
    rgc_ref next;
    long value;
};

