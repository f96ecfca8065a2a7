/*
 * commands.h — the commands: a table of names and arities, and one
 * handler each, replying into the connection's output queue.
 */
#ifndef KV_COMMANDS_H
#define KV_COMMANDS_H

#include <string.h>
#include <strings.h>

#include "state.h"

struct kv_str {
    const char *p;
    size_t n;
};

/* a is word, in any case. */
static inline bool kv_str_is(const struct kv_str *a, const char *word)
{
    return strlen(word) == a->n && strncasecmp(a->p, word, a->n) == 0;
}

/* Run argv[0] (any case) with its arguments; argc >= 1.  Unknown
 * commands and wrong arities get Redis 7's errors. */
void kv_command_run(struct kv_conn *c, size_t argc, const struct kv_str *argv);

/* The INFO text for the named sections (none: all of them). */
void kv_info(struct kv_server *s, size_t n, const struct kv_str *sections,
             struct kv_buf *out);

#endif
