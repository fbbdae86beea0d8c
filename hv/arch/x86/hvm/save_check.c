// SPDX-License-Identifier: MIT
/* Whether a CPU record of an HVM context may be loaded: Xen 4.17's checks, then VMRUN's. */
#include <tern/lib.h>
#include "cr_rules.h"
#include "save_stream.h"

/* CR0 bits 31:0 a guest may hold (Xen's HVM_CR0_GUEST_RESERVED_BITS is the rest). */
#define CR0_GUEST_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
                        CR0_AM | CR0_NW | CR0_CD | CR0_PG)
/* RFLAGS bits that exist (CF..ID); the rest are reserved and VMRUN refuses them set. */
#define RFLAGS_DEFINED 0x3f7fd7ULL
#define RFLAGS_MBS 0x2ULL
#define AR_L (1u << 9)
#define AR_DB (1u << 10)
#define PENDING_VALID (1u << 31)

uint32_t hvm_unfold_arbytes(uint32_t ar)
{
    if ((ar & 0xf000) && !(ar & 0x0f00))
        ar = (ar & 0xff) | ((ar >> 4) & 0xf00);
    return ar;
}

const char *hvm_cpu_record_check(const struct cr_caps *caps, const struct hvm_hw_cpu *c)
{
    uint64_t efer = c->msr_efer;
    struct cr_state s;
    const char *why;

    if (c->pad0)
        return "pad0 is not 0";
    if ((c->cr0 & ~CR0_GUEST_BITS & 0xffffffffULL) || !(c->cr0 & CR0_ET) ||
        (c->cr0 & (CR0_PE | CR0_PG)) == CR0_PG)
        return "bad CR0";
    if (c->cr4 & ~caps->cr4_valid)
        return "bad CR4";
    /* Xen's hvm_efer_valid with CR0.PG; cr_state_check below repeats it with the rest. */
    if ((efer & EFER_LMA) && (!(efer & EFER_LME) || !(c->cr0 & CR0_PG)))
        return "bad EFER: LMA without LME and CR0.PG";
    if (c->cr3 >> caps->maxphysaddr)
        return "bad CR3";
    if (c->flags & ~XEN_X86_FPU_INITIALISED)
        return "bad flags";
    if (c->msr_tsc_aux != (uint32_t)c->msr_tsc_aux)
        return "bad MSR_TSC_AUX";

    /* LMA follows LME and CR0.PG, as the processor sets it. */
    if ((efer & EFER_LME) && (c->cr0 & CR0_PG))
        efer |= EFER_LMA;
    s = (struct cr_state){ .cr0 = c->cr0, .cr3 = c->cr3, .cr4 = c->cr4, .efer = efer };
    if ((why = cr_state_check(caps, &s)))
        return why;
    if ((c->dr6 >> 32) || (c->dr7 >> 32))
        return "DR6/DR7 bits 63:32 are reserved";
    if (c->rflags & ~RFLAGS_DEFINED & ~RFLAGS_MBS)
        return "reserved RFLAGS bits";
    if ((efer & EFER_LMA) && (hvm_unfold_arbytes(c->cs_arbytes) & AR_L) &&
        (hvm_unfold_arbytes(c->cs_arbytes) & AR_DB))
        return "CS.L with CS.D in long mode";
    if (c->pending_event & PENDING_VALID)
        return "a pending event (Tern does not re-inject one)";
    return NULL;
}
