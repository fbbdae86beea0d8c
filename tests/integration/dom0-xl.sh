#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Xen 4.17's own toolstack (Debian's xen-utils-4.17, unmodified) in dom0 on Tern: Debian's
# generic kernel boots as dom0 with the root from scripts/mkdom0, its init starts oxenstored,
# xen-init-dom0 and xenconsoled, then runs /usr/lib/tern/xl-test (tools/dom0/xl-test), which
# drives xl and prints one "xl-test: <name> PASS|FAIL" line per check. Each in-dom0 check is
# one case here, so a failure names the command that failed.
# run-tests: one host thread (every boot here is --tcg-single), so it runs beside another
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic
# The in-dom0 test groups (tools/dom0/xl-test); DOM0_XL_GROUPS picks some for debugging.
XL_GROUPS=${DOM0_XL_GROUPS:-basic+create+life+reboot+createopts+shutdown+cycles+crash+concurrent}

# The root is built once and cached (dom0-root.sh builds it first in a full run).
if dom0_image dom0-xl; then
    # About 8 minutes on an idle machine; the margin is for a host shared with other runs.
    # While the life group's domU runs, Ctrl-A x3 moves serial input from dom0 to Tern, not to
    # that domU (its console is xenconsoled's), and three more back to dom0.
    boot dom0-xl 0 --smp 2 --mem 2048 --timeout 1200 --tcg-single \
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
    report_xl_checks dom0-xl
fi
