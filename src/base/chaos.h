/*
 * chaos.h — injected delays and failures at the points where threads meet.
 *
 * Random runs of a concurrent protocol almost never land between two of
 * its atomic steps, and ThreadSanitizer cannot see a logic race.  So every
 * step where two threads meet (forwarding, heals, TLAB refills, SATB
 * hand-offs, handshakes, stopping the world, attach/detach, blocking
 * regions, uncommitting a free region) is named here and calls chaos_point; under the `chaos=SEED`
 * option each call may yield the CPU or sleep a little, and the failure
 * points (chaos_fail) sometimes fail on purpose, so the rarely-run paths
 * (a mutator that cannot copy, a worker with no destination: sliding in
 * place, a mutator with no SATB buffer: waiting for a recycled one) run
 * all the time.  This is HotSpot's *ALot stress flags, as one
 * mechanism.
 *
 * Tests can instead install a hook that sees every point (and decides the
 * failures), to force one interleaving deterministically.
 *
 * Off, a point costs one relaxed load and a not-taken branch, and points
 * sit only on slow paths: never on an inline fast path.  The state is
 * process-wide: on while any heap created with `chaos` lives, or while a
 * hook is installed.
 */
#ifndef RGC_BASE_CHAOS_H
#define RGC_BASE_CHAOS_H

#include <stdbool.h>

enum chaos_point {
    /* relocate/forwarding */
    CHAOS_FORWARDING_FIND,      /* before looking an object up            */
    CHAOS_FORWARDING_INSERT,    /* between a copy and its publication     */
    CHAOS_FORWARDING_RETAIN,    /* before a mutator retains a table       */
    CHAOS_FORWARDING_CLOSE,     /* a worker closed a table (users gone)   */
    CHAOS_FORWARDING_DONE,      /* before a worker marks a table done     */
    CHAOS_FORWARDING_WAIT,      /* a mutator waiting for the region's
                                   worker: it missed, and reads done next  */
    /* barriers */
    CHAOS_HEAL,                 /* before a load barrier heals its slot   */
    CHAOS_SATB_FLUSH,           /* before a thread hands over its buffer  */
    CHAOS_SATB_PUSH,            /* before a full buffer joins the queue   */
    /* roots, scanned while mutators run */
    CHAOS_ROOT_SCAN,            /* before the driver reads a thread's
                                   snapshot handles                        */
    CHAOS_ROOT_DROP,            /* a scope close drops snapshot handles   */
    CHAOS_ROOT_GLOBAL,          /* between batches of global roots        */
    /* threads */
    CHAOS_TLAB_REFILL,          /* before a TLAB refill takes a region    */
    CHAOS_HANDSHAKE,            /* a thread runs its handshake operation  */
    CHAOS_STOP_WORLD,           /* threads armed, not yet all stopped     */
    CHAOS_RESUME_WORLD,         /* before the world resumes               */
    CHAOS_ATTACH,
    CHAOS_DETACH,
    CHAOS_BLOCKING_ENTER,
    CHAOS_BLOCKING_LEAVE,
    /* heap */
    CHAOS_UNCOMMIT_CLAIM,       /* a free region chosen for uncommit, not
                                   yet claimed: a take may win it now     */
    /* failure points (chaos_fail) */
    CHAOS_FAIL_MUTATOR_COPY,    /* a load barrier gets no room to copy    */
    CHAOS_FAIL_DESTINATION,     /* a worker gets no destination region    */
    CHAOS_FAIL_SATB_BUFFER,     /* a mutator cannot allocate a SATB buffer */
    CHAOS_POINTS
};

/* A test's hook: called at every point on the thread that reaches it,
 * with the point's subject (a forwarding table, a thread, ...).  Its
 * result is the outcome of a failure point (true: fail), ignored
 * elsewhere. */
typedef bool (*chaos_hook)(void *ctx, enum chaos_point point,
                           const void *subject);

extern int chaos_active; /* nonzero: some heap has chaos on, or a hook */

void chaos_interleave(enum chaos_point point, const void *subject);
bool chaos_inject(enum chaos_point point, const void *subject);

static inline void chaos_point(enum chaos_point point, const void *subject)
{
    if (__builtin_expect(__atomic_load_n(&chaos_active, __ATOMIC_RELAXED), 0))
        chaos_interleave(point, subject);
}

/* true: behave as if the resource ran out. */
static inline bool chaos_fail(enum chaos_point point, const void *subject)
{
    return __builtin_expect(__atomic_load_n(&chaos_active, __ATOMIC_RELAXED),
                            0) &&
           chaos_inject(point, subject);
}

/* A heap with chaos=seed starts and ends (seed 0: chaos off, no effect).
 * Several heaps may run chaos at once; the first seed given is used. */
void chaos_begin(unsigned seed);
void chaos_end(unsigned seed);
/* The seed in force (0: none), for failure reports. */
unsigned chaos_seed(void);

/* Tests: install (or, with NULL, remove) the hook. */
void chaos_set_hook(chaos_hook hook, void *ctx);

const char *chaos_point_name(enum chaos_point point);

#endif
