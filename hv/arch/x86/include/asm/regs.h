/* SPDX-License-Identifier: MIT */
/* Register frame saved by the exception and interrupt entry stubs (entry.S builds it). */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <tern/types.h>

struct cpu_user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint64_t vector;     /* pushed by the stub */
    uint64_t error_code; /* pushed by the CPU, or 0 by the stub */
    /* hardware frame */
    uint64_t rip, cs, rflags, rsp, ss;
};

#define REGS_OFF_VECTOR (15 * 8)

#endif
