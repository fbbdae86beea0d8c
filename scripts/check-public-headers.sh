#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Check that every guest-ABI header under hv/include/public/ compiles on its own (twice, to
# exercise its include guard) with gcc and with clang in strict C11, warnings as errors.
# Prints "PASS public-header/<name>" or "FAIL public-header/<name>: <first message line>" per
# header; exits 1 if any failed.
# Usage: scripts/check-public-headers.sh [compiler...]   (default: gcc clang)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

compilers=("$@")
[ ${#compilers[@]} -gt 0 ] || compilers=(gcc clang)
available=()
for cc in "${compilers[@]}"; do
    if command -v "$cc" >/dev/null 2>&1; then
        available+=("$cc")
    else
        echo "check-public-headers: $cc not found, skipping it" >&2
    fi
done
if [ ${#available[@]} -eq 0 ]; then
    echo "check-public-headers: no compiler available" >&2
    exit 2
fi

failed=0
while IFS= read -r path; do
    name=${path#hv/include/public/}
    msg=
    for cc in "${available[@]}"; do
        out=$(printf '#include <public/%s>\n#include <public/%s>\n' "$name" "$name" |
              "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -Ihv/include -x c - 2>&1)
        if [ $? -ne 0 ]; then
            first=$(printf '%s\n' "$out" | grep -m1 -E 'error|warning' || true)
            [ -n "$first" ] || first=$(printf '%s\n' "$out" | head -n1)
            msg="$cc: $first"
            break
        fi
    done
    if [ -z "$msg" ]; then
        echo "PASS public-header/$name"
    else
        echo "FAIL public-header/$name: $msg"
        failed=1
    fi
done < <(find hv/include/public -name '*.h' | LC_ALL=C sort)

exit $failed
