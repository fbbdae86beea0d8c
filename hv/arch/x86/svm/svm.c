// SPDX-License-Identifier: MIT
/* AMD SVM: detection, per-CPU enabling, VMCB set-up for PVH vCPUs, entering the guest. */
#include <asm/domain.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <public/vcpu.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/xmalloc.h>
#include "../hvm/hvm_private.h"
#include "../hvm/vlapic.h"
#include "../hvm/x86_emulate.h"
#include "svm.h"

#define MSR_VM_CR 0xC0010114
#define VM_CR_SVMDIS (1u << 4)
#define MSR_VM_HSAVE_PA 0xC0010117

/* Permission maps shared by every vCPU: every port and MSR intercepted unless cleared. */
static uint8_t *iopm;  /* 12 KiB */
static uint8_t *msrpm; /* 8 KiB */
static paddr_t iopm_pa, msrpm_pa;
static uint32_t nr_asids;
static bool has_lbrv; /* LBR virtualisation (CPUID 0x8000000A EDX bit 1) */
static paddr_t host_vmcb_pa[NR_CPUS];

/*
 * ASIDs are handed out per pCPU (AMD APM vol. 2, 15.16): a vCPU's ASID is valid on the pCPU
 * that gave it, for that pCPU's current generation. When a pCPU runs out, it starts a new
 * generation with a flush of every ASID, so a number is never reused while an older holder's
 * translations could still be cached. Touched only by the owning pCPU, with GIF clear.
 */
static struct {
    uint64_t generation; /* 0 until the first entry on this pCPU */
    uint32_t next;
} asid_pool[NR_CPUS];

static void *alloc_contig(unsigned int order, paddr_t *pa)
{
    struct page_info *pg = alloc_pages(order);
    if (!pg)
        return NULL;
    void *va = page_to_virt(pg);
    *pa = virt_to_maddr(va);
    return va;
}

/* Let the guest access an MSR directly (its value is switched through the VMCB). */
static void msr_passthrough(uint32_t msr, bool read, bool write)
{
    unsigned int base;
    if (msr <= 0x1fff)
        base = 0;
    else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
        base = 0x800 * 8, msr -= 0xc0000000;
    else if (msr >= 0xc0010000 && msr <= 0xc0011fff)
        base = 0x1000 * 8, msr -= 0xc0010000;
    else
        return;
    unsigned int bit = base + msr * 2;
    if (read)
        msrpm[bit / 8] &= ~(1u << (bit % 8));
    if (write)
        msrpm[(bit + 1) / 8] &= ~(1u << ((bit + 1) % 8));
}

static int svm_cpu_up(void)
{
    unsigned int cpu = smp_processor_id();

    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        printk(XENLOG_ERR "SVM: disabled by the firmware on CPU %u\n", cpu);
        return -ENODEV;
    }
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    if (!host_vmcb_pa[cpu]) {
        void *hsave = alloc_xen_page();
        void *hvmcb = alloc_xen_page();
        if (!hsave || !hvmcb)
            return -ENOMEM;
        wrmsr(MSR_VM_HSAVE_PA, virt_to_maddr(hsave));
        host_vmcb_pa[cpu] = virt_to_maddr(hvmcb);
    }
    return 0;
}

static void seg_set(struct vmcb_seg *s, uint16_t sel, uint16_t attr, uint32_t limit,
                    uint64_t base)
{
    s->sel = sel;
    s->attr = attr;
    s->limit = limit;
    s->base = base;
}

static int svm_vcpu_initialise(struct vcpu *v)
{
    paddr_t pa;
    struct vmcb *vmcb = alloc_contig(0, &pa);

    if (!vmcb)
        return -ENOMEM;
    memset(vmcb, 0, sizeof(*vmcb));
    v->arch.vmcb = vmcb;
    v->arch.vmcb_pa = pa;
    v->arch.last_cpu = -1;

    /* Intercepts (APM 15.9-15.14). VMRUN must be intercepted for VMRUN to succeed. */
    vmcb->general1_intercepts = GI_INTR | GI_NMI | GI_SMI | GI_INIT | GI_CPUID | GI_HLT |
                                GI_IOIO_PROT | GI_MSR_PROT | GI_SHUTDOWN | GI_INVD |
                                GI_TASK_SWITCH | GI_RSM | GI_INVLPGA | GI_RDPMC;
    vmcb->general2_intercepts = GI2_VMRUN | GI2_VMMCALL | GI2_VMLOAD | GI2_VMSAVE |
                                GI2_STGI | GI2_CLGI | GI2_SKINIT | GI2_XSETBV |
                                GI2_MONITOR | GI2_MWAIT | GI2_MWAIT_ARMED | GI2_ICEBP |
                                GI2_WBINVD | GI2_RDPRU;
    /* #MC belongs to the host; #DB and #AC are reflected to the guest through an exit so
     * that a guest cannot keep the CPU in an endless exception loop (XSA-156). */
    vmcb->exception_intercepts = (1u << TRAP_MC) | (1u << TRAP_DB) | (1u << TRAP_AC);
    vmcb->dr_intercepts = ~0u; /* until the guest first uses them (debugreg.c) */
    /* CR0 and CR4 writes (MOV CR, LMSW, CLTS) are checked as Xen does: a value VMRUN would
     * refuse must be the guest's #GP. */
    vmcb->cr_intercepts = CR_INTERCEPT_WRITE(0) | CR_INTERCEPT_WRITE(4);
    vmcb->iopm_base_pa = iopm_pa;
    vmcb->msrpm_base_pa = msrpm_pa;
    vmcb->np_enable = 1;
    vmcb->n_cr3 = p2m_root(v->domain);
    /* Virtual interrupts follow the guest's IF; physical ones always exit to Tern. */
    vmcb->vintr = V_INTR_MASKING;
    vmcb->g_pat = 0x0007040600070406ULL; /* the architectural reset value */
    vmcb->tsc_offset = v->domain->arch.tsc_offset;

    v->arch.asid_generation = 0; /* none yet: the first entry takes one */
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    svm_dr_forget(v);
    if (v->arch.vmcb)
        free_xen_page(v->arch.vmcb);
    v->arch.vmcb = NULL;
}

/* Xen's PVH entry state (docs/misc/pvh.pandoc): flat 32-bit protected mode, no paging. */
/* What every start state shares: CPL 0, no paging, EFER.SVME (required in the guest's EFER,
 * APM 15.5.1), reset debug registers and flags, zeroed general registers. */
static void reset_state(struct vcpu *v, uint64_t cr0, uint64_t rip)
{
    struct vmcb *vmcb = v->arch.vmcb;

    vmcb->cpl = 0;
    vmcb->cr0 = cr0 | (1u << 4); /* ET */
    vmcb->cr3 = 0;
    vmcb->cr4 = 0;
    vmcb->efer = EFER_SVME;
    vmcb->dr6 = 0xffff0ff0;
    vmcb->dr7 = 0x400;
    memset(v->arch.dr, 0, sizeof(v->arch.dr));
    v->arch.dr_dirty = false;
    vmcb->dr_intercepts = ~0u;
    vmcb->rflags = 0x2;
    vmcb->eventinj = 0; /* nothing from before the reset is delivered after it */
    vmcb->rip = rip;
    vmcb->rsp = 0;
    vmcb->rax = 0;
    memset(&v->arch.gprs, 0, sizeof(v->arch.gprs));
}

static void svm_set_pvh_boot_state(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
    struct vmcb *vmcb = v->arch.vmcb;

    seg_set(&vmcb->cs, 0x10, 0xc9b, 0xffffffff, 0); /* 32-bit code, read/exec, accessed */
    seg_set(&vmcb->ds, 0x18, 0xc93, 0xffffffff, 0);
    seg_set(&vmcb->es, 0x18, 0xc93, 0xffffffff, 0);
    seg_set(&vmcb->ss, 0x18, 0xc93, 0xffffffff, 0);
    seg_set(&vmcb->fs, 0x18, 0xc93, 0xffffffff, 0);
    seg_set(&vmcb->gs, 0x18, 0xc93, 0xffffffff, 0);
    seg_set(&vmcb->tr, 0x20, 0x08b, 0x67, 0);       /* busy 32-bit TSS */
    seg_set(&vmcb->ldtr, 0, 0x082, 0, 0);
    seg_set(&vmcb->gdtr, 0, 0, 0, 0);
    seg_set(&vmcb->idtr, 0, 0, 0, 0);
    reset_state(v, X86_CR0_PE, entry);
    v->arch.gprs.rbx = ebx;
}

/* An AP's INIT-SIPI start: real mode at vector << 12. */
static void svm_set_sipi_state(struct vcpu *v, uint8_t vector)
{
    struct vmcb *vmcb = v->arch.vmcb;

    seg_set(&vmcb->cs, vector << 8, 0x9b, 0xffff, (uint64_t)vector << 12);
    seg_set(&vmcb->ds, 0, 0x93, 0xffff, 0);
    seg_set(&vmcb->es, 0, 0x93, 0xffff, 0);
    seg_set(&vmcb->ss, 0, 0x93, 0xffff, 0);
    seg_set(&vmcb->fs, 0, 0x93, 0xffff, 0);
    seg_set(&vmcb->gs, 0, 0x93, 0xffff, 0);
    seg_set(&vmcb->tr, 0, 0x8b, 0xffff, 0);
    seg_set(&vmcb->ldtr, 0, 0x82, 0xffff, 0);
    seg_set(&vmcb->gdtr, 0, 0, 0xffff, 0);
    seg_set(&vmcb->idtr, 0, 0, 0xffff, 0);
    reset_state(v, 0, 0);
}

static bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Segment attributes as the VMCB packs them. */
#define AR_TYPE 0xfu
#define AR_S (1u << 4)
#define AR_DPL(a) (((a) >> 5) & 3)
#define AR_P (1u << 7)
#define AR_G (1u << 11)
#define TYPE_CODE 0x8u
#define TYPE_WRITABLE_OR_READABLE 0x2u
#define TYPE_TSS_BUSY 0xbu

/* Xen's check_segment() for a VCPUOP_initialise segment; attr already has the accessed (busy)
 * bit set when present. */
static bool segment_ok(unsigned int seg, uint16_t attr)
{
    if (attr & 0xf000)
        return false; /* bits 15:12 are padding */
    if (!attr)
        return seg == x86_seg_ds || seg == x86_seg_es; /* null: only DS and ES */
    if (seg == 6 /* TR */) {
        if ((attr & AR_S) || (attr & AR_TYPE) != TYPE_TSS_BUSY)
            return false;
    } else if (!(attr & AR_S)) {
        return false; /* a system segment in a code/data register */
    }
    if (!(attr & AR_P))
        return false;
    switch (seg) {
    case x86_seg_cs:
        return attr & TYPE_CODE;
    case x86_seg_ss:
        return !(attr & TYPE_CODE) && (attr & TYPE_WRITABLE_OR_READABLE);
    case x86_seg_ds:
    case x86_seg_es:
        return !(attr & TYPE_CODE) || (attr & TYPE_WRITABLE_OR_READABLE);
    default:
        return true;
    }
}

static uint16_t accessed(unsigned int seg, uint16_t attr)
{
    if (!(attr & AR_P))
        return attr;
    return attr | (seg == 6 ? 2 : 1); /* TR: busy; others: accessed */
}

/*
 * Check a VCPUOP_initialise state as Xen's arch_set_info_hvm_guest() does (padding, segment
 * types, EIP within CS, DPLs, CR4 and EFER against the guest's CPUID) and as VMRUN needs
 * (APM 15.5.1; hvm/cr.c), then load it. EFER.LMA follows LME and CR0.PG.
 */
static int svm_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct guest_gprs *g = &v->arch.gprs;

    if (ctx->pad)
        return -EINVAL;
    if (ctx->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;
        uint16_t cs = accessed(x86_seg_cs, r->cs_ar), ds = accessed(x86_seg_ds, r->ds_ar);
        uint16_t ss = accessed(x86_seg_ss, r->ss_ar), es = accessed(x86_seg_es, r->es_ar);
        uint16_t tr = accessed(6, r->tr_ar);
        uint64_t limit = r->cs_limit, efer = r->efer;

        if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
            return -EINVAL;
        if (!segment_ok(x86_seg_cs, cs) || !segment_ok(x86_seg_ds, ds) ||
            !segment_ok(x86_seg_ss, ss) || !segment_ok(x86_seg_es, es) || !segment_ok(6, tr))
            return -EINVAL;
        if (cs & AR_G)
            limit = (limit << 12) | 0xfff;
        if (r->eip > limit || AR_DPL(ss) != AR_DPL(cs) ||
            ((ds & AR_P) && AR_DPL(ds) > AR_DPL(cs)) ||
            ((es & AR_P) && AR_DPL(es) > AR_DPL(cs)))
            return -EINVAL;
        if ((efer & EFER_LMA) && !(efer & EFER_LME))
            return -EINVAL;
        efer &= ~(uint64_t)EFER_LMA;
        if ((efer & EFER_LME) && (r->cr0 & X86_CR0_PG))
            efer |= EFER_LMA;
        if (hvm_check_initial_state(v, r->cr0, r->cr3, r->cr4, efer))
            return -EINVAL;
        svm_set_pvh_boot_state(v, r->eip, r->ebx);
        seg_set(&vmcb->cs, 0, cs, (uint32_t)limit, r->cs_base);
        seg_set(&vmcb->ds, 0, ds, r->ds_limit, r->ds_base);
        seg_set(&vmcb->es, 0, es, r->es_limit, r->es_base);
        seg_set(&vmcb->ss, 0, ss, r->ss_limit, r->ss_base);
        seg_set(&vmcb->tr, 0, tr, r->tr_limit, r->tr_base);
        vmcb->cpl = AR_DPL(cs);
        vmcb->cr0 = r->cr0 | (1u << 4);
        vmcb->cr3 = r->cr3;
        vmcb->cr4 = r->cr4;
        vmcb->efer = efer | EFER_SVME;
        vmcb->rflags = r->eflags | 2;
        vmcb->rsp = r->esp;
        vmcb->rax = r->eax;
        g->rcx = r->ecx;
        g->rdx = r->edx;
        g->rbp = r->ebp;
        g->rsi = r->esi;
        g->rdi = r->edi;
        return 0;
    }
    if (ctx->mode == VCPU_HVM_MODE_64B) {
        const struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;
        /* Long mode needs paging, PAE and LME (Xen); the rest is cr.c's. */
        if (!(r->cr0 & X86_CR0_PG) || !(r->cr4 & X86_CR4_PAE) || !(r->efer & EFER_LME) ||
            !is_canonical(r->rip))
            return -EINVAL;
        if (hvm_check_initial_state(v, r->cr0, r->cr3, r->cr4, r->efer | EFER_LMA))
            return -EINVAL;
        svm_set_pvh_boot_state(v, 0, 0);
        seg_set(&vmcb->cs, 0x10, 0xa9b, 0xffffffff, 0); /* 64-bit code */
        vmcb->cr0 = r->cr0 | (1u << 4);
        vmcb->cr3 = r->cr3;
        vmcb->cr4 = r->cr4;
        vmcb->efer = r->efer | EFER_LMA | EFER_SVME; /* LMA follows from PG + LME */
        vmcb->rflags = r->rflags | 2;
        vmcb->rip = r->rip;
        vmcb->rsp = r->rsp;
        vmcb->rax = r->rax;
        g->rbx = r->rbx;
        g->rcx = r->rcx;
        g->rdx = r->rdx;
        g->rbp = r->rbp;
        g->rsi = r->rsi;
        g->rdi = r->rdi;
        return 0;
    }
    return -EINVAL;
}

static void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
                                 uint32_t error_code)
{
    struct vmcb *vmcb = v->arch.vmcb;
    vmcb->eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | (vector & 0xff) |
                     (has_error ? EVENT_EV | ((uint64_t)error_code << 32) : 0);
}

static bool svm_inject_nmi(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    if (vmcb->eventinj & EVENT_VALID)
        return false; /* an event is being (re)delivered: the NMI waits for the next entry */
    vmcb->eventinj = EVENT_VALID | EVENT_TYPE_NMI | 2;
    return true;
}

static bool svm_event_pending(struct vcpu *v)
{
    return ((struct vmcb *)v->arch.vmcb)->eventinj & EVENT_VALID;
}

static void svm_set_virtual_irq(struct vcpu *v, bool pending, uint8_t vector)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t vintr = vmcb->vintr & ~(V_IRQ | (0xffULL << V_INTR_VECTOR_SHIFT) |
                                     (0xfULL << V_INTR_PRIO_SHIFT) | V_IGN_TPR);
    if (pending)
        vintr |= V_IRQ | ((uint64_t)vector << V_INTR_VECTOR_SHIFT) |
                 (0xfULL << V_INTR_PRIO_SHIFT) | V_IGN_TPR;
    vmcb->vintr = vintr;
}

static uint64_t svm_get_reg(struct vcpu *v, enum hvm_reg r)
{
    struct vmcb *vmcb = v->arch.vmcb;
    switch (r) {
    case HVM_RAX: return vmcb->rax;
    case HVM_RIP: return vmcb->rip;
    case HVM_RSP: return vmcb->rsp;
    case HVM_RFLAGS: return vmcb->rflags;
    case HVM_CR0: return vmcb->cr0;
    case HVM_CR3: return vmcb->cr3;
    case HVM_CR4: return vmcb->cr4;
    case HVM_EFER: return vmcb->efer & ~EFER_SVME;
    case HVM_CS_ATTR: return vmcb->cs.attr;
    case HVM_CPL: return vmcb->cpl;
    case HVM_DEBUGCTL: return vmcb->dbgctl;
    case HVM_LBR_FROM: return vmcb->br_from;
    case HVM_LBR_TO: return vmcb->br_to;
    case HVM_LER_FROM: return vmcb->lastexcpfrom;
    case HVM_LER_TO: return vmcb->lastexcpto;
    case HVM_CR2: return vmcb->cr2;
    case HVM_INTR_SHADOW: return vmcb->interrupt_shadow & 1;
    case HVM_PAT: return vmcb->g_pat;
    }
    return 0;
}

static void svm_set_reg(struct vcpu *v, enum hvm_reg r, uint64_t val)
{
    struct vmcb *vmcb = v->arch.vmcb;
    switch (r) {
    case HVM_RAX: vmcb->rax = val; break;
    case HVM_RIP: vmcb->rip = val; break;
    case HVM_RSP: vmcb->rsp = val; break;
    case HVM_RFLAGS: vmcb->rflags = val | 2; break;
    case HVM_EFER: vmcb->efer = val | EFER_SVME; break;
    /* CR0 and CR4 only after hvm/cr.c checked them (their writes are intercepted) */
    case HVM_CR0: vmcb->cr0 = val; break;
    case HVM_CR4: vmcb->cr4 = val; break;
    case HVM_CR2: vmcb->cr2 = val; break;
    case HVM_PAT: vmcb->g_pat = val; break;
    case HVM_CS_ATTR: vmcb->cs.attr = (uint16_t)val; break;
    case HVM_INTR_SHADOW: vmcb->interrupt_shadow = (vmcb->interrupt_shadow & ~1ULL) | (val & 1);
        break;
    case HVM_DEBUGCTL:
        /* As Xen 4.17: kept in the VMCB; with LBR virtualisation the CPU loads it (and the
         * records) at VMRUN, so the guest's LBR/BTF take effect. Without, it is only kept. */
        vmcb->dbgctl = val;
        if (val && has_lbrv)
            vmcb->virt_ext |= VIRT_EXT_LBR_ENABLE;
        break;
    case HVM_LBR_FROM: vmcb->br_from = val; break;
    case HVM_LBR_TO: vmcb->br_to = val; break;
    case HVM_LER_FROM: vmcb->lastexcpfrom = val; break;
    case HVM_LER_TO: vmcb->lastexcpto = val; break;
    default: break;
    }
}

static void svm_get_seg(struct vcpu *v, unsigned int seg, struct x86_seg_reg *out)
{
    struct vmcb *vmcb = v->arch.vmcb;
    const struct vmcb_seg *s;

    switch (seg) {
    case x86_seg_es: s = &vmcb->es; break;
    case x86_seg_cs: s = &vmcb->cs; break;
    case x86_seg_ss: s = &vmcb->ss; break;
    case x86_seg_fs: s = &vmcb->fs; break;
    case x86_seg_gs: s = &vmcb->gs; break;
    default: s = &vmcb->ds; break;
    }

    *out = (struct x86_seg_reg){ .sel = s->sel, .attr = s->attr, .limit = s->limit,
                                 .base = s->base };
}

static void svm_dump_state(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    const struct guest_gprs *g = &v->arch.gprs;

    printk("  rip %016llx  rsp %016llx  rflags %016llx  cpl %u\n",
           (unsigned long long)vmcb->rip, (unsigned long long)vmcb->rsp,
           (unsigned long long)vmcb->rflags, vmcb->cpl);
    printk("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
           (unsigned long long)vmcb->rax, (unsigned long long)g->rbx,
           (unsigned long long)g->rcx, (unsigned long long)g->rdx);
    printk("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n",
           (unsigned long long)g->rsi, (unsigned long long)g->rdi,
           (unsigned long long)g->rbp, (unsigned long long)g->r8);
    printk("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n",
           (unsigned long long)g->r9, (unsigned long long)g->r10,
           (unsigned long long)g->r11, (unsigned long long)g->r12);
    printk("  r13 %016llx  r14 %016llx  r15 %016llx\n", (unsigned long long)g->r13,
           (unsigned long long)g->r14, (unsigned long long)g->r15);
    printk("  cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx  efer %016llx\n",
           (unsigned long long)vmcb->cr0, (unsigned long long)vmcb->cr2,
           (unsigned long long)vmcb->cr3, (unsigned long long)vmcb->cr4,
           (unsigned long long)vmcb->efer);
    printk("  cs %04x/%03x base %llx  exitcode %#llx info1 %#llx info2 %#llx intinfo %#llx\n",
           vmcb->cs.sel, vmcb->cs.attr, (unsigned long long)vmcb->cs.base,
           (unsigned long long)vmcb->exitcode, (unsigned long long)vmcb->exitinfo1,
           (unsigned long long)vmcb->exitinfo2, (unsigned long long)vmcb->exitintinfo);
}

uint64_t hvm_vcpu_cs_base(struct vcpu *v)
{
    return ((struct vmcb *)v->arch.vmcb)->cs.base;
}

static inline void clgi(void)
{
    asm volatile("clgi" ::: "memory");
}

static inline void stgi(void)
{
    asm volatile("stgi" ::: "memory");
}

/* A fresh ASID for v from this pCPU's pool; a new generation flushes the pCPU's TLB. */
static void asid_renew(struct vcpu *v, struct vmcb *vmcb, unsigned int cpu)
{
    if (!asid_pool[cpu].generation || asid_pool[cpu].next >= nr_asids) {
        asid_pool[cpu].generation++;
        asid_pool[cpu].next = 1; /* ASID 0 is the host's */
        vmcb->tlb_control = TLB_CONTROL_FLUSH_ALL;
    }
    v->arch.asid = asid_pool[cpu].next++;
    v->arch.asid_generation = asid_pool[cpu].generation;
    vmcb->guest_asid = v->arch.asid;
}

static void svm_run(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct domain *d = v->domain;
    unsigned int cpu = smp_processor_id();
    uint32_t gen;

    /*
     * From here to the exit, interrupts stay pending (GIF clear): an event raised for v while
     * its entry is prepared, or a TLB shootdown that sees this pCPU in guest mode for d, sends
     * an interrupt, which makes VMRUN exit at once instead of being lost before the entry.
     * Announcing guest mode before reading the p2m generation (both sequentially consistent)
     * means a shootdown either sees us here or we see its generation (p2m_flush_sync).
     */
    clgi();
    hvm_prepare_entry(v);
    __atomic_store_n(&hvm_cpu_guest[cpu].dom, d, __ATOMIC_SEQ_CST);
    gen = __atomic_load_n(&d->arch.p2m_generation, __ATOMIC_SEQ_CST);
    /* Stale translations may be tagged with v's ASID after a move, a p2m change or a request:
     * a new ASID leaves them behind. */
    if (v->arch.last_cpu != (int)cpu || v->arch.p2m_generation_seen != gen ||
        v->arch.flush_tlb || v->arch.asid_generation != asid_pool[cpu].generation) {
        asid_renew(v, vmcb, cpu);
        v->arch.last_cpu = cpu;
        v->arch.p2m_generation_seen = gen;
        v->arch.flush_tlb = false;
    }
    svm_dr_before_entry(v);

    svm_vmrun(&v->arch.gprs, v->arch.vmcb_pa, host_vmcb_pa[cpu]);

    svm_dr_after_exit(v);
    __atomic_store_n(&hvm_cpu_guest[cpu].dom, NULL, __ATOMIC_RELEASE);
    __atomic_add_fetch(&hvm_cpu_guest[cpu].exits, 1, __ATOMIC_RELEASE);
    stgi(); /* pending host interrupts are taken here */
    vmcb->tlb_control = TLB_CONTROL_NONE;
    vlapic_after_exit(v, vmcb->vintr & V_IRQ); /* was the offered vector taken? */
    svm_handle_exit(v, rdtsc());
}

static struct hvm_function_table svm_function_table = {
    .name = "SVM",
    .cpu_up = svm_cpu_up,
    .vcpu_initialise = svm_vcpu_initialise,
    .vcpu_destroy = svm_vcpu_destroy,
    .set_pvh_boot_state = svm_set_pvh_boot_state,
    .set_sipi_state = svm_set_sipi_state,
    .set_hvm_context = svm_set_hvm_context,
    .save_cpu = svm_save_cpu,
    .load_cpu = svm_load_cpu,
    .run = svm_run,
    .inject_exception = svm_inject_exception,
    .set_virtual_irq = svm_set_virtual_irq,
    .inject_nmi = svm_inject_nmi,
    .event_pending = svm_event_pending,
    .get_reg = svm_get_reg,
    .set_reg = svm_set_reg,
    .get_seg = svm_get_seg,
    .dump_state = svm_dump_state,
};

const struct hvm_function_table *start_svm(void)
{
    struct cpuid_regs r;

    if (!(cpuid_ecx(0x80000001) & (1u << 2)))
        return NULL;
    cpuid(0x8000000a, &r);
    if (!(r.edx & 1)) {
        printk(XENLOG_ERR "SVM: no nested paging; Tern needs it\n");
        return NULL;
    }
    nr_asids = r.ebx;
    has_lbrv = r.edx & (1u << 1);
    if (nr_asids < 2)
        return NULL;
    iopm = alloc_contig(2, &iopm_pa); /* 12 KiB used of 16 */
    msrpm = alloc_contig(1, &msrpm_pa);
    if (!iopm || !msrpm)
        return NULL;
    memset(iopm, 0xff, 4 * PAGE_SIZE);
    memset(msrpm, 0xff, 2 * PAGE_SIZE);
    /* State the VMCB switches (VMLOAD/VMSAVE/VMRUN): safe to leave to the guest. */
    msr_passthrough(0xc0000100, true, true); /* FS_BASE */
    msr_passthrough(0xc0000101, true, true); /* GS_BASE */
    msr_passthrough(0xc0000102, true, true); /* KERNEL_GS_BASE */
    msr_passthrough(0xc0000081, true, true); /* STAR */
    msr_passthrough(0xc0000082, true, true); /* LSTAR */
    msr_passthrough(0xc0000083, true, true); /* CSTAR */
    msr_passthrough(0xc0000084, true, true); /* SFMASK */
    msr_passthrough(0x174, true, true);      /* SYSENTER_CS */
    msr_passthrough(0x175, true, true);      /* SYSENTER_ESP */
    msr_passthrough(0x176, true, true);      /* SYSENTER_EIP */
    msr_passthrough(0x277, true, true);      /* PAT: G_PAT with nested paging */
    msr_passthrough(0x10, true, false);      /* TSC reads (offset applies) */
    svm_function_table.max_asid = nr_asids - 1;
    printk("SVM: revision %u, %u ASIDs, nested paging%s\n", r.eax & 0xff, nr_asids,
           (r.edx & (1u << 3)) ? ", NRIP-save" : " (no NRIP-save: instructions are decoded)");
    return &svm_function_table;
}
