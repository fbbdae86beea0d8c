/* SPDX-License-Identifier: MIT */
/*
 * Boot-time self-checks: the timer queue and cross-CPU calls on every CPU (always), and
 * deliberate failures asked for with selftest= (tests use them to prove the crash reports):
 *   selftest=fault   a page fault in Tern (expect the fatal-exception dump)
 *   selftest=write-text   a write to Tern's code (expect a protection fault: W^X)
 *   selftest=exec-data    a jump into Tern's data (expect an instruction-fetch fault: NX)
 *   selftest=panic   a call to panic()
 *   selftest=reboot  a machine restart (reboot= chooses the method)
 */
#ifndef TERN_SELFTEST_H
#define TERN_SELFTEST_H

void selftests_run(void);

#endif
