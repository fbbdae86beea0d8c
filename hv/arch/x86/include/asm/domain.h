/* SPDX-License-Identifier: MIT */
/* x86 parts of a domain and a vCPU: nested paging, the vendor's control block, guest GPRs. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <tern/spinlock.h>
#include <tern/types.h>

/* Guest general-purpose registers not kept in the VMCB (RAX, RSP and RIP live there). */
struct guest_gprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

#define HVM_EXIT_BUCKETS 24

struct tern_cpu_policy;

struct arch_domain {
    /* p2m (mm/p2m-npt.c) */
    spinlock_t p2m_lock;
    uint64_t *p2m_root;          /* Tern's pointer to the top-level nested page table */
    paddr_t p2m_root_pa;
    uint64_t p2m_table_pages;    /* page-table pages in use */
    uint32_t p2m_generation;     /* bumped when access is removed: TLB tags to renew */
    uint64_t max_gfn;            /* highest gfn the guest may have mapped + 1 */
    /* the hypercall page (MSR 0x40000000) */
    uint64_t hypercall_page_gfn;
    uint64_t tsc_offset;
    /* The toolstack's CPU policy (XEN_DOMCTL_set_cpu_policy), NULL: Tern's default. */
    struct tern_cpu_policy *cpu_policy;
    /* Tells this domain apart from any earlier one for the IBPB on a switch between
     * domains (hvm/spec_ctrl.c); 0 until one of its vCPUs first runs. */
    uint64_t ibpb_serial;
    /* VM exits by reason and the TSC cycles spent handling them (hvm/stats.c) */
    uint64_t exit_count[HVM_EXIT_BUCKETS];
    uint64_t exit_cycles[HVM_EXIT_BUCKETS];
    uint64_t p2m_flush_ipis;     /* p2m changes that had to interrupt another pCPU */
};

struct vlapic;

struct arch_vcpu {
    struct guest_gprs gprs;
    void *vmcb;                  /* vendor control block (SVM: struct vmcb) */
    paddr_t vmcb_pa;
    /* TLB tag: an ASID of the pCPU it last ran on, valid while that pCPU's ASID generation
     * is asid_generation (svm.c); a move, a p2m flush or flush_tlb takes a fresh one. */
    unsigned int asid;
    uint64_t asid_generation;
    int last_cpu;                /* pCPU of the last VMRUN (-1: never) */
    uint32_t p2m_generation_seen;
    bool flush_tlb;
    uint64_t guest_xcr0;
    uint64_t tsc_aux;            /* the guest's TSC_AUX (RDTSCP, RDPID) */
    uint64_t spec_ctrl;          /* the guest's MSR_SPEC_CTRL, loaded before entry */
    uint64_t xss;                /* the guest's MSR_XSS (only 0 is accepted, as Xen) */
    /* DR0-DR3 (svm/debugreg.c): in the CPU while dr_dirty, else only here and the guest's
     * DR accesses are intercepted; DR6/DR7 live in the VMCB. */
    uint64_t dr[4];
    bool dr_dirty;
    void *fpu_area;              /* XSAVE/FXSAVE image of the guest's FPU/SIMD state */
    /* The instruction being completed by an exit handler: advance RIP by this much. */
    unsigned int insn_len;
    /* Exit statistics, by exit code class (arch/x86/hvm/stats.c) */
    uint64_t nr_exits;
    struct vlapic *vlapic;       /* the emulated local APIC (issue 4) */
    /* What the guest saw as the reason of its crash, for the log. */
    uint64_t crash_exit_code;
};

#endif
