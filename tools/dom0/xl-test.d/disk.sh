# SPDX-License-Identifier: MIT
# xl-test group "disk" (sourced by tools/dom0/xl-test): xl.cfg disk= end to end with Linux's
# blkback in dom0 and blkfront in a domU at its busybox shell: both of Xen's disk syntaxes,
# ext4 data across a reboot and seen by dom0, read-only disks, phy: disks, hot attach and
# detach, and a teardown with I/O in flight that leaves no loop device, backend or memory.
# shellcheck shell=dash disable=SC2016

DISK_DIR=/run/disk
DISK_DOM=disk1
# xl block-list's Vdev column: (202 << 8) | (N << 4) for xvdN, N = a, b, ...
VD_A=51712 VD_B=51728 VD_C=51744 VD_D=51760 VD_E=51776
DISK_E="format=raw,vdev=xvde,access=rw,target=$DISK_DIR/e.img"

# in_domu NAME SECONDS CMD: run CMD (its newlines become spaces) in NAME's shell, typed on
# its console; DRC gets its exit status and DOUT its output on one line (trailing blanks
# cut). The answer line is "<mark>=<status>= <output>"; the echo of the typed line has "$?"
# there, so only the answer matches. Returns 1 when no answer came within SECONDS.
in_domu() {
    _dl=$(console_log "$1")
    _dm=dk$(date +%s%N | cut -c9-)
    _dc=$(echo "$3" | tr '\n' ' ' | tr -s ' ')
    type_on_console "$1" \
        "{ $_dc; } >/tmp/$_dm 2>&1; echo \"$_dm=\$?= \$(tr '\\n' ' ' </tmp/$_dm | cut -c1-300)\""
    DRC=none
    DOUT="no answer within $2 s"
    _i=0
    while [ $_i -lt $(($2 * 5)) ]; do
        if grep -aq "$_dm=[0-9][0-9]*= " "$_dl"; then
            _line=$(grep -a "$_dm=[0-9][0-9]*= " "$_dl" | tail -n 1 | tr -d '\r')
            _line=${_line#*"$_dm="}
            DRC=${_line%%=*}
            DOUT=$(echo "${_line#*= }" | sed 's/ *$//')
            return 0
        fi
        sleep 0.2
        _i=$((_i + 1))
    done
    return 1
}

# In NAME's shell (each incarnation): wd DEV waits up to 30 s for /dev/DEV, as blkfront
# makes its disks once the backend connects, which can come after the shell.
domu_helpers() {
    in_domu "$1" 20 'wd() { i=0; while [ ! -b /dev/$1 ] && [ $i -lt 60 ]; do sleep 0.5;
        i=$((i + 1)); done; [ -b /dev/$1 ]; }; echo defined'
}

# The state column of xl block-list NAME for VDEV (4 is connected), or nothing.
bl_state() {
    xl block-list "$1" 2>/dev/null | awk -v v="$2" '$1 == v { print $4 }'
}

bl_connected() {
    [ "$(bl_state "$1" "$2")" = 4 ]
}

# bl_states NAME VDEV...: every VDEV in NAME's block-list in state 4, within 20 s.
bl_states() {
    _bn=$1
    shift
    for _v in "$@"; do
        wait_for 20 bl_connected "$_bn" "$_v" || return 1
    done
}

free_mib() {
    xl info | awk '$1 == "free_memory" { print $3 }'
}

free_is() {
    [ "$(free_mib)" = "$1" ]
}

# The xenstore directory PATH is absent.
xs_gone() {
    ! xenstore-ls "$1" >/dev/null 2>&1
}

# Loop devices on the test's images made by the block script (d.img's is dom0's own).
disk_loops() {
    losetup -a 2>/dev/null | grep "$DISK_DIR/" | grep -v "$DISK_DIR/d.img" | tr '\n' ' '
}

# md5 of the first N MiB of FILE.
head_md5() {
    head -c $(($2 * 1048576)) "$1" | md5sum | cut -d' ' -f1
}

# The images: a and b raw (64 MiB, sparse), c an ext4 image made in dom0 (a file in it),
# d behind a loop device of dom0's own for the phy: disk (printed last), with a pattern at
# its start, e for the hot attach.
disk_images() {
    rm -rf "$DISK_DIR"
    mkdir -p "$DISK_DIR/cfiles" || return 1
    truncate -s 64M "$DISK_DIR/a.img" "$DISK_DIR/b.img" || return 1
    truncate -s 32M "$DISK_DIR/c.img" "$DISK_DIR/d.img" "$DISK_DIR/e.img" || return 1
    echo "ro-content-$PATTERN" >"$DISK_DIR/cfiles/hello"
    mkfs.ext4 -q -F -d "$DISK_DIR/cfiles" "$DISK_DIR/c.img" || return 1
    printf '%s' "$PATTERN" | dd of="$DISK_DIR/d.img" conv=notrunc 2>/dev/null || return 1
    losetup -f --show "$DISK_DIR/d.img"
}

check_disk() {
    t_start=$(date +%s)
    PATTERN=tern-phy-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
    PHY_LOOP=
    if ! out=$(disk_images 2>&1); then
        fail disk-setup "expected the images under $DISK_DIR and a loop device; got: $out"
        disk_cleanup
        return
    fi
    PHY_LOOP=$(echo "$out" | tail -n 1)
    c_md5=$(md5sum <"$DISK_DIR/c.img" | cut -d' ' -f1)
    free0=$(free_mib)
    dmesg0=$(dmesg | wc -l)
    if ! disk_create; then
        disk_not_run disk-syntax disk-readonly disk-phy disk-ext4-persist disk-hotplug \
            disk-teardown disk-dom0-sees-data disk-kernels-quiet
        disk_cleanup
        return
    fi
    disk_time created
    if ! disk_persist; then
        xl destroy "$DISK_DOM" >/dev/null 2>&1
        disk_not_run disk-ext4-persist disk-readonly disk-phy disk-hotplug disk-teardown \
            disk-dom0-sees-data disk-kernels-quiet
        disk_cleanup
        return
    fi
    disk_time 'ext4 and reboot'
    disk_readonly
    disk_phy
    disk_time 'readonly and phy'
    disk_hotplug
    disk_time hotplug
    disk_teardown
    disk_time teardown
    disk_dom0_sees
    disk_dmesg
    disk_cleanup
    disk_time finished
}

# disk_not_run FAILED CHECK...: the CHECKs after FAILED (which reported itself) that need its
# domU fail, naming it.
disk_not_run() {
    _why=$1
    shift
    for _c in "$@"; do fail "$_c" "not run: $_why failed"; done
}

# Where the time goes (not a check line: report_xl_checks passes it by).
disk_time() {
    echo "xl-test: (disk: $1 at $(($(date +%s) - t_start)) s)"
}

disk_cleanup() {
    [ -n "$PHY_LOOP" ] && losetup -d "$PHY_LOOP" 2>/dev/null
    rm -rf "$DISK_DIR"
}

# 1. The domU comes up with disks in both of Xen's syntaxes; block-list shows them connected
# and the domU sees their sizes. (Like xl-test's create_shell, but a failed xl create is told
# by its first errors: with disks, the last lines are only libxl's clean-up.) Only two disks:
# libxl gives each block script 40 s, and the scripts of one domain run one after another
# (they share a lock): each took 10 to 35 s on a loaded 2-core host, where a fork in dom0
# costs 40 to 200 ms under TCG, so four disks at once missed the 40 s. The rest are attached.
disk_create() {
    cfg=$(domu_cfg "$DISK_DOM" shell 1 128 'on_reboot = "restart"' "disk = [
        'file:$DISK_DIR/a.img,xvda,w',
        'format=raw,vdev=xvdb,access=rw,target=$DISK_DIR/b.img' ]")
    if ! out=$(xl create "$cfg" 2>&1); then
        fail disk-syntax "expected xl create $cfg to succeed; got: $(echo "$out" |
            grep -m 3 -i error | tr '\n' ' ')"
        return 1
    fi
    if ! wait_banners "$DISK_DOM" 1 120; then
        fail disk-syntax "expected $DISK_DOM's shell banner within 120 s; got: $(tail -n 2 \
            "$(console_log "$DISK_DOM")" 2>/dev/null | tr '\n' ' ')"
        xl destroy "$DISK_DOM" >/dev/null 2>&1
        return 1
    fi
    ID1=$(xl domid "$DISK_DOM")
    domu_helpers "$DISK_DOM"
    if ! bl_states "$DISK_DOM" $VD_A $VD_B; then
        fail disk-syntax "expected vdevs $VD_A and $VD_B in state 4 in xl block-list; got:" \
            "$(flat xl block-list "$DISK_DOM")"
        return 0
    fi
    in_domu "$DISK_DOM" 40 'wd xvda && wd xvdb && cat /sys/block/xvda/size /sys/block/xvdb/size'
    if [ "$DOUT" = "131072 131072" ]; then
        pass disk-syntax "block-list: $VD_A and $VD_B state 4; the domU sees xvda and xvdb," \
            "131072 sectors each"
    else
        fail disk-syntax "expected xvda and xvdb of 131072 sectors (64 MiB) in the domU; got" \
            "rc $DRC: $DOUT"
    fi
}

# disk_attach CHECK SPEC: xl block-attach SPEC to the domU, or CHECK fails.
disk_attach() {
    if ! _out=$(timeout 60 xl block-attach "$DISK_DOM" "$2" 2>&1); then
        fail "$1" "expected xl block-attach $DISK_DOM '$2' to succeed; got: $(echo "$_out" |
            grep -m 3 -i error | tr '\n' ' ')"
        return 1
    fi
}

# disk_detach CHECK VDEV: xl block-detach, or CHECK fails.
disk_detach() {
    if ! _out=$(timeout 60 xl block-detach "$DISK_DOM" "$2" 2>&1); then
        fail "$1" "expected xl block-detach $DISK_DOM $2 to succeed; got: $(echo "$_out" |
            tr '\n' ' ' | cut -c1-200)"
        return 1
    fi
}

# 4. xvdc, attached read-only: the domU's block layer has it read-only, a raw write fails, a
# read-write mount fails or comes back read-only (a write in it refused), the file dom0 put
# in it reads back, and the image is unchanged; detached, its loop device goes.
disk_readonly() {
    disk_attach disk-readonly "file:$DISK_DIR/c.img,xvdc,r" || return
    in_domu "$DISK_DOM" 40 'wd xvdc && cat /sys/block/xvdc/ro && blockdev --getro /dev/xvdc'
    ro="$DOUT"
    in_domu "$DISK_DOM" 20 'dd if=/dev/zero of=/dev/xvdc bs=4k count=1 conv=fsync'
    dd_rc=$DRC dd_out=$DOUT
    # "opts=" stays empty when the mount failed.
    in_domu "$DISK_DOM" 30 'mkdir -p /mnt/c; mount -o rw /dev/xvdc /mnt/c; echo "opts=$(grep
        "^/dev/xvdc " /proc/mounts | cut -d" " -f4 | cut -d, -f1)"; echo x >/mnt/c/new ||
        echo write-refused; umount /mnt/c; mount -o ro /dev/xvdc /mnt/c && cat /mnt/c/hello;
        umount /mnt/c'
    mnt=$DOUT
    opts=$(echo "$mnt" | sed -n 's/.*opts=\([a-z]*\).*/\1/p')
    state=$(bl_state "$DISK_DOM" $VD_C)
    disk_detach disk-readonly xvdc || return
    c_after=$(md5sum <"$DISK_DIR/c.img" | cut -d' ' -f1)
    c_loop=$(losetup -j "$DISK_DIR/c.img")
    mount_ok=1
    case $opts in
    ro) echo "$mnt" | grep -q write-refused || mount_ok=0 ;;
    '') ;;
    *) mount_ok=0 ;;
    esac
    if [ "$state" = 4 ] && [ "$ro" = "1 1" ] && [ "$dd_rc" != 0 ] && [ "$dd_rc" != none ] &&
        [ $mount_ok = 1 ] && echo "$mnt" | grep -q "ro-content-$PATTERN" &&
        [ "$c_after" = "$c_md5" ] && [ -z "$c_loop" ]; then
        pass disk-readonly "ro=1, getro=1; dd rc $dd_rc ($(echo "$dd_out" | cut -c1-60));" \
            "mount -o rw: ${opts:-failed}; the file read back; c.img unchanged; detached," \
            "no loop device left"
    else
        fail disk-readonly "expected $VD_C in state 4, ro '1 1', dd failing, mount -o rw" \
            "failing or ro with a write refused, ro-content-$PATTERN read, c.img's md5" \
            "$c_md5 and no loop device after the detach; got state '$state', ro '$ro', dd" \
            "rc $dd_rc: $dd_out; mount: $mnt; md5 $c_after; loop '$c_loop'"
    fi
}

# 5. xvdd is dom0's own loop device (phy:): the domU reads the pattern dom0 wrote, and what
# the domU writes at 1 MiB reaches the image file; detached, the loop device stays dom0's.
disk_phy() {
    disk_attach disk-phy "phy:$PHY_LOOP,xvdd,w" || return
    in_domu "$DISK_DOM" 40 "wd xvdd && head -c ${#PATTERN} /dev/xvdd"
    got=$DOUT
    in_domu "$DISK_DOM" 20 'echo from-domu-$((40 + 2)) |
        dd of=/dev/xvdd bs=512 seek=2048 conv=fsync 2>/dev/null; echo ok'
    state=$(bl_state "$DISK_DOM" $VD_D)
    disk_detach disk-phy xvdd || return
    back=$(dd if="$DISK_DIR/d.img" bs=512 skip=2048 count=1 2>/dev/null | head -n 1)
    if [ "$state" = 4 ] && [ "$got" = "$PATTERN" ] && [ "$back" = from-domu-42 ] &&
        losetup "$PHY_LOOP" >/dev/null 2>&1; then
        pass disk-phy "phy:$PHY_LOOP as xvdd: the domU read $PATTERN; its write at 1 MiB" \
            "is in d.img; detached, $PHY_LOOP still dom0's"
    else
        fail disk-phy "expected $VD_D in state 4, the domU reading '$PATTERN'," \
            "'from-domu-42' at 1 MiB of d.img and $PHY_LOOP kept; got state '$state'," \
            "read '$got' (rc $DRC), d.img '$back', $(losetup "$PHY_LOOP" 2>&1)"
    fi
}

# 2. ext4 on xvda (the first 32 MiB: check 7 writes beyond it), a file of random data, then
# a reboot from inside: the new incarnation mounts it and the md5 matches.
disk_persist() {
    in_domu "$DISK_DOM" 60 'mkfs.ext4 -q /dev/xvda 32M && mkdir -p /mnt/a &&
        mount /dev/xvda /mnt/a && dd if=/dev/urandom of=/mnt/a/r.bin bs=64k count=64
        2>/dev/null && echo md5=$(md5sum </mnt/a/r.bin) && sync && umount /mnt/a'
    MD5=$(echo "$DOUT" | sed -n 's/.*md5=\([0-9a-f]*\).*/\1/p')
    if [ "$DRC" != 0 ] || [ ${#MD5} != 32 ]; then
        fail disk-ext4-persist "expected mkfs.ext4, mount, a 4 MiB write and umount to work;" \
            "got rc $DRC: $DOUT"
        return 1
    fi
    type_on_console "$DISK_DOM" 'reboot -f'
    if ! wait_banners "$DISK_DOM" 2 150 || ! ID2=$(xl domid "$DISK_DOM" 2>/dev/null) ||
        [ "$ID2" = "$ID1" ]; then
        fail disk-ext4-persist "expected $DISK_DOM back with a new domid after reboot -f;" \
            "got '$(xl domid "$DISK_DOM" 2>&1)' (was $ID1), $(banners "$DISK_DOM") banners;" \
            "xl's log: $(grep -m 3 -i error "/var/log/xen/xl-$DISK_DOM.log" | tr '\n' ' ')"
        return 1
    fi
    bl_states "$DISK_DOM" $VD_A $VD_B
    states=$?
    domu_helpers "$DISK_DOM"
    in_domu "$DISK_DOM" 60 'wd xvda && mkdir -p /mnt/a && mount /dev/xvda /mnt/a &&
        md5sum /mnt/a/r.bin | cut -d" " -f1 && umount /mnt/a'
    if [ "$DRC" = 0 ] && [ "$DOUT" = "$MD5" ] && [ $states = 0 ]; then
        pass disk-ext4-persist "domain $ID1 wrote md5 $MD5; after reboot -f domain $ID2" \
            "(disks connected again) read the same"
    else
        fail disk-ext4-persist "expected domain $ID2 to read md5 $MD5 with its 2 disks in" \
            "state 4; got rc $DRC: $DOUT; block-list: $(flat xl block-list "$DISK_DOM")"
    fi
    # The first incarnation's loop devices went with it: one each for a and b.
    loops_after_reboot=$(disk_loops)
}

# 6. xvde attached to the running domU, written, detached (gone from the domU, block-list
# and xenstore; the data in e.img), attached again (the data still there).
disk_hotplug() {
    f=disk-hotplug
    if ! out=$(timeout 60 xl block-attach "$DISK_DOM" "$DISK_E" 2>&1); then
        fail $f "expected xl block-attach $DISK_DOM '$DISK_E' to succeed; got: $out"
        return
    fi
    in_domu "$DISK_DOM" 40 'wd xvde && cat /sys/block/xvde/size &&
        dd if=/dev/urandom of=/dev/xvde bs=64k count=16 conv=fsync 2>/dev/null &&
        dd if=/dev/xvde bs=64k count=16 2>/dev/null | md5sum | cut -d" " -f1'
    if [ "$DRC" != 0 ] || [ "$(bl_state "$DISK_DOM" $VD_E)" != 4 ]; then
        fail $f "expected xvde (65536 sectors) in the domU and $VD_E in state 4 after" \
            "block-attach; got rc $DRC: $DOUT; block-list: $(flat xl block-list "$DISK_DOM")"
        return
    fi
    e_md5=${DOUT#* }
    if ! out=$(timeout 60 xl block-detach "$DISK_DOM" xvde 2>&1); then
        fail $f "expected xl block-detach $DISK_DOM xvde to succeed; got: $out"
        return
    fi
    in_domu "$DISK_DOM" 30 'i=0; while [ -e /sys/block/xvde ] && [ $i -lt 40 ]; do sleep 0.5;
        i=$((i + 1)); done; ls /sys/block | tr "\n" " "'
    in_guest=$DOUT
    bl=$(xl block-list "$DISK_DOM" 2>&1 | awk '{ print $1 }' | tr '\n' ' ')
    be=/local/domain/0/backend/vbd/$ID2/$VD_E
    fe=/local/domain/$ID2/device/vbd/$VD_E
    dom0_md5=$(head_md5 "$DISK_DIR/e.img" 1)
    if echo "$in_guest" | grep -q xvde || echo "$bl" | grep -q $VD_E || ! xs_gone "$be" ||
        ! xs_gone "$fe" || [ "$dom0_md5" != "$e_md5" ]; then
        fail $f "expected xvde gone from the domU, block-list, $be and $fe after" \
            "block-detach, and e.img's first MiB md5 $e_md5; got domU '$in_guest'," \
            "block-list '$bl', backend $(xs_gone "$be" && echo gone || echo there)," \
            "frontend $(xs_gone "$fe" && echo gone || echo there), md5 $dom0_md5"
        return
    fi
    if ! out=$(timeout 60 xl block-attach "$DISK_DOM" "$DISK_E" 2>&1); then
        fail $f "expected a second xl block-attach of e.img to succeed; got: $out"
        return
    fi
    in_domu "$DISK_DOM" 40 'wd xvde && dd if=/dev/xvde bs=64k count=16 2>/dev/null | md5sum |
        cut -d" " -f1'
    if [ "$DRC" = 0 ] && [ "$DOUT" = "$e_md5" ] && [ "$(bl_state "$DISK_DOM" $VD_E)" = 4 ]
    then
        pass $f "attach: xvde in the domU, 1 MiB written (md5 $e_md5); detach: gone from" \
            "the domU, block-list and xenstore, the data in e.img; attached again, read back"
    else
        fail $f "expected xvde back after the second attach, in state 4, its first MiB md5" \
            "$e_md5; got rc $DRC: $DOUT; block-list: $(flat xl block-list "$DISK_DOM")"
    fi
}

# 7. Destroyed while dd loops write to xvda (past its ext4) and xvde: the domain, its
# backends, the block script's loop devices and its memory all go.
disk_teardown() {
    f=disk-teardown
    in_domu "$DISK_DOM" 20 '(while :; do dd if=/dev/zero of=/dev/xvda bs=64k seek=640
        count=64 conv=fsync; done) >/dev/null 2>&1 & (while :; do dd if=/dev/zero
        of=/dev/xvde bs=64k seek=32 count=64 conv=fsync; done) >/dev/null 2>&1 & echo started'
    stat=/sys/bus/xen-backend/devices/vbd-$ID2-$VD_A/statistics/wr_sect
    w0=$(cat "$stat" 2>/dev/null)
    sleep 2
    w1=$(cat "$stat" 2>/dev/null)
    if [ -z "$w0" ] || [ -z "$w1" ] || [ "$w1" -le "$w0" ]; then
        fail $f "expected blkback's wr_sect for xvda to grow while the domU writes; got" \
            "'$w0' then '$w1' ($stat; domU: $DOUT)"
        xl destroy "$DISK_DOM" >/dev/null 2>&1
        return
    fi
    t0=$(date +%s)
    out=$(timeout 60 xl destroy "$DISK_DOM" 2>&1)
    rc=$?
    t1=$(date +%s)
    wait_for 10 xs_gone "/local/domain/0/backend/vbd/$ID2"
    wait_for 30 free_is "$free0"
    free1=$(free_mib)
    # xl info's free_memory is whole MiB, rounded down. Blkback maps the domU's grants
    # through dom0's maptrack, which grows a 4 KiB page per 256 concurrent maps and keeps
    # its pages for reuse (as Xen does): for these disks up to some 20 pages, so the
    # figure may end 1 MiB lower, never more.
    left=$(disk_loops)
    if [ $rc = 0 ] && ! xl domid "$DISK_DOM" >/dev/null 2>&1 &&
        xs_gone "/local/domain/0/backend/vbd/$ID2" &&
        xs_gone "/local/domain/0/backend/vbd/$ID1" && xs_gone "/local/domain/$ID2" &&
        [ -z "$left" ] && [ -n "$free1" ] && [ $((free0 - free1)) -le 1 ]; then
        pass $f "destroyed in $((t1 - t0)) s with xvda at $((w1 - w0)) sectors/2 s: no" \
            "domain, no backend/vbd/$ID2, no loop device, free_memory $free0 -> $free1 MiB"
    else
        fail $f "expected xl destroy rc 0, $DISK_DOM gone from xl list, no" \
            "backend/vbd/$ID2 or $ID1, no loop device on $DISK_DIR and free_memory $free0" \
            "(or 1 MiB less);" \
            "got rc $rc ($out), xl list: $(xl list | tail -n +2 | awk '{ print $1 }' |
            tr '\n' ' '), backend: $(flat xenstore-ls /local/domain/0/backend/vbd), loops:" \
            "'$left', free_memory $free1"
    fi
}

# 3. The destroyed domU's ext4 in dom0: a read-only loop mount of a.img reads the md5 the
# domU wrote; and no loop device of the block script was left, neither by the reboot nor
# by the destroy.
disk_dom0_sees() {
    f=disk-dom0-sees-data
    left=$(disk_loops)
    mkdir -p /mnt/disk
    modprobe ext4 2>/dev/null # dom0's kernel has ext4 as a module (scripts/mkdom0 adds it)
    got=$(mount -o loop,ro "$DISK_DIR/a.img" /mnt/disk 2>&1 &&
        md5sum /mnt/disk/r.bin | cut -d' ' -f1; umount /mnt/disk 2>&1)
    n_reboot=$(echo "$loops_after_reboot" | grep -o "$DISK_DIR/" | wc -l)
    if [ "$got" = "$MD5" ] && [ -z "$left" ] && [ "$n_reboot" = 2 ] && [ -z "$(disk_loops)" ]
    then
        pass $f "a.img loop-mounted read-only in dom0: md5 $MD5; no loop device left" \
            "(2, one per file disk, after the reboot; none after the destroy)"
    else
        fail $f "expected md5 $MD5 from a.img, no loop device on $DISK_DIR after the" \
            "destroy and 2 after the reboot; got '$got', left '$left', after the reboot" \
            "'$loops_after_reboot'"
    fi
}

# Neither kernel complained: dom0's log (since the group began) and the domU's console have
# no warning, bug or oops.
disk_dmesg() {
    bad=$(dmesg | tail -n +$((dmesg0 + 1)) |
        grep -E 'WARNING:|BUG:|Oops|blkback.*(error|fail)' | head -n 3)
    bad2=$(grep -aE 'WARNING:|BUG:|Oops' "$(console_log "$DISK_DOM")" | head -n 3)
    if [ -z "$bad$bad2" ]; then
        pass disk-kernels-quiet "dom0's dmesg and the domU's console are clean"
    else
        fail disk-kernels-quiet "expected no kernel warnings; got dom0: $(echo "$bad" |
            tr '\n' ' ') domU: $(echo "$bad2" | tr '\n' ' ')"
    fi
}
