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
    expect "\\[<ffffffff8[0-9a-f]+>\\] start_tern_guarded\\+0x[0-9a-f]+/0x[0-9a-f]+"
    expect "CPU 0 stopped\\."
fi
done_case

if boot fault-panic 2 --smp 2 --cmdline "selftest=panic"; then
    expect "TERN PANIC on CPU 0: selftest=panic asked for a panic"
    expect "RIP: +0008:ffffffff8[0-9a-f]+ +panic\\+0x"
    expect "Backtrace:"
    expect "\\] (selftests_run|start_tern_guarded)\\+0x"
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

# Every stack has an unmapped guard page below it: an overflow is a double fault on its own
# IST stack, reported as such with the CPU, the stack and a backtrace through the recursion.
if boot fault-stack-overflow 2 --smp 2 --cmdline "selftest=stack-overflow"; then
    expect "selftest: overflowing CPU 0's stack on purpose"
    expect "TERN FATAL EXCEPTION on CPU 0"
    expect "Vector 8 \\(#DF double fault\\)"
    expect "STACK OVERFLOW: CPU 0's main stack ran into its guard page at 0xffff8200000[0-9a-f]{5}"
    expect "RIP: +0008:ffffffff8[0-9a-f]+ +deliberate_stack_overflow"
    expect "Backtrace:"
    expect "\\] deliberate_stack_overflow[.a-z0-9]*\\+0x[0-9a-f]+/0x[0-9a-f]+"
    expect "CPU 0 stopped\\."
    reject "Vector 14"
fi
done_case

# The machine-check vector: the banks are read and printed, then the machine stops (a
# machine check is never survivable for Tern, in guest mode or not).
if boot fault-machine-check 2 --smp 2 --cmdline "selftest=machine-check"; then
    expect "\\*\\*\\* MACHINE CHECK on CPU 0 in Tern \\*\\*\\*"
    expect "MCA: MCG_CAP 0x[0-9a-f]+ \\([0-9]+ banks\\), MCG_STATUS 0x?[0-9a-f]*"
    expect "MCA: no bank holds a valid error"
    expect "Interrupted at ffffffff8[0-9a-f]+ selftests_run\\+0x"
    expect "TERN PANIC on CPU 0: machine check in Tern"
    expect "System halted\\."
fi
done_case
