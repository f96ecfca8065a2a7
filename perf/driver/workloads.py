"""workloads.py — the workloads compare.py runs: their sizes (full and
--quick), the flags every system gets, and the live set each keeps, from
which the JVM heap is sized."""

# rgc-bench's own defaults (docs/benchmarks.md, "Flags"), passed explicitly so
# that every system runs the same sizes whatever its program's defaults.
FULL = {
    "msgbuf": {"window": 200000, "messages": 1000000, "msg_size": 1024},
    "gcbench": {},  # GCBench's sizes are fixed: it takes no size flags
    "mtchurn": {"window": 50000, "messages": 500000, "msg_size": 256},
}

# A smoke run: a tenth of the ring workloads, so every system starts, runs
# and reports in well under a second.
QUICK = {
    "msgbuf": {"window": 20000, "messages": 100000, "msg_size": 1024},
    "gcbench": {},
    "mtchurn": {"window": 5000, "messages": 50000, "msg_size": 256},
}

NAMES = tuple(FULL)

# GCBench (perf/gcbench.c): the long-lived tree of depth 16 and its array of
# 500,000 doubles stay live; at most one short-lived tree (depth 16 at most)
# is live beside them.  A node is 32 bytes in rgc and in a JVM with
# compressed references (a 12-byte header, two 4-byte references, two ints).
GCBENCH_NODE_BYTES = 32
GCBENCH_LIVE_BYTES = 2 * ((1 << 17) - 1) * GCBENCH_NODE_BYTES + 500000 * 8


class Workload:
    """One workload at one size; threads applies to mtchurn only (msgbuf runs
    its single-threaded form, as in docs/benchmarks.md's tables)."""

    def __init__(self, name, quick, threads):
        self.name = name
        self.sizes = dict((QUICK if quick else FULL)[name])
        self.threads = threads if name == "mtchurn" else 1

    def flags(self):
        """rgc-bench's workload flags, which the peer programs take too."""
        out = []
        if self.name == "mtchurn":
            out += ["--threads", str(self.threads)]
        for key, value in self.sizes.items():
            out += ["--" + key.replace("_", "-"), str(value)]
        return out

    def live_bytes(self):
        """Payload bytes kept live once the workload is in its steady state
        (object headers not counted)."""
        if self.name == "gcbench":
            return GCBENCH_LIVE_BYTES
        return self.threads * self.sizes["window"] * self.sizes["msg_size"]

    def describe(self):
        """One line for the table's heading."""
        mib = self.live_bytes() / (1 << 20)
        if self.name == "gcbench":
            return ("GCBench: stretch tree of depth 17, long-lived tree of "
                    "depth 16 and 500000 doubles, short-lived trees of "
                    "depth 4..16 (about %.0f MiB live)" % mib)
        s = self.sizes
        who = ("%d threads, each" % self.threads
               if self.name == "mtchurn" else "one thread:")
        return ("%s %d pushes of %d-byte messages into a window of %d "
                "(%.1f MiB live in all)"
                % (who, s["messages"], s["msg_size"], s["window"], mib))
