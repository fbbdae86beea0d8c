#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tern's guest ABI proven by our own test guests (guests/tests/*): each guest runs through
# the rig on 1 and 2 CPUs and must print "Test result: SUCCESS" and end with the shutdown
# reason its config names ("# tern-expect-shutdown: <reason>", default poweroff). Then:
# two-domain tests, eight domains at once, the hostile guest beside a normal one, and a
# guest rebooting itself 100 times with every page coming back.
. "$(dirname "$0")/common.bash"
G=$ROOT/build/guests

expected_reason() {
    grep -o 'tern-expect-shutdown: [a-z_]*' "$1" | awk '{ print $2 }'
}

# run_guests CASE SMP CFG... : boot them together, check each reports SUCCESS.
run_guests() {
    local name=$1 smp=$2 cfg expects=() n
    shift 2
    for cfg in "$@"; do
        n=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$cfg")
        expects+=(--expect "$n=$(expected_reason "$cfg" || true)")
    done
    # Configs without a comment expect poweroff.
    expects=("${expects[@]/%=/=poweroff}")
    if boot "$name" 0 --smp "$smp" --timeout 120 "${expects[@]}" "$@"; then
        for cfg in "$@"; do
            n=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$cfg")
            expect "^\\[$n\\] Test result: SUCCESS" "guest $n"
        done
        expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
        reject "\\(LEAK\\)|OVER\\)|TERN PANIC|FATAL"
    fi
    done_case
}

singles=()
for cfg in "$G"/*.cfg; do
    case $(basename "$cfg") in
        evtchn-interdomain-*|gnttab-*) ;; # pairs, below
        races-*|bystander*|hcfuzz*) ;;     # beside a bystander: races.sh, hcfuzz.sh
        xlcreate*) ;;                       # runs as dom0: xlcreate.sh
        foreign-*) ;;                      # beside its dom0: foreign.sh
        *) singles+=("$cfg") ;;
    esac
done
[ ${#singles[@]} -gt 0 ] || { CASE=guests-built LOG=/dev/null; fail "no guests in $G: make guests"; }

for smp in 1 2; do
    for cfg in "${singles[@]}"; do
        run_guests "guest-$(basename "$cfg" .cfg)-smp$smp" "$smp" "$cfg"
    done
    run_guests "guest-evtchn-interdomain-smp$smp" "$smp" "$G/evtchn-interdomain-server.cfg" \
        "$G/evtchn-interdomain-client.cfg"
    run_guests "guest-gnttab-smp$smp" "$smp" "$G/gnttab-granter.cfg" "$G/gnttab-grantee.cfg"
done

# Eight test domains at once on two CPUs.
run_guests guests-eight-at-once 2 "$G/cpuid.cfg" "$G/xen-version.cfg" "$G/console.cfg" \
    "$G/clock.cfg" "$G/evtchn.cfg" "$G/memory.cfg" "$G/sched.cfg" "$G/vcpu.cfg"

# A hostile domain beside a well-behaved one: Tern and the other domain are unaffected.
run_guests guests-hostile-beside-others 2 "$G/hostile.cfg" "$G/clock.cfg" "$G/evtchn.cfg"

# A domU trying to pause, destroy and shrink everyone: refused, the bystander finishes.
run_guests guests-domctl-unpriv-beside-clock 2 "$G/domctl-unpriv.cfg" "$G/clock.cfg"

# Per-domain memory: Tern's own overhead stays under 64 KiB + 0.5% of the guest's RAM.
if boot guests-overhead 0 --smp 2 "$G/vcpu.cfg"; then
    line=$(grep -E "Tern overhead [0-9]+ KiB \(limit [0-9]+ KiB\)" "$LOG" | head -1)
    used=$(echo "$line" | sed -E 's/.*overhead ([0-9]+) KiB.*/\1/')
    limit=$(echo "$line" | sed -E 's/.*limit ([0-9]+) KiB.*/\1/')
    expect_range "$used" 1 "$limit" "Tern's overhead for a 4-vCPU domain (KiB)"
fi
done_case

# A malformed config and an image that is not a kernel are refused with a message naming
# the domain and the problem; the good domain beside them still runs (the rig exits 6 for
# the refusals).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'name = "badsyntax"\nmemory = lots\nkernel = "%s"\n' "$G/cpuid.elf" > "$tmp/badsyntax.cfg"
printf 'name = "notakernel"\ntype = "pvh"\nmemory = 32\nkernel = "%s"\n' \
    "$ROOT/README.md" > "$tmp/notakernel.cfg"
if boot guests-refused-configs 6 --smp 2 "$tmp/badsyntax.cfg" "$tmp/notakernel.cfg" \
    "$G/cpuid.cfg"; then
    expect "Domain config .*badsyntax.cfg: line 2: .*; not started"
    expect "Domain [0-9]+ \\(notakernel\\): kernel .*README.md: .*not an ELF file.*; not started"
    expect "\\[cpuid\\] Test result: SUCCESS"
fi
done_case

# 100 reboots with on_reboot = "restart": the free-page count ends where it began.
sed -e 's/^on_reboot.*/on_reboot = "restart"/' -e 's/^name .*/name = "rebooter"/' \
    "$G/shutdown-reboot.cfg" > "$tmp/rebooter.cfg"
if boot guests-reboot-100 0 --smp 2 --timeout 400 --cmdline "restart_limit=100" \
    --expect rebooter=reboot "$tmp/rebooter.cfg"; then
    expect "Domain 1 \\(rebooter\\): restarting \\(100\\)"
    expect "restart limit \\(100\\) reached"
    expect "All domains have shut down\\. Free pages: ([0-9]+) now, \\1 before"
    reject "\\(LEAK\\)"
fi
done_case

