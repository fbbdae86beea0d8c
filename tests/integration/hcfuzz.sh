#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The in-guest hypercall fuzzer (guests/tests/hcfuzz): four vCPUs issue random and
# structure-aware hypercalls at once (pointers into their own, unmapped and other memory,
# other domains' ids) beside a bystander domain whose heartbeat must not stop and whose memory
# must not change. Tern must stay up, both must report SUCCESS, at least a million calls must
# have been made, and every page must come back. The seed is printed for replay
# (extra = "seed=<n>" in build/guests/hcfuzz.cfg).
# Usage: tests/integration/hcfuzz.sh [--soak [CALLS]]   (soak: 100,000,000 calls unless given)
# run-tests: one host thread (every boot here is --tcg-single), about 90 s
. "$(dirname "$0")/common.bash"
G=$ROOT/build/guests
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

calls=1000000 secs=90 timeout=600 name=hcfuzz
if [ "${1:-}" = --soak ]; then
    calls=${2:-100000000} name=hcfuzz-soak
    secs=$((calls / 5000 + 120)) timeout=$((calls / 5000 + 600))
fi
sed -e "s/iterations=[0-9]*/iterations=$calls/" "$G/hcfuzz.cfg" > "$tmp/hcfuzz.cfg"
sed -e "s/duration=[0-9]*/duration=$secs/" "$G/bystander.cfg" > "$tmp/bystander.cfg"
# --tcg-single: under multi-threaded TCG, QEMU 7.2's emulated SVM now and then has a guest
# triple-fault reading an IDT its page tables map (Tern's walk of them right after says mapped;
# docs/testing.md). One host thread for both emulated CPUs still interleaves every vCPU.
if boot "$name" 0 --smp 2 --tcg-single --timeout "$timeout" --expect hcfuzz=poweroff \
    --expect bystander=poweroff "$tmp/hcfuzz.cfg" "$tmp/bystander.cfg"; then
    expect "^\\[hcfuzz\\] Test result: SUCCESS" "fuzzer"
    expect "^\\[bystander\\] Test result: SUCCESS" "bystander beside the fuzzer"
    expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
    reject "TERN PANIC|FATAL|\\(LEAK\\)"
    done_calls=$(grep -ao '^\[hcfuzz\] hcfuzz: total [0-9]* hypercalls' "$LOG" | grep -o '[0-9]*' |
                 tail -1)
    expect_range "${done_calls:-0}" "$calls" $((calls * 2)) "hypercalls the fuzzer made"
    grep -a '^\[hcfuzz\] hcfuzz: total' "$LOG" | sed 's/^\[hcfuzz\] hcfuzz: /  /'
fi
done_case
