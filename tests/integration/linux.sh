#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Debian's unmodified kernels boot on Tern as Xen PVH domUs. A busybox initramfs
# (tests/linux/init.sh) checks from inside the guest: vCPU count, memory, wallclock, sleep
# timing, CPU progress on every vCPU, the Xen banner and hvc0, printing one TERN-CHECK line
# each; the host side checks that `sleep 5` took 5 s of its own time. One boot keeps the local
# APIC in xAPIC mode (nox2apic). Then poweroff, reboot
# (on_reboot = "restart") and a kernel panic (on_crash) while other domains keep running.
# run-tests: one host thread (every boot here is --tcg-single), about 150 s
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels
W=$ROOT/build/tests/linux
mkdir -p "$W"
INITRD=$W/initrd.cpio.gz
"$ROOT/scripts/mkinitramfs" "$INITRD" >/dev/null

# linux_cfg NAME FLAVOUR VCPUS MEM_MIB TEST [extra xl.cfg lines...]
linux_cfg() {
    local name=$1 flavour=$2 vcpus=$3 mem=$4 test=$5
    shift 5
    {
        echo "name = \"$name\""
        echo 'type = "pvh"'
        echo "memory = $mem"
        echo "vcpus = $vcpus"
        echo "kernel = \"$K/$flavour/vmlinuz\""
        echo "ramdisk = \"$INITRD\""
        echo "cmdline = \"console=hvc0 tern.xen=1 tern.test=$test tern.expect_cpus=$vcpus" \
             "tern.expect_mem_mib=$mem tern.host_time=$(date +%s)${LINUX_ARGS:+ $LINUX_ARGS}\""
        printf '%s\n' "$@"
    } > "$W/$name.cfg"
    echo "$W/$name.cfg"
}

# sleep 5 in the guest took about 5 s of the host's own time (the log is timestamped).
expect_host_sleep() {
    local name=$1 t0 t1 ms
    stamp() { grep -E "\\[$name\\] TERN-MARK $1" "$LOG" | head -1 | sed -E 's/^\[ *([0-9.]+)\].*/\1/'; }
    t0=$(stamp sleep-start)
    t1=$(stamp sleep-end)
    if [ -z "$t0" ] || [ -z "$t1" ]; then
        fail "domain $name: no sleep markers"
        return
    fi
    ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
    # The markers reach the host through the console ring (drained every 20 ms).
    expect_range "$ms" 4800 6500 "host milliseconds across the guest's sleep 5"
}

for vcpus in 1 2; do
    cfg=$(linux_cfg "cloud$vcpus" cloud "$vcpus" 256 basic)
    if boot "linux-cloud-${vcpus}vcpu" 0 --smp 2 --tcg-single --mem 1024 --timeout 240 \
        --log-timestamps "$cfg"; then
        expect_guest_checks "cloud$vcpus"
        expect_host_sleep "cloud$vcpus"
        expect "Domain 1 \\(cloud$vcpus\\) shut down: reason poweroff"
        expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
    fi
    done_case
done

cfg=$(linux_cfg generic generic 2 256 basic)
if boot linux-generic-2vcpu 0 --smp 2 --tcg-single --mem 1024 --timeout 300 --log-timestamps \
    "$cfg"; then
    expect_guest_checks generic
    expect "Domain 1 \\(generic\\) shut down: reason poweroff"
fi
done_case

# With nox2apic Linux keeps the local APIC in xAPIC mode (as Tern starts it, like Xen) and
# reaches it only through the MMIO page and the instruction emulator; the APs' INIT-SIPI goes
# through ICR2/ICR. The APIC must never have been switched to x2APIC mode.
cfg=$(LINUX_ARGS=nox2apic linux_cfg xapic cloud 2 256 basic)
if boot linux-cloud-xapic 0 --smp 2 --tcg-single --mem 1024 --timeout 240 "$cfg"; then
    expect_guest_checks xapic
    reject "x2apic enabled|Switched APIC routing to physical x2apic"
    reject "cannot emulate"
fi
done_case

# A plain ELF vmlinux works too: the cloud bzImage's LZ4 payload, unpacked on the host.
python3 - "$K/cloud/vmlinuz" "$W/payload.lz4" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
start = ((d[0x1f1] or 4) + 1) * 512 + struct.unpack_from("<I", d, 0x248)[0]
# The kernel build appends the uncompressed size (4 bytes) after the LZ4 stream: drop it.
open(sys.argv[2], "wb").write(d[start:start + struct.unpack_from("<I", d, 0x24c)[0] - 4])
PY
lz4 -d -f -q "$W/payload.lz4" "$W/vmlinux"
cfg=$(linux_cfg elf cloud 1 256 basic)
sed -i "s|^kernel = .*|kernel = \"$W/vmlinux\"|" "$cfg"
if boot linux-elf-vmlinux 0 --smp 2 --tcg-single --mem 1024 --timeout 240 "$cfg"; then
    expect_guest_checks elf
fi
done_case

# reboot -f restarts the domain (on_reboot = "restart"); restart_limit=1 ends the loop.
cfg=$(linux_cfg rebooter cloud 1 256 reboot 'on_reboot = "restart"')
if boot linux-reboot 0 --smp 2 --tcg-single --mem 1024 --timeout 300 --cmdline restart_limit=1 \
    --expect rebooter=reboot "$cfg"; then
    expect "Domain 1 \\(rebooter\\): restarting \\(1\\)"
    [ "$(grep -c '\[rebooter\] TERN-MARK rebooting' "$LOG")" = 2 ] ||
        fail "expected the guest to boot twice and say 'TERN-MARK rebooting' twice"
    expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
fi
done_case

# A kernel panic ends that domain as crashed; a test guest beside it finishes its work.
cfg=$(linux_cfg crasher cloud 1 256 crash)
if boot linux-crash 0 --smp 2 --tcg-single --mem 1024 --timeout 240 --expect crasher=crash "$cfg" \
    "$ROOT/build/guests/clock.cfg"; then
    expect "Domain 1 \\(crasher\\) shut down: reason crash"
    expect "\\[clock\\] Test result: SUCCESS"
    expect "Kernel panic"
fi
done_case

# Two Linux domUs (256 MiB, 2 vCPUs each) and a test guest at once on 2 CPUs, each console
# prefixed with its name. Six vCPUs share two CPUs: every vCPU must progress, at a lower
# share than when alone. 2%: with both CPUs emulated in one host thread, a vCPU's busy ticks
# (steal time excluded) fell to 4.5% of the time once while its loop ran 3 times as many
# iterations as its sibling's; a starved vCPU has none.
a=$(LINUX_ARGS=tern.load_min_pct=2 linux_cfg alpha cloud 2 256 basic)
b=$(LINUX_ARGS=tern.load_min_pct=2 linux_cfg beta cloud 2 256 basic)
if boot linux-two-domains 0 --smp 2 --tcg-single --mem 1024 --timeout 400 --log-timestamps \
    "$a" "$b" \
    "$ROOT/build/guests/evtchn.cfg"; then
    expect_guest_checks alpha
    expect_guest_checks beta
    expect "\\[evtchn\\] Test result: SUCCESS"
fi
done_case

# Serial input reaches the guest with the focus (the first domain at boot); Ctrl-A three
# times moves it to Tern (debug keys), three more back to the guest.
cfg=$(linux_cfg shell cloud 1 256 shell)
if boot linux-console-input 0 --smp 2 --tcg-single --mem 1024 --timeout 240 \
    --send 'Serial input to domain 1::' \
    --send '\[shell\] .*built-in shell::echo typed-$((6*7))\n' \
    --send '\[shell\] typed-42::\x01\x01\x01' \
    --send 'Serial input to Tern::d' \
    --send 'Domains:::\x01\x01\x01' \
    --send 'Serial input to domain 1 \(shell\)::poweroff -f\n' "$cfg"; then
    expect "\\[shell\\] typed-42"
    expect "Serial input to Tern"
    expect "d1 shell"
    expect "Domain 1 \\(shell\\) shut down: reason poweroff"
fi
done_case
