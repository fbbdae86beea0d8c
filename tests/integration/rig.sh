#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test rig itself: the GRUB (Multiboot2) path, modules, timeouts and its own errors.
. "$(dirname "$0")/common.bash"

# Multiboot2 through a GRUB rescue ISO, as on a real machine. The first module is dom0's
# kernel (Xen's rule): a text file there is refused by name, and Tern carries on.
if boot rig-grub-iso 6 --iso --smp 2 --timeout 90 --module "$ROOT/README.md"; then
    expect "Loader: GRUB.*\\(Multiboot2\\)"
    expect "Module 0: 0x[0-9a-f]+-0x[0-9a-f]+ 'README.md'"
    expect "SMP: 2 CPUs online"
    expect "Domain 0 \\(Domain-0\\): kernel README.md: not an ELF file; not started"
fi
done_case

# Multiboot (v1) modules with their command lines, as QEMU's -kernel passes them.
if boot rig-modules 6 --smp 1 --module "$ROOT/README.md first arg" --module "$ROOT/Makefile"; then
    expect "Loader: qemu \\(Multiboot\\)"
    expect "Module 0: 0x[0-9a-f]+-0x[0-9a-f]+ '.*README.md first arg'"
    expect "Module 1: 0x[0-9a-f]+-0x[0-9a-f]+ '.*Makefile'"
fi
done_case

# Without autopoweroff Tern idles: the rig must give up at the timeout and say so.
if boot rig-timeout 3 --smp 1 --no-autopoweroff --timeout 4; then
    grep -q "timeout" "$LOG.rig" || fail "expected the rig to report a timeout on stderr"
fi
done_case

# A missing image is a clear error, not a hang.
if boot rig-missing-image 4 --image /nonexistent/tern.bin; then
    grep -q "no hypervisor image" "$LOG.rig" || fail "expected 'no hypervisor image' on stderr"
fi
done_case
