/* timeline.c — the --timeline sampling thread and the rows it writes. */
#include "timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "runner.h"

static const char header[] =
    "alloc\tt_ms\trss_kb\tcommitted_kb\tused_kb\tlive_kb\tcycles\tpauses"
    "\tpause_ns\tnew_cycles\tnew_pauses\tphase\n";

/* Rows sampled after the release, so the drop shows at any period. */
#define RELEASE_TAIL_SAMPLES 8

static struct {
    const char *path; /* NULL: no timeline was asked for */
    unsigned period_ms;
    unsigned idle_ms; /* the idle tail before the release; 0: none */
    /* The child's sampler: */
    bool running;
    int fd, statm;
    const char *alloc;
    uint64_t start_ns;
    pthread_t thread;
    atomic_bool stop;
    /* Held while a row is made, so timeline_heap(NULL) returns only once
     * the sampler is done with a heap that is about to be destroyed. */
    pthread_mutex_t lock;
    rgc_heap *heap;
    uint64_t cycles, pauses; /* as of the previous row */
    const char *phase;       /* "run", "idle" from the idle tail's
                                collection, "release" from its request */
} tl = {.fd = -1, .statm = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

bool timeline_open(const char *path, unsigned period_ms, unsigned idle_ms,
                   char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    bool ok = fd >= 0 &&
              write(fd, header, sizeof header - 1) == sizeof header - 1;
    if (!ok)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    tl.path = ok ? path : NULL;
    tl.period_ms = period_ms;
    tl.idle_ms = idle_ms;
    return ok;
}

/* Resident set from /proc/self/statm (its second field, in pages): one
 * pread of an open file, cheaper than parsing /proc/self/status. */
static long rss_kb(void)
{
    char buf[128];
    ssize_t n = pread(tl.statm, buf, sizeof buf - 1, 0);
    long size, resident;
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    if (sscanf(buf, "%ld %ld", &size, &resident) != 2)
        return -1;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One row.  Formatted on the stack and written with one write(): no stdio
 * buffer, so the sampler allocates nothing in the allocator under test.
 * The sampler writes rows, and timeline_release one; the lock keeps them
 * in time order. */
static void sample(void)
{
    char row[320];
    pthread_mutex_lock(&tl.lock);
    int len = snprintf(row, sizeof row, "%s\t%.3f\t%ld", tl.alloc,
                       (double)(bench_now_ns() - tl.start_ns) / 1e6,
                       rss_kb());
    if (tl.heap) {
        rgc_heap_stats st;
        rgc_stats(tl.heap, &st);
        len += snprintf(row + len, sizeof row - (size_t)len,
                        "\t%zu\t%zu\t%zu\t%llu\t%llu\t%llu\t%llu\t%llu",
                        st.committed / 1024, st.used / 1024,
                        st.live_after_last_cycle / 1024,
                        (unsigned long long)st.cycles,
                        (unsigned long long)st.pause_count,
                        (unsigned long long)st.pause_total_ns,
                        (unsigned long long)(st.cycles - tl.cycles),
                        (unsigned long long)(st.pause_count - tl.pauses));
        tl.cycles = st.cycles;
        tl.pauses = st.pause_count;
    } else {
        len += snprintf(row + len, sizeof row - (size_t)len,
                        "\t-\t-\t-\t-\t-\t-\t-\t-");
    }
    len += snprintf(row + len, sizeof row - (size_t)len, "\t%s\n", tl.phase);
    if (write(tl.fd, row, (size_t)len) != len)
        atomic_store(&tl.stop, true); /* disk full or similar: stop quietly */
    pthread_mutex_unlock(&tl.lock);
}

static void *sampler_main(void *arg)
{
    (void)arg;
    const long period_ns = (long)tl.period_ms * 1000000L;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&tl.stop)) {
        sample();
        /* Absolute deadlines keep the period; after a stall longer than a
         * period the next row comes at once, not as a burst of rows. */
        next.tv_nsec += period_ns;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec ||
            (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
            next = now;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
                               NULL) == EINTR)
            ;
    }
    return NULL;
}

void timeline_begin(enum alloc_kind alloc)
{
    if (!tl.path)
        return;
    tl.alloc = alloc_name(alloc);
    tl.fd = open(tl.path, O_WRONLY | O_APPEND);
    tl.statm = open("/proc/self/statm", O_RDONLY);
    tl.start_ns = bench_now_ns();
    tl.phase = "run";
    atomic_store(&tl.stop, false);
    int err = tl.fd < 0 || tl.statm < 0
                  ? errno
                  : pthread_create(&tl.thread, NULL, sampler_main, NULL);
    tl.running = err == 0;
    if (!tl.running)
        fprintf(stderr, "rgc-bench: no timeline for %s: %s\n", tl.alloc,
                strerror(err));
}

void timeline_end(void)
{
    if (tl.running) {
        atomic_store(&tl.stop, true);
        pthread_join(tl.thread, NULL);
        sample(); /* the state at the very end */
        tl.running = false;
    }
    if (tl.fd >= 0)
        close(tl.fd);
    if (tl.statm >= 0)
        close(tl.statm);
    tl.fd = tl.statm = -1;
}

void timeline_heap(rgc_heap *heap)
{
    if (!tl.running)
        return;
    pthread_mutex_lock(&tl.lock);
    tl.heap = heap;
    if (heap) {
        rgc_heap_stats st;
        rgc_stats(heap, &st);
        tl.cycles = st.cycles;
        tl.pauses = st.pause_count;
    }
    pthread_mutex_unlock(&tl.lock);
}

/* A row of its own at each phase change: the sampler may not get a CPU
 * or the statistics while the collection runs. */
static void enter_phase(const char *phase)
{
    pthread_mutex_lock(&tl.lock);
    tl.phase = phase;
    pthread_mutex_unlock(&tl.lock);
    sample();
}

void timeline_release(rgc_heap *heap, rgc_thread *t)
{
    if (!tl.running)
        return;
    rgc_thread *own = t ? NULL : rgc_thread_attach(heap);
    if (!t && !own) {
        fprintf(stderr, "rgc-bench: timeline: no release: %s\n",
                rgc_last_error());
        return;
    }
    rgc_thread *self = t ? t : own;
    if (tl.idle_ms) {
        /* The load is gone: one collection frees its regions, and then
         * only the driver's uncommit_delay timer acts.  Idle in a
         * blocking region, so that the heap's pauses do not wait for
         * this thread. */
        enter_phase("idle");
        if (rgc_collect(self, RGC_COLLECT_FULL) != RGC_OK)
            fprintf(stderr, "rgc-bench: timeline: %s\n", rgc_last_error());
        rgc_blocking_enter(self);
        run_settle(tl.idle_ms);
        rgc_blocking_leave(self);
    }
    enter_phase("release");
    if (rgc_collect(self, RGC_COLLECT_RELEASE) != RGC_OK)
        fprintf(stderr, "rgc-bench: timeline: %s\n", rgc_last_error());
    if (own && rgc_thread_detach(own) != RGC_OK)
        fprintf(stderr, "rgc-bench: timeline: %s\n", rgc_last_error());
    run_settle(RELEASE_TAIL_SAMPLES * tl.period_ms);
}
