#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xl.cfg vif= with Linux's netback in dom0 and netfront in domUs (issue 9): one dom0 boot
# (generic kernel, scripts/mkdom0 root, its init's xenbr0 at 10.0.0.1/24) running xl-test's
# group net (tools/dom0/xl-test.d/net.sh); each "xl-test: <check> PASS|FAIL" line is a case.
# Then from Tern's log: dom0's init set up the bridge.
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic

if dom0_image dom0-net; then
    t0=$(date +%s)
    boot dom0-net 0 --smp 2 --mem 2048 --timeout 1500 \
        --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=2" \
        --module "$K/vmlinuz console=hvc0 tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=net" \
        --module "$IMG"
    done_case # dom0 powered off at the end (the rig's status 0), or FAIL above
    echo "dom0-net: the boot took $(($(date +%s) - t0)) s"
    CASE=dom0-net-init-bridge
    FAILED=
    expect 'dom0-init: bridge ok \(xenbr0 up, 10\.0\.0\.1/24\)' "the init's bridge step"
    done_case
    report_xl_checks dom0-net
fi
