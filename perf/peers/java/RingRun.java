/*
 * RingRun.java — msgbuf and mtchurn, as perf/ring_run.c runs them: the ring
 * on the calling thread (msgbuf --threads 1) or on `threads` new threads
 * behind a start and a finish gate (msgbuf --threads N > 1, and mtchurn
 * always), each with its own window; then the threads' latencies merged,
 * and the wall time from the first loop's start to the last one's end.
 */
package rgcpeer;

final class RingRun {
    private RingRun() {
    }

    static void run(Params p, Result r) {
        boolean spawn = p.workload.equals("mtchurn") || p.threads > 1;
        int n = spawn ? p.threads : 1;
        Gate start = spawn ? new Gate() : null;
        Gate finish = spawn ? new Gate() : null;
        Ring[] w = new Ring[n];
        for (int i = 0; i < n; i++)
            w[i] = new Ring(p.workload, p, start, finish);
        int ran = spawn ? spawnAndJoin(w, start, finish, r) : runHere(w[0]);
        collect(w, ran, spawn, r);
    }

    private static int runHere(Ring w) {
        w.run();
        return 1;
    }

    /* Start the threads, open the gates (aborted when one could not be
     * started), join; returns how many were started. */
    private static int spawnAndJoin(Ring[] w, Gate start, Gate finish, Result r) {
        Thread[] t = new Thread[w.length];
        int created = 0;
        try {
            for (; created < w.length; created++) {
                t[created] = new Thread(w[created], "ring-" + created);
                t[created].start();
            }
        } catch (OutOfMemoryError e) {
            r.fail(w[0].name + ": cannot start thread " + created + " of "
                   + w.length + ": " + e.getMessage());
        }
        start.open(created, created < w.length);
        finish.open(created, false);
        for (int i = 0; i < created; i++) {
            boolean joined = false;
            while (!joined) {
                try {
                    t[i].join();
                    joined = true;
                } catch (InterruptedException e) {
                    /* nobody interrupts the main thread: join again */
                }
            }
        }
        return created;
    }

    private static void collect(Ring[] w, int n, boolean spawn, Result r) {
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        int failed = 0;
        for (int i = 0; i < n; i++) {
            String error = w[i].error();
            if (error != null && failed++ == 0)
                r.fail(spawn ? "thread " + i + ": " + error : error);
            r.latency.add(w[i].latency);
            r.over1ms += w[i].over1ms;
            if (w[i].looped) {
                first = Math.min(first, w[i].startNs);
                last = Math.max(last, w[i].endNs);
            }
        }
        if (failed > 1)
            r.error += " (and " + (failed - 1) + " more threads failed)";
        r.threads = w;
        r.threadCount = n;
        if (r.ok)
            r.totalNs = last - first;
    }
}
