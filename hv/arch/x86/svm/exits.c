// SPDX-License-Identifier: MIT
/* SVM exit dispatch: decode what the guest did, hand it to the generic handlers, resume. */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include "svm.h"

#define TRAP_UD 6
#define TRAP_GP 13

/*
 * Without NRIP-save (QEMU TCG has none) the length of the instruction that exited must be
 * found by looking at it: skip legacy and REX prefixes and check the expected opcode.
 * Falls back to the plain opcode length when the bytes cannot be fetched.
 */
static unsigned int insn_length(struct vcpu *v, const uint8_t *opcode, unsigned int oplen)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint8_t buf[15];
    bool long_mode = (vmcb->efer & EFER_LMA_BIT) && (vmcb->cs.attr & (1u << 9));
    uint64_t gva = vmcb->cs.base + vmcb->rip;

    if (!long_mode)
        gva &= 0xffffffffULL;
    if (copy_from_guest_vcpu(v, buf, gva, sizeof(buf)) &&
        copy_from_guest_vcpu(v, buf, gva, oplen + 4))
        return oplen;
    unsigned int i = 0;
    for (; i < 14; i++) {
        uint8_t b = buf[i];
        bool legacy = b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
                      b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 ||
                      b == 0xf0;
        bool rex = long_mode && (b & 0xf0) == 0x40;
        if (!legacy && !rex)
            break;
    }
    if (i + oplen <= sizeof(buf) && !memcmp(buf + i, opcode, oplen))
        return i + oplen;
    return oplen;
}

static void advance(struct vcpu *v, const uint8_t *opcode, unsigned int oplen)
{
    struct vmcb *vmcb = v->arch.vmcb;
    vmcb->rip += insn_length(v, opcode, oplen);
    vmcb->interrupt_shadow &= ~1ULL; /* the shadow of a completed STI/MOV SS is over */
}

static const uint8_t op_cpuid[] = { 0x0f, 0xa2 };
static const uint8_t op_rdmsr[] = { 0x0f, 0x32 };
static const uint8_t op_wrmsr[] = { 0x0f, 0x30 };
static const uint8_t op_hlt[] = { 0xf4 };
static const uint8_t op_vmmcall[] = { 0x0f, 0x01, 0xd9 };
static const uint8_t op_xsetbv[] = { 0x0f, 0x01, 0xd1 };

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
    uint32_t out[4];
    hvm_cpuid(v, (uint32_t)vmcb->rax, (uint32_t)v->arch.gprs.rcx, out);
    vmcb->rax = out[0];
    v->arch.gprs.rbx = out[1];
    v->arch.gprs.rcx = out[2];
    v->arch.gprs.rdx = out[3];
    advance(v, op_cpuid, sizeof(op_cpuid));
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
        advance(v, op_rdmsr, sizeof(op_rdmsr));
    } else {
        uint64_t val = (uint32_t)vmcb->rax | (v->arch.gprs.rdx << 32);
        if (!hvm_msr_write(v, msr, val)) {
            svm_inject_gp(v);
            return;
        }
        advance(v, op_wrmsr, sizeof(op_wrmsr));
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
    advance(v, op_xsetbv, sizeof(op_xsetbv));
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
        advance(v, op_hlt, sizeof(op_hlt));
        hvm_hlt(v);
        break;
    case VMEXIT_VMMCALL:
        if (hvm_hypercall(v))
            advance(v, op_vmmcall, sizeof(op_vmmcall));
        break;
    case VMEXIT_XSETBV:
        exit_xsetbv(v, vmcb);
        break;
    case VMEXIT_NPF:
        hvm_nested_page_fault(v, vmcb->exitinfo2, vmcb->exitinfo1);
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
        advance(v, (const uint8_t[]){ 0x0f, 0x08 }, 2); /* caches stay coherent: a no-op */
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
