#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hostile block front-end against dom0's blkback (issue 9): dom0 boots once and runs
# xl-test's hostile group (tools/dom0/xl-test.d/hostile.sh), where a domU's userspace
# (tests/linux/hostile-front) corrupts its ring, sends impossible requests, ungrants pages
# blkback maps and floods its event channel, beside a bystander domU writing its disk, then
# every teardown order. Each in-dom0 check is one case; here, Tern's own log: no panic, no
# reference dropped twice, the hostile domain's frames held while dom0 mapped them and given
# back after, and dom0 powered off at the end.
# run-tests: one host thread (every boot here is --tcg-single), about 120 s
. "$(dirname "$0")/common.bash"
if boot_dom0_xl dom0-hostile hostile 2 --tcg-single --timeout 600; then
    report_xl_checks dom0-hostile
    check_tern_log dom0-hostile
    # Teardown with grants still mapped: Tern held the hostile domain's frames, then got them
    # back when blkback unmapped.
    CASE=dom0-hostile-teardown
    FAILED=
    expect 'Hardware Dom0 halted' "dom0's own poweroff at the end"
    expect 'grants still mapped by other domains at teardown' "the hostile domU's destroy"
    expect 'its last frame in use elsewhere was released' "blkback's unmap gave them back"
    expect 'xl-test: done passed=[0-9]+ failed=0' "every in-dom0 check passed"
    done_case
fi
