#!/usr/bin/env python3
"""plot.py — pictures, with gnuplot:

    plot.py latency COMPARE.json WORKLOAD OUT.png
        the push latency by percentile, HdrHistogram style, one line per
        system, from compare.py --json's medians
    plot.py timeline FILE.tsv OUT.png [TITLE]
        memory over time from rgc-bench --timeline: RSS of every allocator,
        rgc's committed, used and live bytes, its GC cycles as vertical lines

docs/benchmarks.md, "Plots and timelines", describes both."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import csv
import json

import gnuplot

# Percentile keys of latency_ns and where they go on the x axis: 1/(1-p),
# so each further nine is one decade to the right; the max one decade
# after 99.999 %.  A key a system does not report is left out of its line.
# The y axis in µs, its tics named in the unit that reads best.
Y_TICS = (("10 ns", 0.01), ("100 ns", 0.1), ("1 µs", 1), ("10 µs", 10),
          ("100 µs", 100), ("1 ms", 1e3), ("10 ms", 1e4), ("100 ms", 1e5),
          ("1 s", 1e6), ("10 s", 1e7))
NINES = (("p50", 2, "50%"), ("p90", 10, "90%"), ("p99", 100, "99%"),
         ("p999", 1e3, "99.9%"), ("p9999", 1e4, "99.99%"),
         ("p99999", 1e5, "99.999%"), ("max", 1e6, "max"))


def latency(compare_json, workload, out):
    with open(compare_json) as f:
        doc = json.load(f)
    if workload not in doc["workloads"]:
        raise SystemExit("plot.py: %s has no %s" % (compare_json, workload))
    systems = doc["workloads"][workload]["systems"]
    data, plots = "", []
    for i, (name, entry) in enumerate(systems.items()):
        lat = (entry["median"] or {}).get("latency_ns")
        if not lat:
            continue
        rows = [(x, lat[k] / 1000) for k, x, _ in NINES if k in lat]
        block = "s%d" % i
        data += gnuplot.datablock(block, rows)
        width = 3 if name == "rgc" else 1.5
        plots.append("$%s using 1:2 with linespoints lw %g pt 7 ps 0.6 "
                     "lc rgb %s title %s"
                     % (block, width,
                        gnuplot.quote(gnuplot.COLOURS[i % 10]),
                        gnuplot.quote(name)))
    if not plots:
        raise SystemExit("plot.py: no latencies for %s in %s"
                         % (workload, compare_json))
    m = doc["machine"]
    title = ("%s: latency of one push by percentile, medians of %d runs\\n"
             "%d CPUs, %s, commit %s"
             % (workload, doc["params"]["runs"], m["nproc"], m["date"],
                m["commit"]))
    # Tic labels are format strings to gnuplot: "%" is written "%%".
    xtics = ", ".join('"%s" %g' % (label.replace("%", "%%"), x)
                      for _, x, label in NINES)
    ytics = ", ".join('"%s" %g' % t for t in Y_TICS)
    gnuplot.draw(data + """
set title "%s"
set logscale xy
set xrange [1.5:1.5e6]
set xtics (%s)
set ytics (%s)
set xlabel "percentile"
set ylabel "latency"
set grid xtics ytics mytics
set key outside right top
plot %s
""" % (title, xtics, ytics, ", ".join(plots)), out)


def _read_timeline(path):
    """{alloc: [row dict, ...]} in file order."""
    runs = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            runs.setdefault(row["alloc"], []).append(row)
    return runs


def _mib(kb):
    return float(kb) / 1024


# Each allocator's RSS in a colour of its own; rgc's heap series in three
# others, the same for every heap.
RSS_COLOURS = ("#1f77b4", "#7f7f7f", "#8c564b", "#17becf", "#bcbd22")
HEAP_SERIES = ((2, "committed", "#2ca02c", 1), (3, "used", "#ff7f0e", 1),
               (4, "live", "#9467bd", 3))
CYCLE, RELEASE = '"#bbbbbb"', '"#cc0000"'  # the markers' colours


def timeline(tsv, out, title=None):
    runs = _read_timeline(tsv)
    data, plots, marks = "", [], []
    for i, (alloc, rows) in enumerate(runs.items()):
        colour = gnuplot.quote(RSS_COLOURS[i % len(RSS_COLOURS)])
        data += gnuplot.datablock("rss%d" % i, [
            (float(r["t_ms"]) / 1000, _mib(r["rss_kb"])) for r in rows])
        plots.append("$rss%d using 1:2 with lines lw 2 lc rgb %s title %s"
                     % (i, colour, gnuplot.quote(alloc + " RSS")))
        heap = [r for r in rows if r["committed_kb"] != "-"]
        if not heap:
            continue  # malloc: RSS only
        data += gnuplot.datablock("heap%d" % i, [
            (float(r["t_ms"]) / 1000, _mib(r["committed_kb"]),
             _mib(r["used_kb"]), _mib(r["live_kb"])) for r in heap])
        for col, what, hue, dash in HEAP_SERIES:
            plots.append("$heap%d using 1:%d with lines lw 1.5 dt %d "
                         "lc rgb %s title %s"
                         % (i, col, dash, gnuplot.quote(hue),
                            gnuplot.quote("%s %s" % (alloc, what))))
        # A cycle ended between the previous row and this one.
        marks += ["set arrow from %g, graph 0 to %g, graph 1 nohead "
                  "lc rgb %s dt 2 back"
                  % (float(r["t_ms"]) / 1000, float(r["t_ms"]) / 1000, CYCLE)
                  for r in heap if r["new_cycles"] not in ("0", "-")
                  and r["phase"] == "run"]
        release = [r for r in rows if r["phase"] == "release"]
        if release:
            t = float(release[0]["t_ms"]) / 1000
            marks.append("set arrow from %g, graph 0 to %g, graph 1 nohead "
                         "lc rgb %s dt 2 back" % (t, t, RELEASE))
            # Named in the key (a line with no points), not beside the
            # arrow, where it would cross the curves.
            plots.append("NaN with lines lc rgb %s dt 2 title %s"
                         % (RELEASE, gnuplot.quote(
                             "%s: RGC_COLLECT_RELEASE" % alloc)))
    plots.append("NaN with lines lc rgb %s dt 2 title \"GC cycle ended\""
                 % CYCLE)
    gnuplot.draw(data + "\n".join(marks) + """
set title %s
set xlabel "seconds since the run started"
set ylabel "MiB"
set yrange [0:*]
set grid ytics
set key outside right top
plot %s
""" % (gnuplot.quote("memory over time: " + (title or tsv)),
       ", ".join(plots)), out)


def main(argv):
    if len(argv) == 4 and argv[0] == "latency":
        latency(*argv[1:])
    elif len(argv) in (3, 4) and argv[0] == "timeline":
        timeline(*argv[1:])
    else:
        sys.exit("usage: plot.py latency COMPARE.json WORKLOAD OUT.png\n"
                 "       plot.py timeline FILE.tsv OUT.png [TITLE]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
