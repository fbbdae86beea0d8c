#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Xen 4.17's own toolstack (Debian's xen-utils-4.17, unmodified) in dom0 on Tern: Debian's
# generic kernel boots as dom0 with the root from scripts/mkdom0, its init starts oxenstored,
# xen-init-dom0 and xenconsoled, then runs /usr/lib/tern/xl-test (tools/dom0/xl-test), which
# drives xl and prints one "xl-test: <name> PASS|FAIL" line per check. Each in-dom0 check is
# one case here, so a failure names the command that failed.
# run-tests: one host thread (every boot here is --tcg-single), about 300 s
. "$(dirname "$0")/common.bash"
# The in-dom0 test groups (tools/dom0/xl-test); DOM0_XL_GROUPS picks some for debugging.
XL_GROUPS=${DOM0_XL_GROUPS:-basic+create+life+reboot+createopts+shutdown+cycles+crash+concurrent}

# About 5 minutes on an idle machine; the margin is for a host shared with other runs.
# While the life group's domU runs, Ctrl-A x3 moves serial input from dom0 to Tern, not to
# that domU (its console is xenconsoled's), and three more back to dom0. --tcg-single: a CI
# run had dom0 crash under multi-threaded TCG (docs/testing.md, the QEMU faults).
if boot_dom0_xl dom0-xl "$XL_GROUPS" 2 --tcg-single --timeout 1200 \
    --send 'xl-test: life-shell PASS::\x01\x01\x01' \
    --send 'Serial input to Tern ::\x01\x01\x01'; then
    if grep -aq 'xl-test: life-shell PASS' "$LOG"; then
        CASE=dom0-xl-serial-focus
        FAILED=
        expect 'Serial input to Tern ' "Ctrl-A x3 from dom0 with a toolstack domU running"
        expect 'Serial input to domain 0 \(Domain-0\)' "three more: back to dom0"
        reject 'Serial input to domain [1-9]'
        done_case
    fi
    report_xl_checks dom0-xl
    check_tern_log dom0-xl
fi
