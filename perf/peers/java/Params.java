/*
 * Params.java — the command line, with rgc-bench's flags, ranges and
 * defaults for msgbuf, mtchurn and gcbench (perf/main.c), plus --name, the
 * "alloc" string the result carries.  A bad command line is a UsageError.
 */
package rgcpeer;

final class Params {
    static final String USAGE =
        "usage: rgcpeer.Main msgbuf [--threads N] [--window N] [--messages N] "
        + "[--msg-size BYTES] [--keep-every K] [--name NAME]\n"
        + "       rgcpeer.Main mtchurn --threads N [--window N] [--messages N] "
        + "[--msg-size BYTES] [--keep-every K] [--name NAME]\n"
        + "       rgcpeer.Main gcbench [--name NAME]\n"
        + "defaults as rgc-bench's (msgbuf / mtchurn): --threads 1 / required, "
        + "--window 200000 / 50000,\n"
        + "--messages 1000000 / 500000, --msg-size 1024 / 256, --keep-every off; "
        + "--name jdk<version>.\n"
        + "Prints one JSON object (one element of rgc-bench's results[]).\n";

    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message);
        }
    }

    String workload;
    String name = "jdk" + Runtime.version().feature();
    int threads;      /* 0 until given: mtchurn requires it */
    int window;
    long messages;
    int msgSize;
    long keepEvery;   /* 0: off */

    boolean isRing() {
        return !workload.equals("gcbench");
    }

    static Params parse(String[] args) throws UsageError {
        if (args.length == 0)
            throw new UsageError("a workload is required (msgbuf, mtchurn, gcbench)");
        Params p = new Params();
        p.workload = args[0];
        switch (p.workload) {
        case "msgbuf":
            p.threads = 1;
            p.window = 200000;
            p.messages = 1000000;
            p.msgSize = 1024;
            break;
        case "mtchurn":
            p.window = 50000;
            p.messages = 500000;
            p.msgSize = 256;
            break;
        case "gcbench":
            break;
        default:
            throw new UsageError("unknown workload '" + p.workload
                                 + "' (msgbuf, mtchurn, gcbench)");
        }
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--"))
                throw new UsageError("unexpected argument '" + arg + "'");
            /* --flag=value or --flag value */
            int eq = arg.indexOf('=');
            String flag = eq < 0 ? arg : arg.substring(0, eq);
            if (!isRingFlag(flag) && !flag.equals("--name"))
                throw new UsageError("unknown flag '" + flag + "'");
            String value;
            if (eq >= 0)
                value = arg.substring(eq + 1);
            else if (i + 1 < args.length)
                value = args[++i];
            else
                throw new UsageError(flag + " needs a value");
            if (isRingFlag(flag) && !p.isRing())
                throw new UsageError(flag + " is a msgbuf and mtchurn flag");
            switch (flag) {
            case "--threads":
                p.threads = (int) count(flag, value, 1, 64);
                break;
            case "--window":
                p.window = (int) count(flag, value, 1, 1L << 30);
                break;
            case "--messages":
                p.messages = count(flag, value, 1, Long.MAX_VALUE);
                break;
            case "--msg-size":
                p.msgSize = (int) count(flag, value, 1, 1L << 30);
                break;
            case "--keep-every":
                p.keepEvery = count(flag, value, 2, 1L << 30);
                break;
            default: /* --name */
                p.name = value;
                break;
            }
        }
        if (p.isRing() && p.threads == 0)
            throw new UsageError(p.workload + " needs --threads N");
        return p;
    }

    private static boolean isRingFlag(String flag) {
        return flag.equals("--threads") || flag.equals("--window")
            || flag.equals("--messages") || flag.equals("--msg-size")
            || flag.equals("--keep-every");
    }

    /* A plain decimal number in [min, max]. */
    private static long count(String flag, String s, long min, long max)
        throws UsageError {
        if (s.isEmpty())
            throw new UsageError(flag + " needs a number");
        long v = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9')
                throw new UsageError("'" + s + "' is not a decimal number");
            int d = c - '0';
            if (v > (Long.MAX_VALUE - d) / 10)
                throw new UsageError("'" + s + "' is too large");
            v = v * 10 + d;
        }
        if (v < min || v > max)
            throw new UsageError(flag + " " + s + " is out of range (" + min
                                 + ".." + max + ")");
        return v;
    }
}
