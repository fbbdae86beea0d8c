#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile multi-vCPU races (guests/tests/races, issue 7), each beside a bystander domain whose
# heartbeat must not stop and whose memory must not change: two vCPUs releasing one frame,
# a release racing a grant map of the frame, a release racing VCPUOP_register_vcpu_info,
# vCPUs taking each other down and up, p2m changes under a sibling's accesses, batched grant
# unmaps under a sibling's writes, two vCPUs taking event channels up to the domain's limit,
# and timers firing while their domain reboots (and is built again) 150 times. Tern must stay
# up, every race guest and the bystander must report SUCCESS, and every page must come back.
. "$(dirname "$0")/common.bash"
G=$ROOT/build/guests
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A bystander that beats for $1 seconds.
bystander() {
    sed -e "s/duration=[0-9]*/duration=$1/" "$G/bystander.cfg" > "$tmp/bystander.cfg"
    echo "$tmp/bystander.cfg"
}

# race MODE BYSTANDER_SECONDS [tern-qemu options...]
race() {
    local mode=$1 secs=$2 by
    shift 2
    by=$(bystander "$secs")
    if boot "races-$mode" 0 --smp 2 --timeout 400 --expect bystander=poweroff "$@" \
        "$G/races-$mode.cfg" "$by"; then
        expect "^\\[races-$mode\\] Test result: SUCCESS" "race guest $mode"
        expect "^\\[bystander\\] Test result: SUCCESS" "bystander beside $mode"
        expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
        reject "TERN PANIC|FATAL|\\(LEAK\\)|FAILURE"
    fi
    done_case
}

race release-release 20 --expect races-release-release=poweroff
race release-grant 20 --expect races-release-grant=poweroff
race p2m-access 20 --expect races-p2m-access=poweroff
race down-up 20 --expect races-down-up=poweroff
race unmap-batch 15 --expect races-unmap-batch=poweroff
race evtchn-limit 15 --expect races-evtchn-limit=poweroff
# 9 boots of 126 rounds each; the last ends in a reboot that the limit turns into the end.
race release-vcpuinfo 30 --cmdline restart_limit=8 --expect races-release-vcpuinfo=reboot
if [ -z "$FAILED" ]; then
    n=$(grep -c '^\[races-release-vcpuinfo\] Test result: SUCCESS' "$LOG")
    CASE=races-release-vcpuinfo-rounds
    FAILED=
    expect_range "$n" 9 9 "boots of races-release-vcpuinfo that reported SUCCESS"
    done_case
fi
# Hundreds of restarts under multi-threaded TCG meet a QEMU SVM fault (docs/testing.md):
# the CPUs are emulated in one thread here, which still interleaves Tern's two pCPUs.
race timers 30 --tcg-single --cmdline restart_limit=150 --expect races-timers=reboot
if [ -z "$FAILED" ]; then
    CASE=races-timers-restarts
    FAILED=
    expect "Domain [0-9]+ \\(races-timers\\): restart limit \\(150\\) reached"
    done_case
fi
