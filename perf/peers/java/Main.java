/*
 * Main.java — the JVM peer of rgc-bench: msgbuf, mtchurn or gcbench with
 * rgc-bench's flags and defaults, one JSON object on stdout (one element
 * of rgc-bench's results[], "alloc" being --name).  The collector and the
 * heap are the JVM's flags, given by whoever runs it (the same program runs
 * on G1, ZGC and Shenandoah); this program sets none.
 *
 * Exit status: 0 when the run succeeded, 1 when it failed (out of memory,
 * corrupt data: the JSON says why), 2 for bad usage.
 */
package rgcpeer;

public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Params p;
        try {
            p = Params.parse(args);
        } catch (Params.UsageError e) {
            System.err.print("rgcpeer: " + e.getMessage() + "\n\n" + Params.USAGE);
            System.exit(2);
            return;
        }
        Result r = new Result(p.name);
        r.rssStartKb = Proc.rssKb();
        if (p.isRing())
            RingRun.run(p, r);
        else
            GcBench.run(r);
        r.peakRssKb = Proc.peakRssKb();
        System.out.println(r.toJson(p.isRing()));
        System.out.flush();
        if (!r.ok)
            System.err.println("rgcpeer: " + r.error);
        System.exit(r.ok ? 0 : 1);
    }
}
