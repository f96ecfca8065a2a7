"""jvm_log.py — the JVM's own pause log, read from a JDK 17
-Xlog:safepoint:file=PATH file, in the gc_log shape the Go peer prints.

Each safepoint the JVM takes is one line:

  [0.094s][info][safepoint] Safepoint "G1CollectForAllocation", Time since
  last: 57771766 ns, Reaching safepoint: 5099 ns, Cleanup: 18204 ns, At
  safepoint: 11544036 ns, Total: 11567339 ns

A pause is "Total" (reaching the safepoint + cleanup + the operation: what
a stopped Java thread waits at most); "Reaching safepoint" is the
time-to-safepoint, reported separately as ttsp_max_ns, like rgc's ttsp
(which rgc also counts inside its pauses).

Only GC operations count (GC_OPERATIONS); every other safepoint (periodic
"Cleanup", "ICBufferFull", deoptimisation, handshake fallbacks, "Exit", ...)
stops the threads too but is not the collector's, and is returned apart in
"excluded", with the same per-operation shape.

Percentiles use the same log-linear histogram as rgc-bench
(src/stats/histogram.c: bucket upper bounds, capped at the exact max), so
they round the way rgc's pause percentiles do.

    python3 perf/driver/jvm_log.py safepoint.log    # prints the dict as JSON
"""

import json
import re
import sys

# JDK 17's GC VM operations (hotspot vmOperation.hpp), by collector, and
# the older name (JDK 11) of G1's remark and cleanup pauses.
GC_OPERATIONS = frozenset([
    # G1
    "G1CollectForAllocation", "G1CollectFull", "G1Concurrent",
    "G1TryInitiateConcMark", "CGC_Operation",
    # ZGC
    "ZMarkStart", "ZMarkEnd", "ZRelocateStart",
    # Shenandoah
    "ShenandoahInitMark", "ShenandoahFinalMarkStartEvac",
    "ShenandoahInitUpdateRefs", "ShenandoahFinalUpdateRefs",
    "ShenandoahFinalRoots", "ShenandoahFullGC", "ShenandoahDegeneratedGC",
    # Serial, Parallel, and any collector's metaspace-triggered collection
    "GenCollectForAllocation", "GenCollectFull", "GenCollectFullConcurrent",
    "ParallelGCFailedAllocation", "ParallelGCSystemGC",
    "CollectForMetadataAllocation",
])

_LINE = re.compile(r'Safepoint "([^"]+)"(.*)')
_FIELD = re.compile(r'([A-Za-z][A-Za-z ]*): (\d+) ns')


class _Histogram:
    """A port of src/stats/histogram.c (record, percentile)."""

    SUB_BITS = 5
    SUB = 1 << SUB_BITS

    def __init__(self):
        self.count = 0
        self.max = 0
        self.buckets = {}

    @classmethod
    def _bucket_of(cls, v):
        if v < cls.SUB:
            return v
        shift = v.bit_length() - 1 - cls.SUB_BITS
        return cls.SUB + shift * cls.SUB + ((v >> shift) - cls.SUB)

    @classmethod
    def _bucket_upper(cls, i):
        if i < cls.SUB:
            return i
        shift, sub = divmod(i - cls.SUB, cls.SUB)
        return ((cls.SUB + sub) << shift) + ((1 << shift) - 1)

    def record(self, v):
        self.count += 1
        self.max = max(self.max, v)
        b = self._bucket_of(v)
        self.buckets[b] = self.buckets.get(b, 0) + 1

    def percentile(self, p):
        if self.count == 0:
            return 0
        # the C computes in double and truncates: the same here
        target = max(int(p * float(self.count) + 0.999999), 1)
        seen = 0
        for i in sorted(self.buckets):
            seen += self.buckets[i]
            if seen >= target:
                return min(self._bucket_upper(i), self.max)
        return self.max


def _add(ops, name, total):
    op = ops.setdefault(name, {"count": 0, "max_ns": 0})
    op["count"] += 1
    op["max_ns"] = max(op["max_ns"], total)


def parse_safepoint_log(path):
    """The GC pauses of one JVM run, from its -Xlog:safepoint file.

    Returns {source, count, p50, p90, p99, max, total_ns, ttsp_max_ns,
    by_operation: {name: {count, max_ns}}, excluded: {name: {count,
    max_ns}}}; lines that are not safepoint lines are skipped, and a
    safepoint line without a Total raises ValueError.
    """
    hist = _Histogram()
    total_ns = ttsp_max = 0
    by_operation, excluded = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = _LINE.search(line)
            if not m:
                continue
            name = m.group(1)
            fields = {k.strip(): int(v) for k, v in _FIELD.findall(m.group(2))}
            if "Total" not in fields:
                raise ValueError("%s:%d: a safepoint line without Total: %s"
                                 % (path, lineno, line.strip()))
            total = fields["Total"]
            if name not in GC_OPERATIONS:
                _add(excluded, name, total)
                continue
            _add(by_operation, name, total)
            hist.record(total)
            total_ns += total
            ttsp_max = max(ttsp_max, fields.get("Reaching safepoint", 0))
    return {
        "source": "jvm safepoint log",
        "count": hist.count,
        "p50": hist.percentile(0.50),
        "p90": hist.percentile(0.90),
        "p99": hist.percentile(0.99),
        "max": hist.max,
        "total_ns": total_ns,
        "ttsp_max_ns": ttsp_max,
        "by_operation": by_operation,
        "excluded": excluded,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: jvm_log.py SAFEPOINT_LOG")
    print(json.dumps(parse_safepoint_log(sys.argv[1])))
