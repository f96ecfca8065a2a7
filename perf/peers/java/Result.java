/*
 * Result.java — what one run produced, and its JSON line: the keys of one
 * element of rgc-bench's results[] (docs/benchmarks.md, "Each result"),
 * with "gc" null and "gc_log" null: the JVM's pauses come from its own
 * -Xlog:safepoint file, which the driver reads (perf/driver/jvm_log.py).
 */
package rgcpeer;

import java.util.ArrayList;
import java.util.List;

final class Result {
    static final class Phase {
        final String name;
        final int depth;
        final long trees;
        long ns;

        Phase(String name, int depth, long trees) {
            this.name = name;
            this.depth = depth;
            this.trees = trees;
        }
    }

    final String alloc;
    boolean ok = true;
    String error;
    long totalNs;
    long rssStartKb, peakRssKb;
    /* msgbuf, mtchurn */
    final Histogram latency = new Histogram();
    long over1ms;
    Ring[] threads;
    int threadCount;
    /* gcbench */
    final List<Phase> phases = new ArrayList<>();

    Result(String alloc) {
        this.alloc = alloc;
    }

    /* Record a failure; the first reason is kept. */
    void fail(String why) {
        if (!ok)
            return;
        ok = false;
        error = why;
    }

    private static void latency(Json j, Histogram h, long over1ms) {
        j.key("latency_ns").open()
            .key("p50").num(h.percentile(0.50))
            .key("p90").num(h.percentile(0.90))
            .key("p99").num(h.percentile(0.99))
            .key("p999").num(h.percentile(0.999))
            .key("p9999").num(h.percentile(0.9999))
            .key("p99999").num(h.percentile(0.99999))
            .key("max").num(h.max)
            .key("mean").num(h.mean())
            .close();
        j.key("pushes").num(h.count).key("over_1ms").num(over1ms);
    }

    String toJson(boolean ring) {
        Json j = new Json().open().key("alloc").str(alloc).key("ok").bool(ok);
        if (!ok)
            return j.key("error").str(error).close().toString();
        if (ring) {
            latency(j, latency, over1ms);
            j.key("per_thread").openArray();
            for (int i = 0; i < threadCount; i++) {
                j.open().key("thread").num(i);
                latency(j, threads[i].latency, threads[i].over1ms);
                j.key("loop_ns").num(threads[i].loopNs).close();
            }
            j.closeArray();
        } else {
            j.key("phases").openArray();
            for (Phase ph : phases)
                j.open().key("phase").str(ph.name).key("depth").num(ph.depth)
                    .key("trees").num(ph.trees).key("ns").num(ph.ns).close();
            j.closeArray();
        }
        return j.key("total_ns").num(totalNs)
            .key("rss_start_kb").num(rssStartKb)
            .key("peak_rss_kb").num(peakRssKb)
            .key("gc").nul()
            .key("gc_log").nul()
            .close().toString();
    }
}
