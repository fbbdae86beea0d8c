// SPDX-License-Identifier: MIT
/*
 * A vCPU's registers as an HVM context CPU record (Xen's hvm_hw_cpu) and back, through the
 * VMCB. Only for a vCPU that runs nowhere (save.c pauses the domain and waits for that): the
 * VMCB, the GPRs, DR0-DR3 and the FPU image are then all in memory. A record to load was
 * checked by save_check.c: nothing here can make VMRUN fail.
 */
#include <asm/domain.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <public/arch-x86/hvm/save.h>
#include <tern/domain.h>
#include <tern/lib.h>
#include "../hvm/hvm_private.h"
#include "../hvm/save_stream.h"
#include "svm.h"

#define AR_DPL(a) (((a) >> 5) & 3)
#define DR7_ENABLE_MASK 0xffULL

#define SAVE_SEG(c, vmcb, name)                                     \
    do {                                                            \
        (c)->name##_sel = (vmcb)->name.sel;                         \
        (c)->name##_limit = (vmcb)->name.limit;                     \
        (c)->name##_base = (vmcb)->name.base;                       \
        (c)->name##_arbytes = (vmcb)->name.attr;                    \
    } while (0)

/* The packed attribute is 12 bits wide; the record's upper bits have no meaning. */
#define LOAD_SEG(vmcb, c, name)                                     \
    do {                                                            \
        (vmcb)->name.sel = (uint16_t)(c)->name##_sel;               \
        (vmcb)->name.limit = (c)->name##_limit;                     \
        (vmcb)->name.base = (c)->name##_base;                       \
        (vmcb)->name.attr = hvm_unfold_arbytes((c)->name##_arbytes) & 0xfff; \
    } while (0)

void svm_save_cpu(struct vcpu *v, struct hvm_hw_cpu *c)
{
    const struct vmcb *vmcb = v->arch.vmcb;
    const struct guest_gprs *g = &v->arch.gprs;

    memset(c, 0, sizeof(*c));
    memcpy(c->fpu_regs, v->arch.fpu_area, sizeof(c->fpu_regs));
    c->flags = XEN_X86_FPU_INITIALISED; /* Tern's image always holds a state (reset or not) */
    c->rax = vmcb->rax;
    c->rbx = g->rbx;
    c->rcx = g->rcx;
    c->rdx = g->rdx;
    c->rbp = g->rbp;
    c->rsi = g->rsi;
    c->rdi = g->rdi;
    c->rsp = vmcb->rsp;
    c->r8 = g->r8;
    c->r9 = g->r9;
    c->r10 = g->r10;
    c->r11 = g->r11;
    c->r12 = g->r12;
    c->r13 = g->r13;
    c->r14 = g->r14;
    c->r15 = g->r15;
    c->rip = vmcb->rip;
    c->rflags = vmcb->rflags;
    c->cr0 = vmcb->cr0;
    c->cr2 = vmcb->cr2;
    c->cr3 = vmcb->cr3;
    c->cr4 = vmcb->cr4;
    c->dr0 = v->arch.dr[0];
    c->dr1 = v->arch.dr[1];
    c->dr2 = v->arch.dr[2];
    c->dr3 = v->arch.dr[3];
    c->dr6 = vmcb->dr6;
    c->dr7 = vmcb->dr7;
    SAVE_SEG(c, vmcb, cs);
    SAVE_SEG(c, vmcb, ds);
    SAVE_SEG(c, vmcb, es);
    SAVE_SEG(c, vmcb, fs);
    SAVE_SEG(c, vmcb, gs);
    SAVE_SEG(c, vmcb, ss);
    SAVE_SEG(c, vmcb, tr);
    SAVE_SEG(c, vmcb, ldtr);
    c->idtr_limit = vmcb->idtr.limit;
    c->idtr_base = vmcb->idtr.base;
    c->gdtr_limit = vmcb->gdtr.limit;
    c->gdtr_base = vmcb->gdtr.base;
    c->sysenter_cs = vmcb->sysenter_cs;
    c->sysenter_esp = vmcb->sysenter_esp;
    c->sysenter_eip = vmcb->sysenter_eip;
    c->shadow_gs = vmcb->kernel_gs_base;
    c->msr_lstar = vmcb->lstar;
    c->msr_star = vmcb->star;
    c->msr_cstar = vmcb->cstar;
    c->msr_syscall_mask = vmcb->sfmask;
    c->msr_efer = vmcb->efer & ~(uint64_t)EFER_SVME; /* Tern's bit, not the guest's */
    c->msr_tsc_aux = v->arch.tsc_aux;
    c->tsc = rdtsc() + v->domain->arch.tsc_offset;
}

void svm_load_cpu(struct vcpu *v, const struct hvm_hw_cpu *c)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct guest_gprs *g = &v->arch.gprs;
    uint64_t efer = c->msr_efer & ~(uint64_t)EFER_LMA;

    if ((efer & EFER_LME) && (c->cr0 & X86_CR0_PG))
        efer |= EFER_LMA;
    LOAD_SEG(vmcb, c, cs);
    LOAD_SEG(vmcb, c, ds);
    LOAD_SEG(vmcb, c, es);
    LOAD_SEG(vmcb, c, fs);
    LOAD_SEG(vmcb, c, gs);
    LOAD_SEG(vmcb, c, ss);
    LOAD_SEG(vmcb, c, tr);
    LOAD_SEG(vmcb, c, ldtr);
    vmcb->idtr.limit = c->idtr_limit;
    vmcb->idtr.base = c->idtr_base;
    vmcb->gdtr.limit = c->gdtr_limit;
    vmcb->gdtr.base = c->gdtr_base;
    /* The CPL is SS.DPL in protected mode (Xen's SVM does the same), 0 in real mode. */
    vmcb->cpl = (c->cr0 & X86_CR0_PE) ? AR_DPL(vmcb->ss.attr) : 0;
    vmcb->cr0 = c->cr0;
    vmcb->cr2 = c->cr2;
    vmcb->cr3 = c->cr3;
    vmcb->cr4 = c->cr4;
    vmcb->efer = efer | EFER_SVME;
    vmcb->rflags = c->rflags | 2;
    vmcb->rip = c->rip;
    vmcb->rsp = c->rsp;
    vmcb->rax = c->rax;
    vmcb->sysenter_cs = c->sysenter_cs;
    vmcb->sysenter_esp = c->sysenter_esp;
    vmcb->sysenter_eip = c->sysenter_eip;
    vmcb->kernel_gs_base = c->shadow_gs;
    vmcb->lstar = c->msr_lstar;
    vmcb->star = c->msr_star;
    vmcb->cstar = c->msr_cstar;
    vmcb->sfmask = c->msr_syscall_mask;
    vmcb->eventinj = 0;
    vmcb->interrupt_shadow = 0;
    g->rbx = c->rbx;
    g->rcx = c->rcx;
    g->rdx = c->rdx;
    g->rbp = c->rbp;
    g->rsi = c->rsi;
    g->rdi = c->rdi;
    g->r8 = c->r8;
    g->r9 = c->r9;
    g->r10 = c->r10;
    g->r11 = c->r11;
    g->r12 = c->r12;
    g->r13 = c->r13;
    g->r14 = c->r14;
    g->r15 = c->r15;
    /* DR0-DR3 go to the CPU at the next entry if DR7 enables any (debugreg.c's rule); a
     * pCPU that still names v as their holder must load them again. */
    v->arch.dr[0] = c->dr0;
    v->arch.dr[1] = c->dr1;
    v->arch.dr[2] = c->dr2;
    v->arch.dr[3] = c->dr3;
    vmcb->dr6 = c->dr6;
    vmcb->dr7 = c->dr7;
    svm_dr_forget(v);
    v->arch.dr_dirty = c->dr7 & DR7_ENABLE_MASK;
    vmcb->dr_intercepts = v->arch.dr_dirty ? 0 : ~0u;
    v->arch.tsc_aux = c->msr_tsc_aux;
    hvm_vcpu_fpu_load(v, (c->flags & XEN_X86_FPU_INITIALISED) ? c->fpu_regs : NULL);
    v->arch.flush_tlb = true;
}
