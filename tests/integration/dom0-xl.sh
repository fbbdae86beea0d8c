#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Xen 4.17's own toolstack (Debian's xen-utils-4.17, unmodified) in dom0 on Tern: Debian's
# generic kernel boots as dom0 with the root from scripts/mkdom0, its init starts oxenstored,
# xen-init-dom0 and xenconsoled, then runs /usr/lib/tern/xl-test (tools/dom0/xl-test), which
# drives xl and prints one "xl-test: <name> PASS|FAIL" line per check. Each in-dom0 check is
# one case here, so a failure names the command that failed.
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic
# The in-dom0 test groups (tools/dom0/xl-test); DOM0_XL_GROUPS picks some for debugging.
XL_GROUPS=${DOM0_XL_GROUPS:-basic+create+life+reboot+createopts+shutdown+cycles+crash+concurrent}

# The root is built once and cached (dom0-root.sh builds it first in a full run).
"$ROOT/scripts/mkdom0" >"$LOGDIR/dom0-xl-mkdom0.log" 2>&1
IMG=$(sed -n 's/^mkdom0: \[[0-9.]* s\] image \([^ :]*\).*/\1/p' "$LOGDIR/dom0-xl-mkdom0.log" |
    tail -n 1)

# One case per xl-test line of the boot's log.
report_checks() {
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

if [ -z "$IMG" ] || [ ! -s "$IMG" ]; then
    CASE=dom0-xl-image
    LOG=$LOGDIR/dom0-xl-mkdom0.log
    FAILED=
    fail "scripts/mkdom0 made no image"
    done_case
else
    # About 8 minutes on an idle machine; the margin is for a host shared with other runs.
    # While the life group's domU runs, Ctrl-A x3 moves serial input from dom0 to Tern, not to
    # that domU (its console is xenconsoled's), and three more back to dom0.
    boot dom0-xl 0 --smp 2 --mem 2048 --timeout 1200 \
        --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=2" \
        --module "$K/vmlinuz console=hvc0 tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=$XL_GROUPS" \
        --module "$IMG" \
        --send 'xl-test: life-shell PASS::\x01\x01\x01' \
        --send 'Serial input to Tern ::\x01\x01\x01'
    done_case # dom0 powered off at the end (the rig's status 0), or FAIL above
    if grep -aq 'xl-test: life-shell PASS' "$LOG"; then
        CASE=dom0-xl-serial-focus
        FAILED=
        expect 'Serial input to Tern ' "Ctrl-A x3 from dom0 with a toolstack domU running"
        expect 'Serial input to domain 0 \(Domain-0\)' "three more: back to dom0"
        reject 'Serial input to domain [1-9]'
        done_case
    fi
    report_checks dom0-xl
fi
