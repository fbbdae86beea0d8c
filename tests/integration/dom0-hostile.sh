#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hostile block front-end against dom0's blkback (issue 9): dom0 boots once and runs
# xl-test's hostile group (tools/dom0/xl-test.d/hostile.sh), where a domU's userspace
# (tests/linux/hostile-front) corrupts its ring, sends impossible requests, ungrants pages
# blkback maps and floods its event channel, beside a bystander domU writing its disk, then
# every teardown order. Each in-dom0 check is one case; here, Tern's own log: no panic, no
# reference dropped twice, the hostile domain's frames held while dom0 mapped them and given
# back after, and dom0 powered off at the end.
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic
DOM0_ARGS="tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=hostile"

if dom0_image dom0-hostile; then
    t0=$SECONDS
    boot dom0-hostile 0 --smp 2 --mem 2048 --timeout 600 \
        --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=2" \
        --module "$K/vmlinuz console=hvc0 $DOM0_ARGS" \
        --module "$IMG"
    done_case # dom0 powered off at the end (the rig's status 0), or FAIL above
    report_xl_checks dom0-hostile

    CASE=dom0-hostile-tern-log
    FAILED=
    reject 'TERN PANIC'
    reject 'has no reference to drop'
    reject 'is not a shared Tern frame'
    reject 'Domain 0 .*crashed'
    reject 'page_alloc: '
    reject 'watchdog rebooting'
    expect 'Hardware Dom0 halted' "dom0's own poweroff at the end"
    # Teardown with grants still mapped: Tern held the hostile domain's frames, then got them
    # back when blkback unmapped.
    expect 'grants still mapped by other domains at teardown' "the hostile domU's destroy"
    expect 'its last frame in use elsewhere was released' "blkback's unmap gave them back"
    expect 'xl-test: done passed=[0-9]+ failed=0' "every in-dom0 check passed"
    done_case
    echo "dom0-hostile: $((SECONDS - t0)) s"
fi
