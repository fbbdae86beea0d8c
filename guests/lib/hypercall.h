/* SPDX-License-Identifier: MIT */
/* Hypercall wrappers: direct VMMCALL, calls through the hypercall page, typed helpers. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>

#include <public/xen.h>

/*
 * 64-bit calling convention (pvh-abi.md §2): number in RAX, arguments in RDI, RSI, RDX, R10,
 * R8; result in RAX. The guest must assume the argument registers are clobbered (Xen debug
 * builds poison the unused ones), so every argument is an in/out operand, and R9 is
 * clobbered too.
 */
#define HYPERCALL_ASM(insn, nr, a1, a2, a3, a4, a5, fn...)                               \
    ({                                                                                  \
        register uint64_t r10_ asm("r10") = (uint64_t)(a4);                             \
        register uint64_t r8_ asm("r8") = (uint64_t)(a5);                               \
        uint64_t rdi_ = (uint64_t)(a1), rsi_ = (uint64_t)(a2), rdx_ = (uint64_t)(a3);   \
        long rax_ = (long)(nr);                                                         \
        asm volatile(insn                                                               \
                     : "+a"(rax_), "+D"(rdi_), "+S"(rsi_), "+d"(rdx_), "+r"(r10_),      \
                       "+r"(r8_)                                                        \
                     : fn                                                               \
                     : "r9", "memory");                                                 \
        rax_;                                                                           \
    })

static inline long hypercall5(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                              uint64_t a4, uint64_t a5)
{
    return HYPERCALL_ASM("vmmcall", nr, a1, a2, a3, a4, a5);
}

static inline long hypercall0(unsigned int nr) { return hypercall5(nr, 0, 0, 0, 0, 0); }
static inline long hypercall1(unsigned int nr, uint64_t a1)
{
    return hypercall5(nr, a1, 0, 0, 0, 0);
}
static inline long hypercall2(unsigned int nr, uint64_t a1, uint64_t a2)
{
    return hypercall5(nr, a1, a2, 0, 0, 0);
}
static inline long hypercall3(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return hypercall5(nr, a1, a2, a3, 0, 0);
}
static inline long hypercall4(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                              uint64_t a4)
{
    return hypercall5(nr, a1, a2, a3, a4, 0);
}

/*
 * Through the hypercall page (installed by xen_install_hypercall_page(), xen.c): stub nr
 * sits at page + nr * XEN_HYPERCALL_STUB_SIZE and is "mov $nr, %eax; vmmcall; ret". The
 * stub sets RAX itself; we still pass nr in RAX so a wrong stub is easy to spot.
 */
extern uint8_t *xen_hypercall_page;

static inline long hypercall_page5(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                                   uint64_t a4, uint64_t a5)
{
    void *fn = xen_hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE;

    return HYPERCALL_ASM("call *%[fn]", nr, a1, a2, a3, a4, a5, [fn] "r"(fn));
}

static inline long hypercall_page2(unsigned int nr, uint64_t a1, uint64_t a2)
{
    return hypercall_page5(nr, a1, a2, 0, 0, 0);
}

/* ---- Typed helpers (direct VMMCALL) ------------------------------------------------------ */

#define HC_PTR(p) ((uint64_t)(uintptr_t)(p))

static inline long HYPERVISOR_console_io(int cmd, unsigned int count, const void *buf)
{
    return hypercall3(__HYPERVISOR_console_io, (uint64_t)(int64_t)cmd, count, HC_PTR(buf));
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, (uint64_t)(int64_t)cmd, HC_PTR(arg));
}

/*
 * SCHEDOP_block entered with interrupts off and left with them on, like STI;HLT: the STI
 * shadow covers the VMMCALL, so an upcall that becomes pending after the caller's last check
 * cannot be taken (and consumed) before the block; the hypervisor then sees it pending with
 * IF set and returns at once. "irq_enable(); HYPERVISOR_sched_op(SCHEDOP_block)" has that
 * window and can sleep forever with the wake-up already handled.
 */
static inline long sched_block_irq_enable(void)
{
    return HYPERCALL_ASM("sti; vmmcall", __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, (uint64_t)(int64_t)cmd, HC_PTR(arg));
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, HC_PTR(uop), count);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, HC_PTR(arg));
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, (uint64_t)(int64_t)cmd, vcpu, HC_PTR(arg));
}

static inline long HYPERVISOR_hvm_op(unsigned int op, void *arg)
{
    return hypercall2(__HYPERVISOR_hvm_op, op, HC_PTR(arg));
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, (uint64_t)(int64_t)cmd, HC_PTR(arg));
}

static inline long HYPERVISOR_set_timer_op(uint64_t timeout_abs_ns)
{
    return hypercall1(__HYPERVISOR_set_timer_op, timeout_abs_ns);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

#endif /* GUEST_HYPERCALL_H */
