#!/bin/sh
# SPDX-License-Identifier: MIT
#
# init.sh: /init of the test initramfs (scripts/mkinitramfs), run by busybox sh as PID 1 in
# a Linux guest (on Tern as a Xen PVH domain, or straight under QEMU: tests/linux/run-direct.sh).
#
# It prints `TERN-MARK userspace` first of all, mounts proc, sysfs and devtmpfs, reads its
# parameters from the kernel command line, runs the checks, printing one line per check
#     TERN-CHECK <name> PASS <detail>
#     TERN-CHECK <name> FAIL <expected vs got>
# then `TERN-CHECKS-DONE passed=N failed=M`, then does what tern.test asks.
#
# Parameters (kernel command line; unknown ones are ignored):
#   tern.test=basic|crash|reboot|shell|cpuload   what to do (default basic)
#       basic    checks, then power off (poweroff -f)
#       crash    checks, then panic the kernel (echo c > /proc/sysrq-trigger)
#       reboot   checks, then `TERN-MARK rebooting` and reboot -f
#       shell    a banner and an interactive shell on the console (no checks unless
#                tern.checks=1); leave it with `poweroff -f`
#       cpuload  the checks plus a long CPU load check (tern.load_secs, default 30 s), then
#                power off
#   tern.expect_cpus=N       vCPUs the guest should see
#   tern.expect_mem_mib=N    memory given to the guest, in MiB
#   tern.host_time=SECONDS   the host's Unix time when the guest was launched
#   tern.xen=1               the guest runs on Xen (Tern): check the Xen boot messages
#   tern.dom0=1              (with tern.xen=1) the guest is Xen's initial domain, dom0: check
#                            that Linux took the dom0 paths (xenfs capabilities control_d,
#                            /dev/xen/xenbus_backend, hvc0 on VIRQ_CONSOLE); tern.dom0=0, the
#                            default, checks that a domU took none of them
#   tern.checks=0|1          run the checks or not (default: 1, except for shell)
#   tern.slow=N              multiply every timeout by N (for slow nested emulation)
#   tern.load_secs=N         duration of the long load of tern.test=cpuload
#   tern.load_min_pct=N      share of the time each vCPU must be busy in the load check
#                            (default 20; lower when other domains share the host CPUs)
#   tern.ip=ADDR/PREFIX      give eth0 (a Xen vif, netfront) this address and bring it up,
#                            with lo, before the checks or the shell
#   tern.selftest=1          add three checks that must FAIL (one hangs, one dies, one does
#                            not exist), to see that a broken check is reported and skipped
#
# Robustness: every check runs in its own process (this script again, with --check NAME)
# under `timeout`, so a check that hangs or dies is reported as FAIL and the next one runs; a
# watchdog prints TERN-CHECKS-DONE and powers off if the whole run takes far too long; PID 1
# itself never exits (that would panic the kernel), whatever happens.
#
# Lines from a check process: its results go to fd 3 (a file the parent reads), markers meant
# for the host (TERN-MARK ...) to fd 4 (the console), anything else to a log file that is
# quoted when the check produced no result.

# shellcheck shell=dash disable=SC2016
# (busybox ash: `local` works as in dash; the single-quoted loops are meant for a child sh)
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
SELF=${SELF:-$0}
[ -f "$SELF" ] || SELF=/init
export SELF

# ---- parameters -------------------------------------------------------------------------
TEST=basic
EXPECT_CPUS=
EXPECT_MEM_MIB=
HOST_TIME=
XEN=0
DOM0=0
CHECKS=
SLOW=1
LOAD_SECS=
LOAD_MIN_PCT=20
SELFTEST=0
CONSOLE=
NET_ADDR=

is_uint() {
    case $1 in
        '' | *[!0-9]*) return 1 ;;
    esac
    return 0
}

read_params() {
    local w k v cmdline
    cmdline=$(cat /proc/cmdline 2>/dev/null)
    for w in $cmdline; do
        case $w in
            console=*)
                # The last console= is /dev/console; keep its device name (ttyS0,115200 -> ttyS0).
                v=${w#console=}
                CONSOLE=${v%%,*}
                ;;
            tern.*=*)
                k=${w%%=*}
                k=${k#tern.}
                v=${w#*=}
                case $k in
                    test) TEST=$v ;;
                    expect_cpus) EXPECT_CPUS=$v ;;
                    expect_mem_mib) EXPECT_MEM_MIB=$v ;;
                    host_time) HOST_TIME=$v ;;
                    xen) XEN=$v ;;
                    dom0) DOM0=$v ;;
                    checks) CHECKS=$v ;;
                    slow) is_uint "$v" && [ "$v" -ge 1 ] && SLOW=$v ;;
                    load_secs) is_uint "$v" && [ "$v" -ge 1 ] && LOAD_SECS=$v ;;
                    load_min_pct) is_uint "$v" && [ "$v" -ge 1 ] && LOAD_MIN_PCT=$v ;;
                    selftest) SELFTEST=$v ;;
                    ip) NET_ADDR=$v ;;
                esac
                ;;
        esac
    done
    if [ -z "$CHECKS" ]; then
        if [ "$TEST" = shell ]; then CHECKS=0; else CHECKS=1; fi
    fi
}

# ---- helpers for the checks ---------------------------------------------------------------
# Results: the last PASS/FAIL line a check writes to fd 3 counts.
pass() { echo "PASS $*" >&3; }
fail() { echo "FAIL $*" >&3; }
# A marker for the host, straight to the console.
mark() { echo "TERN-MARK $*" >&4; }

uptime_secs() { cut -d' ' -f1 /proc/uptime; }

# "0-2,4" -> "0 1 2 4"
expand_cpu_list() {
    echo "$1" | tr ',' '\n' | while IFS=- read -r a b; do
        [ -n "$a" ] || continue
        [ -n "$b" ] || b=$a
        seq "$a" "$b"
    done | tr '\n' ' '
}

# Busy ticks (user+nice+system+irq+softirq, in USER_HZ units) of cpuN, from /proc/stat.
cpu_busy_ticks() {
    awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat
}

# ---- the checks (each one runs in its own process) ----------------------------------------

check_cpus() {
    local n online
    n=$(nproc 2>/dev/null)
    online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
    if ! is_uint "$EXPECT_CPUS"; then
        fail "expected tern.expect_cpus=N on the command line; got nproc=$n (online $online)"
    elif [ "$n" = "$EXPECT_CPUS" ]; then
        pass "nproc=$n (online $online)"
    else
        fail "expected $EXPECT_CPUS CPUs, got nproc=$n (online $online)"
    fi
}

# Memory: `free -m` shows MemTotal, what the kernel manages after taking out the ranges the
# firmware or hypervisor reserves, the kernel image (code, data, bss), the struct page array
# (64 bytes per 4 KiB page: 1.6%), the page tables and other early boot allocations. Measured
# under plain QEMU (guest memory -> free -m total, MiB):
#     cloud kernel:    128 -> 91   256 -> 217   512 -> 469   1024 -> 972   2048 -> 1979
#     generic kernel:  128 -> 78   256 -> 204   512 -> 455   1024 -> 958   2048 -> 1965
# i.e. a fixed 35 MiB (cloud) or 48 MiB (generic: bigger bss) plus ~1.7% of the memory. A flat
# "10% below" would fail every guest under ~400 MiB (256 MiB is 15% short with the cloud
# kernel), so the floor is expect - 56 MiB - 2%: room for either kernel and for the few pages
# a Xen PVH guest loses to start_info, the console ring and the like, while still catching a
# guest that sees a chunk of its memory missing (>= ~20 MiB at any size). The total may not
# exceed what the domain was given: that would mean the hypervisor's memory map is wrong.
mem_floor() {
    echo $(($1 - 56 - $1 / 50))
}

check_mem() {
    local total floor
    total=$(free -m 2>/dev/null | awk '$1 == "Mem:" { print $2; exit }')
    if ! is_uint "$total"; then
        fail "could not read the total from free -m (got '$total')"
        return
    fi
    if ! is_uint "$EXPECT_MEM_MIB"; then
        fail "expected tern.expect_mem_mib=N on the command line; got ${total} MiB"
        return
    fi
    floor=$(mem_floor "$EXPECT_MEM_MIB")
    if [ "$total" -le "$EXPECT_MEM_MIB" ] && [ "$total" -ge "$floor" ]; then
        pass "total ${total} MiB of ${EXPECT_MEM_MIB} MiB (allowed ${floor}..${EXPECT_MEM_MIB})"
    else
        fail "expected ${floor}..${EXPECT_MEM_MIB} MiB, got ${total} MiB"
    fi
}

check_clock() {
    local now diff
    now=$(date +%s)
    if ! is_uint "$HOST_TIME"; then
        fail "expected tern.host_time=<unix seconds> on the command line; guest time $now"
        return
    fi
    diff=$((now - HOST_TIME))
    # Guest time minus the host's time at launch: the boot itself takes some of that (seconds
    # under TCG), so the window is generous, but a clock in 1970 or off by hours is caught.
    if [ "$diff" -ge -120 ] && [ "$diff" -le 120 ]; then
        pass "guest time $now, host time at launch $HOST_TIME (diff ${diff}s, allowed +-120s)"
    else
        fail "expected guest time within +-120s of $HOST_TIME, got $now (diff ${diff}s)"
    fi
}

# `sleep 5` must take 5 s. Measured here with the guest's own clock (/proc/uptime, 10 ms
# resolution; busybox date has no %N): that catches a sleep that returns early or never
# (timer interrupts or events not delivered). It cannot catch a guest clock that runs at the
# wrong rate, since sleep and uptime then agree with each other: for that the host test
# timestamps the TERN-MARK sleep-start and sleep-end lines as they reach the console and
# checks that about 5 s of host wall-clock time passed between them; the guest's measured
# value is printed with the end marker so both can be compared.
check_sleep() {
    local u0 u1 d0 d1 elapsed verdict
    u0=$(uptime_secs)
    d0=$(date +%s)
    mark "sleep-start"
    sleep 5
    u1=$(uptime_secs)
    d1=$(date +%s)
    elapsed=$(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.2f", b - a }')
    mark "sleep-end guest_elapsed=$elapsed"
    # Never shorter than 5 s (less 10 ms of /proc/uptime rounding); up to 7 s allows for a
    # late wake-up on a loaded emulator. The wall clock (1 s resolution) must agree.
    verdict=$(awk -v e="$elapsed" -v w="$((d1 - d0))" \
        'BEGIN { print (e >= 4.99 && e <= 7.0 && w >= 4 && w <= 8) ? "ok" : "bad" }')
    if [ "$verdict" = ok ]; then
        pass "sleep 5 took ${elapsed}s of guest uptime, $((d1 - d0))s of guest wall clock"
    else
        fail "expected 5.00..7.00s (wall clock 4..8s), got ${elapsed}s (wall clock $((d1 - d0))s)"
    fi
}

# One busy loop per online vCPU, each pinned with taskset, for $1 seconds.
# Each must make progress: its iteration count (written when it stops), the busy time of its
# CPU in /proc/stat (at least a fifth of the run: the loop should have the CPU to itself),
# and /proc/<pid>/stat field 39 (the CPU it last ran on) must be the CPU it was pinned to.
check_cpuload() {
    local secs=$1 cpus c pids pid t0 t1 elapsed_ticks need bad detail n where b0 b1 tickdiff
    cpus=$(expand_cpu_list "$(cat /sys/devices/system/cpu/online 2>/dev/null)")
    if [ -z "$cpus" ]; then
        fail "could not read /sys/devices/system/cpu/online"
        return
    fi
    rm -f /tmp/load.*
    pids=""
    trap 'touch /tmp/load.stop; kill $pids 2>/dev/null; exit 1' TERM INT
    for c in $cpus; do
        cpu_busy_ticks "$c" >"/tmp/load.b0.$c"
    done
    t0=$(uptime_secs)
    for c in $cpus; do
        taskset -c "$c" /bin/sh -c \
            'n=0; while [ ! -e /tmp/load.stop ]; do n=$((n + 1)); done; echo $n >/tmp/load.n.$1' \
            load "$c" &
        pids="$pids $!"
        echo "$!" >"/tmp/load.pid.$c"
    done
    sleep 1
    # Where each loop runs, a second in.
    for c in $cpus; do
        pid=$(cat "/tmp/load.pid.$c")
        awk '{ print $39 }' "/proc/$pid/stat" >"/tmp/load.where.$c" 2>/dev/null
    done
    [ "$secs" -gt 1 ] && sleep $((secs - 1))
    for c in $cpus; do
        cpu_busy_ticks "$c" >"/tmp/load.b1.$c"
    done
    t1=$(uptime_secs)
    touch /tmp/load.stop
    wait
    trap - TERM INT
    elapsed_ticks=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 100 }')
    need=$((elapsed_ticks * LOAD_MIN_PCT / 100))
    bad=""
    detail=""
    for c in $cpus; do
        n=$(cat "/tmp/load.n.$c" 2>/dev/null)
        where=$(cat "/tmp/load.where.$c" 2>/dev/null)
        b0=$(cat "/tmp/load.b0.$c")
        b1=$(cat "/tmp/load.b1.$c")
        tickdiff=$((${b1:-0} - ${b0:-0}))
        detail="$detail cpu$c:${n:-?}iter/${tickdiff}ticks/on${where:-?}"
        if ! is_uint "$n" || [ "$n" -lt 1 ]; then
            bad="$bad cpu$c:no-iterations"
        elif [ "$tickdiff" -lt "$need" ]; then
            bad="$bad cpu$c:busy-${tickdiff}<${need}ticks"
        elif [ "$where" != "$c" ]; then
            bad="$bad cpu$c:ran-on-${where:-?}"
        fi
    done
    if [ -z "$bad" ]; then
        pass "${secs}s load on every vCPU ($elapsed_ticks ticks):$detail"
    else
        fail "expected progress on every vCPU, got$bad (${secs}s,$detail)"
    fi
}

check_hypervisor_flag() {
    if grep -m1 '^flags' /proc/cpuinfo | grep -qw hypervisor; then
        pass "/proc/cpuinfo flags include hypervisor"
    else
        fail "expected the hypervisor flag (CPUID.1:ECX[31]) in /proc/cpuinfo, it is missing"
    fi
}

# What Linux 6.1 prints about the platform (arch/x86/kernel/paravirt.c default_banner and
# arch/x86/xen/enlighten_hvm.c init_hvm_pv_info):
#   on Xen PVH:  "Booting kernel on Xen PVH" (seen from Debian's 6.1: the word
#                "paravirtualized" only appears with paravirt ops patching) and "Xen version X.Y."
#   natively (or under TCG): "Booting paravirtualized kernel on bare hardware"
#   under KVM:   "... on KVM"
# With tern.xen=1 both Xen lines are required; otherwise no Xen banner may appear.
check_platform() {
    local log banner xenver
    log=$(dmesg 2>/dev/null)
    banner=$(echo "$log" | grep -oE 'Booting (paravirtualized )?kernel on .*' | head -n 1)
    xenver=$(echo "$log" | grep -o 'Xen version [0-9][0-9.]*' | head -n 1)
    if [ -z "$log" ]; then
        fail "dmesg printed nothing"
    elif [ "$XEN" = 1 ]; then
        case $banner in
            *"on Xen PVH")
                if [ -n "$xenver" ]; then
                    pass "'$banner', '$xenver'"
                else
                    fail "expected 'Xen version X.Y.' in dmesg, got none ('$banner')"
                fi
                ;;
            *) fail "expected 'Booting kernel on Xen PVH'," \
                    "got '${banner:-no banner}'" ;;
        esac
    else
        case $banner in
            *Xen*) fail "expected no Xen (tern.xen=0), got '$banner'" ;;
            "") fail "expected 'Booting ... kernel on ...' in dmesg, got none" ;;
            *) pass "'$banner' (not Xen: tern.xen=$XEN)" ;;
        esac
    fi
}

# On Xen (Tern) the kernel must have taken the FIFO event-channel ABI (EVTCHNOP_init_control
# answered) and the vDSO's PV clock (VCPUOP_register_vcpu_time_memory_area answered): each
# says so in dmesg, or says which hypercall it was refused.
check_xen_abi() {
    local log refused
    log=$(dmesg 2>/dev/null)
    refused=$(echo "$log" | grep -oE '[A-Za-z_]+ not supported \(err -?[0-9]+\)' | head -n 1)
    if [ "$XEN" != 1 ]; then
        pass "not on Xen (tern.xen=$XEN)"
    elif ! echo "$log" | grep -q 'Using FIFO-based ABI'; then
        fail "expected 'xen:events: Using FIFO-based ABI' in dmesg," \
             "got '$(echo "$log" | grep -oE 'xen:events: .*' | head -n 1)'"
    elif [ -n "$refused" ]; then
        fail "expected every Xen feature the kernel asked for, got '$refused'"
    else
        pass "FIFO event channels, PV clock for the vDSO"
    fi
}

# The console the kernel was told to use (the last console=) must be the active one:
# hvc0 under Xen, ttyS0 under plain QEMU.
check_console() {
    local active
    active=$(cat /sys/class/tty/console/active 2>/dev/null)
    if [ -z "$CONSOLE" ]; then
        pass "active consoles: ${active:-none} (no console= given)"
    elif echo " $active " | grep -q " $CONSOLE "; then
        pass "$CONSOLE is active ($active)"
    else
        fail "expected console $CONSOLE to be active, got '${active:-none}'"
    fi
}

# Linux 6.1 as the initial domain (xen_initial_domain(), from SIF_INITDOMAIN in start_info):
# xenfs's capabilities file says "control_d" (drivers/xen/xenfs/super.c), the xenbus back-end
# device exists only in dom0 (drivers/xen/xenbus/xenbus_dev_backend.c), and hvc0 takes its
# input from VIRQ_CONSOLE, shown as a "virq" interrupt in /proc/interrupts (hvc_xen.c's
# initial-domain console, on console_io) where a domU's is an "event" channel.
# xenfs is a module in Debian's kernel: the image carries it in /lib/modules/xen if it can.
check_dom0() {
    local caps="" backend=no hvc
    if [ "$XEN" != 1 ]; then
        pass "not on Xen (tern.xen=$XEN)"
        return
    fi
    if [ -f /lib/modules/xen/xenfs.ko ] && ! grep -q xenfs /proc/filesystems; then
        insmod /lib/modules/xen/xen-privcmd.ko
        insmod /lib/modules/xen/xenfs.ko
    fi
    if grep -q xenfs /proc/filesystems; then
        mkdir -p /proc/xen
        mount -t xenfs xenfs /proc/xen 2>/dev/null
        caps=$(cat /proc/xen/capabilities 2>/dev/null)
    fi
    [ -c /dev/xen/xenbus_backend ] && backend=yes
    hvc=$(grep hvc_console /proc/interrupts | grep -oE 'virq|event' | head -n 1)
    if [ "$DOM0" = 1 ]; then
        if [ "$caps" != control_d ]; then
            fail "expected /proc/xen/capabilities 'control_d'," \
                 "got '${caps:-nothing (no xenfs)}'"
        elif [ "$backend" != yes ]; then
            fail "expected /dev/xen/xenbus_backend (dom0's xenbus back end), it is missing"
        elif [ "$hvc" != virq ]; then
            fail "expected hvc0 on VIRQ_CONSOLE (the initial domain's console)," \
                 "got '${hvc:-no hvc_console interrupt}'"
        else
            pass "initial domain: capabilities control_d, xenbus_backend, hvc0 on VIRQ_CONSOLE"
        fi
    elif [ -n "$caps" ] || [ "$backend" = yes ]; then
        fail "expected a domU, got dom0 paths: capabilities '$caps', xenbus_backend $backend"
    else
        pass "a domU: no control_d, no xenbus_backend, hvc0 on ${hvc:-?}"
    fi
}

run_one_check() {
    case $1 in
        cpus) check_cpus ;;
        mem) check_mem ;;
        clock) check_clock ;;
        sleep) check_sleep ;;
        cpuload) check_cpuload 3 ;;
        cpuload-long) check_cpuload "${LOAD_SECS:-30}" ;;
        # For testing this script (tern.selftest=1): a check that hangs and one that dies.
        selftest-hang) sleep 100000 ;;
        selftest-die) echo "dying on purpose"; exit 3 ;;
        hypervisor-flag) check_hypervisor_flag ;;
        platform) check_platform ;;
        xen-abi) check_xen_abi ;;
        console) check_console ;;
        dom0) check_dom0 ;;
        *) fail "no check named $1" ;;
    esac
}

# ---- PID 1 ---------------------------------------------------------------------------------
PASSED=0
FAILED=0
COUNTS=/tmp/tern-counts

# run_check NAME TIMEOUT: one TERN-CHECK line, whatever the check does.
run_check() {
    local name=$1 t=$(($2 * SLOW)) res log rc line why
    res=/tmp/check.$name.res
    log=/tmp/check.$name.log
    : >"$res"
    timeout -k 5 "$t" /bin/sh "$SELF" --check "$name" 4>&1 3>"$res" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^(PASS|FAIL)( |$)' "$res" | tail -n 1)
    if [ -z "$line" ]; then
        if [ "$rc" -ge 124 ]; then
            why="timed out after ${t}s"
        else
            why="the check gave no result (exit status $rc)"
        fi
        line="FAIL $why$(head -c 200 "$log" | tr '\n' ' ' | sed -e 's/ *$//' -e 's/^./: &/')"
    fi
    # One line, whatever the check wrote.
    echo "TERN-CHECK $name $(echo "$line" | tr -d '\r' | head -n 1)"
    case $line in
        PASS*) PASSED=$((PASSED + 1)) ;;
        *) FAILED=$((FAILED + 1)) ;;
    esac
    echo "$PASSED $FAILED" >"$COUNTS"
}

power_off() {
    sync
    poweroff -f
    # Still here: try the kernel directly, then idle (PID 1 must not exit).
    echo o >/proc/sysrq-trigger 2>/dev/null
    sleep 5
    echo "TERN-MARK poweroff-failed"
    while :; do sleep 3600; done
}

# Started in the background: if the checks take far longer than they can, report and stop.
watchdog() {
    sleep "$1"
    # shellcheck disable=SC2046 # two numbers
    set -- $(cat "$COUNTS" 2>/dev/null || echo "0 0")
    echo "TERN-CHECK watchdog FAIL expected the checks to finish within ${WATCHDOG}s, they did not"
    echo "TERN-CHECKS-DONE passed=$1 failed=$(($2 + 1))"
    power_off
}

# tern.ip: eth0 is registered when netfront's module probes the vif, which insmod waits for;
# the short wait covers a back-end that is slow to show the device.
setup_net() {
    local i=0
    [ -n "$NET_ADDR" ] || return 0
    ip link set lo up 2>/dev/null
    while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do
        usleep 100000
        i=$((i + 1))
    done
    if ip addr add "$NET_ADDR" dev eth0 && ip link set eth0 up; then
        echo "TERN-MARK net eth0 $NET_ADDR"
    else
        echo "TERN-MARK net-failed eth0 $NET_ADDR ($(ls /sys/class/net | tr '\n' ' '))"
    fi
}

# The guest's Xen disks and network interfaces, for the shell's banner.
devices_line() {
    local disks nets
    # (Unquoted: word splitting joins the lines with single spaces.)
    disks=$(echo $(cd /sys/block 2>/dev/null && ls -d xvd* 2>/dev/null))
    nets=$(echo $(ip -o -4 addr show 2>/dev/null | awk '$2 != "lo" { print $2, $4 }'))
    echo "Disks: ${disks:-none}; network: ${nets:-none}"
}

start_shell() {
    echo "TERN-MARK shell"
    echo "Tern test guest: $(uname -sr), $(nproc) vCPUs," \
        "$(free -m | awk '$1 == "Mem:" { print $2 }') MiB."
    devices_line
    echo "Busybox shell on the console; 'poweroff -f' ends the guest."
    # What busybox's poweroff, halt and reboot (and so the kernel's orderly poweroff, which
    # Xen's "xl shutdown" starts) ask of init: SIGUSR2, SIGUSR1, SIGTERM.
    trap 'echo "TERN-MARK poweroff-requested"; power_off' USR2 USR1
    trap 'echo "TERN-MARK reboot-requested"; sync; reboot -f' TERM
    while :; do
        # The child is not a process-group leader, so setsid needs no fork; cttyhack makes the
        # console its controlling tty (job control, ^C). It runs in the background so that
        # the wait below, unlike a foreground child, lets the traps run at once.
        /bin/sh -c 'exec setsid cttyhack /bin/sh -l' &
        child=$!
        while kill -0 $child 2>/dev/null; do wait $child; done
        echo "(the shell exited; starting another)"
        sleep 1
    done
}

main() {
    local pending_mark=0 wd
    # First thing: the host measures boot time up to this line.
    echo "TERN-MARK userspace" 2>/dev/null || pending_mark=1
    mount -t proc proc /proc 2>/dev/null
    mount -t sysfs sysfs /sys 2>/dev/null
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
    mkdir -p /tmp /dev/pts
    mount -t tmpfs tmpfs /tmp 2>/dev/null
    mount -t devpts devpts /dev/pts 2>/dev/null
    [ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
    [ "$pending_mark" = 0 ] || echo "TERN-MARK userspace"
    # Drivers the image carries as modules (scripts/mkdom0 adds Xen's block and network
    # front-ends to the domU's image): loaded before anything looks for their devices.
    for m in /lib/modules/*.ko; do
        [ -f "$m" ] && { insmod "$m" || echo "TERN-MARK insmod-failed $m"; }
    done
    # Kernel messages below warning level would interleave with the check lines.
    echo 4 >/proc/sys/kernel/printk 2>/dev/null
    read_params
    echo "TERN-MARK params test=$TEST cpus=${EXPECT_CPUS:-?} mem=${EXPECT_MEM_MIB:-?}" \
        "xen=$XEN slow=$SLOW"
    setup_net

    if [ "$CHECKS" = 1 ]; then
        echo "0 0" >"$COUNTS"
        WATCHDOG=$((300 * SLOW))
        [ "$TEST" = cpuload ] && WATCHDOG=$((WATCHDOG + 2 * ${LOAD_SECS:-30}))
        watchdog "$WATCHDOG" &
        wd=$!
        run_check cpus 10
        run_check mem 10
        run_check clock 10
        run_check sleep 30
        run_check cpuload 40
        run_check hypervisor-flag 10
        run_check platform 15
        run_check xen-abi 10
        run_check console 10
        run_check dom0 10
        [ "$TEST" = cpuload ] && run_check cpuload-long $((20 + 2 * ${LOAD_SECS:-30}))
        if [ "$SELFTEST" = 1 ]; then
            run_check selftest-hang 3
            run_check selftest-die 3
            run_check selftest-nonexistent 3
        fi
        kill "$wd" 2>/dev/null
        echo "TERN-CHECKS-DONE passed=$PASSED failed=$FAILED"
    fi

    case $TEST in
        crash)
            echo "TERN-MARK crashing"
            sync
            echo c >/proc/sysrq-trigger
            # sysrq unavailable: PID 1 exiting panics the kernel too.
            sleep 5
            echo "TERN-MARK sysrq-crash-failed"
            exit 1
            ;;
        reboot)
            echo "TERN-MARK rebooting"
            sync
            reboot -f
            sleep 5
            echo "TERN-MARK reboot-failed"
            power_off
            ;;
        shell)
            start_shell
            ;;
        basic | cpuload)
            power_off
            ;;
        *)
            echo "TERN-MARK unknown-test $TEST (powering off)"
            power_off
            ;;
    esac
}

if [ "${1:-}" = --check ]; then
    read_params
    run_one_check "$2"
    exit 0
fi
main
# Not reached; never let PID 1 end.
while :; do sleep 3600; done
