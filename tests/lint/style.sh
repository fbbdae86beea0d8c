#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One style everywhere (../shared/style.md, .clang-format): every C, header, assembly and
# script file starts with an SPDX line and a line saying what it is for; C and assembly use
# no tabs, no line reaches 100 columns, no line ends in white space. One PASS/FAIL line per
# rule, naming the first offending places.
set -uo pipefail
cd "$(dirname "$0")/../.."

files=$(git ls-files -co --exclude-standard -- 'hv/*.[chS]' 'guests/*.[chS]' 'tests/*.[ch]' \
        'tools/*.[ch]' 'scripts/*' 'tests/*.sh' 'bench/*' | grep -v '\.md$' |
        while read -r f; do [ -f "$f" ] && echo "$f"; done)
c_files=$(echo "$files" | grep -E '\.[chS]$')

report() { # report RULE OFFENDERS
    if [ -z "$2" ]; then
        echo "PASS style/$1"
    else
        echo "FAIL style/$1: $(echo "$2" | head -5 | tr '\n' ' ')($(echo "$2" | wc -l) in all)"
    fi
}

spdx=$(for f in $files; do
    head -3 "$f" | grep -q 'SPDX-License-Identifier' || echo "$f"
done)
report spdx-line "$spdx"

# Generated data tables (xxd output) are exempt from the column rule.
long=$(for f in $c_files; do
    grep -q 'generated' <(head -5 "$f") && continue
    awk -v f="$f" 'length($0) >= 100 { print f ":" NR; exit }' "$f"
done)
report line-length "$long"

tabs=$(grep -lP '\t' $c_files 2>/dev/null)
report no-tabs "$tabs"

trailing=$(grep -nE '[[:space:]]+$' $files 2>/dev/null | cut -d: -f1,2 | head -20)
report no-trailing-space "$trailing"
