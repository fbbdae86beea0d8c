#!/bin/sh
# SPDX-License-Identifier: MIT
# Create a new test guest from the template: guests/new-test.sh NAME "what it checks"
# Writes guests/tests/NAME/main.c; `make guests` then builds build/guests/NAME.elf and .cfg.
set -eu

usage() {
    echo "usage: $0 NAME \"title\"   (NAME: lower-case letters, digits and '-')" >&2
    exit 2
}

[ $# -eq 2 ] || usage
name=$1
title=$2
case $name in
    "" | -* | *[!a-z0-9-]*) usage ;;
esac
case $title in
    *\"* | *\\*) echo "$0: the title may not contain '\"' or '\\'" >&2; exit 2 ;;
esac

dir=$(cd "$(dirname "$0")" && pwd)/tests/$name
if [ -e "$dir" ]; then
    echo "$0: $dir already exists" >&2
    exit 1
fi
mkdir -p "$dir"
cat > "$dir/main.c" <<TEMPLATE
/* SPDX-License-Identifier: MIT */
/* Test guest "$name": $title. */
#include "lib.h"

const char test_title[] = "$title";

/*
 * Report with xtf_failure() (the hypervisor broke Xen's ABI: say what was expected and what
 * came back), xtf_error() (the test itself broke), xtf_skip() (cannot run here); check() and
 * check_rc() report failures. The runtime prints the one "Test result:" line after this
 * returns, then shuts the domain down (SHUTDOWN_poweroff).
 */
void test_main(void)
{
    long rc = HYPERVISOR_xen_version(XENVER_version, NULL);

    check(rc > 0, "XENVER_version: expected a version, got %ld (%s)", rc, errno_name(rc));

    xtf_success();
}
TEMPLATE
echo "created $dir/main.c"
echo "optional: $dir/test.cfg with extra xl.cfg lines (e.g. vcpus = 2); then: make guests"
