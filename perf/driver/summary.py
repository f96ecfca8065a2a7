"""summary.py — the figures compare.py reports, taken from each run's result,
and their medians across runs: each figure's median on its own, as in
docs/benchmarks.md's tables, so one median row may mix runs."""

import statistics

# Every percentile any system reports (p90 and p99999 where the program
# prints them), the exact max and the mean.
LATENCY_KEYS = ("p50", "p90", "p99", "p999", "p9999", "p99999", "max",
                "mean")


def collector_pauses(result):
    """The collector's own pause log: rgc's gc.pauses or a peer's gc_log.
    None for malloc, and for bdwgc, whose pauses rgc-bench does not read."""
    log = (result.get("gc") or {}).get("pauses") or result.get("gc_log")
    if not log or log.get("count") is None:
        return None
    return {k: log[k] for k in ("count", "p99", "max")
            if log.get(k) is not None}


def figures(result):
    """The numbers of one ok result that the tables and plots use, as a
    tree of dicts."""
    f = {}
    latency = result.get("latency_ns")
    if latency:
        f["latency_ns"] = {k: latency[k] for k in LATENCY_KEYS
                           if latency.get(k) is not None}
    for key in ("over_1ms", "total_ns", "peak_rss_kb"):
        if result.get(key) is not None:
            f[key] = result[key]
    if result.get("phases"):
        # GCBench: per kind of phase, the sum over its depths.
        sums = {}
        for ph in result["phases"]:
            sums[ph["phase"]] = sums.get(ph["phase"], 0) + ph["ns"]
        f["phases_ns"] = sums
    pauses = collector_pauses(result)
    if pauses:
        f["collector_pauses"] = pauses
    return f


def median_tree(trees):
    """Per key, the median over the trees that have it (a figure one run
    lacks is the median of the others)."""
    keys = []
    for t in trees:
        keys += [k for k in t if k not in keys]
    out = {}
    for k in keys:
        values = [t[k] for t in trees if k in t]
        if isinstance(values[0], dict):
            out[k] = median_tree(values)
        else:
            m = statistics.median(values)
            out[k] = int(m) if m == int(m) else m  # 2 of 4 runs: x.5
    return out


def summarize(results):
    """The medians of the ok results, with the range of the latency max
    across them; None when no run succeeded."""
    figs = [figures(r) for r in results if r.get("ok")]
    if not figs:
        return None
    medians = median_tree(figs)
    maxes = [f["latency_ns"]["max"] for f in figs
             if "max" in f.get("latency_ns", {})]
    if maxes:
        medians["max_range_ns"] = [min(maxes), max(maxes)]
    return medians
