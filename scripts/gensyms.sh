#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Emit, as assembly on stdout, the text-symbol table that backtraces use (hv/common/symbols.c).
# Usage: gensyms.sh NM ELF
set -euo pipefail
nm=$1 elf=$2
"$nm" -n --defined-only "$elf" | awk 'BEGIN { n = 0 }

    $2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
    END {
        print "\t.section .tern_syms, \"a\""
        print "\t.balign 8"
        print "\t.globl tern_syms"
        print "tern_syms:"
        printf "\t.quad %d\n", n
        for (i = 0; i < n; i++) printf "\t.quad 0x%s, .Lname%d\n", addr[i], i
        for (i = 0; i < n; i++) printf ".Lname%d: .asciz \"%s\"\n", i, name[i]
    }'
