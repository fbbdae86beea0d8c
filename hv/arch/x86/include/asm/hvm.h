/* SPDX-License-Identifier: MIT */
/*
 * The vendor-neutral vCPU interface. SVM (svm/) or VMX (vmx/, later) is chosen once at boot:
 * start_svm() returns its operations table and generic code calls only through it.
 *
 * Call order for a vCPU: vcpu_initialise() -> set_pvh_boot_state() -> run() repeatedly ->
 * vcpu_destroy(). run() enters the guest once and handles the exit before returning.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <tern/types.h>

struct vcpu;
struct vcpu_hvm_context;
struct hvm_hw_cpu;

/* set_reg takes RAX RIP RSP RFLAGS CR0 CR2 CR4 EFER CS_ATTR and INTR_SHADOW (0 ends an
 * STI/MOV SS shadow); CR3 and CPL are read-only here. */
enum hvm_reg { HVM_RAX, HVM_RIP, HVM_RSP, HVM_RFLAGS, HVM_CR0, HVM_CR3, HVM_CR4, HVM_EFER,
               HVM_CS_ATTR, HVM_CPL, HVM_CR2, HVM_INTR_SHADOW,
               /* MSR_DEBUGCTL and the last-branch/last-exception records (0x1db-0x1de) */
               HVM_DEBUGCTL, HVM_LBR_FROM, HVM_LBR_TO, HVM_LER_FROM, HVM_LER_TO,
               /* IA32_PAT (a valid value only: VMRUN checks it) */
               HVM_PAT };
struct x86_seg_reg;

struct hvm_function_table {
    const char *name;
    int (*cpu_up)(void);                      /* enable on this pCPU */
    int (*vcpu_initialise)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Xen's PVH start state: 32-bit protected mode, paging off, EBX = start_info. */
    void (*set_pvh_boot_state)(struct vcpu *v, uint32_t entry, uint32_t ebx);
    /* Real-mode start at CS:IP = sipi_vector << 8 : 0 (an AP woken with INIT-SIPI). */
    void (*set_sipi_state)(struct vcpu *v, uint8_t sipi_vector);
    /* VCPUOP_initialise for PVH/HVM: a checked register state (public/vcpu.h). */
    int (*set_hvm_context)(struct vcpu *v, const struct vcpu_hvm_context *ctx);
    /* An HVM context CPU record of a vCPU that runs nowhere, and its load (already checked
     * by hvm_cpu_record_check()). */
    void (*save_cpu)(struct vcpu *v, struct hvm_hw_cpu *c);
    void (*load_cpu)(struct vcpu *v, const struct hvm_hw_cpu *c);
    void (*run)(struct vcpu *v);
    void (*inject_exception)(struct vcpu *v, unsigned int vector, bool has_error,
                             uint32_t error_code);
    /* Assert (or drop) an external-interrupt vector the guest takes when it can. */
    void (*set_virtual_irq)(struct vcpu *v, bool pending, uint8_t vector);
    /* Deliver an NMI at the next entry; false if another event occupies the slot. */
    bool (*inject_nmi)(struct vcpu *v);
    /* Is an event (exception, NMI, re-delivered interrupt) already set for the entry? */
    bool (*event_pending)(struct vcpu *v);
    uint64_t (*get_reg)(struct vcpu *v, enum hvm_reg r);
    void (*set_reg)(struct vcpu *v, enum hvm_reg r, uint64_t val);
    /* Segment register seg (x86_seg_es .. x86_seg_gs, hvm/x86_emulate.h) */
    void (*get_seg)(struct vcpu *v, unsigned int seg, struct x86_seg_reg *out);
    /* Guest page tables and mode, for the page walker. */
    void (*dump_state)(struct vcpu *v);
    uint64_t max_asid;
};

extern const struct hvm_function_table *hvm_funcs;

const struct hvm_function_table *start_svm(void);
/* Pick the vendor on the boot CPU; false when the CPU cannot run guests. */
bool hvm_init(void);
int hvm_cpu_up(void);

/* Generic handlers the vendor's exit code calls (arch/x86/hvm/). Each returns true when the
 * instruction completed (the caller advances RIP), false when an exception was injected or
 * the domain crashed. */
void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);
bool hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* Port I/O: for IN, *val receives the value. */
void hvm_portio(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t *val);
/* VMMCALL/VMCALL: false when the hypercall asked to be re-executed. */
bool hvm_hypercall(struct vcpu *v);
void hvm_hlt(struct vcpu *v);
/* VCPUOP_send_nmi: an NMI for v at its next entry. */
void hvm_vcpu_send_nmi(struct vcpu *v);
/* XSETBV of XCR0: false for a value the CPU or the rules of XCR0 refuse (the caller #GPs). */
bool hvm_set_xcr0(struct vcpu *v, uint64_t val);
/* A guest access to a guest-physical address its p2m does not map (or maps read-only). */
void hvm_nested_page_fault(struct vcpu *v, uint64_t gpa, uint64_t error_code);
/* Before each guest entry: deliver a pending event-channel upcall or LAPIC interrupt. */
void hvm_prepare_entry(struct vcpu *v);
/* v is leaving this pCPU (the scheduler, before it clears is_running): save what only this
 * pCPU holds of v (FPU/SIMD registers). */
void hvm_vcpu_descheduled(struct vcpu *v);
/* Exit statistics */
void hvm_count_exit(struct vcpu *v, unsigned int reason, uint64_t tsc_spent);

#define HVM_GPR(v, name) ((v)->arch.gprs.name)

/*
 * Guest mode, per pCPU, for TLB shootdowns (mm/p2m-npt.c): dom names the domain whose vCPU
 * this pCPU runs in guest mode. The vendor's run() sets it with interrupts held off before
 * it picks the vCPU's TLB tag from the p2m generation, and clears it (and counts the exit)
 * after the VM exit, before interrupts are taken again.
 */
struct hvm_cpu_guest {
    struct domain *dom;
    uint64_t exits;
};
extern struct hvm_cpu_guest hvm_cpu_guest[];

#endif
