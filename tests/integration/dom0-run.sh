#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run` as a new user meets it: scripts/run-demo's own boot (dom0 with Debian's Xen 4.17
# toolstack at a shell), driven through the serial line. At dom0's shell we type
# `xl create -c /etc/xen/debian.cfg`; in the guest's shell, on the same console, we mount
# its disk /dev/xvda (dom0's ext4 image, through blkback) and ping dom0 (10.0.0.1 on xenbr0,
# through netback), then power the guest off; xl console returns and dom0 powers off.
# run-tests: one host thread (every boot here is --tcg-single), about 45 s
. "$(dirname "$0")/common.bash"
LOG=$LOGDIR/dom0-run.log
CASE=dom0-run
FAILED=
# (Arithmetic in what is typed, so that the echo of the typing cannot match the result.)
in_dom0='xl create -c /etc/xen/debian.cfg; echo dom0-back-$((2*3)); poweroff -f\n'
in_domu='mount /dev/xvda /mnt && echo mounted-$((6*7)) && ls /mnt; '
in_domu+='ping -c 2 10.0.0.1 && echo pinged-$((6*9)); poweroff -f\n'
SMP=2 "$ROOT/scripts/run-demo" --test --log "$LOG" --timeout 400 --tcg-single \
    --send "dom0: .*a shell on the console::$in_dom0" \
    --send "\\[Domain-0\\] Busybox shell on the console::$in_domu" >/dev/null 2>"$LOG.rig"
STATUS=$?
[ "$STATUS" = 0 ] || fail "expected run-demo's boot to end with dom0's poweroff (status 0);" \
    "got $STATUS ($(tail -n 1 "$LOG.rig"))"
expect '^\[Domain-0\] dom0-init: domu-disk ok' "dom0's init made the guest's disk image"
expect '^\[Domain-0\] dom0-init: bridge ok' "dom0's init set up xenbr0"
expect '^\[Domain-0\] Disks: xvda; network: eth0 10\.0\.0\.2/24' \
    "the guest's banner names its disk and its address"
expect '^\[Domain-0\] mounted-42' "the guest mounted /dev/xvda"
expect '^\[Domain-0\] lost\+found' "the disk holds dom0's ext4 file system"
expect '^\[Domain-0\] 2 packets transmitted, 2 packets received' "the guest pinged dom0"
expect '^\[Domain-0\] pinged-54'
expect '^\[Domain-0\] dom0-back-6' "xl console returned to dom0's shell when the guest went"
reject '^\[Domain-0\] dom0-init: .*FAILED'
done_case
