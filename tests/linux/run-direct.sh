#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-direct.sh: boot a Debian kernel with the test initramfs straight under QEMU (no Tern),
# as a reference for the Xen PVH runs on Tern and as the baseline of bench/boot.
#
#   tests/linux/run-direct.sh [options] [-- extra kernel parameters]
#
#   --test T        tern.test: basic (default), crash, reboot, shell (interactive), cpuload
#   --smp N         vCPUs (default 2)             --mem MiB   memory (default 256)
#   --kernel K      cloud (default), generic, or a path to a bzImage
#   --initrd FILE   use this initramfs instead of building build/tests/linux/initramfs.cpio.gz
#   --timeout S     give up after S seconds (default 300)
#   --log FILE      where the console log goes (default build/tests/linux/direct-<test>.log)
#   --verbose       echo the whole console, not only the TERN- lines
#
# It runs `qemu-system-x86_64 -accel tcg -cpu max -smp N -m MiB -kernel K -initrd I -append
# "console=ttyS0 tern.expect_cpus=N tern.expect_mem_mib=MiB tern.host_time=<now> tern.test=T"
# -no-reboot` and prints the guest's TERN- lines as they come, each prefixed by the seconds
# since QEMU started. It also times the TERN-MARK sleep-start/sleep-end lines with the host's
# clock (the guest's `sleep 5` must take ~5 s of host time) and prints that as a
# TERN-HOST-CHECK line. Exit status 0 when the run went as the test expects (basic/cpuload:
# TERN-CHECKS-DONE with failed=0 and a power-off; crash: a kernel panic; reboot: the reboot
# marker and a reset), 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST=basic
SMP=2
MEM=256
KERNEL=cloud
INITRD=""
TIMEOUT=300
LOG=""
VERBOSE=0
EXTRA=()

usage() {
    sed -n '4,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --test) TEST=${2:?}; shift 2 ;;
        --smp) SMP=${2:?}; shift 2 ;;
        --mem) MEM=${2:?}; shift 2 ;;
        --kernel) KERNEL=${2:?}; shift 2 ;;
        --initrd) INITRD=${2:?}; shift 2 ;;
        --timeout) TIMEOUT=${2:?}; shift 2 ;;
        --log) LOG=${2:?}; shift 2 ;;
        --verbose) VERBOSE=1; shift ;;
        --) shift; EXTRA=("$@"); break ;;
        -h | --help) usage ;;
        *) echo "run-direct: unknown argument $1" >&2; usage ;;
    esac
done

case $KERNEL in
    cloud | generic) KERNEL=$ROOT/build/kernels/$KERNEL/vmlinuz ;;
esac
if [[ ! -e $KERNEL ]]; then
    echo "run-direct: no kernel at $KERNEL (run scripts/setup.sh)" >&2
    exit 1
fi
OUT=$ROOT/build/tests/linux
mkdir -p "$OUT"
if [[ -z $INITRD ]]; then
    INITRD=$OUT/initramfs.cpio.gz
    "$ROOT/scripts/mkinitramfs" "$INITRD"
fi
LOG=${LOG:-$OUT/direct-$TEST.log}

CMDLINE="console=ttyS0 tern.expect_cpus=$SMP tern.expect_mem_mib=$MEM"
CMDLINE+=" tern.host_time=$(date +%s) tern.test=$TEST"
# Without panic=N the kernel waits forever after a panic; with it, it resets, and QEMU
# (-no-reboot) exits.
[[ $TEST == crash ]] && CMDLINE+=" panic=1"
[[ ${#EXTRA[@]} -gt 0 ]] && CMDLINE+=" ${EXTRA[*]}"

QEMU=(qemu-system-x86_64 -accel tcg -cpu max -smp "$SMP" -m "$MEM" -kernel "$KERNEL"
      -initrd "$INITRD" -append "$CMDLINE" -no-reboot -net none)

if [[ $TEST == shell ]]; then
    echo "run-direct: ${QEMU[*]}" >&2
    echo "run-direct: quit with Ctrl-A then X" >&2
    exec "${QEMU[@]}" -nographic
fi

start=$EPOCHREALTIME
elapsed() {
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%7.2f", b - a }'
}

done_line="" sleep_start="" host_sleep="" panicked=0 rebooting=0 powered_off=0 host_fail=0
while IFS= read -r line; do
    line=${line%$'\r'}
    printf '%s\n' "$line" >>"$LOG"
    now=$EPOCHREALTIME
    if [[ $VERBOSE == 1 ]]; then
        printf '[%s] %s\n' "$(elapsed)" "$line"
    elif [[ $line == *TERN-* ]]; then
        printf '[%s] TERN-%s\n' "$(elapsed)" "${line#*TERN-}"
    fi
    case $line in
        *"TERN-MARK sleep-start"*) sleep_start=$now ;;
        *"TERN-MARK sleep-end"*)
            guest=$(sed -n 's/.*guest_elapsed=\([0-9.]*\).*/\1/p' <<<"$line")
            if [[ -n $sleep_start ]]; then
                host_sleep=$(awk -v a="$sleep_start" -v b="$now" 'BEGIN { printf "%.2f", b - a }')
                # The host sees the two lines with console latency on both ends; 4.5..8 s
                # allows for that and for TCG hiccups, but catches a guest clock running at
                # the wrong rate (e.g. a TSC or pvclock frequency off by 2x).
                if awk -v h="$host_sleep" 'BEGIN { exit !(h >= 4.5 && h <= 8.0) }'; then
                    echo "TERN-HOST-CHECK sleep PASS host measured ${host_sleep}s," \
                        "guest ${guest:-?}s"
                else
                    echo "TERN-HOST-CHECK sleep FAIL expected 4.5..8.0s of host time," \
                        "got ${host_sleep}s (guest ${guest:-?}s)"
                    host_fail=1
                fi
            fi
            ;;
        *TERN-CHECKS-DONE*) done_line=$line ;;
        *"TERN-MARK rebooting"*) rebooting=1 ;;
        *"Kernel panic"*) panicked=1 ;;
        *"reboot: Power down"*) powered_off=1 ;;
    esac
done < <(: >"$LOG"; timeout -k 5 "$TIMEOUT" "${QEMU[@]}" -display none -vga none \
         -serial stdio -monitor none </dev/null 2>&1; echo "run-direct: QEMU exited ($?)")
echo "run-direct: finished after $(elapsed | tr -d ' ') s; log $LOG"

ok=1
case $TEST in
    basic | cpuload)
        [[ $done_line == *failed=0* && $host_fail == 0 && $powered_off == 1 ]] || ok=0
        [[ -n $host_sleep ]] || { echo "run-direct: no sleep markers seen"; ok=0; }
        ;;
    crash) [[ $panicked == 1 ]] || ok=0 ;;
    reboot) [[ $rebooting == 1 ]] || ok=0 ;;
esac
if [[ $ok == 1 ]]; then
    echo "run-direct: $TEST: OK"
else
    echo "run-direct: $TEST: FAILED (${done_line:-no TERN-CHECKS-DONE line}; see $LOG)"
    tail -n 15 "$LOG" | sed 's/^/  | /'
    exit 1
fi
