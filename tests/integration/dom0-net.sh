#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xl.cfg vif= with Linux's netback in dom0 and netfront in domUs (issue 9): one dom0 boot
# (generic kernel, scripts/mkdom0 root, its init's xenbr0 at 10.0.0.1/24) running xl-test's
# group net (tools/dom0/xl-test.d/net.sh); each "xl-test: <check> PASS|FAIL" line is a case.
# Then from Tern's log: dom0's init set up the bridge.
# run-tests: one host thread (every boot here is --tcg-single), about 240 s
. "$(dirname "$0")/common.bash"
t0=$(date +%s)
# --tcg-single: the traffic is hundreds of thousands of VM exits, and under multi-threaded
# TCG QEMU's emulated SVM now and then stores the host's state in a guest's save area
# (docs/testing.md); twice in four runs here, once in dom0, once in a domU.
if boot_dom0_xl dom0-net net 2 --tcg-single --timeout 1500 \
    --send 'xl-test: net-bridge (PASS|FAIL)::\x01\x01\x01md\x01\x01\x01' \
    --send 'xl-test: net: destroyed::\x01\x01\x01md\x01\x01\x01'; then
    echo "dom0-net: the boot took $(($(date +%s) - t0)) s"
    CASE=dom0-net-init-bridge
    FAILED=
    expect 'dom0-init: bridge ok \(xenbr0 up, 10\.0\.0\.1/24\)' "the init's bridge step"
    done_case
    # Tern's own figures (debug keys m and d, typed before the domUs and after their
    # teardown): where net-teardown's free memory went, if it did not all come back.
    echo "dom0-net: Tern's free frames, heap and dom0 overhead before and after:" \
        "$(grep -aE 'Memory: [0-9]+ of|^\(TERN\) \[c[0-9]\]   d0 ' "$LOG" |
            sed 's/^(TERN) \[c.\] *//' | tr -s ' ' | tr '\n' ';')"
    report_xl_checks dom0-net
    check_tern_log dom0-net
fi
