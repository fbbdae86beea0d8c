#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Debian's generic kernel boots on Tern as PVH dom0, as on Xen: the first boot module that
# is not an xl.cfg is its kernel ("path args", the path dropped as Xen's cmdline_cook does),
# the next its initramfs (tests/linux/init.sh with tern.dom0=1). In dom0 the checks see the
# vCPUs and memory that dom0_max_vcpus= and dom0_mem= give, Xen PVH, and Linux's
# initial-domain paths (xenfs control_d, xenbus_backend, hvc0 on VIRQ_CONSOLE); its output
# reaches the serial line through console_io, typed input reaches its shell, Ctrl-A x3 moves
# the input to Tern and back, and a boot-time domU from an xl.cfg module runs beside it.
# When dom0 powers off Tern powers the machine off; when dom0 crashes Tern restarts it.
# run-tests: one host thread (every boot here is --tcg-single), about 35 s
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels/generic
W=$ROOT/build/tests/dom0
mkdir -p "$W"
INITRD=$W/initrd.cpio.gz
# xenfs (and xen-privcmd, which it needs) are modules in Debian's kernel.
MODS=$K/modules/kernel/drivers/xen
"$ROOT/scripts/mkinitramfs" "$INITRD" --extra "$MODS/xen-privcmd.ko:/lib/modules/xen/" \
    --extra "$MODS/xenfs/xenfs.ko:/lib/modules/xen/" >/dev/null

args="console=hvc0 tern.xen=1 tern.dom0=1 tern.expect_cpus=2 tern.expect_mem_mib=384"
if boot dom0-shell 0 --smp 2 --tcg-single --mem 1024 --timeout 200 \
    --cmdline "dom0_mem=384M,max:384M dom0_max_vcpus=2 dom0_vcpus_pin" \
    --module "$K/vmlinuz $args tern.test=shell tern.checks=1 tern.host_time=$(date +%s)" \
    --module "$INITRD" \
    --send '\[Domain-0\] .*built-in shell::echo typed-$((6*7))\n' \
    --send '\[Domain-0\] typed-42::\x01\x01\x01' \
    --send 'Serial input to Tern::\x01\x01\x01' \
    --send 'Serial input to domain 0 \(Domain-0\)::poweroff -f\n' \
    "$ROOT/build/guests/xen-version.cfg"; then
    expect "Domain 0 \\(Domain-0\\): 384 MiB, 2 vCPUs" "dom0 sized by dom0_mem and dom0_max_vcpus"
    expect "Domain 0: kernel $K/vmlinuz, command line \"console=hvc0 tern.xen=1 " \
        "the module's path dropped from dom0's command line"
    expect "Serial input to domain 0" "input starts with dom0"
    expect_guest_checks Domain-0
    expect "\\[Domain-0\\] .*Booting kernel on Xen PVH"
    expect "\\[Domain-0\\] typed-42" "typed input reached dom0's shell through CONSOLEIO_read"
    expect "Serial input to Tern"
    expect "\\[xen-version\\] Test result: SUCCESS" "a boot-time domU ran beside dom0"
    expect "Domain 1 \\(xen-version\\) shut down: reason poweroff"
    expect "Domain 0 \\(Domain-0\\) shut down: reason poweroff"
    expect "Hardware Dom0 halted: halting machine"
    reject "Domain 0 .*not started"
    reject "cmdline: bad value"
fi
done_case

# Without dom0_mem= and dom0_max_vcpus=, dom0 gets a vCPU per host CPU and what is free less
# Xen's reserve; a dom0 kernel panic ends Tern with a restart after 5 seconds, as Xen.
if boot dom0-crash 5 --smp 2 --tcg-single --mem 1024 --timeout 200 --expect Domain-0=crash \
    --module "$K/vmlinuz console=hvc0 tern.xen=1 tern.test=crash tern.checks=0" \
    --module "$INITRD"; then
    expect "Domain 0 \\(Domain-0\\): [0-9]+ MiB, 2 vCPUs"
    mib=$(number "Domain 0 \\(Domain-0\\): ([0-9]+) MiB")
    expect_range "$mib" 800 1000 "dom0's MiB from 1 GiB without dom0_mem"
    expect "\\[Domain-0\\] TERN-MARK crashing"
    expect "Domain 0 \\(Domain-0\\) crashed|Domain 0 \\(Domain-0\\) shut down: reason crash"
    expect "Hardware Dom0 crashed: rebooting machine in 5 seconds\\."
fi
done_case
