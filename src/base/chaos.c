/* chaos.c — the random schedule behind chaos points, and the test hook. */
#include "base/chaos.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

int chaos_active;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned seed, heaps; /* under lock; seed read atomically */
static chaos_hook hook;      /* atomic */
static void *hook_ctx;       /* atomic: read while a hook is replaced */
static uint64_t streams;     /* threads that have drawn a number */

/* One xorshift stream per thread, started from the seed and the thread's
 * arrival order: the schedule differs per thread and per seed. */
static _Thread_local uint64_t rng;

static uint64_t next(void)
{
    if (!rng) {
        uint64_t s = __atomic_load_n(&seed, __ATOMIC_RELAXED);
        rng = (s + 1) * 0x9E3779B97F4A7C15ull ^
              (__atomic_add_fetch(&streams, 1, __ATOMIC_RELAXED) *
               0xD1B54A32D192ED03ull);
        if (!rng)
            rng = 1;
    }
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool call_hook(enum chaos_point point, const void *subject,
                      bool *failed)
{
    chaos_hook h = __atomic_load_n(&hook, __ATOMIC_ACQUIRE);
    if (!h)
        return false;
    *failed = h(__atomic_load_n(&hook_ctx, __ATOMIC_RELAXED), point, subject);
    return true;
}

/* Mostly nothing; a yield one time in four, a sleep of 1-128 us one time
 * in 64: enough to reorder threads on a loaded machine without making the
 * tests crawl. */
void chaos_interleave(enum chaos_point point, const void *subject)
{
    bool ignored;
    if (call_hook(point, subject, &ignored))
        return;
    if (!__atomic_load_n(&seed, __ATOMIC_RELAXED))
        return;
    uint64_t r = next();
    if ((r & 63) == 0) {
        struct timespec ts = {0, (long)(1000 * (1 + (r >> 8 & 127)))};
        nanosleep(&ts, NULL);
    } else if ((r & 3) == 1) {
        sched_yield();
    }
}

bool chaos_inject(enum chaos_point point, const void *subject)
{
    bool failed;
    if (call_hook(point, subject, &failed))
        return failed;
    if (!__atomic_load_n(&seed, __ATOMIC_RELAXED))
        return false;
    chaos_interleave(point, subject);
    /* A mutator's copy fails often (its fallback is the wait); a worker's
     * destination rarely, since each failure slides a whole region, and a
     * SATB buffer allocation rarely (recycled buffers usually serve). */
    uint64_t r = next() >> 16;
    return point == CHAOS_FAIL_MUTATOR_COPY ? (r & 3) == 0 : (r & 15) == 0;
}

static void update_active(void)
{
    __atomic_store_n(&chaos_active,
                     heaps || __atomic_load_n(&hook, __ATOMIC_RELAXED),
                     __ATOMIC_RELAXED);
}

void chaos_begin(unsigned s)
{
    if (!s)
        return;
    pthread_mutex_lock(&lock);
    if (!heaps++)
        __atomic_store_n(&seed, s, __ATOMIC_RELAXED);
    update_active();
    pthread_mutex_unlock(&lock);
}

void chaos_end(unsigned s)
{
    if (!s)
        return;
    pthread_mutex_lock(&lock);
    if (!--heaps)
        __atomic_store_n(&seed, 0, __ATOMIC_RELAXED);
    update_active();
    pthread_mutex_unlock(&lock);
}

unsigned chaos_seed(void)
{
    return __atomic_load_n(&seed, __ATOMIC_RELAXED);
}

void chaos_set_hook(chaos_hook h, void *ctx)
{
    pthread_mutex_lock(&lock);
    __atomic_store_n(&hook_ctx, ctx, __ATOMIC_RELAXED);
    __atomic_store_n(&hook, h, __ATOMIC_RELEASE);
    update_active();
    pthread_mutex_unlock(&lock);
}

const char *chaos_point_name(enum chaos_point point)
{
    static const char *const names[CHAOS_POINTS] = {
        [CHAOS_FORWARDING_FIND] = "forwarding_find",
        [CHAOS_FORWARDING_INSERT] = "forwarding_insert",
        [CHAOS_FORWARDING_RETAIN] = "forwarding_retain",
        [CHAOS_FORWARDING_CLOSE] = "forwarding_close",
        [CHAOS_FORWARDING_DONE] = "forwarding_done",
        [CHAOS_FORWARDING_WAIT] = "forwarding_wait",
        [CHAOS_HEAL] = "heal",
        [CHAOS_SATB_FLUSH] = "satb_flush",
        [CHAOS_SATB_PUSH] = "satb_push",
        [CHAOS_ROOT_SCAN] = "root_scan",
        [CHAOS_ROOT_DROP] = "root_drop",
        [CHAOS_ROOT_GLOBAL] = "root_global",
        [CHAOS_TLAB_REFILL] = "tlab_refill",
        [CHAOS_HANDSHAKE] = "handshake",
        [CHAOS_STOP_WORLD] = "stop_world",
        [CHAOS_RESUME_WORLD] = "resume_world",
        [CHAOS_ATTACH] = "attach",
        [CHAOS_DETACH] = "detach",
        [CHAOS_BLOCKING_ENTER] = "blocking_enter",
        [CHAOS_BLOCKING_LEAVE] = "blocking_leave",
        [CHAOS_UNCOMMIT_CLAIM] = "uncommit_claim",
        [CHAOS_FAIL_MUTATOR_COPY] = "fail_mutator_copy",
        [CHAOS_FAIL_DESTINATION] = "fail_destination",
        [CHAOS_FAIL_SATB_BUFFER] = "fail_satb_buffer",
    };
    return point < CHAOS_POINTS ? names[point] : "?";
}
