#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Dom0's root from Debian's packages (scripts/mkdom0, docs/dom0.md), tested without Tern: it
# builds (from build/dom0/cache/ when nothing changed), a second build right after finds the
# image up to date in seconds, and Debian's generic kernel booted straight under QEMU with it
# runs its /init, which sees no Xen, says so, skips the toolstack steps and runs the in-image
# self-test (tools/dom0/selftest): the toolstack's binaries and libraries load, the Xen
# modules resolve for the running kernel, /etc/xen/debian.cfg and the domU files it names are
# there. Then the init powers off. Last, the same image boots as dom0 on Tern, where the
# init brings up the toolstack and the self-test finds `xl list` showing Domain-0.
# run-tests: one host thread (every boot here is --tcg-single), about 60 s
. "$(dirname "$0")/common.bash"
MKDOM0=$ROOT/scripts/mkdom0
KERNEL=$ROOT/build/kernels/generic/vmlinuz

# The seconds since $1 (an $EPOCHREALTIME).
since() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# ---- build ----------------------------------------------------------------------------------
CASE=dom0-root-build
LOG=$LOGDIR/$CASE.log
FAILED=
IMG=""
t0=$EPOCHREALTIME
"$MKDOM0" >"$LOG" 2>&1
rc=$?
build_secs=$(since "$t0")
if [ "$rc" != 0 ]; then
    fail "expected scripts/mkdom0 to exit 0, got $rc ($(tail -n 1 "$LOG"))"
else
    IMG=$(mkdom0_image "$LOG")
    [ -s "$IMG" ] || fail "expected an 'image <path>' line naming a file; got '$IMG'"
fi
echo "dom0-root: build took ${build_secs} s: $(tail -n 1 "$LOG" | sed 's/^mkdom0: //')"
done_case

# ---- a second build with nothing changed ------------------------------------------------------
CASE=dom0-root-cached
LOG=$LOGDIR/$CASE.log
FAILED=
if [ -z "$IMG" ]; then
    fail "no image from the first build"
else
    t0=$EPOCHREALTIME
    "$MKDOM0" >"$LOG" 2>&1
    rc=$?
    secs=$(since "$t0")
    if [ "$rc" != 0 ]; then
        fail "expected scripts/mkdom0 to exit 0 again, got $rc ($(tail -n 1 "$LOG"))"
    fi
    expect '^mkdom0: .* root [0-9a-f]+ \(cached, ' "the Debian root from the cache"
    expect "^mkdom0: .* image $IMG up to date" "nothing rebuilt"
    reject 'mmdebstrap|unpacking'
    echo "dom0-root: the cached rebuild took ${secs} s"
fi
done_case

# ---- boot it without Xen ----------------------------------------------------------------------
CASE=dom0-root-boot
LOG=$LOGDIR/$CASE.log
FAILED=
booted=0
if [ -z "$IMG" ]; then
    fail "no image to boot"
else
    t0=$EPOCHREALTIME
    # The image unpacks to ~110 MiB in RAM beside its compressed copy: 1 GiB is plenty.
    timeout -k 5 120 qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 1024 \
        -kernel "$KERNEL" -initrd "$IMG" -no-reboot -net none -display none -vga none \
        -serial stdio -monitor none \
        -append "console=ttyS0 tern.dom0_test=/usr/lib/tern/dom0-selftest" \
        </dev/null >"$LOG" 2>&1
    rc=$?
    echo "dom0-root: QEMU ran $(since "$t0") s"
    tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
    if [ "$rc" != 0 ]; then
        fail "expected QEMU to exit 0 after the power-off, got $rc (124: timed out)"
    fi
    booted=1
    expect '^dom0-init: mounts ok' "the init's first step"
    expect '^dom0-init: xen skipped \(not on Xen: ' "the init's not-on-Xen path, said"
    reject '^dom0-init: (modules|xenfs|oxenstored|xen-init-dom0|xenconsoled) '
    expect '^dom0-init: test /usr/lib/tern/dom0-selftest \(started\)' "the test script run"
    expect '^dom0-test: done passed=[0-9]+ failed=0$' "every in-image check passed"
    expect 'reboot: Power down' "the init powered off"
    reject 'Kernel panic'
fi
done_case

# expect_checks CASE NAME...: each in-image check NAME printed "dom0-test: NAME PASS".
expect_checks() {
    CASE=$1
    FAILED=
    shift
    if [ "$booted" = 0 ]; then
        fail "dom0 did not boot"
    else
        local n line
        for n in "$@"; do
            line=$(grep -E -m1 "^dom0-test: $n (PASS|FAIL)" "$LOG")
            case $line in
                *" PASS"*) ;;
                "") fail "expected a line 'dom0-test: $n PASS ...'; there is none" ;;
                *) fail "in-image check failed: ${line#dom0-test: }" ;;
            esac
        done
    fi
    done_case
}

expect_checks dom0-root-init not-on-xen init-steps
expect_checks dom0-root-toolstack xl-usage xl-help ldd-xl ldd-oxenstored ldd-xenconsoled \
    ldd-xen-init-dom0 ldd-xenstored ldd-xenstore-read oxenstored-runs xenconsoled-runs packages
expect_checks dom0-root-modules modules-dep modprobe-xen-privcmd modprobe-xen-gntdev \
    modprobe-xen-gntalloc modprobe-xen-evtchn modprobe-xenfs modprobe-xen-netback \
    modprobe-xen-blkback modprobe-bridge modprobe-loop
expect_checks dom0-root-domu debian-cfg domu-kernel domu-ramdisk

# ---- and as dom0 on Tern -----------------------------------------------------------------------
# The same image as Tern's dom0 (the generic kernel as the first module): the init's Xen
# steps all report ok (modules, xenfs control_d, oxenstored answering, xen-init-dom0,
# xenconsoled), and the self-test's Xen checks pass: both daemons run, xenstore has
# /local/domain/0/name, `xl list` shows Domain-0. Dom0's power-off ends the machine.
CASE=dom0-root-on-tern
FAILED=
if [ -z "$IMG" ]; then
    LOG=$LOGDIR/$CASE.log
    fail "no image to boot"
    done_case
elif boot "$CASE" 0 --smp 2 --tcg-single --mem 2048 --timeout 300 --log-timestamps \
    --cmdline "dom0_mem=1024M,max:1024M dom0_max_vcpus=2" \
    --module "$KERNEL console=hvc0 tern.dom0_test=/usr/lib/tern/dom0-selftest" \
    --module "$IMG"; then
    for s in mounts modules backend-modules xenfs oxenstored xen-init-dom0 xenconsoled \
        toolstack; do
        expect "\\[Domain-0\\] dom0-init: $s ok" "the init's $s step"
    done
    while read -r l; do
        fail "in-image check failed: ${l#*dom0-test: }"
    done < <(grep -E '\[Domain-0\] dom0-test: .* FAIL' "$LOG" | head -n 1)
    expect '\[Domain-0\] dom0-test: xl-list PASS Domain-0 0 ' "xl list shows Domain-0"
    expect '\[Domain-0\] dom0-test: done passed=[0-9]+ failed=0' "every in-image check passed"
    expect 'Hardware Dom0 halted: halting machine' "dom0's power-off ended the machine"
    done_case
else
    done_case
fi
