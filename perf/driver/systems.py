"""systems.py — the systems compare.py measures and how one run of one is
made: rgc-bench's allocators, each in its own rgc-bench process; the JVM's
collectors and Go through the peer programs (perf/peers), which take
rgc-bench's workload flags and print one result in rgc-bench's results[]
shape.  A run gives an Outcome: that result (ok or failed), or the note that
the system is not here."""

import json
import math
import os
import subprocess
import tempfile

import peers

RGC_BENCH = "build/release/rgc-bench"
BENCH_ALLOCS = ("rgc", "glibc", "tcmalloc", "jemalloc", "bdwgc")
JVM_COLLECTORS = (("g1", "UseG1GC"), ("zgc", "UseZGC"),
                  ("shenandoah", "UseShenandoahGC"))

# Far above any run at the full sizes (bdwgc's msgbuf takes a few seconds),
# so only a hung run is cut, and `ninja compare` still ends.
RUN_TIMEOUT_S = 900

# The JVM heap: -Xms = -Xmx = JVM_HEAP_FACTOR x the live set, at least
# JVM_HEAP_MIN_MIB (docs/benchmarks.md, "Comparing with other collectors").
JVM_HEAP_FACTOR = 3
JVM_HEAP_MIN_MIB = 64


def jvm_heap_mib(workload, factor):
    return max(JVM_HEAP_MIN_MIB,
               math.ceil(factor * workload.live_bytes() / (1 << 20)))


class Outcome:
    def __init__(self, result=None, missing=None):
        self.result = result    # a results[] element, or None
        self.missing = missing  # why the system is not here, or None


def _failed(name, why):
    return Outcome({"alloc": name, "ok": False, "error": why})


def _tail(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def _last_json_line(stdout):
    """The last line of stdout that is a JSON object: a runtime may print
    warnings to stdout before the program's one line."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def _run(name, argv, root):
    """(completed process, None) or (None, a failed Outcome)."""
    try:
        p = subprocess.run(argv, cwd=root, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, _failed(name, "no result after %d s" % RUN_TIMEOUT_S)
    except OSError as e:
        return None, _failed(name, "%s: %s" % (argv[0], e))
    return p, None


class BenchSystem:
    """One of rgc-bench's allocators."""

    def __init__(self, alloc):
        self.name = alloc

    def run(self, workload, root):
        argv = [RGC_BENCH, workload.name, "--alloc", self.name, "--json",
                "--settle-ms", "0"] + workload.flags()
        p, failed = _run(self.name, argv, root)
        if failed:
            return failed
        # An allocator this rgc-bench does not know, or knows but was built
        # without (jemalloc, tcmalloc under ASan): a missing peer, not a
        # failure.
        for line in p.stderr.splitlines():
            if "unknown allocator" in line or "skipping" in line:
                return Outcome(missing=line)
        doc = _last_json_line(p.stdout)
        if not doc or not doc.get("results"):
            return _failed(self.name, "rgc-bench exited with status %d: %s"
                           % (p.returncode, _tail(p.stderr)))
        result = doc["results"][0]
        error = result.get("error", "")
        if not result.get("ok") and ("not linked" in error or
                                     "unavailable" in error):
            return Outcome(missing="rgc-bench: " + error)
        return Outcome(result)


class PeerSystem:
    """A peer program (perf/peers): its argv, then the workload, --name and
    the workload flags; it prints one result line."""

    def __init__(self, name, argv):
        self.name = name
        self.argv = argv

    def command(self, workload, tmp):
        return self.argv + [workload.name, "--name", self.name] + \
            workload.flags()

    def finish(self, result, tmp):
        """An ok result, completed from what the run left in tmp."""
        return result

    def run(self, workload, root):
        with tempfile.TemporaryDirectory(prefix="rgc-compare-") as tmp:
            p, failed = _run(self.name, self.command(workload, tmp), root)
            if failed:
                return failed
            result = _last_json_line(p.stdout)
            if result is None:
                return _failed(self.name, "exit status %d, no JSON line: %s"
                               % (p.returncode, _tail(p.stderr)))
            if p.returncode != 0 and result.get("ok"):
                return _failed(self.name, "exit status %d: %s"
                               % (p.returncode, _tail(p.stderr)))
            if result.get("ok"):
                result = self.finish(result, tmp)
        return Outcome(result)


class JvmSystem(PeerSystem):
    """The Java peer on one JVM collector: a fixed heap sized from the live
    set, and the safepoint log as the collector's own pause log."""

    def __init__(self, name, argv, flag, heap_factor):
        super().__init__(name, argv)
        self.flag = flag
        self.heap_factor = heap_factor

    def command(self, workload, tmp):
        heap = "%dm" % jvm_heap_mib(workload, self.heap_factor)
        return ["java", "-Xms" + heap, "-Xmx" + heap, "-XX:+" + self.flag,
                "-Xlog:safepoint:file=" + os.path.join(tmp, "safepoint.log")
                ] + super().command(workload, tmp)

    def finish(self, result, tmp):
        if result.get("gc_log") is None:  # the program cannot see the log
            result["gc_log"] = _safepoint_log(
                os.path.join(tmp, "safepoint.log"))
        return result


def _safepoint_log(path):
    """The JVM's pause log, from -Xlog:safepoint (perf/driver/jvm_log.py,
    imported here so that every other system runs without it)."""
    try:
        import jvm_log
    except ImportError as e:
        return {"source": "missing", "error": "jvm_log.py: %s" % e}
    try:
        return jvm_log.parse_safepoint_log(path)
    except (OSError, ValueError) as e:  # one bad log must not end a compare
        return {"source": "safepoint", "error": str(e)}


def make_systems(root, heap_factor):
    """Every system that can run here, in the order of the tables, and why
    each of the others cannot: {name: note}."""
    systems = [BenchSystem(a) for a in BENCH_ALLOCS]
    skipped = {}
    major = peers.java_major()
    java = peers.build_java(root)
    for short, flag in JVM_COLLECTORS:
        name = "jdk%s-%s" % (major or "", short)
        if not java.argv:
            skipped[name] = java.note
        elif not peers.jvm_has_collector(flag):
            skipped[name] = "this JVM has no -XX:+" + flag
        else:
            systems.append(JvmSystem(name, java.argv, flag, heap_factor))
    go = peers.build_go(root)
    if go.argv:
        systems.append(PeerSystem("go", go.argv))
    else:
        skipped["go"] = go.note
    return systems, skipped
