/*
 * num.h — the strict integer syntax of the protocol and of the commands'
 * numeric arguments, as Redis's string2ll: an optional '-', then digits,
 * no leading zero, no '+', no spaces, within long long.
 */
#ifndef KV_NUM_H
#define KV_NUM_H

#include <stdbool.h>
#include <stddef.h>

bool kv_parse_ll(const char *p, size_t n, long long *out);

/* Decimal text of v into dst (at least 21 bytes); returns its length. */
size_t kv_ll_to_str(long long v, char *dst);

#endif
