// SPDX-License-Identifier: MIT
/* SVM exit dispatch: decode what the guest did, hand it to the generic handlers, resume. */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mce.h>
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
/*
 * Before a triple fault is reported: what the guest's page tables say now about the last
 * fault address, the instruction and the #PF and #DF gates. "Mapped" for an address the
 * fault chain could not reach means the mapping was missing only for a moment (or the
 * emulated CPU saw something else); "not mapped" means the guest's tables lack it.
 */
static void triple_fault_walks(struct vcpu *v, const struct vmcb *vmcb)
{
    static const char *const what[] = { "cr2", "rip", "#PF gate", "#DF gate" };
    const uint64_t lin[] = { vmcb->cr2, vmcb->rip + vmcb->cs.base, vmcb->idtr.base + 14 * 16,
                             vmcb->idtr.base + 8 * 16 };

    for (unsigned int i = 0; i < ARRAY_SIZE(lin); i++) {
        uint64_t gpa = 0;
        uint32_t fault = 0;
        int rc = hvm_guest_walk(v, lin[i], 0, &gpa, &fault);

        if (!rc)
            printk(XENLOG_ERR "d%u v%u: %s %#llx is mapped now, at guest-physical %#llx\n",
                   v->domain->domain_id, v->vcpu_id, what[i], (unsigned long long)lin[i],
                   (unsigned long long)gpa);
        else
            printk(XENLOG_ERR "d%u v%u: %s %#llx is not mapped now (%s, error code %#x)\n",
                   v->domain->domain_id, v->vcpu_id, what[i], (unsigned long long)lin[i],
                   rc == -ENXIO ? "page tables outside its RAM" : "page fault", fault);
    }
}

static unsigned int insn_length(struct vcpu *v, unsigned int oplen)
{
    struct insn_info insn;
    return hvm_decode_current(v, &insn) ? oplen : insn.length;
}

#define X86_EFLAGS_TF (1ULL << 8)
#define DR6_BS (1ULL << 14) /* single step */

/* An instruction completed here is still one step of a single-stepping guest: it takes
 * the trap it would have taken after the instruction (DR6.BS, RIP after it), as in Xen. */
static void single_step_trap(struct vcpu *v, struct vmcb *vmcb)
{
    if (vmcb->rflags & X86_EFLAGS_TF) {
        vmcb->dr6 |= DR6_BS;
        hvm_funcs->inject_exception(v, TRAP_DB, false, 0);
    }
}

static void advance(struct vcpu *v, unsigned int oplen)
{
    struct vmcb *vmcb = v->arch.vmcb;
    vmcb->rip += insn_length(v, oplen);
    vmcb->interrupt_shadow &= ~1ULL; /* the shadow of a completed STI/MOV SS is over */
    single_step_trap(v, vmcb);
}

/* Opcode lengths: CPUID 0f a2, RDMSR 0f 32, WRMSR 0f 30, HLT f4, VMMCALL 0f 01 d9,
 * XSETBV 0f 01 d1, INVD 0f 08, WBINVD 0f 09 (WBNOINVD f3 0f 09), ICEBP f1. */
#define LEN_CPUID 2
#define LEN_MSR 2
#define LEN_HLT 1
#define LEN_VMMCALL 3
#define LEN_XSETBV 3
#define LEN_INVD 2
#define LEN_WBINVD 2
#define LEN_ICEBP 1

/*
 * An intercepted #DB or #AC goes back to the guest unchanged (XSA-156: left to the CPU, a
 * guest whose IDT makes the exception recur while it is delivered keeps the CPU in microcode
 * for ever; through an exit, Tern's interrupts and scheduler still run). #DB and #AC are
 * benign exceptions, so one raised while another exception was being delivered is simply
 * delivered instead (SDM vol. 3, table 6-5); the CPU raises the first one again if it was a
 * fault. An interrupt or NMI being delivered is not dropped: it goes first, and a fault
 * (#AC, an instruction breakpoint) recurs when the guest returns to the instruction.
 * DR6 already says why a #DB happened: the CPU updated it before the intercept, and it is
 * in the VMCB. The guest's DR0-DR3 are its own (debugreg.c).
 */
static void reflect_exception(struct vcpu *v, struct vmcb *vmcb, unsigned int vector,
                              bool has_error)
{
    uint64_t pending = vmcb->eventinj;

    if ((pending & EVENT_VALID) && (pending & (7ULL << 8)) != EVENT_TYPE_EXCEPTION)
        return;
    hvm_funcs->inject_exception(v, vector, has_error, (uint32_t)vmcb->exitinfo1);
}

/* ICEBP (INT1) raises a #DB as a trap after the instruction, whatever the IDT gate's DPL:
 * an injected hardware exception with RIP past it is what the guest sees (Xen 4.17). */
static void exit_icebp(struct vcpu *v, struct vmcb *vmcb)
{
    vmcb->rip += insn_length(v, LEN_ICEBP);
    vmcb->interrupt_shadow &= ~1ULL;
    hvm_funcs->inject_exception(v, TRAP_DB, false, 0);
}

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
    single_step_trap(v, vmcb);
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

/*
 * QEMU's emulated SVM with multi-threaded TCG has been seen (about once in two thousand
 * domain restarts with timers firing across pCPUs) to store the host's own state in the guest
 * save area right after a VM exit: RIP at the instruction after VMRUN, RAX the VMCB's own
 * address, CR3 Tern's page tables. The guest's real state is gone then; running the host's as
 * the guest would only fault somewhere confusing, so say what happened instead.
 */
extern const char svm_vmrun_resume[];

static bool save_area_holds_host_state(struct vcpu *v, const struct vmcb *vmcb)
{
    return vmcb->rip == (uint64_t)svm_vmrun_resume && vmcb->rax == v->arch.vmcb_pa &&
           vmcb->cr3 == read_cr3();
}

void svm_handle_exit(struct vcpu *v, uint64_t entry_tsc)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t code = vmcb->exitcode;

    if (save_area_holds_host_state(v, vmcb)) {
        v->arch.crash_exit_code = code;
        domain_crash(v->domain, "the emulated CPU stored host state in the guest's save area "
                                "(a QEMU TCG SVM fault, see docs/testing.md)");
        return;
    }

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
        triple_fault_walks(v, vmcb);
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
    case VMEXIT_RSM:
    case VMEXIT_RDPRU: /* CPUID 0x80000008 EBX bit 4 is hidden: #UD, as Xen */
        /* Not offered to guests (CPUID hides them): the instruction does not exist. */
        hvm_funcs->inject_exception(v, TRAP_UD, false, 0);
        break;
    case VMEXIT_INVD:
        advance(v, LEN_INVD); /* caches stay coherent: a no-op */
        break;
    case VMEXIT_WBINVD:
        /* WBINVD and WBNOINVD (an F3 prefix, same exit; the decoder finds the length).
         * Without passthrough devices nothing needs the caches written back, so it
         * completes as a no-op, as Xen does for such a domain: a guest looping on WBINVD
         * must not stall the whole machine's caches. */
        advance(v, LEN_WBINVD);
        break;
    case VMEXIT_ICEBP:
        exit_icebp(v, vmcb);
        break;
    case VMEXIT_EXCEPTION_DB:
        reflect_exception(v, vmcb, TRAP_DB, false);
        break;
    case VMEXIT_EXCEPTION_AC:
        reflect_exception(v, vmcb, TRAP_AC, true); /* EXITINFO1: the error code (0) */
        break;
    case VMEXIT_EXCEPTION_MC:
        /*
         * A machine check while in guest mode is the host's: the hardware is broken, not
         * the guest. On real CPUs the #MC stays pending across the exit and Tern's handler
         * takes it at STGI, so this is reached only when it did not (e.g. an emulator that
         * reports the intercept alone): report what the banks say and stop, as Xen does for
         * an unrecoverable machine check.
         */
        machine_check_fatal("in guest mode", v->domain->domain_id, v->vcpu_id, NULL);
        break;
    case VMEXIT_DR0_READ ... VMEXIT_DR15_WRITE:
        svm_dr_access(v);
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
