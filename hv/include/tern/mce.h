/* SPDX-License-Identifier: MIT */
/* Host machine checks: report what the MCA banks hold, then stop the machine. */
#ifndef TERN_MCE_H
#define TERN_MCE_H

#include <tern/types.h>

struct cpu_user_regs;

/* Per CPU, early: let #MC be delivered (CR4.MCE) instead of shutting the CPU down. */
void mce_cpu_init(void);

/*
 * A machine check this CPU took: print the machine-check registers and every bank that holds
 * an error, then panic (Xen does the same with an unrecoverable error). where says what the
 * CPU was doing ("in Tern", "in guest mode"); domid/vcpuid name the guest (-1: none); regs
 * is the interrupted state when the #MC handler has it, else NULL.
 */
__noreturn void machine_check_fatal(const char *where, int domid, int vcpuid,
                                    const struct cpu_user_regs *regs);

#endif
