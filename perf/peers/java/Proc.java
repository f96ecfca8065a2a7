/*
 * Proc.java — this process's resident set from /proc/self/status, as
 * perf/proc.c reads it (VmRSS now, VmHWM the peak), in KiB; -1 if unknown.
 */
package rgcpeer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

final class Proc {
    private Proc() {
    }

    static long rssKb() {
        return statusKb("VmRSS");
    }

    static long peakRssKb() {
        return statusKb("VmHWM");
    }

    /* The value of "key:   N kB", or -1. */
    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    String v = line.substring(key.length() + 1).trim();
                    int space = v.indexOf(' ');
                    return Long.parseLong(space < 0 ? v : v.substring(0, space));
                }
            }
        } catch (IOException | NumberFormatException e) {
            /* not Linux, or an unexpected format: unknown */
        }
        return -1;
    }
}
