#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hypervisor side of `xl create` for a PVH domU: the xlcreate test guest runs as dom0
# (the first boot module) and makes a child domain with libxl/libxenguest's hypercalls
# (createdomain ... sethvmcontext, unpausedomain), checking each answer and Xen's errors for
# hostile inputs. The child's vCPU 0 starts from the CPU record dom0 loaded: it runs through
# its last page of zeroed RAM and faults on the fetch just past its RAM, which only a vCPU
# started at that rip with that state can do. Dom0 then destroys it; every page comes back.
. "$(dirname "$0")/common.bash"
G=$ROOT/build/guests

for smp in 1 2; do
    if boot "xlcreate-smp$smp" 0 --smp "$smp" --mem 512 --timeout 200 \
        --expect "d1=crash" --module "$G/xlcreate.elf"; then
        expect "\\[Domain-0\\] Test result: SUCCESS" "dom0's xl create sequence"
        expect "\\[Domain-0\\] child is d1"
        expect "d1 v0: access to guest-physical 0x800000 \\(read, not present\\): instruction fetch" \
            "the child's vCPU 0 ran from the loaded rip to the end of its RAM"
        expect "\\[Domain-0\\] child d1 stopped"
        expect "\\[Domain-0\\] free pages: ([0-9]+) before create, \\1 after destroy" \
            "every page of the child came back"
        reject "TERN PANIC|FATAL|invalid VMCB|VMEXIT_INVALID"
    fi
    done_case
done

# A domU beside that dom0: every toolstack operation on dom0 or on itself is refused to it
# (-EPERM, as the policy answers once the domain exists), and dom0's sequence is unaffected.
if boot xlcreate-beside-unpriv 0 --smp 2 --mem 512 --timeout 200 --expect "d2=crash" \
    --module "$G/xlcreate.elf" "$G/domctl-unpriv.cfg"; then
    expect "\\[Domain-0\\] Test result: SUCCESS"
    expect "\\[domctl-unpriv\\] dom0 exists: calls on it are refused"
    expect "\\[domctl-unpriv\\] Test result: SUCCESS"
    expect "\\[Domain-0\\] child is d2"
    reject "TERN PANIC|FATAL"
fi
done_case
