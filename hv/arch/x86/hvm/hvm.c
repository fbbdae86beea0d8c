// SPDX-License-Identifier: MIT
/* Vendor-neutral vCPU support: vendor choice, CPUID and MSR policy, port I/O, HLT, FPU state. */
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <public/arch-x86/cpuid.h>
#include <public/hvm/params.h>
#include <public/sched.h>
#include <tern/guest_acpi.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/version.h>
#include <tern/xmalloc.h>
#include "cpu_policy.h"
#include "hvm_private.h"
#include "vlapic.h"

const struct hvm_function_table *hvm_funcs;
struct hvm_cpu_guest hvm_cpu_guest[NR_CPUS];
static bool cpu_has_xsave;
static uint64_t host_xcr0_mask; /* components the CPU supports */
static size_t fpu_area_size;
static struct vcpu *fpu_owner[NR_CPUS];
static uint64_t cpu_tsc_aux[NR_CPUS]; /* what this pCPU's TSC_AUX holds */

static inline void xsetbv0(uint64_t v)
{
    asm volatile("xsetbv" ::"c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo | ((uint64_t)hi << 32);
}

/*
 * Learn v's XCR0 from the register while v's FPU state is loaded on this pCPU (from
 * fpu_switch() to its save). A guest's XSETBV is meant to exit (exit_xsetbv), but QEMU's
 * emulated SVM never intercepts it: the guest then sets XCR0 itself, unseen. QEMU checked the
 * value against the CPU's own components, which are Tern's host_xcr0_mask.
 */
static void sync_guest_xcr0(struct vcpu *v)
{
    if (cpu_has_xsave && fpu_owner[smp_processor_id()] == v)
        v->arch.guest_xcr0 = (xgetbv0() & host_xcr0_mask) | 1;
}

bool hvm_init(void)
{
    struct cpuid_regs r;

    hvm_funcs = start_svm();
    if (!hvm_funcs) {
        printk(XENLOG_WARNING "HVM: no usable AMD SVM with nested paging: guests cannot run\n");
        return false;
    }
    spec_ctrl_init();
    cpu_has_xsave = cpuid_ecx(1) & (1u << 26);
    if (cpu_has_xsave) {
        cpuid_count(0xd, 0, &r);
        host_xcr0_mask = r.eax | ((uint64_t)r.edx << 32);
        fpu_area_size = r.ecx;
    } else {
        fpu_area_size = 512;
    }
    return hvm_cpu_up() == 0;
}

int hvm_cpu_up(void)
{
    /* Guests' SIMD state is switched with XSAVE/FXSAVE, which need these enabled in Tern. */
    unsigned long cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    if (cpu_has_xsave)
        cr4 |= X86_CR4_OSXSAVE;
    write_cr4(cr4);
    write_cr0(read_cr0() & ~(1UL << 3)); /* TS clear: no lazy-FPU traps in Tern */
    spec_ctrl_cpu_up();
    return hvm_funcs ? hvm_funcs->cpu_up() : -ENODEV;
}

int hvm_vcpu_fpu_init(struct vcpu *v)
{
    size_t size = ROUNDUP(fpu_area_size, 64);
    uint8_t *a = size <= PAGE_SIZE ? xmalloc_aligned(size, 64) : NULL;
    if (!a)
        return -ENOMEM;
    /* Reset state: FCW 0x37f, MXCSR 0x1f80, and XSTATE_BV naming x87 and SSE so that the
     * first XRSTOR loads them instead of leaving MXCSR at zero (every exception unmasked). */
    a[0] = 0x7f;
    a[1] = 0x03;
    a[24] = 0x80;
    a[25] = 0x1f;
    if (cpu_has_xsave)
        a[512] = 0x3;
    v->arch.fpu_area = a;
    v->arch.guest_xcr0 = 1;
    return 0;
}

/* An FXSAVE image (a loaded HVM context), or the reset state for NULL: v runs nowhere, so
 * its save area is what its next entry restores. */
void hvm_vcpu_fpu_load(struct vcpu *v, const uint8_t *fxsave)
{
    uint8_t *a = v->arch.fpu_area;

    memset(a, 0, ROUNDUP(fpu_area_size, 64));
    if (fxsave) {
        memcpy(a, fxsave, 512);
    } else {
        a[0] = 0x7f;
        a[1] = 0x03;
        a[24] = 0x80;
        a[25] = 0x1f;
    }
    if (cpu_has_xsave)
        a[512] = 0x3; /* XSTATE_BV: x87 and SSE from the image; the rest in reset state */
}

void hvm_vcpu_fpu_destroy(struct vcpu *v)
{
    /* hvm_vcpu_descheduled() gave every pCPU's registers back before v left its pCPU. */
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (__atomic_load_n(&fpu_owner[c], __ATOMIC_ACQUIRE) == v)
            printk(XENLOG_ERR "d%u v%u: FPU still loaded on CPU %u at teardown\n",
                   v->domain->domain_id, v->vcpu_id, c);
    xfree(v->arch.fpu_area);
    v->arch.fpu_area = NULL;
}

static void fpu_save(struct vcpu *v)
{
    if (cpu_has_xsave) {
        sync_guest_xcr0(v);
        xsetbv0(host_xcr0_mask);
        asm volatile("xsave64 (%0)" ::"r"(v->arch.fpu_area), "a"((uint32_t)~0u),
                     "d"((uint32_t)~0u) : "memory");
    } else {
        asm volatile("fxsave64 (%0)" ::"r"(v->arch.fpu_area) : "memory");
    }
}

/*
 * Give this pCPU's FPU/SIMD registers to v. They stay loaded across v's exits and are saved
 * when v leaves the pCPU (hvm_vcpu_descheduled), so no other pCPU ever writes a vCPU's save
 * area and teardown cannot race a save.
 */
static void fpu_switch(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    struct vcpu *old = fpu_owner[cpu];

    if (old == v)
        return;
    if (old)
        fpu_save(old); /* not expected: the previous vCPU saved at its deschedule */
    if (cpu_has_xsave) {
        xsetbv0(host_xcr0_mask);
        asm volatile("xrstor64 (%0)" ::"r"(v->arch.fpu_area), "a"((uint32_t)~0u),
                     "d"((uint32_t)~0u) : "memory");
        xsetbv0(v->arch.guest_xcr0);
    } else {
        asm volatile("fxrstor64 (%0)" ::"r"(v->arch.fpu_area) : "memory");
    }
    __atomic_store_n(&fpu_owner[cpu], v, __ATOMIC_RELEASE);
}

void hvm_vcpu_descheduled(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();

    if (fpu_owner[cpu] != v)
        return;
    fpu_save(v);
    __atomic_store_n(&fpu_owner[cpu], NULL, __ATOMIC_RELEASE);
}

bool hvm_set_xcr0(struct vcpu *v, uint64_t val)
{
    if (!cpu_has_xsave || !(val & 1) || (val & ~host_xcr0_mask) ||
        ((val & 4) && !(val & 2)) ||                  /* AVX needs SSE */
        ((val & 0xe0) && (val & 0xe0) != 0xe0) ||      /* AVX-512: all three or none */
        ((val & 0xe0) && !(val & 4)))
        return false;
    v->arch.guest_xcr0 = val;
    xsetbv0(val); /* this pCPU's FPU belongs to v right now (fpu_switch before entry) */
    return true;
}

/* ---- CPUID ---- */

static void xen_leaves(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    switch (leaf - XEN_CPUID_FIRST_LEAF) {
    case 0: /* signature "XenVMMXenVMM", highest Xen leaf */
        out[0] = XEN_CPUID_FIRST_LEAF + 5;
        out[1] = XEN_CPUID_SIGNATURE_EBX;
        out[2] = XEN_CPUID_SIGNATURE_ECX;
        out[3] = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        out[0] = (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
        break;
    case 2: /* one hypercall page, set through MSR 0x40000000 */
        out[0] = 1;
        out[1] = 0x40000000;
        break;
    case 3: /* time: TSC untrapped at the host's rate */
        if (sub == 0) {
            out[0] = 0;
            out[2] = tsc_khz();
        } else if (sub == 2) {
            out[0] = tsc_khz();
        }
        break;
    case 4: /* HVM features: vCPU id and domain id are reported (no per-vCPU upcall vector) */
        out[0] = XEN_HVM_CPUID_IOMMU_MAPPINGS | XEN_HVM_CPUID_VCPU_ID_PRESENT |
                 XEN_HVM_CPUID_DOMID_PRESENT;
        out[1] = v->vcpu_id;
        out[2] = v->domain->domain_id;
        break;
    default:
        break;
    }
}

/*
 * What every guest's CPUID says before the domain's policy and the vCPU's own state: the
 * host's values, limited to what Tern virtualises. Leaves 0x40000000 and up are not here.
 */
static void guest_leaf(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct cpuid_regs r;
    static uint32_t max_basic, max_ext;

    out[0] = out[1] = out[2] = out[3] = 0;
    if (!max_basic) {
        max_basic = MIN(cpuid_eax(0), 0xdu);
        max_ext = MIN(cpuid_eax(0x80000000), 0x80000008u);
    }
    if ((leaf < 0x80000000 && leaf > max_basic) || (leaf >= 0x80000000 && leaf > max_ext))
        return;
    cpuid_count(leaf, sub, &r);
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;

    switch (leaf) {
    case 0:
        out[0] = max_basic;
        break;
    case 1:
        out[1] &= 0x0000ffff; /* APIC ID and logical count: the vCPU's (hvm_cpuid) */
        /* Hide VMX, SMX, EST, TM2, MONITOR, PDCM, DCA, OSXSAVE (the guest's CR4's); say
         * "hypervisor"; x2APIC is what the emulated LAPIC offers, whatever the host has. */
        out[2] &= ~((1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 3) | (1u << 15) |
                    (1u << 18) | (1u << 27));
        out[2] |= (1u << 31) | (1u << 21);
        /* Hide ACPI thermal, TM, PBE. */
        out[3] &= ~((1u << 22) | (1u << 29) | (1u << 31));
        break;
    case 4:
        out[0] &= 0x3ff; /* no cores/threads sharing information */
        break;
    case 5:
    case 6:
        out[0] = out[1] = out[2] = out[3] = 0; /* MONITOR/MWAIT and power management */
        break;
    case 7:
        if (sub == 0) {
            /* WAITPKG; LA57, which Xen 4.17 never offers (CR4.LA57 #GPs, hvm/cr_rules.c) */
            out[2] &= ~((1u << 5) | (1u << 16));
            /* L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES: MSRs Tern does not offer. */
            out[3] &= ~((1u << 28) | (1u << 29) | (1u << 30));
            /* Intel's SPEC_CTRL enumeration: only what spec_ctrl.c virtualises. */
            if (!spec_ctrl_guest_has_spec_ctrl())
                out[3] &= ~((1u << 26) | (1u << 27) | (1u << 31));
        }
        break;
    case 0xb:
    case 0xa:
        out[0] = out[1] = out[2] = out[3] = 0; /* no topology or PMU */
        break;
    case 0xd:
        if (sub == 1) {
            /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES; no XSS-managed (supervisor) state is
             * offered, so MSR_XSS only takes 0 (msr.c) and its bitmap is empty, as Xen. */
            out[0] &= 0xf;
            out[2] = out[3] = 0;
        } else if (sub > 1 && (out[2] & 1)) {
            out[0] = out[1] = out[2] = out[3] = 0; /* a supervisor component: not offered */
        }
        break;
    case 0x80000001:
        /* SVM, IBS, NodeId; DBEXT (the DR address-mask MSRs are not switched) */
        out[2] &= ~((1u << 2) | (1u << 10) | (1u << 19) | (1u << 26));
        break;
    case 0x80000007:
        out[3] &= 1u << 8; /* only the invariant-TSC bit */
        out[0] = out[1] = out[2] = 0;
        break;
    case 0x80000008:
        out[2] = 0; /* core count: let the guest use ACPI */
        /* RDPRU is refused (#UD, as Xen); VIRT_SSBD has no MSR_VIRT_SPEC_CTRL here. */
        out[1] &= ~((1u << 4) | (1u << 25));
        if (!spec_ctrl_guest_has_ibpb())
            out[1] &= ~(1u << 12);
        /* IBRS, STIBP and their hints (14-19), SSBD (24), PSFD (28): with SPEC_CTRL only. */
        if (!spec_ctrl_guest_has_spec_ctrl())
            out[1] &= ~((0x3fu << 14) | (1u << 24) | (1u << 28));
        break;
    default:
        break;
    }
}

void hvm_cpuid_default(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    guest_leaf(leaf, sub, out);
}

/*
 * The domain's accepted policy (cpu_policy_ops.c) narrows Tern's: the limits (max leaf and
 * subleaf) and every feature word (the featureset's registers) are the policy's, which the
 * audit kept within Tern's. Other fields (cache and topology descriptions, brand) stay
 * Tern's, and so do the bits that follow the vCPU's state (below).
 */
static bool apply_policy(const struct tern_cpu_policy *p, uint32_t leaf, uint32_t sub,
                         uint32_t out[4])
{
    bool subleaves = leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd;
    const struct cpuid_leaf_regs *r = cpu_policy_slot(p, leaf, subleaves ? sub : 0);

    if ((leaf < 0x80000000 && leaf > p->basic[0].a) ||
        (leaf >= 0x80000000 && leaf > p->extd[0].a) || (leaf == 7 && sub > p->feat[0].a) ||
        !r) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return false; /* beyond the policy's limits: all zero, nothing of the vCPU's */
    }
    switch (leaf) {
    case 0:
    case 0x80000000:
        out[0] = r->a;
        break;
    case 1:
    case 0x80000001:
        out[2] &= r->c;
        out[3] &= r->d;
        break;
    case 7:
        if (sub == 0)
            out[0] = r->a;
        else
            out[0] &= r->a;
        out[1] &= r->b;
        out[2] &= r->c;
        out[3] &= r->d;
        break;
    case 0xd:
        if (sub == 1)
            out[0] &= r->a;
        break;
    case 0x80000007:
        out[3] &= r->d;
        break;
    case 0x80000008:
        out[1] &= r->b;
        break;
    default:
        break;
    }
    return true;
}

void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    const struct tern_cpu_policy *p = v->domain->arch.cpu_policy;

    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf >= 0x40000000 && leaf < 0x40010000) {
        if ((leaf & 0xffff00ff) <= XEN_CPUID_FIRST_LEAF + 5 && (leaf & 0xff00) == 0)
            xen_leaves(v, leaf, sub, out);
        return;
    }
    guest_leaf(leaf, sub, out);
    if (p && !apply_policy(p, leaf, sub, out))
        return;

    switch (leaf) {
    case 1:
        /* APIC ID 2 x vCPU (libxl's numbering, which the MADT uses) and the count. */
        out[1] = (out[1] & 0x0000ffff) | ((v->vcpu_id * 2) << 24) |
                 ((MIN(v->domain->max_vcpus * 2, 255u)) << 16);
        if (!hvm_vcpu_has_x2apic(v))
            out[2] &= ~(1u << 21);
        /* OSXSAVE mirrors the guest's CR4. */
        if (hvm_funcs->get_reg(v, HVM_CR4) & X86_CR4_OSXSAVE)
            out[2] |= 1u << 27;
        /* The APIC bit mirrors IA32_APIC_BASE.EN, as on Xen. */
        if (hvm_vlapic_hw_disabled(v))
            out[3] &= ~(1u << 9);
        break;
    case 0xd:
        if (sub == 0) {
            /* Size of the save area for the guest's current XCR0. */
            uint64_t xcr0;
            sync_guest_xcr0(v); /* only while v's state is on this pCPU, so v is running */
            xcr0 = v->arch.guest_xcr0;
            uint32_t size = 576;
            for (unsigned int i = 2; i < 32; i++) {
                if (!(xcr0 & (1ULL << i)))
                    continue;
                struct cpuid_regs c;
                cpuid_count(0xd, i, &c);
                size = MAX(size, c.eax + c.ebx);
            }
            out[1] = size;
        }
        break;
    default:
        break;
    }
}

/* ---- port I/O ---- */

void hvm_portio(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
    if (port == 0xe9 && !in) {
        /* Bochs/Xen debug port: one character per write, to the domain's console. */
        char c = (char)*val;
        domain_console_write(v->domain, &c, 1);
        return;
    }
    if (port == GUEST_SLEEP_PORT && !in && size == 1) {
        /* ACPI hardware-reduced sleep control: SLP_EN with SLP_TYP 5 is S5, power off. */
        if ((*val & 0xff) == GUEST_ACPI_SLEEP_CTL_S5)
            domain_shutdown(v->domain, SHUTDOWN_poweroff);
        return;
    }
    if (port == GUEST_SLEEP_PORT + 1 && in) {
        *val = 0; /* sleep status: not woken (the domain is being shut down) */
        return;
    }
    if (hvm_vlapic_portio_hook(v, port, size, in, val))
        return;
    if (port == 0x42 && in) {
        /*
         * PVH has no PIT. A floating bus would read 0xff, which Linux's quick PIT
         * calibration takes for a counter stuck at its start value and polls 50,000 times
         * (100,000 exits, a second under emulation) before giving up; a counter reading 0
         * is refused at the first read. Linux then uses the PV clock's TSC rate.
         */
        *val = 0;
        return;
    }
    /* Nothing is there: reads float high, writes go nowhere (like an empty ISA bus). */
    if (in)
        *val = 0xffffffff;
}

/* ---- HLT and interrupt delivery ---- */

static uint8_t callback_vector(struct domain *d)
{
    uint64_t p = d->hvm_params[HVM_PARAM_CALLBACK_IRQ];
    if ((p >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) != HVM_PARAM_CALLBACK_TYPE_VECTOR)
        return 0;
    return p & 0xff;
}

bool hvm_vcpu_has_work_hook(struct vcpu *v)
{
    return (callback_vector(v->domain) && vcpu_has_pending_upcall(v)) ||
           hvm_vlapic_has_pending(v);
}

bool hvm_local_events_need_delivery(struct vcpu *v)
{
    return callback_vector(v->domain) && vcpu_has_pending_upcall(v) &&
           (hvm_funcs->get_reg(v, HVM_RFLAGS) & (1u << 9)); /* RFLAGS.IF */
}

void hvm_vcpu_send_nmi(struct vcpu *v)
{
    vlapic_send_nmi(v);
    vcpu_kick(v);
}

void hvm_hlt(struct vcpu *v)
{
    if (hvm_funcs->event_pending(v))
        return; /* an event is being delivered: it ends the HLT at once */
    if (!(hvm_funcs->get_reg(v, HVM_RFLAGS) & (1u << 9))) { /* RFLAGS.IF */
        /* Only an NMI could end it: Xen takes the vCPU down (hvm_vcpu_down). A PVH Linux
         * without an ACPI sleep state (libxl's tables) powers off this way, every CPU
         * ending in cli; hlt. */
        vcpu_take_down(v, "HLT with interrupts off");
        return;
    }
    if (!hvm_vcpu_has_work_hook(v))
        vcpu_block(v);
}

void hvm_prepare_entry(struct vcpu *v)
{
    uint8_t vec = callback_vector(v->domain);
    unsigned int cpu = smp_processor_id();
    uint8_t sipi;

    if (vlapic_take_sipi(v, &sipi))
        hvm_funcs->set_sipi_state(v, sipi);
    fpu_switch(v);
    /* An NMI IPI: only when no other event is being (re)delivered at this entry. */
    if (!hvm_funcs->event_pending(v) && vlapic_take_nmi(v))
        hvm_funcs->inject_nmi(v);
    /* RDTSCP/RDPID read TSC_AUX directly: it must hold this vCPU's value (VMRUN does not
     * switch it). */
    if (cpu_tsc_aux[cpu] != v->arch.tsc_aux) {
        wrmsr(0xc0000103, v->arch.tsc_aux);
        cpu_tsc_aux[cpu] = v->arch.tsc_aux;
    }
    if (vec && vcpu_has_pending_upcall(v))
        hvm_funcs->set_virtual_irq(v, true, vec); /* level-like: until upcall_pending clears */
    else if (!hvm_vlapic_inject(v))
        hvm_funcs->set_virtual_irq(v, false, 0);
    spec_ctrl_enter_guest(v); /* last of the entry work: IBPB and the guest's SPEC_CTRL */
}
