"""peers.py — the peer programs in other languages (perf/peers/java,
perf/peers/go): build them when their sources and toolchain are here, and
otherwise say in one line why not.  Also the toolchains' versions.

A build runs only when a source is newer than what was built, so a smoke run
in `ninja check` does not pay javac or the Go compiler every time."""

import functools
import os
import re
import shutil
import subprocess

JAVA_SRC = "perf/peers/java"
JAVA_OUT = "build/peers/java"
GO_SRC = "perf/peers/go"
GO_OUT = "build/peers/go"
GO_BINARY = GO_OUT + "/rgc-peer-go"


class Peer:
    """A built peer program (argv prefix after the runtime's own flags), or
    why there is none (note)."""

    def __init__(self, argv=None, note=None):
        self.argv = argv
        self.note = note


def _sources(root, folder, suffixes):
    top = os.path.join(root, folder)
    found = []
    for dirpath, _, files in os.walk(top):
        found += [os.path.join(dirpath, f) for f in files
                  if f.endswith(suffixes)]
    return sorted(found)


def _stale(target, sources):
    if not os.path.exists(target):
        return True
    built = os.path.getmtime(target)
    return any(os.path.getmtime(s) > built for s in sources)


def _run_build(argv, cwd, env=None):
    """None when the build worked, else its last line of output."""
    p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode == 0:
        return None
    lines = (p.stderr or p.stdout).strip().splitlines()
    return lines[-1] if lines else "exit status %d" % p.returncode


def _java_main_class(sources):
    """The class whose source declares main: the peer's entry point is
    whichever file the peers' author put it in, package included."""
    for path in sources:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if re.search(r"public\s+static\s+void\s+main\s*\(", text):
            package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
            name = os.path.splitext(os.path.basename(path))[0]
            return package.group(1) + "." + name if package else name
    return None


def build_java(root):
    sources = _sources(root, JAVA_SRC, (".java",))
    if not sources:
        return Peer(note="no %s sources" % JAVA_SRC)
    if not (shutil.which("javac") and shutil.which("java")):
        return Peer(note="javac or java is not installed")
    main = _java_main_class(sources)
    if not main:
        return Peer(note="no class in %s declares main" % JAVA_SRC)
    stamp = os.path.join(root, JAVA_OUT, ".built")
    if _stale(stamp, sources):
        os.makedirs(os.path.dirname(stamp), exist_ok=True)
        err = _run_build(["javac", "-d", JAVA_OUT] +
                         [os.path.relpath(s, root) for s in sources], root)
        if err:
            return Peer(note="javac failed: " + err)
        open(stamp, "w").close()
    return Peer(argv=["-cp", JAVA_OUT, main])


def build_go(root):
    sources = _sources(root, GO_SRC, (".go", "go.mod", "go.sum"))
    if not sources:
        return Peer(note="no %s sources" % GO_SRC)
    if not shutil.which("go"):
        return Peer(note="go is not installed")
    binary = os.path.join(root, GO_BINARY)
    if _stale(binary, sources):
        out = os.path.join(root, GO_OUT)
        env = dict(os.environ)
        # The caches under build/, so the build works as any user (no
        # writable home needed), and writable (-modcacherw) so `rm -rf
        # build` removes them; no proxy, so a missing module fails at once
        # instead of waiting on a network these machines may not have.
        env.update(GOCACHE=os.path.join(out, "cache"),
                   GOPATH=os.path.join(out, "gopath"),
                   GOPROXY="off", GOFLAGS="-modcacherw")
        err = _run_build(["go", "build", "-o",
                          os.path.relpath(binary, os.path.join(root, GO_SRC)),
                          "."], os.path.join(root, GO_SRC), env)
        if err:
            return Peer(note="go build failed: " + err)
    return Peer(argv=[GO_BINARY])


def _first_lines(argv, n):
    if not shutil.which(argv[0]):
        return None
    p = subprocess.run(argv, capture_output=True, text=True)
    lines = (p.stdout + p.stderr).strip().splitlines()
    return "; ".join(lines[:n]) if lines else None


@functools.lru_cache(maxsize=None)  # asked for the names and the header
def java_version():
    """`java -version`'s first two lines (the version and the build), or
    None without a JDK."""
    return _first_lines(["java", "-version"], 2)


def java_major():
    """17 for OpenJDK 17 (names the JVM systems: jdk17-g1), or None."""
    v = java_version()
    m = re.search(r'version "(1\.)?(\d+)', v or "")
    return int(m.group(2)) if m else None


def jvm_has_collector(flag):
    """Whether this JVM accepts -XX:+<flag> (not every build has
    Shenandoah)."""
    p = subprocess.run(["java", "-XX:+" + flag, "-version"],
                       capture_output=True)
    return p.returncode == 0


def go_version():
    return _first_lines(["go", "version"], 1)
