#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run the libFuzzer targets (build/fuzz/<target>, `make fuzz-targets`): each first replays its
# seed corpus (tests/fuzz/<target>/corpus) and its regressions (tests/fuzz/<target>/regressions,
# inputs that once crashed), then fuzzes for the given time. New inputs go to
# build/fuzz/corpus/<target> (kept between runs, never into the tree); a crash is saved in
# build/fuzz/crashes/<target>/. Prints "PASS fuzz-<target>: N execs" or "FAIL fuzz-<target>: ..."
# per target and exits non-zero on any failure.
# Usage: tests/fuzz/run.sh [--time SECONDS] [TARGET...]    (default 60 s, every target)
# Replay one crash: build/fuzz/<target> <file>
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
secs=60
if [ "${1:-}" = --time ]; then
    secs=$2
    shift 2
fi
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
    for d in tests/fuzz/*/fuzz.c; do targets+=("$(basename "$(dirname "$d")")"); done
fi
failed=0
for t in "${targets[@]}"; do
    bin=build/fuzz/$t
    if [ ! -x "$bin" ]; then
        echo "FAIL fuzz-$t: $bin is missing (make fuzz-targets)"
        failed=1
        continue
    fi
    work=build/fuzz/corpus/$t
    crashes=build/fuzz/crashes/$t
    log=build/fuzz/logs/$t.log
    mkdir -p "$work" "$crashes" "$(dirname "$log")"
    seeds=()
    for d in tests/fuzz/$t/corpus tests/fuzz/$t/regressions; do
        [ -d "$d" ] && seeds+=("$d")
    done
    # Regressions first, on their own: each must run clean.
    if [ -d tests/fuzz/$t/regressions ] &&
        ! "$bin" tests/fuzz/$t/regressions/* > "$log" 2>&1; then
        echo "FAIL fuzz-$t: a regression input crashes again (log: $log)"
        failed=1
        continue
    fi
    "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "${seeds[@]}" > "$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    if [ $rc != 0 ]; then
        echo "FAIL fuzz-$t: libFuzzer exited $rc after ${execs:-?} execs;" \
             "input saved in $crashes/ (log: $log)"
        failed=1
    else
        echo "PASS fuzz-$t: ${execs:-?} execs in ${secs} s, 0 crashes"
    fi
done
exit $failed
