# SPDX-License-Identifier: MIT
# Helpers for QEMU integration tests: boot Tern through scripts/tern-qemu, keep the serial log,
# and report "PASS name" / "FAIL name: why (log: path)" lines that scripts/run-tests counts.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOGDIR=${TERN_TEST_LOGDIR:-$ROOT/build/tests/logs}
mkdir -p "$LOGDIR"

# boot NAME EXPECTED_STATUS [tern-qemu options...]
# Boots, saves the log to $LOGDIR/NAME.log, sets LOG and STATUS. Returns non-zero (after
# printing FAIL) when the rig's exit status is not the expected one.
boot() {
    local name=$1 want=$2
    shift 2
    LOG=$LOGDIR/$name.log
    CASE=$name
    FAILED=
    "$ROOT/scripts/tern-qemu" --quiet --log "$LOG" "$@" 2>"$LOG.rig"
    STATUS=$?
    if [ "$STATUS" != "$want" ]; then
        fail "expected tern-qemu to exit $want, got $STATUS ($(tail -n1 "$LOG.rig"))"
        return 1
    fi
    return 0
}

fail() {
    [ -n "$FAILED" ] && return 0
    FAILED=1
    echo "FAIL $CASE: $* (log: $LOG)"
}

# expect REGEX [description]: the log has a line matching REGEX (grep -E).
expect() {
    grep -Eq -- "$1" "$LOG" || fail "expected a line matching '$1'${2:+ ($2)}"
}

# reject REGEX: no line of the log matches.
reject() {
    if grep -Eq -- "$1" "$LOG"; then
        fail "unexpected line: $(grep -E -m1 -- "$1" "$LOG")"
    fi
}

# number REGEX: print the first integer captured by the regex's first line match (sed -E).
number() {
    grep -Em1 -- "$1" "$LOG" | sed -E "s/.*$1.*/\\1/"
}

# expect_range VALUE LOW HIGH what
expect_range() {
    if [ -z "$1" ] || [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
        fail "expected $4 between $2 and $3, got '${1}'"
    fi
}

done_case() {
    [ -z "$FAILED" ] && echo "PASS $CASE"
    return 0
}

# expect_guest_checks NAME: tests/linux/init.sh's in-guest checks all passed in domain NAME
# (its console lines are "[NAME] ...").
expect_guest_checks() {
    local name=$1 done_line
    done_line=$(grep -E "\\[$name\\] TERN-CHECKS-DONE" "$LOG" | head -1)
    if [ -z "$done_line" ]; then
        fail "domain $name never printed TERN-CHECKS-DONE"
        return
    fi
    grep -E "\\[$name\\] TERN-CHECK .* FAIL" "$LOG" | head -3 | while read -r l; do
        fail "in-guest check failed: ${l#*] }"
    done
    echo "$done_line" | grep -q "failed=0" || fail "domain $name: ${done_line#*] }"
}

# The image a scripts/mkdom0 log names ("mkdom0: [T s] image PATH: ..."), or nothing.
mkdom0_image() {
    sed -n 's/^mkdom0: \[[0-9.]* s\] image \([^ :]*\).*/\1/p' "$1" | tail -n 1
}

# dom0_image PREFIX: run scripts/mkdom0 (cached after the first build) with its log in
# $LOGDIR/PREFIX-mkdom0.log and set IMG to its image. Without one, case PREFIX-image fails
# and this returns 1. (mkdom0 takes a lock: two scripts at once build the image once.)
dom0_image() {
    local log=$LOGDIR/$1-mkdom0.log
    "$ROOT/scripts/mkdom0" >"$log" 2>&1
    IMG=$(mkdom0_image "$log")
    [ -n "$IMG" ] && [ -s "$IMG" ] && return 0
    CASE=$1-image
    LOG=$log
    FAILED=
    fail "scripts/mkdom0 made no image"
    done_case
    return 1
}

# report_xl_checks PREFIX: one case PREFIX-<check> per "xl-test: <check> PASS|FAIL ..." line
# of dom0's tools/dom0/xl-test in $LOG, and a failed PREFIX-done if it never finished.
report_xl_checks() {
    local prefix=$1 line name
    if ! grep -aq "xl-test: done" "$LOG"; then
        CASE=$prefix-done
        FAILED=
        fail "dom0's xl-test never finished (last dom0 line: $(grep -a '\[Domain-0\]' "$LOG" |
            tail -n 1))"
        done_case
    fi
    while read -r line; do
        line=${line#*xl-test: }
        name=${line%% *}
        CASE=$prefix-$name
        FAILED=
        case $line in
        "$name PASS"*) ;;
        *) fail "${line#"$name" FAIL }" ;;
        esac
        done_case
    done < <(grep -a 'xl-test: [^ ]* \(PASS\|FAIL\)' "$LOG")
}

# boot_dom0_xl NAME GROUPS DOM0_VCPUS [tern-qemu option...]: case NAME, Debian's generic kernel
# as dom0 (768 MiB, dom0's image from scripts/mkdom0) on 2 CPUs and 2 GiB, running
# tools/dom0/xl-test's GROUPS (joined by +); dom0 must power off at the end (the rig's status
# 0). The options add a --timeout, --send patterns, --tcg-single. Returns 1 without an image.
boot_dom0_xl() {
    local name=$1 groups=$2 vcpus=$3 kernel=$ROOT/build/kernels/generic/vmlinuz
    shift 3
    dom0_image "$name" || return 1
    boot "$name" 0 --smp 2 --mem 2048 \
        --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=$vcpus" \
        --module "$kernel console=hvc0 tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=$groups" \
        --module "$IMG" "$@"
    done_case
    return 0
}

# check_tern_log NAME: case NAME-tern-log over $LOG, a dom0 boot: no Tern panic, no domain
# crashed by Tern, no frame reference dropped twice or to a frame that is not shared, no
# allocator error or dom0 watchdog reboot; no WARNING, BUG or Oops from dom0's kernel; and
# every domain destroyed while its frames were in use elsewhere (grants or foreign maps held
# by dom0's back-ends and tools) was freed once they let go.
check_tern_log() {
    local held freed kre='^\[Domain-0\] \[ *[0-9.]*\] .*(WARNING:|BUG:|Oops)'
    CASE=$1-tern-log
    FAILED=
    reject 'TERN PANIC|Domain [0-9]+ \(.*\) crashed|Hardware Dom0 crashed'
    reject 'has no reference to drop|is not a shared Tern frame|put_page: frame'
    reject 'page_alloc: |watchdog rebooting'
    reject "$kre"
    held=$(grep -ac 'frames still in use elsewhere' "$LOG")
    freed=$(grep -ac 'its last frame in use elsewhere was released' "$LOG")
    [ "$held" = "$freed" ] || fail "expected every domain destroyed with frames in use" \
        "elsewhere ($held) to be freed when they were released; $freed were"
    done_case
}
