#!/usr/bin/env python3
"""compare.py — `ninja compare`: rgc and its peers side by side in one
command.  Runs each workload on every system present, in interleaved rounds
(each round runs every system once, in an order rotated by one per round),
then prints one Markdown table per workload with the medians across rounds,
and with --json FILE writes every run's raw result and the medians.

    python3 perf/driver/compare.py [--runs N] [--settle-ms N] [--threads N]
        [--systems LIST] [--workloads LIST] [--quick] [--json FILE]
        [--jvm-heap-factor F]

docs/benchmarks.md, "Comparing with other collectors", describes the output.
Exit status: 0 when every run succeeded, 1 when one failed, 2 for bad usage.
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import argparse
import datetime
import json
import os
import platform
import subprocess
import time

import peers
import summary
import systems
import tables
import workloads

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ALL_SYSTEMS = list(systems.BENCH_ALLOCS) + [
    "jdk-" + short for short, _ in systems.JVM_COLLECTORS] + ["go"]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="compare.py",
        description="rgc and its peers side by side (docs/benchmarks.md).")
    ap.add_argument("--runs", type=int, default=3,
                    help="rounds; every system runs once per round (3)")
    ap.add_argument("--settle-ms", type=int, default=2000,
                    help="idle milliseconds between two runs (2000)")
    ap.add_argument("--threads", type=int, default=2,
                    help="mtchurn's threads (2: the cores of these VMs)")
    ap.add_argument("--systems", help="comma-separated, in table order; "
                    "jdk-g1 also matches jdk17-g1 (default: all present)")
    ap.add_argument("--workloads", help="comma-separated: msgbuf, gcbench, "
                    "mtchurn (default: all three)")
    ap.add_argument("--quick", action="store_true",
                    help="a tenth of the ring sizes: a smoke run")
    ap.add_argument("--json", metavar="FILE",
                    help="also write every run and the medians to FILE")
    ap.add_argument("--jvm-heap-factor", type=float,
                    default=systems.JVM_HEAP_FACTOR,
                    help="JVM -Xms = -Xmx = this x the live set (%g)"
                    % systems.JVM_HEAP_FACTOR)
    a = ap.parse_args(argv)
    if a.runs < 1 or a.settle_ms < 0 or not 1 <= a.threads <= 64 \
            or a.jvm_heap_factor <= 1:
        ap.error("--runs >= 1, --settle-ms >= 0, --threads 1..64, "
                 "--jvm-heap-factor > 1")
    a.workloads = _list(ap, a.workloads, workloads.NAMES, "workload")
    a.systems = _list(ap, a.systems, ALL_SYSTEMS, "system")
    return a


def _list(ap, text, known, what):
    if text is None:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    for n in names:
        if _canonical(n) not in known:
            ap.error("unknown %s '%s' (%s)" % (what, n, ", ".join(known)))
    return names


def _canonical(name):
    """jdk17-g1 -> jdk-g1: the filters name JVM systems with or without the
    JDK's version."""
    if name.startswith("jdk"):
        return "jdk-" + name.split("-", 1)[-1]
    return name


def machine():
    """Where the figures come from: the CPUs, the kernel, the commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:  # no git: a tarball of the sources
        commit = ""
    cpu = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": cpu,
            "kernel": platform.release(),
            "commit": commit or None,
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M")}


def header(args, doc, present, skipped):
    """The machine, the tools and the method, as Markdown lines."""
    m, tools = doc["machine"], doc["tools"]
    lines = ["# rgc compare, %s" % m["date"], "",
             "- machine: %d CPUs (nproc), %s, Linux %s"
             % (m["nproc"], m["cpu"] or "?", m["kernel"]),
             "- rgc-bench: %s at commit %s"
             % (systems.RGC_BENCH, m["commit"] or "?"),
             "- java: %s" % (tools["java"] or "not installed"),
             "- go: %s" % (tools["go"] or "not installed"),
             "- %d round%s, each system once per round in a rotated order, "
             "%d ms between runs; mtchurn on %d threads; JVM heap -Xms = "
             "-Xmx = %g x the live set (at least %d MiB); rgc, Go and the "
             "mallocs with their defaults"
             % (args.runs, "" if args.runs == 1 else "s", args.settle_ms,
                args.threads, args.jvm_heap_factor,
                systems.JVM_HEAP_MIN_MIB),
             "- systems: " + ", ".join(s.name for s in present)]
    lines += ["- skipped %s: %s" % (name, why)
              for name, why in skipped.items()]
    return lines + [""]


def rotated(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def measure(args, workload, present, skipped, settle_first):
    """Every round of one workload: {system: [result, ...]}, in run order,
    --settle-ms before every run but the compare's first.  A system found
    missing leaves `present` for the rest of the compare."""
    runs = {s.name: [] for s in present}
    settle = settle_first
    for r in range(args.runs):
        for system in rotated(list(present), r):
            if settle:
                time.sleep(args.settle_ms / 1000)
            settle = True
            print("compare: %s, round %d of %d: %s"
                  % (workload.name, r + 1, args.runs, system.name),
                  file=sys.stderr, flush=True)
            outcome = system.run(workload, ROOT)
            if outcome.missing:
                print("compare: skipping %s: %s"
                      % (system.name, outcome.missing), file=sys.stderr)
                skipped[system.name] = outcome.missing
                present.remove(system)
                del runs[system.name]
                continue
            runs[system.name].append(outcome.result)
    return runs


def main(argv):
    args = parse_args(argv)
    if not os.path.exists(os.path.join(ROOT, systems.RGC_BENCH)):
        sys.exit("compare.py: no %s (ninja %s)"
                 % (systems.RGC_BENCH, systems.RGC_BENCH))
    every, skipped = systems.make_systems(ROOT, args.jvm_heap_factor)
    wanted = [_canonical(n) for n in args.systems]
    present = [s for s in every if _canonical(s.name) in wanted]
    present.sort(key=lambda s: wanted.index(_canonical(s.name)))
    skipped = {n: why for n, why in skipped.items()
               if _canonical(n) in wanted}
    for name, why in skipped.items():
        print("compare: skipping %s: %s" % (name, why), file=sys.stderr)

    doc = {"params": {"runs": args.runs, "settle_ms": args.settle_ms,
                      "threads": args.threads, "quick": args.quick,
                      "jvm_heap_factor": args.jvm_heap_factor,
                      "jvm_heap_min_mib": systems.JVM_HEAP_MIN_MIB},
           "machine": machine(),
           "tools": {"java": peers.java_version(),
                     "go": peers.go_version()},
           "workloads": {}}
    for i, name in enumerate(args.workloads):
        w = workloads.Workload(name, args.quick, args.threads)
        runs = measure(args, w, present, skipped, i > 0)
        doc["workloads"][name] = {
            "flags": w.flags(), "live_bytes": w.live_bytes(),
            "jvm_heap_mib": systems.jvm_heap_mib(w, args.jvm_heap_factor),
            "systems": {s: {"runs": rs, "median": summary.summarize(rs)}
                        for s, rs in runs.items()}}
    doc["systems"] = [s.name for s in present]
    doc["skipped"] = skipped

    lines = header(args, doc, present, skipped)
    for name in args.workloads:
        w = workloads.Workload(name, args.quick, args.threads)
        entries = doc["workloads"][name]["systems"]
        lines += tables.workload_table(w, list(entries.items())) + [""]
    lines += tables.legend(args.runs)
    print("\n".join(lines))

    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    ok = all(r.get("ok") for wl in doc["workloads"].values()
             for e in wl["systems"].values() for r in e["runs"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
