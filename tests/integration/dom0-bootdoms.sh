#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot-time domains join dom0's toolstack: two Debian cloud-kernel domUs from xl.cfg boot
# modules ("bootdom1" as domain 1, "boot:dom2" as domain 2, both at the test initramfs's
# shell) start beside dom0; dom0's init runs tern-init-bootdomains, then xl-test's bootdoms
# group (tools/dom0/xl-test) drives xl on them. Here: every in-dom0 check is one case, and
# Tern's own log shows the names on dom0's command line, the console handovers with no
# "[bootdom1]" line after them, xl destroy's teardown and boot:dom2's poweroff.
# run-tests: one host thread (every boot here is --tcg-single), about 50 s
. "$(dirname "$0")/common.bash"
K=$ROOT/build/kernels
W=$ROOT/build/tests/bootdoms
mkdir -p "$W"
INITRD=$W/initrd.cpio.gz
"$ROOT/scripts/mkinitramfs" "$INITRD" >/dev/null

# boot_cfg NAME: a 256 MiB, 1-vCPU PVH domU at the test initramfs's shell.
boot_cfg() {
    local name=$1 file=$W/${1//:/-}.cfg
    {
        echo "name = \"$name\""
        echo 'type = "pvh"'
        echo 'memory = 256'
        echo 'vcpus = 1'
        echo "kernel = \"$K/cloud/vmlinuz\""
        echo "ramdisk = \"$INITRD\""
        echo 'cmdline = "console=hvc0 tern.xen=1 tern.test=shell"'
    } >"$file"
    echo "$file"
}

dom0_image dom0-bootdoms || exit 0

DOM0_ARGS="tern.dom0_test=/usr/lib/tern/xl-test tern.xl_test=bootdoms"
c1=$(boot_cfg bootdom1)
c2=$(boot_cfg boot:dom2)
boot dom0-bootdoms 0 --smp 2 --tcg-single --mem 2048 --timeout 600 \
    --cmdline "dom0_mem=768M,max:768M dom0_max_vcpus=2" \
    --module "$K/generic/vmlinuz console=hvc0 $DOM0_ARGS" \
    --send 'd2 \(boot:dom2\): console handed to dom0::\x01\x01\x01' \
    --send 'Serial input to Tern::\x01\x01\x01' \
    --module "$IMG" "$c1" "$c2"
done_case # dom0 powered off at the end (the rig's status 0), or FAIL above
report_xl_checks dom0

CASE=dom0-bootdoms-names
FAILED=
expect 'Domain 0: kernel .*tern\.bootdomain=1:bootdom1 tern\.bootdomain=2:boot%3Adom2' \
    "Tern names the boot domains on dom0's command line"
expect '^\[Domain-0\] tern-init-bootdomains: d1 \(bootdom1\) introduced' "the tool's line"
done_case

# The domUs did not wait for xenstore: their shells were up before dom0's tool ran.
CASE=dom0-bootdoms-early
FAILED=
for n in bootdom1 boot:dom2; do
    shell_at=$(grep -an "^\[$n\] TERN-MARK shell" "$LOG" | head -n 1 | cut -d: -f1)
    tool_at=$(grep -an 'dom0-init: bootdomains ' "$LOG" | head -n 1 | cut -d: -f1)
    if [ -z "$shell_at" ] || [ -z "$tool_at" ] || [ "$shell_at" -gt "$tool_at" ]; then
        fail "expected $n's shell (line ${shell_at:-none}) before dom0's bootdomains step" \
            "(line ${tool_at:-none})"
    fi
done
done_case

CASE=dom0-bootdoms-handover
FAILED=
expect 'd1 \(bootdom1\): console handed to dom0 \(port [0-9]+\)' "bootdom1's handover line"
expect 'd2 \(boot:dom2\): console handed to dom0 \(port [0-9]+\)' "boot:dom2's handover line"
# Before it, Tern printed bootdom1's console ("[bootdom1] ..."); after it, nothing.
at=$(grep -an 'd1 (bootdom1): console handed to dom0' "$LOG" | head -n 1 | cut -d: -f1)
if [ -n "$at" ]; then
    grep -aq '^\[bootdom1\] ' <(head -n "$at" "$LOG") ||
        fail "expected bootdom1's console on Tern's serial line before the handover"
    late=$(tail -n +"$((at + 1))" "$LOG" | grep -a '^\[bootdom1\] ' | head -n 1)
    [ -z "$late" ] || fail "expected no [bootdom1] line after the handover; got: $late"
fi
done_case

# Ctrl-A x3 typed after both handovers: the focus goes from dom0 straight to Tern, then
# back to dom0; the handed-over domains are out of the rotation.
CASE=dom0-bootdoms-focus
FAILED=
at=$(grep -an 'd2 (boot:dom2): console handed to dom0' "$LOG" | head -n 1 | cut -d: -f1)
if [ -n "$at" ]; then
    focus=$(tail -n +"$at" "$LOG" | grep -ao 'Serial input to [A-Za-z]* [0-9]*' | head -n 2 |
        tr '\n' ',')
    [ "$focus" = "Serial input to Tern ,Serial input to domain 0," ] ||
        fail "expected Ctrl-A x3 twice to go dom0 -> Tern -> dom0; got '$focus'"
else
    fail "no handover line for boot:dom2"
fi
done_case

CASE=dom0-bootdoms-teardown
FAILED=
expect 'Domain 1 destroyed by the toolstack; [0-9]+ pages free' "xl destroy bootdom1"
expect 'Domain 2 \(boot:dom2\) shut down: reason poweroff' "xl shutdown boot:dom2"
done_case
