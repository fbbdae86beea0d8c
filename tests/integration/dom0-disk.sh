#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xl.cfg disk= end to end on Tern (issue 9): dom0 (the generic kernel, scripts/mkdom0's root)
# runs tools/dom0/xl-test's group "disk" (tools/dom0/xl-test.d/disk.sh) with Debian's
# unmodified xl, blkback and the block hotplug script; a domU (the cloud kernel's blkfront,
# busybox shell) takes raw images in both of Xen's disk syntaxes, read-only and phy: disks,
# a hot attach and detach, a reboot and a destroy with I/O in flight. Each in-dom0 check is
# one case here; the serial log must also be free of Tern warnings and dom0 kernel oopses.
# run-tests: one host thread (every boot here is --tcg-single), about 110 s
. "$(dirname "$0")/common.bash"
# 3.5 minutes on a host whose 2 cores were loaded 5 to 6, 5.5 at 8; the margin is for a host
# shared with other runs. One dom0 vCPU: forks (the block hotplug script's many) cost 40 ms
# there against up to 200 ms with two on a loaded host, where libxl's 40 s per script is tight
# (docs/dom0.md, "Disks").
if boot_dom0_xl dom0-disk disk "${DOM0_DISK_VCPUS:-1}" --tcg-single --timeout 600; then
    report_xl_checks dom0-disk
    check_tern_log dom0-disk
fi
