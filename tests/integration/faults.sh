#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash reports and restarts: a deliberate page fault and panic give a register dump and a
# symbolised backtrace, then a clean stop; restart methods reset the machine.
. "$(dirname "$0")/common.bash"

if boot fault-pagefault 2 --smp 2 --cmdline "selftest=fault"; then
    expect "TERN FATAL EXCEPTION on CPU 0"
    expect "Vector 14 \\(#PF page fault\\), error code 0x0"
    expect "Page fault at address 0xdead000 \\(not present, read, data\\)"
    expect "RIP: +0008:ffffffff8[0-9a-f]+ +deliberate_fault\\+0x"
    expect "rax: [0-9a-f]{16} +rbx: [0-9a-f]{16} +rcx: [0-9a-f]{16}"
    expect "r15: [0-9a-f]{16}"
    expect "cr2: 000000000dead000 +cr3: [0-9a-f]{16}"
    expect "Backtrace:"
    expect "\\[<ffffffff8[0-9a-f]+>\\] __start_tern\\+0x[0-9a-f]+/0x[0-9a-f]+"
    expect "CPU 0 stopped\\."
fi
done_case

if boot fault-panic 2 --smp 2 --cmdline "selftest=panic"; then
    expect "TERN PANIC on CPU 0: selftest=panic asked for a panic"
    expect "RIP: +0008:ffffffff8[0-9a-f]+ +panic\\+0x"
    expect "Backtrace:"
    expect "\\] (selftests_run|__start_tern)\\+0x"
    expect "System halted\\."
fi
done_case

if boot restart-kbd 5 --smp 2 --cmdline "selftest=reboot reboot=kbd"; then
    expect "Restarting through the keyboard controller\\."
    reject "Restarting through a triple fault"
fi
done_case

# QEMU's q35 machine has an ACPI reset register in its FADT.
if boot restart-acpi 5 --smp 2 --cmdline "selftest=reboot reboot=acpi" --qemu-arg=-machine \
    --qemu-arg=q35; then
    expect "Restarting through the ACPI reset register\\."
    reject "Restarting through a triple fault"
fi
done_case

# No page is both writable and executable: writing code and executing data both fault.
if boot fault-write-text 2 --smp 1 --cmdline "selftest=write-text"; then
    expect "Page fault at address 0xffffffff8[0-9a-f]+ \\(protection, write, data\\)"
    expect "RIP: .*deliberate_text_write\\+0x"
fi
done_case

if boot fault-exec-data 2 --smp 1 --cmdline "selftest=exec-data"; then
    expect "Page fault at address 0xffffffff8[0-9a-f]+ \\(protection, read, instruction fetch\\)"
    expect "Backtrace:"
fi
done_case
