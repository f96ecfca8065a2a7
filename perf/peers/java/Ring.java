/*
 * Ring.java — one thread's ring, written from perf/ring.h and
 * perf/ring_malloc.c: a ring of `window` slots; push n allocates a fresh
 * msgSize-byte message (a byte[]), fills every byte with (n & 0xff), and
 * stores it in slot n % window, dropping the message it replaces (the
 * collector's garbage now).  With keepEvery K, push n = m * K also stores
 * it in slot m % window of a second ring, the keep ring, so it lives about
 * K times longer.  Each push (allocate + fill + store) is timed with
 * System.nanoTime (CLOCK_MONOTONIC on Linux) into this thread's histogram.
 *
 * No warm-up, as in C: the first pushes run in the interpreter, and the
 * loop is compiled (on-stack replacement) while it runs; those pushes are
 * measured like the rest.
 *
 * After the loop, untimed (and, with gates, only once every thread's loop
 * is done), every slot is checked as the C version checks it: written
 * slots hold a message of the right length whose every byte is the fill of
 * the push that wrote it, never-written slots are null.  A mismatch fails
 * the run.
 *
 * Running out of heap fails the run too, but its message is only built
 * after the thread has ended (error()): where the OutOfMemoryError is
 * caught the heap is still full of this thread's window, and building a
 * string would throw again.  Whatever a worker throws, it passes both
 * gates, or the main thread would wait for it forever.
 */
package rgcpeer;

import java.util.Arrays;

final class Ring implements Runnable {
    static final long NS_PER_MS = 1000000L;

    final String name;         /* "msgbuf" or "mtchurn": error prefix */
    private final Params p;
    private final Gate start, finish; /* null: run alone, no gates */

    final Histogram latency = new Histogram();
    long over1ms;
    long loopNs;
    long startNs, endNs; /* the push loop, when it ran to its end: */
    boolean looped;
    private String error;      /* the first failure, or null */
    private Throwable thrown;  /* or what ended the thread: */
    private long thrownAt = -1; /* at that push, -1 before the loop */
    private boolean passedStart, passedFinish;

    Ring(String name, Params p, Gate start, Gate finish) {
        this.name = name;
        this.p = p;
        this.start = start;
        this.finish = finish;
    }

    private void fail(String why) {
        if (error == null)
            error = why;
    }

    /* Why the thread failed, or null: call once it has ended. */
    String error() {
        if (error != null || thrown == null)
            return error;
        return name + (thrownAt < 0 ? ": cannot allocate the window: "
                       : ": push " + thrownAt + ": ") + thrown;
    }

    private boolean passStart() {
        passedStart = true;
        return start == null || start.pass();
    }

    private boolean passFinish() {
        passedFinish = true;
        return finish == null || finish.pass();
    }

    @Override
    public void run() {
        try {
            body();
        } catch (Throwable t) {
            if (thrown == null)
                thrown = t;
        } finally {
            if (!passedStart)
                passStart();
            if (!passedFinish)
                passFinish();
        }
    }

    private void body() {
        byte[][] ring = new byte[p.window][];
        byte[][] keep = p.keepEvery != 0 ? new byte[p.window][] : null;
        boolean go = passStart();
        if (go)
            go = pushLoop(ring, keep);
        go &= passFinish();
        if (go)
            check(ring, 1);
        if (go && keep != null)
            check(keep, p.keepEvery);
    }

    private boolean pushLoop(byte[][] ring, byte[][] keep) {
        final int size = p.msgSize;
        final int slots = p.window;
        final long every = p.keepEvery;
        final long messages = p.messages;
        final Histogram h = latency;
        int slot = 0, kept = 0;
        long nextKeep = 0;
        long n = 0;
        startNs = System.nanoTime();
        try {
            for (; n < messages; n++) {
                long t0 = System.nanoTime();
                byte[] m = new byte[size];
                Arrays.fill(m, (byte) n);
                ring[slot] = m;
                if (every != 0 && n == nextKeep) {
                    keep[kept] = m;
                    nextKeep += every;
                    if (++kept == slots)
                        kept = 0;
                }
                long ns = System.nanoTime() - t0;
                h.record(ns);
                if (ns > NS_PER_MS)
                    over1ms++;
                if (++slot == slots)
                    slot = 0;
            }
        } catch (OutOfMemoryError e) {
            thrown = e; /* no allocation here: see the top of the file */
            thrownAt = n;
            return false;
        }
        endNs = System.nanoTime();
        loopNs = endNs - startNs;
        looped = true;
        return true;
    }

    /* As ring_last_writer in perf/ring_check.c: the push that last wrote
     * slot i (stride 1: the main ring; stride K: the keep ring), or -1. */
    private long lastWriter(int i, long stride) {
        long writes = (p.messages + stride - 1) / stride;
        if (writes <= i)
            return -1;
        long last = writes - 1;
        return (last - (last - i) % p.window) * stride;
    }

    private void check(byte[][] ring, long stride) {
        for (int i = 0; i < p.window; i++) {
            long n = lastWriter(i, stride);
            byte[] m = ring[i];
            if (n < 0) {
                if (m != null) {
                    fail(name + ": slot " + i + " was never written but is set");
                    return;
                }
                continue;
            }
            if (m == null || m.length != p.msgSize) {
                fail(name + ": slot " + i + " (push " + n + "): "
                     + (m == null ? "null" : "length " + m.length)
                     + ", expected a byte array of " + p.msgSize);
                return;
            }
            byte want = (byte) n;
            for (int k = 0; k < m.length; k++)
                if (m[k] != want) {
                    fail(String.format("%s: slot %d (push %d): byte %d is 0x%02x, "
                                       + "expected 0x%02x", name, i, n, k,
                                       m[k] & 0xff, want & 0xff));
                    return;
                }
        }
    }
}
