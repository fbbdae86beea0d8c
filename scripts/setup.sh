#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# setup.sh: install what building and testing Tern needs on Debian 12, and fetch the guest
# kernels. Run by `make test` and `make run`; can be run by hand from any directory:
#
#   scripts/setup.sh
#
# 1. Debian packages (QEMU, GRUB, compilers, busybox, compressors, mmdebstrap and libxen-dev
#    for scripts/mkdom0): installs only the missing ones, with apt-get (as root, or through sudo).
# 2. Guest kernels: for each flavour (cloud: linux-image-cloud-amd64, generic:
#    linux-image-amd64), downloads the versioned kernel package that the metapackage depends
#    on and unpacks it into build/kernels/<flavour>/, which then holds
#      vmlinuz -> root/boot/vmlinuz-<version>
#      modules -> root/lib/modules/<version>
#      version    the kernel version string, e.g. 6.1.0-NN-cloud-amd64
# 3. busybox: checks that the static busybox is there.
#
# Idempotent: when everything is in place it makes no apt call and takes well under a second.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(qemu-system-x86 busybox-static cpio grub-pc-bin grub-common xorriso mtools clang gcc
          libclang-rt-dev make binutils lz4 xz-utils zstd gzip mmdebstrap libxen-dev)
OPTIONAL_PACKAGES=(gdb)
KERNELS=("cloud linux-image-cloud-amd64" "generic linux-image-amd64")
KDIR=build/kernels

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)

die() {
    echo "setup: $*" >&2
    exit 1
}

# Commands that need root: run directly as root, else through sudo.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        SUDO=(need-root)
    fi
fi
as_root() {
    if [[ ${SUDO[0]:-} == need-root ]]; then
        die "this step needs root and sudo is not installed: run scripts/setup.sh as root"
    fi
    "${SUDO[@]}" "$@"
}

apt_updated=0
apt_update() {
    if [[ $apt_updated -eq 0 ]]; then
        echo "setup: apt-get update" >&2
        local out
        if ! out=$(as_root apt-get "${APT_OPTS[@]}" update 2>&1); then
            echo "$out" >&2
            die "apt-get update failed"
        fi
        apt_updated=1
    fi
}

# Prints the packages among "$@" that are not installed, one per line.
missing_packages() {
    local installed
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
                awk '$NF == "installed" { print $1 }' || true)
    local p
    for p in "$@"; do
        grep -qxF "$p" <<<"$installed" || echo "$p"
    done
}

install_package() {
    local pkg=$1 out
    if ! out=$(as_root apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$pkg" 2>&1)
    then
        local reason
        reason=$(grep -E '^(E|W): ' <<<"$out" | head -n 3 | paste -sd ' ' -)
        echo "setup: could not install $pkg: ${reason:-$(tail -n 1 <<<"$out")}" >&2
        return 1
    fi
}

step_packages() {
    local missing optional
    mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
    mapfile -t optional < <(missing_packages "${OPTIONAL_PACKAGES[@]}")
    if [[ ${#missing[@]} -eq 0 && ${#optional[@]} -eq 0 ]]; then
        echo "setup: packages ok"
        return
    fi
    apt_update
    local p
    for p in "${missing[@]}"; do
        echo "setup: installing $p"
        install_package "$p" || exit 1
    done
    for p in "${optional[@]}"; do
        echo "setup: installing $p (optional)"
        install_package "$p" || echo "setup: continuing without $p" >&2
    done
    mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
    [[ ${#missing[@]} -eq 0 ]] || die "still missing after install: ${missing[*]}"
    echo "setup: packages ok"
}

# The candidate version of a package, or nothing when apt knows none.
candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# The linux-image-* packages that version $2 of package $1 depends on, in order.
image_depends() {
    apt-cache show "$1=$2" 2>/dev/null |
        awk '/^Depends:/ { sub(/^Depends: */, ""); print; exit }' |
        sed 's/[,|]/\n/g' | sed -e 's/(.*//' -e 's/^ *//' -e 's/ *$//' |
        grep '^linux-image-' || true
}

# The real kernel package behind metapackage $1: its linux-image-* dependency, followed one
# more level when that is itself a package depending on another linux-image-* package.
resolve_kernel_package() {
    local meta=$1 ver dep next nver
    ver=$(candidate "$meta")
    [[ -n $ver ]] || die "no installable version of $meta is known to apt"
    for dep in $(image_depends "$meta" "$ver"); do
        nver=$(candidate "$dep")
        [[ -n $nver ]] || continue
        next=$(image_depends "$dep" "$nver" | head -n 1)
        if [[ -n $next && -n $(candidate "$next") ]]; then
            echo "$next"
        else
            echo "$dep"
        fi
        return
    done
    die "could not find the kernel package that $meta $ver depends on"
}

# Downloads package $1 into $KDIR/debs/ and prints the path of the .deb.
download_deb() {
    local pkg=$1 ver deb out
    ver=$(candidate "$pkg")
    [[ -n $ver ]] || die "no installable version of $pkg is known to apt"
    local pattern="$KDIR/debs/${pkg}_${ver//:/%3a}_*.deb"
    deb=$(compgen -G "$pattern" | head -n 1 || true)
    if [[ -z $deb ]]; then
        if ! out=$(cd "$KDIR/debs" && apt-get "${APT_OPTS[@]}" download "$pkg" 2>&1); then
            # The package lists may be older than the archive: refresh them once and retry.
            if [[ $apt_updated -eq 0 ]]; then
                apt_update
                download_deb "$pkg"
                return
            fi
            echo "$out" >&2
            die "could not download $pkg $ver"
        fi
        deb=$(compgen -G "$pattern" | head -n 1 || true)
        [[ -n $deb ]] || die "apt-get download $pkg produced no .deb"
    fi
    echo "$deb"
}

step_kernel() {
    local flavour=$1 meta=$2 dir=$KDIR/$1
    if [[ -e $dir/vmlinuz ]]; then
        echo "setup: kernel $flavour $(cat "$dir/version" 2>/dev/null || echo '?') ok"
        return
    fi
    mkdir -p "$KDIR/debs"
    local pkg deb tmp moddir version
    # Refresh the package lists here rather than in the subshells below, so it happens once.
    [[ -n $(candidate "$meta") ]] || apt_update
    pkg=$(resolve_kernel_package "$meta")
    echo "setup: downloading $pkg for the $flavour kernel"
    deb=$(download_deb "$pkg")

    # Unpack beside the final place and move it there when complete, so that an interrupted
    # run leaves no vmlinuz link behind and the next run starts over.
    tmp=$dir.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp/root"
    dpkg-deb -x "$deb" "$tmp/root" || die "could not unpack $deb"
    for moddir in "$tmp"/root/lib/modules/* "$tmp"/root/usr/lib/modules/*; do
        [[ -d $moddir ]] && break
    done
    [[ -d $moddir ]] || die "$deb has no lib/modules/<version> directory"
    version=$(basename "$moddir")
    [[ -f $tmp/root/boot/vmlinuz-$version ]] || die "$deb has no boot/vmlinuz-$version"
    ln -s "root/boot/vmlinuz-$version" "$tmp/vmlinuz"
    ln -s "${moddir#"$tmp"/}" "$tmp/modules"
    echo "$version" >"$tmp/version"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "setup: kernel $flavour $version ok"
}

step_busybox() {
    [[ -x /bin/busybox ]] || die "/bin/busybox is missing (package busybox-static)"
    echo "setup: busybox ok"
}

mkdir -p "$KDIR"
# One setup at a time: two builds started together must not unpack into the same place.
exec 9>"$KDIR/.setup.lock"
flock 9

step_packages
for k in "${KERNELS[@]}"; do
    # shellcheck disable=SC2086 # "flavour metapackage"
    step_kernel $k
done
step_busybox
