#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xl.cfg disk= end to end on Tern (issue 9): dom0 (the generic kernel, scripts/mkdom0's root)
# runs tools/dom0/xl-test's group "disk" (tools/dom0/xl-test.d/disk.sh) with Debian's
# unmodified xl, blkback and the block hotplug script; a domU (the cloud kernel's blkfront,
# busybox shell) takes raw images in both of Xen's disk syntaxes, read-only and phy: disks,
# a hot attach and detach, a reboot and a destroy with I/O in flight. Each in-dom0 check is
# one case here; the serial log must also be free of Tern warnings and dom0 kernel oopses.
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic

if dom0_image dom0-disk; then
    # 3.5 minutes on a host whose 2 cores were loaded 5 to 6, 5.5 at 8 (a quiet one was not at
    # hand); the margin is for a host shared with other runs. One dom0 vCPU: forks (the
    # block hotplug script's many) cost 40 ms there against up to 200 ms with two on a loaded
    # host, where libxl's 40 s per script is tight (docs/dom0.md, "Disks").
    boot dom0-disk 0 --smp 2 --mem 2048 --timeout 600 \
        --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=${DOM0_DISK_VCPUS:-1}" \
        --module "$K/vmlinuz console=hvc0 tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=disk" \
        --module "$IMG"
    done_case # dom0 powered off at the end (the rig's status 0), or FAIL above
    report_xl_checks dom0-disk
    # Tern's side: no domain crashed, no frame reference went wrong, and every domU that left
    # frames in blkback's or xenconsoled's hands at its destroy was freed once they let go.
    CASE=dom0-disk-tern-log
    FAILED=
    reject 'Domain [0-9]+ \(.*\) crashed|put_page: frame|Hardware Dom0 crashed'
    kre='^\[Domain-0\] \[ *[0-9.]*\] .*\(WARNING:\|BUG:\|Oops\)'
    if grep -aq "$kre" "$LOG"; then
        fail "dom0's kernel complained: $(grep -a "$kre" "$LOG" | head -n 1)"
    fi
    held=$(grep -ac 'frames still in use elsewhere' "$LOG")
    freed=$(grep -ac 'its last frame in use elsewhere was released' "$LOG")
    [ "$held" = "$freed" ] || fail "expected every domain destroyed with frames in use" \
        "elsewhere ($held) freed later; $freed were"
    done_case
fi
