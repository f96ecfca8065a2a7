#!/bin/sh
# test/kv_redis_cli.sh — the three rgc-kv builds (build/release/rgc-kv,
# rgc-kv-glibc, rgc-kv-tcmalloc) driven by the real redis-cli, and by a
# short redis-benchmark when it is installed; each is stopped one of the
# supported ways (SIGTERM, SHUTDOWN, SIGINT) and must exit 0.  Skipped
# (exit 0) without redis-cli.  Every wait is bounded.
set -eu
cd "$(dirname "$0")/.."

if ! command -v redis-cli >/dev/null 2>&1; then
    echo "skipped: redis-cli not installed"
    exit 0
fi

tmp=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"' EXIT

fail() {
    echo "kv_redis_cli: $build: $*" >&2
    exit 1
}

start() {
    "$1" --port 0 --threads 2 >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    i=0
    # The whole line, newline included: the server's write may be seen
    # half done (the port's digits not all there yet).
    until grep -q '^rgc-kv: ready on ' "$tmp/out" &&
        [ "$(tail -c 1 "$tmp/out" | od -An -c | tr -d ' ')" = '\n' ]; do
        kill -0 "$pid" 2>/dev/null || fail "exited: $(cat "$tmp/err")"
        i=$((i + 1))
        [ "$i" -le 200 ] || fail "no ready line after 10 s"
        sleep 0.05
    done
    port=$(sed -n 's/^rgc-kv: ready on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/out")
    [ -n "$port" ] || fail "bad ready line: $(cat "$tmp/out")"
}

cli() {
    timeout 10 redis-cli -p "$port" "$@"
}

expect() {
    want=$1
    shift
    got=$(cli "$@") || fail "redis-cli $* failed"
    [ "$got" = "$want" ] || fail "redis-cli $*: '$got', expected '$want'"
}

# Wait (at most 10 s) for the server to exit; it must exit 0.
reap() {
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -le 200 ] || fail "still running 10 s after $1"
        sleep 0.05
    done
    rc=0
    wait "$pid" || rc=$?
    pid=""
    [ "$rc" -eq 0 ] || fail "exit status $rc after $1: $(cat "$tmp/err")"
}

for build in rgc glibc tcmalloc; do
    bin=build/release/rgc-kv
    [ "$build" = rgc ] || bin=$bin-$build
    start "$bin"
    expect PONG ping
    expect OK set greeting hello
    expect hello get greeting
    expect 1 incr counter
    expect 2 incr counter
    expect "ERR value is not an integer or out of range" incr greeting
    expect 1 del greeting
    expect "" get greeting
    expect 1 dbsize
    expect OK set session token ex 100
    expect 100 ttl session
    cli info gc >"$tmp/info"
    if [ "$build" = rgc ]; then
        for f in rgc_cycles rgc_pause_count rgc_pause_p50_us rgc_pause_p99_us \
            rgc_pause_p999_us rgc_pause_max_us rgc_pause_total_us \
            rgc_ttsp_max_us rgc_heap_committed_bytes rgc_heap_used_bytes \
            rgc_live_bytes rgc_stalls; do
            grep -q "^$f:" "$tmp/info" || fail "INFO gc lacks $f"
        done
    else
        grep -q "^allocator:$build" "$tmp/info" || fail "INFO gc: $(cat "$tmp/info")"
    fi
    if command -v redis-benchmark >/dev/null 2>&1; then
        timeout 120 redis-benchmark -p "$port" -q -n 2000 -t set,get \
            >"$tmp/bench" 2>&1 || fail "redis-benchmark: $(cat "$tmp/bench")"
        echo "kv_redis_cli: $build: $(tr '\r' '\n' <"$tmp/bench" |
            grep 'requests per second' | sed 's/,.*//' | tr '\n' ' ')"
    fi
    case $build in
    rgc)
        kill -TERM "$pid"
        reap SIGTERM
        ;;
    glibc)
        cli shutdown nosave >/dev/null 2>&1 || true
        reap SHUTDOWN
        ;;
    tcmalloc)
        kill -INT "$pid"
        reap SIGINT
        ;;
    esac
done
echo "kv_redis_cli: ok"
