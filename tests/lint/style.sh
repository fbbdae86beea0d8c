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

# One awk over every file (a process per file took half a minute on a loaded host); an empty
# file has no SPDX line either.
spdx=$({
    for f in $files; do [ -s "$f" ] || echo "$f"; done
    awk 'FNR == 1 { if (prev != "" && !ok) print prev; prev = FILENAME; ok = 0 }
         FNR <= 3 && /SPDX-License-Identifier/ { ok = 1 }
         END { if (prev != "" && !ok) print prev }' $files
})
report spdx-line "$spdx"

# Generated data tables (xxd output, marked in their first lines) are exempt from the column
# rule. The first long line of each file is named.
long=$(awk 'FNR == 1 { skip = 0; named = 0 }
            FNR <= 5 && /generated/ { skip = 1 }
            !skip && !named && length($0) >= 100 { print FILENAME ":" FNR; named = 1 }' $c_files)
report line-length "$long"

tabs=$(grep -lP '\t' $c_files 2>/dev/null)
report no-tabs "$tabs"

trailing=$(grep -nE '[[:space:]]+$' $files 2>/dev/null | cut -d: -f1,2 | head -20)
report no-trailing-space "$trailing"
