#!/bin/sh
# test/soak.sh — the concurrent stress test under chaos, for a while.
#
#   sh test/soak.sh [seconds [first-seed]]     (default: 600 s, seed 1)
#
# Runs build/release/test/test_concurrent_mark (4 mutator threads on
# 48 MiB heaps, checkmark and the verifier on; docs/design.md, "Chaos")
# round after round, each round under a new chaos seed and test seed,
# until the time is up.  Stops at the first failure, naming the seed; at
# the end prints what all rounds did together.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-600}
seed=${2:-1}
test=build/release/test/test_concurrent_mark
[ -x "$test" ] || ninja "$test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
end=$(( $(date +%s) + seconds ))
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
    if ! RGC_OPTIONS=chaos=$seed RGC_SEED=$seed "$test" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "soak: FAILED in round $((rounds + 1)): RGC_OPTIONS=chaos=$seed RGC_SEED=$seed $test" >&2
        exit 1
    fi
    rounds=$((rounds + 1))
    seed=$((seed + 1))
done
# Each configuration of each round prints one summary pair of lines.
secs=$(( $(date +%s) - end + seconds ))
awk -v rounds="$rounds" -v secs="$secs" '
    / cycles \(/ { cycles += $3; concurrent += substr($5, 2); runs++ }
    /load barrier:/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "slow") slow += $(i - 1)
            if ($i ~ /^relocations/) rel += $(i - 1)
            if ($i ~ /^waits/) waits += $(i - 1)
            if ($i == "regions") inplace += $(i - 1)
            if ($i == "copied;") copied += $(i - 2)
        }
    }
    END {
        printf "soak: %d rounds (%d runs of 4 threads) in %d s, clean: %d cycles (%d concurrent), %d MiB copied, load barrier %d slow paths, %d relocations by mutators, %d mutator copy failures (waits for a worker), %d regions relocated in place\n",
            rounds, runs, secs, cycles, concurrent, copied, slow, rel, waits, inplace
    }' "$log"
