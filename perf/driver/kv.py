#!/usr/bin/env python3
"""kv.py — rgc-kv beside Redis under redis-benchmark (`ninja kv-bench`).

Starts each server in turn on a loopback port — rgc-kv on rgc, on glibc and on
tcmalloc (one source, perf/kv/), and Debian's redis-server with persistence
off — drives it with the same redis-benchmark command (SET then GET on one
keyspace larger than maxmemory, so eviction runs; with and without
pipelining), reads its peak RSS and, for rgc, its pause figures (INFO gc), and
stops it.  Rounds are interleaved (each round runs every server once, in a
rotated order) and every figure in the table is the median over the rounds.

Every server runs under a time limit and is killed if it outlives it; a
missing redis-server or redis-benchmark is a note, not a failure.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build", "release")


def parse_size(s):
    m = re.fullmatch(r"(\d+)([kmg]?)b?", s.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"'{s}' is not a size (e.g. 64m)")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2)]


def free_port():
    """A loopback port nothing listens on now (the server binds it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(system, port, args):
    """The command line of one server, or None with the reason it is missing."""
    maxmem = str(args.maxmemory)
    if system == "redis":
        exe = shutil.which("redis-server")
        if not exe:
            return None, "redis-server is not installed (gen/deps --peers)"
        return [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--maxmemory", maxmem,
                "--maxmemory-policy", "allkeys-lru", "--loglevel", "warning"], None
    exe = os.path.join(BUILD, "rgc-kv" if system == "rgc" else f"rgc-kv-{system}")
    if not os.access(exe, os.X_OK):
        return None, f"{exe} is not built (ninja {os.path.relpath(exe, ROOT)})"
    cmd = [exe, "--port", str(port), "--maxmemory", maxmem]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if system == "rgc" and args.options:
        cmd += ["--options", args.options]
    return cmd, None


def resp_command(port, *words, timeout=5.0):
    """Send one command, return the reply's text (a bulk string or a line)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"".join([f"*{len(words)}\r\n".encode()] +
                           [f"${len(w)}\r\n{w}\r\n".encode() for w in words]))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.startswith(b"$"):
                head, _, rest = data.partition(b"\r\n")
                if int(head[1:]) < 0 or len(rest) >= int(head[1:]) + 2:
                    return rest[:int(head[1:])].decode(errors="replace") if int(head[1:]) >= 0 else ""
            elif data.endswith(b"\r\n"):
                return data[:-2].decode(errors="replace")
        return data.decode(errors="replace")


def wait_ready(proc, port, limit_s=20.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            if resp_command(port, "PING", timeout=1.0) == "+PONG":
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server not answering PING on port {port} after {limit_s:.0f} s")


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def info_fields(port, section):
    fields = {}
    for line in resp_command(port, "INFO", section).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def parse_benchmark(text):
    """redis-benchmark's full output -> {test: {rps, p50, p99, p999, max} (ms)}."""
    tests = {}
    parts = re.split(r"====== (\S+) ======", text)
    for name, body in zip(parts[1::2], parts[2::2]):
        dist = [(float(p), float(v)) for p, v in
                re.findall(r"^([\d.]+)% <= ([\d.]+) milliseconds", body.split(
                    "Cumulative distribution")[0], re.M)]
        rps = re.search(r"throughput summary: ([\d.]+) requests per second", body)
        if not dist or not rps:
            continue

        def at(pct):
            return next(v for p, v in dist if p >= pct)
        tests[name] = {"rps": float(rps.group(1)), "p50_ms": at(50), "p99_ms": at(99),
                       "p999_ms": at(99.9), "max_ms": dist[-1][1]}
    return tests


def benchmark_command(port, args, pipeline):
    return ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set,get",
            "-n", str(args.requests), "-r", str(args.keyspace), "-d", str(args.data_size),
            "-c", str(args.clients), "-P", str(pipeline)]


def run_one(system, port, args, pipeline):
    """One server start, one redis-benchmark run, one stop: a result dict."""
    cmd, missing = server_command(system, port, args)
    if missing:
        return {"system": system, "ok": False, "missing": missing}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    result = {"system": system, "pipeline": pipeline, "ok": False}
    try:
        wait_ready(proc, port)
        bench = subprocess.run(benchmark_command(port, args, pipeline), capture_output=True,
                               text=True, timeout=args.limit_s)
        result["tests"] = parse_benchmark(bench.stdout)
        if bench.returncode != 0 or set(result["tests"]) != {"SET", "GET"}:
            raise RuntimeError(f"redis-benchmark failed (status {bench.returncode}): "
                               f"{bench.stderr.strip()[-300:]}")
        result["peak_rss_kb"] = peak_rss_kb(proc.pid)
        stats = info_fields(port, "stats")
        result["evicted_keys"] = int(stats.get("evicted_keys", 0))
        if system == "rgc":
            gc = info_fields(port, "gc")
            result["gc"] = {k: float(v) for k, v in gc.items() if k.startswith("rgc_")}
        result["ok"] = True
    except (RuntimeError, OSError, subprocess.TimeoutExpired, StopIteration) as e:
        result["error"] = str(e)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                result.setdefault("error", "server ignored SIGTERM for 10 s")
                result["ok"] = False
        elif result["ok"]:
            result["ok"] = False
            result["error"] = f"server exited with status {proc.returncode} during the run"
        err = proc.stderr.read()
        if not result["ok"] and err:
            result["error"] = result.get("error", "") + " | stderr: " + err.strip()[-300:]
    return result


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float) and v < 100:
        return f"{v:.3f}{unit}"
    return f"{v:,.0f}{unit}"


def print_tables(runs, systems, pipelines, out):
    for pipeline in pipelines:
        for test in ("SET", "GET"):
            out.write(f"\n{test}, pipeline {pipeline} (medians of rounds)\n\n")
            out.write("| server | requests/s | p50 ms | p99 ms | p99.9 ms | max ms (range) "
                      "| peak RSS MiB | evicted | rgc pauses: count, p99 µs, max µs |\n")
            out.write("|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
            for system in systems:
                rs = [r for r in runs if r["system"] == system and r.get("pipeline") == pipeline
                      and r["ok"]]
                if not rs:
                    continue
                t = [r["tests"][test] for r in rs]
                maxes = [x["max_ms"] for x in t]
                rss = median([r["peak_rss_kb"] for r in rs])
                pauses = "—"
                if system == "rgc":
                    g = [r["gc"] for r in rs]
                    pauses = (f"{median([x.get('rgc_pause_count') for x in g]):.0f}, "
                              f"{median([x.get('rgc_pause_p99_us') for x in g]):.0f}, "
                              f"{median([x.get('rgc_pause_max_us') for x in g]):.0f}")
                out.write(f"| {system} | {fmt(median([x['rps'] for x in t]))} "
                          f"| {fmt(median([x['p50_ms'] for x in t]))} "
                          f"| {fmt(median([x['p99_ms'] for x in t]))} "
                          f"| {fmt(median([x['p999_ms'] for x in t]))} "
                          f"| {fmt(median(maxes))} ({min(maxes):.2f}–{max(maxes):.2f}) "
                          f"| {fmt(round(rss / 1024) if rss else None)} "
                          f"| {fmt(median([r['evicted_keys'] for r in rs]))} | {pauses} |\n")
    out.write("\n(pauses: rgc's own figures for the whole server run, SET and GET together)\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--systems", default="rgc,glibc,tcmalloc,redis")
    ap.add_argument("--runs", type=int, default=3, help="interleaved rounds (3)")
    ap.add_argument("--requests", type=int, default=200000, help="per test (200000)")
    ap.add_argument("--keyspace", type=int, default=200000, help="random keys (200000)")
    ap.add_argument("--data-size", type=int, default=1024, help="value bytes (1024)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipelines", default="1,16", help="pipeline depths (1,16)")
    ap.add_argument("--maxmemory", type=parse_size, default=parse_size("64m"),
                    help="every server's maxmemory (64m; the keyspace is ~3x that)")
    ap.add_argument("--threads", type=int, default=0,
                    help="rgc-kv worker threads (default: one per core)")
    ap.add_argument("--options", default="", help="rgc options for the rgc server")
    ap.add_argument("--settle-ms", type=int, default=1000)
    ap.add_argument("--limit-s", type=int, default=300, help="per redis-benchmark run")
    ap.add_argument("--quick", action="store_true", help="a smoke run: small and one round")
    ap.add_argument("--json", metavar="FILE", help="also write every run's result")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.requests, args.keyspace, args.maxmemory = 1, 20000, 20000, 8 << 20
    if not shutil.which("redis-benchmark"):
        print("kv.py: redis-benchmark is not installed (apt-get install redis-tools): "
              "nothing to run", file=sys.stderr)
        return 0
    systems = args.systems.split(",")
    pipelines = [int(p) for p in args.pipelines.split(",")]
    version = subprocess.run(["redis-benchmark", "--version"], capture_output=True,
                             text=True).stdout.strip()
    print(f"kv: {version}; {os.cpu_count()} cores; SET then GET, {args.requests} requests "
          f"each, {args.keyspace} random keys of {args.data_size} B values, "
          f"{args.clients} clients, maxmemory {args.maxmemory >> 20} MiB, {args.runs} rounds",
          flush=True)
    runs, noted = [], set()
    for rnd in range(args.runs):
        order = systems[rnd % len(systems):] + systems[:rnd % len(systems)]
        for pipeline in pipelines:
            for system in order:
                if system in noted:
                    continue
                r = run_one(system, free_port(), args, pipeline)
                if "missing" in r:
                    print(f"kv: skipping {system}: {r['missing']}", file=sys.stderr)
                    noted.add(system)
                    continue
                if not r["ok"]:
                    print(f"kv: {system} pipeline {pipeline} round {rnd + 1} failed: "
                          f"{r['error']}", file=sys.stderr)
                runs.append(dict(r, round=rnd + 1))
                time.sleep(args.settle_ms / 1000)
    print_tables(runs, systems, pipelines, sys.stdout)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"params": vars(args), "runs": runs}, f, indent=1)
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
