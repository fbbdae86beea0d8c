// SPDX-License-Identifier: MIT
/* CR0/CR4/EFER validity and side effects (cr_rules.h), following Xen 4.17's hvm.c. */
#include "cr_rules.h"

/* CR0 bits that exist; the others of 31:0 read as 0 whatever is written. */
#define CR0_DEFINED                                                                        \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW |     \
     CR0_CD | CR0_PG)

static bool bit(const uint32_t r[4], unsigned int reg, unsigned int n)
{
    return (r[reg] >> n) & 1;
}

enum { A, B, C, D };

void cr_caps_from_cpuid(struct cr_caps *caps, const uint32_t l1[4], const uint32_t l7[4],
                        const uint32_t e1[4], const uint32_t e8[4])
{
    uint64_t v = CR4_PCE; /* always allowed (Xen) */

    /* hvm_cr4_guest_valid_bits(): each bit needs the feature that defines it. VMXE needs
     * nested virtualisation, which Tern does not offer; LA57 is not offered by Xen 4.17. */
    if (bit(l1, D, 1))
        v |= CR4_VME | CR4_PVI;
    if (bit(l1, D, 4))
        v |= CR4_TSD;
    if (bit(l1, D, 2))
        v |= CR4_DE;
    if (bit(l1, D, 3))
        v |= CR4_PSE;
    if (bit(l1, D, 6))
        v |= CR4_PAE;
    if (bit(l1, D, 7) || bit(l1, D, 14))
        v |= CR4_MCE;
    if (bit(l1, D, 13))
        v |= CR4_PGE;
    if (bit(l1, D, 24))
        v |= CR4_OSFXSR;
    if (bit(l1, D, 25))
        v |= CR4_OSXMMEXCPT;
    if (bit(l7, C, 2))
        v |= CR4_UMIP;
    if (bit(l7, B, 0))
        v |= CR4_FSGSBASE;
    if (bit(l1, C, 17))
        v |= CR4_PCIDE;
    if (bit(l1, C, 26))
        v |= CR4_OSXSAVE;
    if (bit(l7, B, 7))
        v |= CR4_SMEP;
    if (bit(l7, B, 20))
        v |= CR4_SMAP;
    if (bit(l7, C, 3))
        v |= CR4_PKE;
    if (bit(l7, C, 7) || bit(l7, D, 20))
        v |= CR4_CET;
    caps->cr4_valid = v;
    caps->syscall = bit(e1, D, 11);
    caps->nx = bit(e1, D, 20);
    caps->ffxsr = bit(e1, D, 25);
    caps->lm = bit(e1, D, 29);
    caps->maxphysaddr = (e8[A] & 0xff) ? (e8[A] & 0xff) : 36;
    if (caps->maxphysaddr > 52)
        caps->maxphysaddr = 52;
}

const char *cr0_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                      struct cr_state *next)
{
    *next = *cur;
    if (val >> 32)
        return "CR0 bits 63:32 are reserved";
    val = (val & CR0_DEFINED) | CR0_ET;
    if ((val & (CR0_PE | CR0_PG)) == CR0_PG)
        return "CR0.PG without CR0.PE";
    /* The processor refuses this (#GP, SDM MOV CR); Xen would let it reach VMRUN. */
    if ((val & CR0_NW) && !(val & CR0_CD))
        return "CR0.NW without CR0.CD";
    if (!(val & CR0_WP) && (cur->cr4 & CR4_CET))
        return "CR0.WP cleared with CR4.CET set";
    if ((val & CR0_PG) && !(cur->cr0 & CR0_PG)) {
        if (cur->efer & EFER_LME) {
            if (!(cur->cr4 & CR4_PAE))
                return "long mode needs CR4.PAE before CR0.PG";
            next->efer |= EFER_LMA;
        }
    } else if (!(val & CR0_PG) && (cur->cr0 & CR0_PG)) {
        /* Intel #GPs; AMD shuts down at once. Xen follows Intel. */
        if ((cur->efer & EFER_LME) && cur->cs_l)
            return "CR0.PG cleared in 64-bit mode";
        if (cur->cr4 & CR4_PCIDE)
            return "CR0.PG cleared with CR4.PCIDE set";
        next->efer &= ~EFER_LMA;
    }
    next->cr0 = val;
    return NULL;
}

const char *cr4_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                      struct cr_state *next)
{
    *next = *cur;
    if (val & ~caps->cr4_valid)
        return "CR4 bit reserved or of a feature the guest's CPUID does not offer";
    if (!(val & CR4_PAE) && (cur->efer & EFER_LMA))
        return "CR4.PAE cleared in long mode";
    if ((val & CR4_CET) && !(cur->cr0 & CR0_WP))
        return "CR4.CET set without CR0.WP";
    if ((val & CR4_PCIDE) && !(cur->cr4 & CR4_PCIDE) &&
        (!(cur->efer & EFER_LMA) || (cur->cr3 & 0xfff)))
        return "CR4.PCIDE set outside long mode or with CR3[11:0] not 0";
    next->cr4 = val;
    return NULL;
}

/* hvm_efer_valid(): every bit needs its feature; SVME needs nested virtualisation. */
static const char *efer_valid(const struct cr_caps *caps, uint64_t val, bool pg)
{
    if (val & ~EFER_KNOWN)
        return "EFER bit reserved";
    if ((val & EFER_SCE) && !caps->syscall)
        return "EFER.SCE without SYSCALL";
    if ((val & (EFER_LME | EFER_LMA)) && !caps->lm)
        return "EFER.LME/LMA without long mode";
    if ((val & EFER_LMA) && (!(val & EFER_LME) || !pg))
        return "EFER.LMA without LME and CR0.PG";
    if ((val & EFER_NXE) && !caps->nx)
        return "EFER.NXE without NX";
    if (val & EFER_SVME)
        return "EFER.SVME without nested virtualisation";
    if ((val & EFER_FFXSE) && !caps->ffxsr)
        return "EFER.FFXSE without FFXSR";
    return NULL;
}

const char *efer_write(const struct cr_caps *caps, const struct cr_state *cur, uint64_t val,
                       struct cr_state *next)
{
    const char *why;

    *next = *cur;
    val &= ~EFER_LMA; /* read-only: it follows LME and CR0.PG */
    why = efer_valid(caps, val, true);
    if (why)
        return why;
    if (((val ^ cur->efer) & EFER_LME) && (cur->cr0 & CR0_PG))
        return "EFER.LME changed with paging on";
    /* CS may hold L and D from legacy mode; with LME set, the entry after CR0.PG would be
     * invalid. Drop L until the guest reloads CS (Xen does the same). */
    if ((val & EFER_LME) && !(cur->efer & EFER_LME))
        next->cs_l = false;
    next->efer = val | (cur->efer & EFER_LMA);
    return NULL;
}

const char *cr_state_check(const struct cr_caps *caps, const struct cr_state *s)
{
    const char *why;

    if (s->cr0 >> 32)
        return "CR0 bits 63:32 are reserved";
    if ((s->cr0 & (CR0_PE | CR0_PG)) == CR0_PG)
        return "CR0.PG without CR0.PE";
    if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
        return "CR0.NW without CR0.CD";
    if (s->cr4 & ~caps->cr4_valid)
        return "CR4 bit reserved or of a feature the guest's CPUID does not offer";
    if ((s->efer & EFER_LMA) && !(s->efer & EFER_LME))
        return "EFER.LMA without EFER.LME";
    why = efer_valid(caps, s->efer, true);
    if (why)
        return why;
    if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)) {
        if (!(s->cr4 & CR4_PAE))
            return "long mode without CR4.PAE";
        if (s->cr3 >> caps->maxphysaddr)
            return "CR3 beyond the physical address width";
    }
    if ((s->cr4 & CR4_CET) && !(s->cr0 & CR0_WP))
        return "CR4.CET without CR0.WP";
    if ((s->cr4 & CR4_PCIDE) && (!(s->efer & EFER_LME) || !(s->cr0 & CR0_PG)))
        return "CR4.PCIDE outside long mode";
    return NULL;
}
