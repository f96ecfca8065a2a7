"""tables.py — compare.py's Markdown: for each workload one table, a row per
system, the medians across runs, and the failed runs' reasons below it."""

# Systems without a collector: no pause log to show.
MALLOCS = ("glibc", "tcmalloc", "jemalloc")

RING_HEAD = ("system", "p50", "p99", "p99.9", "p99.99", "max (range)",
             "ops > 1 ms", "loop time", "peak RSS", "GC pauses", "pause p99",
             "pause max")
GCBENCH_HEAD = ("system", "total", "stretch", "long-lived", "top-down",
                "bottom-up", "peak RSS", "GC pauses", "pause p99",
                "pause max")


def _num(x):
    return "%.2f" % x if x < 10 else "%.1f" % x if x < 100 else "%.0f" % x


def ns(v):
    """A duration in the unit that keeps it between 1 and 999."""
    if v is None:
        return "?"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if v >= scale:
            return "%s %s" % (_num(v / scale), unit)
    return "%.0f ns" % v


def kib(v):
    if v is None:
        return "?"
    mib = v / 1024
    return "%s GiB" % _num(mib / 1024) if mib >= 1024 else "%s MiB" % _num(mib)


def _count(v):
    return "?" if v is None else "%.0f" % v


def _pause_cells(system, m):
    p = m.get("collector_pauses")
    if p and p.get("count") == 0:  # a collector that never paused
        return ["0", "-", "-"]
    if p:
        return [_count(p.get("count")), ns(p.get("p99")), ns(p.get("max"))]
    return ["-"] * 3 if system in MALLOCS else ["n/a"] * 3


def _ring_cells(m, runs):
    lat = m.get("latency_ns", {})
    top = ns(lat.get("max"))
    lo, hi = m.get("max_range_ns", (None, None))
    if runs > 1 and lo is not None:
        top += " (%s – %s)" % (ns(lo), ns(hi))
    return [ns(lat.get("p50")), ns(lat.get("p99")), ns(lat.get("p999")),
            ns(lat.get("p9999")), top, _count(m.get("over_1ms")),
            ns(m.get("total_ns")), kib(m.get("peak_rss_kb"))]


def _gcbench_cells(m):
    ph = m.get("phases_ns", {})
    return [ns(m.get("total_ns")), ns(ph.get("stretch")),
            ns(ph.get("long-lived")), ns(ph.get("top-down")),
            ns(ph.get("bottom-up")), kib(m.get("peak_rss_kb"))]


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def workload_table(workload, entries):
    """Markdown lines for one workload; entries: (system, {"runs": [...],
    "median": {...} or None}) in table order."""
    head = GCBENCH_HEAD if workload.name == "gcbench" else RING_HEAD
    lines = ["## %s" % workload.name, "", workload.describe() + ".", "",
             _row(head), _row(["---"] * len(head))]
    notes = []
    for system, entry in entries:
        runs = entry["runs"]
        failed = [r for r in runs if not r.get("ok")]
        for i, r in enumerate(runs):
            if not r.get("ok"):
                notes.append("- %s, run %d: %s"
                             % (system, i + 1, r.get("error", "?")))
        m = entry["median"]
        if m is None:
            lines.append(_row(["%s: FAILED" % system] +
                              ["-"] * (len(head) - 1)))
            continue
        name = system
        if failed:
            name += " (%d of %d runs failed)" % (len(failed), len(runs))
        ok_runs = len(runs) - len(failed)
        cells = (_gcbench_cells(m) if workload.name == "gcbench"
                 else _ring_cells(m, ok_runs))
        lines.append(_row([name] + cells + _pause_cells(system, m)))
    return lines + ([""] + notes if notes else [])


def legend(runs):
    """What every table's cells mean: printed once, after the tables."""
    return [
        "Medians of %d run%s, each figure on its own; max (range) is the "
        "median and the lowest – highest of the runs' maxima."
        % (runs, "" if runs == 1 else "s"),
        "Latencies are of one push as the mutator saw it (allocate, fill, "
        "store; malloc also frees), including one clock read; ops > 1 ms "
        "counts pushes over 1 ms; loop time is the push loops' wall time "
        "(gcbench: the sum of its phases).",
        "GC pauses, pause p99, pause max: the collector's own pause log "
        "(rgc: gc.pauses; JVM: -Xlog:safepoint; Go: its runtime's pause "
        "log); - no collector; n/a: bdwgc's pauses are not read.",
    ]
