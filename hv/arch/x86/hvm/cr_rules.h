/* SPDX-License-Identifier: MIT */
/*
 * Which CR0, CR4 and EFER values a guest may load, and what loading them does to the rest of
 * the state, as Xen 4.17 decides it (hvm_set_cr0, hvm_set_cr4, hvm_set_efer, hvm_efer_valid,
 * hvm_cr4_guest_valid_bits, arch_set_info_hvm_guest), plus the combinations a real processor
 * refuses that Xen lets reach VMRUN (CR0.NW without CD). Pure functions of the guest's CPUID
 * and its current control registers, so the unit tests run them on the host; cr.c applies
 * them to a vCPU.
 */
#ifndef HVM_CR_RULES_H
#define HVM_CR_RULES_H

#include <asm/processor.h>
#include <tern/types.h>

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)

#define CR4_VME (1ULL << 0)
#define CR4_PVI (1ULL << 1)
#define CR4_TSD (1ULL << 2)
#define CR4_DE (1ULL << 3)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_MCE (1ULL << 6)
#define CR4_PGE (1ULL << 7)
#define CR4_PCE (1ULL << 8)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_UMIP (1ULL << 11)
#define CR4_LA57 (1ULL << 12)
#define CR4_VMXE (1ULL << 13)
#define CR4_SMXE (1ULL << 14)
#define CR4_FSGSBASE (1ULL << 16)
#define CR4_PCIDE (1ULL << 17)
#define CR4_OSXSAVE (1ULL << 18)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE (1ULL << 22)
#define CR4_CET (1ULL << 23)

/* EFER_SCE, LME, LMA, NXE, SVME are in asm/processor.h. */
#define EFER_FFXSE (1UL << 14)
/* The EFER bits Xen 4.17 knows; any other is reserved. */
#define EFER_KNOWN (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | EFER_FFXSE)

/* What the guest's CPUID offers, as far as these registers care. */
struct cr_caps {
    uint64_t cr4_valid;       /* CR4 bits the guest may set */
    bool lm, nx, syscall, ffxsr;
    unsigned int maxphysaddr; /* CR3 bits at and above it are reserved */
};

/* From CPUID leaves 1, 7.0, 0x80000001 and 0x80000008 as the guest sees them (EAX..EDX). */
void cr_caps_from_cpuid(struct cr_caps *caps, const uint32_t l1[4], const uint32_t l7[4],
                        const uint32_t e1[4], const uint32_t e8[4]);

/* The control registers a write is checked against; EFER as the guest sees it (no SVME). */
struct cr_state {
    uint64_t cr0, cr3, cr4, efer;
    bool cs_l; /* CS.L: the guest runs 64-bit code */
};

/*
 * A MOV to CR0/CR4 (or LMSW, CLTS) or a WRMSR of EFER: NULL with the resulting state in *next
 * (EFER.LMA follows CR0.PG; EFER.LME becoming set clears CS.L), or why it #GPs. Reserved CR0
 * bits in 31:0 are dropped and ET forced on, as the processor does.
 */
const char *cr0_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                      struct cr_state *next);
const char *cr4_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                      struct cr_state *next);
const char *efer_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                       struct cr_state *next);

/*
 * A whole state loaded at once (VCPUOP_initialise): Xen's checks of CR4 and EFER, and the
 * combinations VMRUN refuses (CR0 bits 63:32, NW without CD, PG without PE, long mode
 * without PAE, CR3 beyond the physical address width). NULL or why it is -EINVAL.
 */
const char *cr_state_check(const struct cr_caps *caps, const struct cr_state *s);

#endif
