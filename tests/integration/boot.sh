#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bare boots of Tern under QEMU: CPU counts, memory sizes, self-checks, clean power-off.
. "$(dirname "$0")/common.bash"

# boot_ok NAME SMP MEM_MIB [extra tern-qemu options]: boots and checks the common lines.
boot_ok() {
    local name=$1 smp=$2 mem=$3 online
    shift 3
    if boot "$name" 0 --smp "$smp" --mem "$mem" "$@"; then
        online=$(number 'SMP: ([0-9]+) CPUs? online')
        [ "$online" = "$smp" ] || fail "expected 'SMP: $smp CPUs online', got '$online'"
        ram=$(number 'Memory: ([0-9]+) MiB RAM')
        # The firmware keeps a little of the RAM (BIOS areas, ACPI tables) for itself.
        expect_range "$ram" $((mem * 97 / 100)) "$mem" "the RAM reported (MiB)"
        free=$(number 'MiB RAM, ([0-9]+) MiB free')
        expect_range "$free" $((mem * 90 / 100 - 48)) "$ram" "the free memory reported (MiB)"
        expect "selftest: timers ok \\($smp of $smp CPUs\\)"
        expect "selftest: cross-CPU calls ok \\($smp of $smp CPUs\\)"
        expect "ACPI: .*$smp CPUs and 1 IO-APICs in the MADT"
        expect "Powering off\\."
        reject "FATAL|PANIC|unexpected interrupt"
    fi
    done_case
}

boot_ok boot-1cpu-256m 1 256
boot_ok boot-2cpu-512m 2 512
boot_ok boot-4cpu-4g 4 4096
boot_ok boot-clang-2cpu 2 512 --image "$ROOT/build/tern-clang.bin"

# maxcpus= limits the CPUs started.
if boot boot-maxcpus 0 --smp 4 --cmdline "maxcpus=2"; then
    expect "SMP: 2 CPUs online"
    expect "not starting CPU with APIC ID [0-9]+ \\(maxcpus=2\\)"
fi
done_case

# Unknown options and bad values are warned about, never fatal.
if boot boot-bad-options 0 --smp 1 --cmdline "no-such-option=3 maxcpus=lots loglvl=debug"; then
    expect "unknown option.*no-such-option"
    expect "maxcpus.*lots"
    expect "SMP: 1 CPU online"
fi
done_case

# loglvl=error keeps info lines off the serial line (they stay in the ring buffer).
if boot boot-loglvl-error 0 --smp 1 --cmdline "loglvl=error"; then
    reject "SMP: 1 CPU online"
    expect "Powering off\\."
fi
done_case
