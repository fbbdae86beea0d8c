/* SPDX-License-Identifier: MIT */
/* HVM context records (XEN_DOMCTL_get/sethvmcontext): Xen 4.17's save format, x86 records. */
#ifndef TERN_PUBLIC_ARCH_X86_HVM_SAVE_H
#define TERN_PUBLIC_ARCH_X86_HVM_SAVE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A context is a stream of records, each a descriptor followed by length bytes of body. The
 * HEADER comes first, END (typecode 0, length 0) closes the stream. libxenguest copies the
 * first descriptor + HEADER verbatim and looks up MTRR instance 0 by type.
 */
struct hvm_save_descriptor {
    uint16_t typecode;
    uint16_t instance;            /* the vCPU for per-vCPU records */
    uint32_t length;              /* of the body, without this descriptor */
};
_Static_assert(sizeof(struct hvm_save_descriptor) == 8, "Xen 4.17 layout");

#define HVM_SAVE_CODE_END 0
#define HVM_SAVE_CODE_HEADER 1
#define HVM_SAVE_CODE_CPU 2
#define HVM_SAVE_CODE_LAPIC 5
#define HVM_SAVE_CODE_LAPIC_REGS 6
#define HVM_SAVE_CODE_MTRR 14
#define HVM_SAVE_CODE_MAX 20

#define HVM_FILE_MAGIC 0x54381286
#define HVM_FILE_VERSION 0x00000001

struct hvm_save_header {
    uint32_t magic;
    uint32_t version;
    uint64_t changeset;           /* ~0: unknown */
    uint32_t cpuid;               /* CPUID.1.EAX of the saving host */
    uint32_t gtsc_khz;
};
_Static_assert(sizeof(struct hvm_save_header) == 24, "Xen 4.17 layout");

#define XEN_X86_FPU_INITIALISED (1U << 0)

/* One vCPU's registers. Segment arbytes are the packed 12-bit form (type, S, DPL, P, AVL, L,
 * D/B, G), as SVM keeps them. */
struct hvm_hw_cpu {
    uint8_t fpu_regs[512];        /* FXSAVE image, valid with XEN_X86_FPU_INITIALISED */
    uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
    uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit;
    uint32_t ldtr_limit, idtr_limit, gdtr_limit;
    uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base;
    uint64_t ldtr_base, idtr_base, gdtr_base;
    uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes;
    uint32_t tr_arbytes, ldtr_arbytes;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t shadow_gs;
    uint64_t msr_flags;           /* obsolete, ignored */
    uint64_t msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer, msr_tsc_aux;
    uint64_t tsc;
    uint32_t pending_event;       /* vector 7:0, type 10:8, error valid 11, valid 31 */
    uint32_t error_code;
    uint32_t flags;               /* XEN_X86_FPU_INITIALISED */
    uint32_t pad0;
};
_Static_assert(sizeof(struct hvm_hw_cpu) == 1032, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, rbx) == 520, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, rip) == 640, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, cr0) == 656, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, dr6) == 720, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, tr_limit) == 792, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, tr_arbytes) == 912, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, msr_efer) == 992, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_cpu, pad0) == 1028, "Xen 4.17 layout");

struct hvm_hw_lapic {
    uint64_t apic_base_msr;
    uint32_t disabled;            /* VLAPIC_*_DISABLED */
    uint32_t timer_divisor;
    uint64_t tdt_msr;
};
_Static_assert(sizeof(struct hvm_hw_lapic) == 24, "Xen 4.17 layout");

struct hvm_hw_lapic_regs {
    uint8_t data[1024];           /* the APIC page's first KiB, registers at their offsets */
};

#define MTRR_VCNT 8
#define NUM_FIXED_MSR 11
struct hvm_hw_mtrr {
    uint64_t msr_pat_cr;
    uint64_t msr_mtrr_var[MTRR_VCNT * 2]; /* base/mask pairs */
    uint64_t msr_mtrr_fixed[NUM_FIXED_MSR];
    uint64_t msr_mtrr_cap;        /* VCNT in bits 7:0 */
    uint64_t msr_mtrr_def_type;   /* type 7:0, FE bit 10, E bit 11 */
};
_Static_assert(sizeof(struct hvm_hw_mtrr) == 240, "Xen 4.17 layout");
_Static_assert(offsetof(struct hvm_hw_mtrr, msr_mtrr_def_type) == 232, "Xen 4.17 layout");

#endif
