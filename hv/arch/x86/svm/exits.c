// SPDX-License-Identifier: MIT
/* SVM exit dispatch: decode what the guest did, hand it to the generic handlers, resume. */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <tern/domain.h>
#include "../hvm/hvm_private.h"
#include "../hvm/insn_decode.h"
#include "svm.h"

#define TRAP_UD 6
#define TRAP_GP 13

/*
 * Without NRIP-save (QEMU TCG has none) the length of the instruction that exited must be
 * found by looking at it (the decoder npf.c also uses); its plain opcode length is the
 * fallback when the bytes cannot be fetched or decoded.
 */
static unsigned int insn_length(struct vcpu *v, unsigned int oplen)
{
    struct insn_info insn;
    return hvm_decode_current(v, &insn) ? oplen : insn.length;
}

static void advance(struct vcpu *v, unsigned int oplen)
{
    struct vmcb *vmcb = v->arch.vmcb;
    vmcb->rip += insn_length(v, oplen);
    vmcb->interrupt_shadow &= ~1ULL; /* the shadow of a completed STI/MOV SS is over */
}

/* Opcode lengths: CPUID 0f a2, RDMSR 0f 32, WRMSR 0f 30, HLT f4, VMMCALL 0f 01 d9,
 * XSETBV 0f 01 d1, INVD 0f 08. */
#define LEN_CPUID 2
#define LEN_MSR 2
#define LEN_HLT 1
#define LEN_VMMCALL 3
#define LEN_XSETBV 3
#define LEN_INVD 2

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
    uint32_t out[4];
    hvm_cpuid(v, (uint32_t)vmcb->rax, (uint32_t)v->arch.gprs.rcx, out);
    vmcb->rax = out[0];
    v->arch.gprs.rbx = out[1];
    v->arch.gprs.rcx = out[2];
    v->arch.gprs.rdx = out[3];
    advance(v, LEN_CPUID);
}

static void exit_msr(struct vcpu *v, struct vmcb *vmcb)
{
    uint32_t msr = (uint32_t)v->arch.gprs.rcx;

    if (vmcb->exitinfo1 == 0) {
        uint64_t val;
        if (!hvm_msr_read(v, msr, &val)) {
            svm_inject_gp(v);
            return;
        }
        vmcb->rax = (uint32_t)val;
        v->arch.gprs.rdx = val >> 32;
        advance(v, LEN_MSR);
    } else {
        uint64_t val = (uint32_t)vmcb->rax | (v->arch.gprs.rdx << 32);
        if (!hvm_msr_write(v, msr, val)) {
            svm_inject_gp(v);
            return;
        }
        advance(v, LEN_MSR);
    }
}

/* IOIO exit information (APM 15.10.2); EXITINFO2 holds the next RIP even without NRIP-save. */
static void exit_ioio(struct vcpu *v, struct vmcb *vmcb)
{
    uint64_t info = vmcb->exitinfo1;
    bool in = info & 1;
    unsigned int size = (info >> 4) & 7; /* one-hot: 1, 2, 4 bytes */
    uint16_t port = info >> 16;

    if (info & (1u << 2)) { /* string instructions (INS/OUTS) */
        domain_crash(v->domain, "string port I/O is not emulated");
        return;
    }
    uint32_t val = (uint32_t)vmcb->rax;
    hvm_portio(v, port, size, in, &val);
    if (in) {
        uint64_t mask = size == 4 ? 0xffffffffULL : size == 2 ? 0xffffULL : 0xffULL;
        vmcb->rax = (vmcb->rax & ~mask) | (val & mask);
        if (size == 4)
            vmcb->rax &= 0xffffffffULL; /* 32-bit results zero-extend */
    }
    vmcb->rip = vmcb->exitinfo2;
}

static void exit_xsetbv(struct vcpu *v, struct vmcb *vmcb)
{
    uint64_t val = (uint32_t)vmcb->rax | (v->arch.gprs.rdx << 32);
    if ((uint32_t)v->arch.gprs.rcx != 0 || !hvm_set_xcr0(v, val)) {
        svm_inject_gp(v);
        return;
    }
    advance(v, LEN_XSETBV);
}

void svm_inject_gp(struct vcpu *v)
{
    hvm_funcs->inject_exception(v, TRAP_GP, true, 0);
}

void svm_handle_exit(struct vcpu *v, uint64_t entry_tsc)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t code = vmcb->exitcode;

    /* An event being delivered when the exit happened must be delivered again. */
    if (vmcb->exitintinfo & EVENT_VALID) {
        vmcb->eventinj = vmcb->exitintinfo;
        vmcb->exitintinfo = 0;
    }

    switch (code) {
    case VMEXIT_INTR:
    case VMEXIT_NMI:
    case VMEXIT_SMI:
    case VMEXIT_INIT:
    case VMEXIT_VINTR:
        break; /* taken by Tern after STGI */
    case VMEXIT_CPUID:
        exit_cpuid(v, vmcb);
        break;
    case VMEXIT_MSR:
        exit_msr(v, vmcb);
        break;
    case VMEXIT_IOIO:
        exit_ioio(v, vmcb);
        break;
    case VMEXIT_HLT:
        advance(v, LEN_HLT);
        hvm_hlt(v);
        break;
    case VMEXIT_VMMCALL:
        if (hvm_hypercall(v))
            advance(v, LEN_VMMCALL);
        break;
    case VMEXIT_XSETBV:
        exit_xsetbv(v, vmcb);
        break;
    case VMEXIT_NPF:
        hvm_nested_page_fault(v, vmcb->exitinfo2, vmcb->exitinfo1);
        break;
    case VMEXIT_CR0_WRITE:
    case VMEXIT_CR4_WRITE:
        hvm_cr_write_intercept(v);
        break;
    case VMEXIT_SHUTDOWN:
        domain_crash(v->domain, "triple fault (shutdown intercept)");
        break;
    case VMEXIT_VMRUN:
    case VMEXIT_VMLOAD:
    case VMEXIT_VMSAVE:
    case VMEXIT_STGI:
    case VMEXIT_CLGI:
    case VMEXIT_SKINIT:
    case VMEXIT_INVLPGA:
    case VMEXIT_MONITOR:
    case VMEXIT_MWAIT:
    case VMEXIT_MWAIT_CONDITIONAL:
    case VMEXIT_RDPMC:
    case VMEXIT_ICEBP:
    case VMEXIT_RSM:
        /* Not offered to guests (CPUID hides them): the instruction does not exist. */
        hvm_funcs->inject_exception(v, TRAP_UD, false, 0);
        break;
    case VMEXIT_INVD:
        advance(v, LEN_INVD); /* caches stay coherent: a no-op */
        break;
    case VMEXIT_INVALID:
        domain_crash(v->domain, "VMRUN refused the vCPU state (invalid guest state)");
        break;
    default:
        v->arch.crash_exit_code = code;
        domain_crash(v->domain, "unhandled SVM exit");
        break;
    }
    hvm_count_exit(v, (unsigned int)code, rdtsc() - entry_tsc);
}
