# SPDX-License-Identifier: MIT
# xl-test group "net" (sourced by /usr/lib/tern/xl-test; tests/integration/dom0-net.sh): vif=
# in Xen's syntax with Linux's netback in dom0 and netfront in two shell domUs on xenbr0
# (the init's bridge, 10.0.0.1/24): network-list, the vif on the bridge, the MAC, pings both
# ways and between the domUs, 256 MiB of TCP each way with its md5sum and speed,
# network-attach/detach, and a destroy with traffic in flight that leaves nothing behind.
# shellcheck shell=dash disable=SC2016

NET_A=neta
NET_B=netb
NET_MAC_A=00:16:3e:4e:00:0a
NET_MAC_B=00:16:3e:4e:00:0b
NET_MAC_HOT=00:16:3e:4e:00:1a
NET_IP_A=10.0.0.10
NET_IP_B=10.0.0.11
NET_IP_HOT=10.0.0.20
NET_DOM0=10.0.0.1
# The TCP check: an 8 MiB random block sent NET_REPEAT times (256 MiB).
NET_BLOCK=/run/net-block
NET_REPEAT=32

# A progress line on dom0's console (not a check): where a hang happened, in Tern's log.
note() {
    echo "xl-test: net: $*"
}

free_mem() {
    xl info | awk '$1 == "free_memory" { print $3 }'
}

# domu_sh NAME SECONDS CMD: run CMD in NAME's shell (typed on its console) and wait for it at
# most SECONDS; its output lines land in DOUT and its exit status in DRC (empty on a
# timeout, then returns 1). domu_type and domu_wait are its halves, for doing something
# in between.
domu_sh() {
    domu_type "$1" "$3" && domu_wait "$2"
}

# domu_type NAME CMD: type CMD (newlines become spaces) with markers for domu_wait; these
# carry $((0)) so that the console's echo of the typed line never matches them, and the
# clock in ns so that they are unique (a counter would not be across subshells).
domu_type() {
    _m=nq$(date +%s%N)
    _log=$(console_log "$1")
    DOUT=""
    DRC=""
    _c=$(echo "$2" | tr '\n' ' ')
    _c="( $_c ) >/tmp/$_m 2>&1; r=\$?; sed \"s/^/$_m-o\$((0)) /\" /tmp/$_m"
    type_on_console "$1" "$_c; echo $_m-rc\$((0))=\$r"
}

# domu_wait SECONDS: the end of what domu_type typed last, as domu_sh.
domu_wait() {
    wait_for "$1" grep -aq "$_m-rc0=" "$_log" || return 1
    DRC=$(grep -ao "$_m-rc0=[0-9]*" "$_log" | tail -n 1 | sed 's/.*=//')
    DOUT=$(grep -ao "$_m-o0 .*" "$_log" | sed "s/^$_m-o0 //" | tr -d '\r')
}

# What a domU command gave, for a failure message.
dsaid() {
    if [ -n "$DRC" ]; then
        echo "rc $DRC: $(echo "$DOUT" | tr '\n' ' ' | cut -c1-300)"
    else
        echo "no answer; its console ends: $(tail -c 300 "$_log" | tr -d '\r' | tr '\n' ' ')"
    fi
}

# The packet loss figure (e.g. "0%") in ping's summary, from stdin.
loss() {
    grep -o '[0-9.]*% packet loss' | sed 's/ .*//'
}

# net_vif NAME DOMID DEVID MAC: xl network-list NAME has DEVID with MAC in state 4
# (connected), vif<DOMID>.<DEVID> is a port of xenbr0 in dom0; prints what is wrong.
net_vif() {
    if ! wait_for 30 sh -c "xl network-list $1 | awk '\$1 == $3 && \$3 == \"$4\" &&
        \$5 == 4' | grep -q ."; then
        echo "expected network-list $1 to show devid $3, $4, state 4; got: $(flat xl \
            network-list "$1")"
        return
    fi
    master=$(basename "$(readlink "/sys/class/net/vif$2.$3/master" 2>/dev/null)")
    if [ "$master" != xenbr0 ] || ! ip -o link show master xenbr0 | grep -q " vif$2.$3:" ||
        ! brctl show xenbr0 | grep -qw "vif$2.$3"; then
        echo "expected vif$2.$3 a port of xenbr0; got master '$master', ports:" \
            "$(ip -o link show master xenbr0 2>&1 | awk '{ print $2 }' | tr '\n' ' ')"
    fi
}

# Two shell domUs, one vif each in Xen's syntax (one naming the hotplug script), their
# eth0 configured: network-list, the vif in the bridge, the MAC the guest sees.
net_domus() {
    create_shell $NET_A net-vif-syntax \
        "vif = ['bridge=xenbr0,mac=$NET_MAC_A,ip=$NET_IP_A,script=vif-bridge']" || return 1
    create_shell $NET_B net-vif-syntax \
        "vif = ['bridge=xenbr0,mac=$NET_MAC_B,ip=$NET_IP_B']" || return 1
    bad=""
    for n in $NET_A $NET_B; do
        mac=$NET_MAC_B ip=$NET_IP_B
        [ "$n" = $NET_A ] && mac=$NET_MAC_A ip=$NET_IP_A
        why=$(net_vif "$n" "$(xl domid "$n")" 0 $mac)
        [ -n "$why" ] && bad="$bad $n: $why;"
        if ! domu_sh "$n" 30 "cat /sys/class/net/eth0/address; ip addr add $ip/24 dev eth0 &&
            ip link set eth0 up" || [ "$DRC" != 0 ] || [ "$(echo "$DOUT" | head -n 1)" != $mac ]
        then
            bad="$bad $n: expected eth0 with MAC $mac, set up as $ip; got $(dsaid);"
        fi
    done
    if [ -z "$bad" ]; then
        pass net-vif-syntax "$NET_A vif$(xl domid $NET_A).0 and $NET_B vif$(xl domid \
            $NET_B).0 connected (state 4) on xenbr0, eth0 with MACs $NET_MAC_A, $NET_MAC_B"
    else
        fail net-vif-syntax "$bad"
    fi
}

# net_ping NAME TARGET: NAME pings TARGET with no loss; prints what is wrong.
net_ping() {
    if ! domu_sh "$1" 40 "ping -c 3 -W 5 $2" || [ "$DRC" != 0 ] ||
        [ "$(echo "$DOUT" | loss)" != 0% ]; then
        echo "expected $1 to ping $2 with 0% loss; got $(dsaid)"
    fi
}

net_pings() {
    bad=$(net_ping $NET_A $NET_DOM0)
    out=$(timeout 30 ping -c 3 -W 5 $NET_IP_A 2>&1)
    if [ "$(echo "$out" | loss)" != 0% ]; then
        bad="$bad expected dom0 to ping $NET_IP_A with 0% loss; got: $(echo "$out" |
            tail -n 2 | tr '\n' ' ')"
    fi
    if [ -z "$bad" ]; then
        pass net-ping-dom0 "$NET_A -> $NET_DOM0 and dom0 -> $NET_IP_A: 0% loss"
    else
        fail net-ping-dom0 "$bad"
    fi
    bad="$(net_ping $NET_A $NET_IP_B) $(net_ping $NET_B $NET_IP_A)"
    if [ -z "$(echo "$bad" | tr -d ' ')" ]; then
        pass net-ping-domu "$NET_A <-> $NET_B over xenbr0: 0% loss both ways"
    else
        fail net-ping-domu "$bad"
    fi
}

# MB/s (MiB) for MIB MiB in the nanoseconds from T0 to T1.
mbps() {
    awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", m / ((b - a) / 1e9) }'
}

# net_wait PID STAT: wait for PID, noting every 30 s the byte counter STAT (a vif's) has
# reached, so that a slow or stuck transfer shows in Tern's log as it happens. If the vif
# goes (the domU crashed: Tern's log says why), the transfer can never end: stop it.
net_wait() {
    start=$(date +%s)
    next=$((start + 30))
    while kill -0 "$1" 2>/dev/null; do
        sleep 1
        if [ ! -e "$2" ]; then
            note "${2%/statistics/*} is gone; stopping the transfer"
            kill "$1"
        elif [ "$(date +%s)" -ge $next ]; then
            note "after $((next - start)) s: $(cat "$2") bytes (${2##*/})"
            next=$((next + 30))
        fi
    done
    wait "$1"
}

# The 256 MiB stream (the block NET_REPEAT times) to stdout; the same loop runs in the domU.
net_stream() {
    i=0
    while [ $i -lt $NET_REPEAT ]; do cat "$1"; i=$((i + 1)); done
}

# 256 MiB each way between dom0 and the domU over busybox nc, dom0 listening. The receiving
# nc's stdin is a FIFO held open read-write: busybox nc ends the connection as soon as its
# stdin ends, so it must never end there.
net_tcp() {
    rm -f /run/net-hold
    mkfifo /run/net-hold
    head -c $((8 << 20)) /dev/urandom >$NET_BLOCK
    want=$(net_stream $NET_BLOCK | md5sum | awk '{ print $1 }')
    block=$(md5sum <$NET_BLOCK | awk '{ print $1 }')
    mib=$((NET_REPEAT * 8))
    note "stream md5 $want; the block to $NET_A"
    # The block to the domU first.
    timeout 120 busybox nc -l -p 5000 <$NET_BLOCK &
    sleep 1
    if ! domu_sh $NET_A 120 "mkfifo /tmp/hold; nc $NET_DOM0 5000 0<>/tmp/hold >/tmp/block;
        md5sum </tmp/block" || [ "$(echo "$DOUT" | awk '{ print $1 }')" != "$block" ]; then
        fail net-tcp-256 "expected the 8 MiB block in $NET_A with md5 $block; got $(dsaid)"
        wait
        return
    fi
    wait
    note "$mib MiB $NET_A -> dom0"
    (timeout 900 busybox nc -l -p 5001 0<>/run/net-hold | md5sum >/run/net-got) &
    pid=$!
    sleep 1
    t0=$(date +%s%N)
    domu_sh $NET_A 5 "i=0; while [ \$i -lt $NET_REPEAT ]; do cat /tmp/block;
        i=\$((i + 1)); done | nc $NET_DOM0 5001 &"
    net_wait $pid "/sys/class/net/vif$(xl domid $NET_A).0/statistics/rx_bytes"
    t1=$(date +%s%N)
    got=$(awk '{ print $1 }' /run/net-got)
    up=$(mbps $mib "$t0" "$t1")
    note "$mib MiB dom0 -> $NET_A"
    (net_stream $NET_BLOCK | timeout 900 busybox nc -l -p 5002) &
    pid=$!
    sleep 1
    t2=$(date +%s%N)
    domu_type $NET_A "nc $NET_DOM0 5002 0<>/tmp/hold | md5sum"
    net_wait $pid "/sys/class/net/vif$(xl domid $NET_A).0/statistics/tx_bytes"
    t3=$(date +%s%N)
    domu_wait 60
    back=$(echo "$DOUT" | awk '{ print $1 }')
    down=$(mbps $mib "$t2" "$t3")
    if [ "$got" = "$want" ] && [ "$back" = "$want" ]; then
        pass net-tcp-256 "$mib MiB each way, md5 $want: domU->dom0 $up MB/s" \
            "($(((t1 - t0) / 1000000000)) s), dom0->domU $down MB/s" \
            "($(((t3 - t2) / 1000000000)) s)"
    else
        fail net-tcp-256 "expected md5 $want both ways; got '$got' in dom0 after" \
            "$(((t1 - t0) / 1000000000)) s, '$back' in $NET_A after" \
            "$(((t3 - t2) / 1000000000)) s ($(dsaid))"
    fi
    rm -f $NET_BLOCK /run/net-got
}

# A second vif on the running domU: network-attach (Xen 4.17's xl takes each key=value as an
# argument of its own, not vif='s comma list) adds eth1 (the only interface up, so the
# ping goes through it), network-detach removes it everywhere.
net_hotplug() {
    id=$(xl domid $NET_A)
    be=/local/domain/0/backend/vif/$id/1
    if ! out=$(timeout 60 xl network-attach $NET_A bridge=xenbr0 mac=$NET_MAC_HOT 2>&1); then
        fail net-hotplug "expected xl network-attach to succeed; got: $(echo "$out" |
            tr '\n' ' '); hotplug log: $(tail -n 5 /var/log/xen/xen-hotplug.log | tr '\n' ' ')"
        return
    fi
    note "attached vif $id.1"
    bad=$(net_vif $NET_A "$id" 1 $NET_MAC_HOT)
    if ! domu_sh $NET_A 60 "n=0; while [ ! -e /sys/class/net/eth1 ] && [ \$n -lt 20 ]; do
        sleep 1; n=\$((n + 1)); done; cat /sys/class/net/eth1/address; ip link set eth0 down;
        ip addr add $NET_IP_HOT/24 dev eth1 && ip link set eth1 up && ping -c 3 -W 5 $NET_DOM0"
    then
        bad="$bad expected eth1 in $NET_A to ping $NET_DOM0; got no answer in 60 s"
    elif [ "$(echo "$DOUT" | head -n 1)" != $NET_MAC_HOT ] || [ "$(echo "$DOUT" | loss)" != 0% ]
    then
        bad="$bad expected eth1 with $NET_MAC_HOT pinging $NET_DOM0 with 0% loss; got $(dsaid)"
    fi
    if ! out=$(timeout 60 xl network-detach $NET_A 1 2>&1); then
        bad="$bad expected xl network-detach $NET_A 1 to succeed; got: $(echo "$out" |
            tr '\n' ' ')"
    fi
    wait_for 30 sh -c "[ ! -e /sys/class/net/vif$id.1 ] && ! xenstore-read $be/state"
    if [ -e "/sys/class/net/vif$id.1" ] || brctl show xenbr0 | grep -qw "vif$id.1"; then
        bad="$bad expected vif$id.1 gone from dom0 and xenbr0 after detach; got: $(ip -o \
            link show master xenbr0 2>&1 | awk '{ print $2 }' | tr '\n' ' ')"
    fi
    if xenstore-read "$be/state" >/dev/null 2>&1; then
        bad="$bad expected $be gone from xenstore; got: $(flat xenstore-ls "$be")"
    fi
    if xl network-list $NET_A | awk '$1 == 1' | grep -q .; then
        bad="$bad expected devid 1 gone from network-list; got: $(flat xl network-list $NET_A)"
    fi
    if ! domu_sh $NET_A 30 "sleep 2; [ ! -e /sys/class/net/eth1 ] && echo no-eth1;
        ip link set eth0 up" || ! echo "$DOUT" | grep -q no-eth1; then
        bad="$bad expected /sys/class/net/eth1 gone in $NET_A; got $(dsaid)"
    fi
    if [ -z "$bad" ]; then
        pass net-hotplug "network-attach: eth1 ($NET_MAC_HOT) pinged dom0 through vif$id.1;" \
            "network-detach: gone from the domU, xenbr0 and xenstore"
    else
        fail net-hotplug "$bad"
    fi
}

# Both domUs destroyed while they stream to and from dom0: no vif, no backend directory,
# and the free memory of before their creation.
net_teardown() {
    ida=$(xl domid $NET_A)
    idb=$(xl domid $NET_B)
    timeout 300 busybox nc -l -p 5003 </dev/zero >/dev/null &
    pida=$!
    timeout 300 busybox nc -l -p 5004 </dev/zero >/dev/null &
    pidb=$!
    sleep 1
    domu_sh $NET_A 10 "nc $NET_DOM0 5003 </dev/zero >/dev/null &"
    domu_sh $NET_B 10 "nc $NET_DOM0 5004 </dev/zero >/dev/null &"
    # In flight: 4 MB more through each vif (its rx_bytes counts what the domU sent).
    sa=/sys/class/net/vif$ida.0/statistics/rx_bytes
    sb=/sys/class/net/vif$idb.0/statistics/rx_bytes
    ra=$(cat "$sa")
    rb=$(cat "$sb")
    wait_for 60 sh -c "[ \$(cat $sa) -gt $((ra + 4000000)) ] &&
        [ \$(cat $sb) -gt $((rb + 4000000)) ]"
    ra=$(($(cat "$sa") - ra))
    note "destroying $NET_A and $NET_B, $ra bytes in from $NET_A since they began"
    xl destroy $NET_A
    xl destroy $NET_B
    kill $pida $pidb 2>/dev/null
    wait $pida $pidb 2>/dev/null
    wait_for 30 sh -c "[ ! -e /sys/class/net/vif$ida.0 ] && [ ! -e /sys/class/net/vif$idb.0 ] &&
        ! xenstore-read /local/domain/0/backend/vif/$ida &&
        ! xenstore-read /local/domain/0/backend/vif/$idb && [ \"\$(xl info |
        awk '\$1 == \"free_memory\" { print \$3 }')\" -ge $((NET_BASE - 1)) ]"
    note "destroyed"
    vifs=$(for v in /sys/class/net/vif*; do [ -e "$v" ] && echo "${v##*/}"; done | tr '\n' ' ')
    bes=$(xenstore-list /local/domain/0/backend/vif 2>/dev/null | tr '\n' ' ')
    mem=$(free_mem)
    # xl info's free_memory is whole MiB, rounded down. Tern keeps what dom0 itself grew for
    # netback, for reuse (as Xen): the p2m table pages of the ranges where netback maps the
    # domUs' pages and dom0's maptrack (26 frames in one measured run, from the m and d debug
    # keys). So the figure may end 1 MiB lower, never more; each domU's own memory is all of
    # it (hundreds of MiB).
    if [ -z "$vifs" ] && [ -z "$bes" ] && [ -n "$mem" ] && [ "$mem" -le "$NET_BASE" ] &&
        [ $((NET_BASE - mem)) -le 1 ]; then
        pass net-teardown "destroyed with traffic in flight ($ra bytes in from $NET_A): no" \
            "vif, no backend/vif, free_memory $NET_BASE -> $mem MiB"
    else
        fail net-teardown "expected no vif, no backend/vif/<domid> and free_memory" \
            "$NET_BASE MiB (or 1 MiB less); got vifs '$vifs', backend/vif '$bes'," \
            "free_memory $mem MiB" \
            "($ra bytes had come in from $NET_A)"
    fi
}

# Dom0's kernel said nothing bad while the backends ran (the lines since check_net began).
net_dmesg() {
    bad=$(dmesg | tail -n +$((NET_DMESG + 1)) |
        grep -E 'WARNING:|BUG:|Oops|Call Trace|netback.*(fatal|error)|vif.*(fatal|error)')
    if [ -z "$bad" ]; then
        pass net-dom0-dmesg "no warning, BUG or netback error in dom0's kernel log"
    else
        fail net-dom0-dmesg "expected no warnings in dom0's dmesg; got: $(echo "$bad" |
            head -n 3 | tr '\n' ' ' | cut -c1-300)"
    fi
}

check_net() {
    NET_BASE=$(free_mem)
    NET_DMESG=$(dmesg | wc -l)
    if ip -4 addr show dev xenbr0 | grep -q "inet $NET_DOM0/24"; then
        pass net-bridge "xenbr0 up with $NET_DOM0/24 (dom0-init's bridge step)"
    else
        fail net-bridge "expected xenbr0 with $NET_DOM0/24; got: $(flat ip addr show xenbr0)"
    fi
    if net_domus; then
        net_pings
        net_tcp
        net_hotplug
        net_teardown
    else
        xl destroy $NET_A >/dev/null 2>&1
        xl destroy $NET_B >/dev/null 2>&1
    fi
    net_dmesg
}
