#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The libFuzzer targets (tests/fuzz: xl.cfg, ELF, bzImage and each decompressor, ACPI tables,
# Multiboot information, the instruction decoder), each replaying its seeds and regressions and
# then fuzzing briefly (FUZZ_SECS, default 5 s each) under AddressSanitizer and UBSan.
# `make fuzz FUZZ_TIME=...` runs them for longer. One PASS/FAIL line per target.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/fuzz/run.sh" --time "${FUZZ_SECS:-5}"
