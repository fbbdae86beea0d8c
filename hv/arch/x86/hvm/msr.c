// SPDX-License-Identifier: MIT
/*
 * Guest MSR accesses that exit (everything the VMCB does not switch by itself). Default deny:
 * an MSR not listed here raises #GP in the guest, logged once per domain and MSR.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/p2m.h>
#include "hvm_private.h"

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE_ 0x1b
#define MSR_TSC_ADJUST 0x3b
#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define MSR_UCODE_REV 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MSR_LASTBRANCH_FROM 0x1db
#define MSR_LASTBRANCH_TO 0x1dc
#define MSR_LASTINT_FROM 0x1dd
#define MSR_LASTINT_TO 0x1de
#define MSR_XSS 0xda0
#define MSR_MTRR_PHYS_FIRST 0x200
#define MSR_MTRR_PHYS_LAST 0x213
#define MSR_MTRR_FIX_FIRST 0x250
#define MSR_MTRR_FIX_LAST 0x26f
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_XEN_HYPERCALL_PAGE 0x40000000
#define MSR_TSC_AUX 0xc0000103
#define MSR_AMD_HWCR 0xc0010015
#define MSR_AMD_NB_CFG 0xc001001f
#define MSR_AMD_DE_CFG 0xc0011029
#define MSR_AMD_VM_CR 0xc0010114
#define MSR_AMD_SYSCFG 0xc0010010

static void log_denied(struct vcpu *v, uint32_t msr, bool write)
{
    static uint32_t last_msr[2] = { ~0u, ~0u }; /* keep the log readable */
    if (last_msr[write] == msr)
        return;
    last_msr[write] = msr;
    printk(XENLOG_WARNING "d%u v%u: %s of MSR %#x refused (#GP)\n", v->domain->domain_id,
           v->vcpu_id, write ? "write" : "read", msr);
}

/* XSAVES is offered exactly when the CPU has it (CPUID 0xD.1 EAX bit 3, passed through). */
static bool guest_has_xsaves(void)
{
    struct cpuid_regs r;
    if (cpuid_eax(0) < 0xd || !(cpuid_ecx(1) & (1u << 26)))
        return false;
    cpuid_count(0xd, 1, &r);
    return r.eax & (1u << 3);
}

static enum hvm_reg lbr_reg(uint32_t msr)
{
    static const enum hvm_reg regs[] = { HVM_LBR_FROM, HVM_LBR_TO, HVM_LER_FROM, HVM_LER_TO };
    return regs[array_index_nospec(msr - MSR_LASTBRANCH_FROM, ARRAY_SIZE(regs))];
}

/* Fill the page at gfn with the hypercall stubs (Xen's 64-bit layout, one per 32 bytes). */
static bool write_hypercall_page(struct vcpu *v, uint64_t val)
{
    struct domain *d = v->domain;
    uint8_t page[PAGE_SIZE];
    mfn_t mfn;

    if (val & 0xfff)
        return false; /* a page index other than 0 */
    if (p2m_lookup(d, val >> PAGE_SHIFT, &mfn) != p2m_ram_rw)
        return false;
    memset(page, 0xcc, sizeof(page));
    for (unsigned int nr = 0; nr < PAGE_SIZE / 32; nr++) {
        uint8_t *p = page + nr * 32;
        p[0] = 0xb8; /* mov $nr, %eax */
        p[1] = nr & 0xff;
        p[2] = nr >> 8;
        p[3] = p[4] = 0;
        p[5] = 0x0f; /* vmmcall */
        p[6] = 0x01;
        p[7] = 0xd9;
        p[8] = 0xc3; /* ret */
    }
    /* HYPERVISOR_iret (23) is PV-only: make it fault (ud2). */
    page[23 * 32 + 0] = 0x0f;
    page[23 * 32 + 1] = 0x0b;
    if (copy_to_gpa(d, val, page, sizeof(page)))
        return false;
    d->arch.hypercall_page_gfn = val >> PAGE_SHIFT;
    return true;
}

bool hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = 0;
    if (hvm_vlapic_msr(v, msr, false, val))
        return true;
    switch (msr) {
    case MSR_EFER:
        *val = hvm_funcs->get_reg(v, HVM_EFER);
        return true;
    case MSR_APIC_BASE_:
        *val = 0xfee00000 | (1u << 11) | (v->vcpu_id == 0 ? 1u << 8 : 0);
        return true;
    case MSR_TSC:
        *val = rdtsc() + v->domain->arch.tsc_offset;
        return true;
    case MSR_MISC_ENABLE:
        *val = 1; /* fast strings */
        return true;
    case MSR_MTRR_DEF_TYPE:
        *val = (1u << 11) | 6; /* MTRRs enabled, default write-back */
        return true;
    case MSR_AMD_DE_CFG:
        *val = 1u << 1; /* LFENCE is dispatch-serialising */
        return true;
    case MSR_AMD_VM_CR:
        *val = 1u << 4; /* SVM disabled: no nested virtualisation */
        return true;
    case MSR_AMD_SYSCFG:
        return true; /* no memory encryption, no MTRR extensions: zero */
    case MSR_TSC_AUX:
        *val = v->arch.tsc_aux;
        return true;
    case MSR_SPEC_CTRL: /* only where CPUID says it exists (spec_ctrl.c) */
        if (!spec_ctrl_guest_has_spec_ctrl())
            break;
        *val = v->arch.spec_ctrl;
        return true;
    case MSR_XSS:
        if (!guest_has_xsaves())
            break;
        *val = v->arch.xss;
        return true;
    /* As Xen 4.17 on SVM: DEBUGCTL and the branch records read from the VMCB. */
    case MSR_DEBUGCTL:
        *val = hvm_funcs->get_reg(v, HVM_DEBUGCTL);
        return true;
    case MSR_LASTBRANCH_FROM:
    case MSR_LASTBRANCH_TO:
    case MSR_LASTINT_FROM:
    case MSR_LASTINT_TO:
        *val = hvm_funcs->get_reg(v, lbr_reg(msr));
        return true;
    case MSR_PLATFORM_ID:
    case MSR_TSC_ADJUST:
    case MSR_UCODE_REV:
    case MSR_MTRRCAP:
    case MSR_MCG_CAP:
    case MSR_MCG_STATUS:
    case MSR_AMD_HWCR:
    case MSR_AMD_NB_CFG:
        return true; /* reads as zero */
    default:
        if ((msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) ||
            (msr >= MSR_MTRR_FIX_FIRST && msr <= MSR_MTRR_FIX_LAST))
            return true;
        break;
    }
    log_denied(v, msr, false);
    return false;
}

bool hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (hvm_vlapic_msr(v, msr, true, &val))
        return true;
    switch (msr) {
    case MSR_EFER:
        return hvm_set_efer(v, val); /* Xen's rules; LMA is read-only (cr.c) */
    case MSR_XEN_HYPERCALL_PAGE:
        return write_hypercall_page(v, val);
    case MSR_TSC_AUX:
        if (val >> 32)
            return false;
        v->arch.tsc_aux = val; /* loaded before the next entry (hvm_prepare_entry) */
        return true;
    case MSR_SPEC_CTRL: /* loaded before the next entry (spec_ctrl.c) */
        if (!spec_ctrl_guest_has_spec_ctrl() || (val & ~spec_ctrl_guest_valid_bits()))
            break;
        v->arch.spec_ctrl = val;
        return true;
    case MSR_PRED_CMD: /* write-only; reads fall to #GP below */
        if (!spec_ctrl_pred_cmd(val))
            break;
        return true;
    case MSR_XSS: /* no XSS-managed state is offered: only 0, as Xen */
        if (!guest_has_xsaves() || val)
            break;
        v->arch.xss = val;
        return true;
    case MSR_DEBUGCTL: /* any value, as Xen 4.17 on SVM (svm.c: LBR virtualisation) */
        hvm_funcs->set_reg(v, HVM_DEBUGCTL, val);
        return true;
    case MSR_LASTBRANCH_FROM:
    case MSR_LASTBRANCH_TO:
    case MSR_LASTINT_FROM:
    case MSR_LASTINT_TO:
        hvm_funcs->set_reg(v, lbr_reg(msr), val);
        return true;
    case MSR_MISC_ENABLE:
    case MSR_MTRR_DEF_TYPE:
    case MSR_TSC_ADJUST:
    case MSR_MCG_STATUS:
    case MSR_AMD_HWCR:
    case MSR_AMD_DE_CFG:
        return true; /* accepted and ignored: no effect on a virtual machine */
    case MSR_APIC_BASE_:
        return !v->arch.vlapic; /* with an emulated LAPIC, it refused this value */
    default:
        if ((msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) ||
            (msr >= MSR_MTRR_FIX_FIRST && msr <= MSR_MTRR_FIX_LAST))
            return true;
        break;
    }
    log_denied(v, msr, true);
    return false;
}
