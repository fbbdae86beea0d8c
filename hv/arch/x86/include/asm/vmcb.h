/* SPDX-License-Identifier: MIT */
/*
 * The AMD Virtual Machine Control Block (AMD APM vol. 2, appendix B "Layout of VMCB"):
 * a 4 KiB page with the control area at 0 and the state-save area at 0x400.
 */
#ifndef ASM_VMCB_H
#define ASM_VMCB_H

#include <tern/types.h>

struct vmcb_seg {
    uint16_t sel;
    uint16_t attr; /* descriptor bits 8-15 and 20-23, packed: type, S, DPL, P, AVL, L, D/B, G */
    uint32_t limit;
    uint64_t base;
};

/* CR intercepts (offset 0x00): reads in bits 0-15, writes in 16-31 */
#define CR_INTERCEPT_WRITE(n) (1u << (16 + (n)))

/* Intercept vector 3 (offset 0x0c) */
#define GI_INTR (1u << 0)
#define GI_NMI (1u << 1)
#define GI_SMI (1u << 2)
#define GI_INIT (1u << 3)
#define GI_VINTR (1u << 4)
#define GI_RDPMC (1u << 15)
#define GI_CPUID (1u << 18)
#define GI_RSM (1u << 19)
#define GI_INVD (1u << 22)
#define GI_PAUSE (1u << 23)
#define GI_HLT (1u << 24)
#define GI_INVLPGA (1u << 26)
#define GI_IOIO_PROT (1u << 27)
#define GI_MSR_PROT (1u << 28)
#define GI_TASK_SWITCH (1u << 29)
#define GI_SHUTDOWN (1u << 31)
/* Intercept vector 4 (offset 0x10) */
#define GI2_VMRUN (1u << 0)
#define GI2_VMMCALL (1u << 1)
#define GI2_VMLOAD (1u << 2)
#define GI2_VMSAVE (1u << 3)
#define GI2_STGI (1u << 4)
#define GI2_CLGI (1u << 5)
#define GI2_SKINIT (1u << 6)
#define GI2_ICEBP (1u << 8)
#define GI2_WBINVD (1u << 9)   /* WBINVD and WBNOINVD */
#define GI2_MONITOR (1u << 10)
#define GI2_MWAIT (1u << 11)
#define GI2_MWAIT_ARMED (1u << 12)
#define GI2_XSETBV (1u << 13)
#define GI2_RDPRU (1u << 14)

/* vintr (offset 0x60) */
#define V_TPR_MASK 0xffULL
#define V_IRQ (1ULL << 8)
#define V_INTR_PRIO_SHIFT 16
#define V_IGN_TPR (1ULL << 20)
#define V_INTR_MASKING (1ULL << 24)
#define V_INTR_VECTOR_SHIFT 32

/* EVENTINJ / EXITINTINFO */
#define EVENT_VALID (1ULL << 31)
#define EVENT_EV (1ULL << 11) /* error code valid */
#define EVENT_TYPE_INTR (0ULL << 8)
#define EVENT_TYPE_NMI (2ULL << 8)
#define EVENT_TYPE_EXCEPTION (3ULL << 8)
#define EVENT_TYPE_SWINT (4ULL << 8)

/* virt_ext (offset 0xb8) */
#define VIRT_EXT_LBR_ENABLE (1ULL << 0) /* DBGCTL and the LBR MSRs switched through the VMCB */

/* Exception vectors intercepted or injected by the SVM code */
#define TRAP_DB 1
#define TRAP_AC 17
#define TRAP_MC 18

/* TLB_CONTROL */
#define TLB_CONTROL_NONE 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

/* Exit codes */
#define VMEXIT_CR0_READ 0x000
#define VMEXIT_CR0_WRITE 0x010
#define VMEXIT_DR0_READ 0x020   /* 0x20-0x2f: MOV from DRn */
#define VMEXIT_DR15_WRITE 0x03f /* 0x30-0x3f: MOV to DRn */
#define VMEXIT_CR4_WRITE 0x014
#define VMEXIT_EXCEPTION_BASE 0x040
#define VMEXIT_EXCEPTION_DB 0x041
#define VMEXIT_EXCEPTION_AC 0x051
#define VMEXIT_EXCEPTION_MC 0x052
#define VMEXIT_INTR 0x060
#define VMEXIT_NMI 0x061
#define VMEXIT_SMI 0x062
#define VMEXIT_INIT 0x063
#define VMEXIT_VINTR 0x064
#define VMEXIT_RDTSC 0x06e
#define VMEXIT_RDPMC 0x06f
#define VMEXIT_CPUID 0x072
#define VMEXIT_RSM 0x073
#define VMEXIT_IRET 0x074
#define VMEXIT_INVD 0x076
#define VMEXIT_PAUSE 0x077
#define VMEXIT_HLT 0x078
#define VMEXIT_INVLPG 0x079
#define VMEXIT_INVLPGA 0x07a
#define VMEXIT_IOIO 0x07b
#define VMEXIT_MSR 0x07c
#define VMEXIT_TASK_SWITCH 0x07d
#define VMEXIT_SHUTDOWN 0x07f
#define VMEXIT_VMRUN 0x080
#define VMEXIT_VMMCALL 0x081
#define VMEXIT_VMLOAD 0x082
#define VMEXIT_VMSAVE 0x083
#define VMEXIT_STGI 0x084
#define VMEXIT_CLGI 0x085
#define VMEXIT_SKINIT 0x086
#define VMEXIT_RDTSCP 0x087
#define VMEXIT_ICEBP 0x088
#define VMEXIT_WBINVD 0x089
#define VMEXIT_MONITOR 0x08a
#define VMEXIT_MWAIT 0x08b
#define VMEXIT_MWAIT_CONDITIONAL 0x08c
#define VMEXIT_XSETBV 0x08d
#define VMEXIT_RDPRU 0x08e
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID 0xffffffffffffffffULL

struct vmcb {
    /* control area */
    uint32_t cr_intercepts;        /* 0x000: reads 0-15, writes 16-31 */
    uint32_t dr_intercepts;        /* 0x004 */
    uint32_t exception_intercepts; /* 0x008 */
    uint32_t general1_intercepts;  /* 0x00c: GI_* */
    uint32_t general2_intercepts;  /* 0x010: GI2_* */
    uint32_t general3_intercepts;  /* 0x014 */
    uint8_t res0[0x03c - 0x018];
    uint16_t pause_filter_thresh;  /* 0x03c */
    uint16_t pause_filter_count;   /* 0x03e */
    uint64_t iopm_base_pa;         /* 0x040 */
    uint64_t msrpm_base_pa;        /* 0x048 */
    uint64_t tsc_offset;           /* 0x050 */
    uint32_t guest_asid;           /* 0x058 */
    uint8_t tlb_control;           /* 0x05c */
    uint8_t res1[3];
    uint64_t vintr;                /* 0x060 */
    uint64_t interrupt_shadow;     /* 0x068: bit 0 shadow, bit 1 guest interrupt mask */
    uint64_t exitcode;             /* 0x070 */
    uint64_t exitinfo1;            /* 0x078 */
    uint64_t exitinfo2;            /* 0x080 */
    uint64_t exitintinfo;          /* 0x088 */
    uint64_t np_enable;            /* 0x090: bit 0 nested paging */
    uint64_t avic_apic_bar;        /* 0x098 */
    uint64_t ghcb_pa;              /* 0x0a0 */
    uint64_t eventinj;             /* 0x0a8 */
    uint64_t n_cr3;                /* 0x0b0 */
    uint64_t virt_ext;             /* 0x0b8: LBR virtualisation, VMLOAD/VMSAVE virtualisation */
    uint32_t clean_bits;           /* 0x0c0 */
    uint32_t res2;
    uint64_t nrip;                 /* 0x0c8: not filled without NRIP-save (QEMU TCG) */
    uint8_t insn_len;              /* 0x0d0 */
    uint8_t insn_bytes[15];
    uint8_t res3[0x400 - 0x0e0];

    /* state-save area */
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 - 0x49f */
    uint8_t res4[0x4cb - 0x4a0];
    uint8_t cpl;                   /* 0x4cb */
    uint32_t res5;
    uint64_t efer;                 /* 0x4d0 */
    uint8_t res6[0x548 - 0x4d8];
    uint64_t cr4;                  /* 0x548 */
    uint64_t cr3;                  /* 0x550 */
    uint64_t cr0;                  /* 0x558 */
    uint64_t dr7;                  /* 0x560 */
    uint64_t dr6;                  /* 0x568 */
    uint64_t rflags;               /* 0x570 */
    uint64_t rip;                  /* 0x578 */
    uint8_t res7[0x5d8 - 0x580];
    uint64_t rsp;                  /* 0x5d8 */
    uint64_t s_cet, ssp, isst_addr; /* 0x5e0 */
    uint64_t rax;                  /* 0x5f8 */
    uint64_t star;                 /* 0x600 */
    uint64_t lstar;                /* 0x608 */
    uint64_t cstar;                /* 0x610 */
    uint64_t sfmask;               /* 0x618 */
    uint64_t kernel_gs_base;       /* 0x620 */
    uint64_t sysenter_cs;          /* 0x628 */
    uint64_t sysenter_esp;         /* 0x630 */
    uint64_t sysenter_eip;         /* 0x638 */
    uint64_t cr2;                  /* 0x640 */
    uint8_t res8[0x668 - 0x648];
    uint64_t g_pat;                /* 0x668 */
    uint64_t dbgctl;               /* 0x670 */
    uint64_t br_from, br_to, lastexcpfrom, lastexcpto; /* 0x678 */
    uint8_t res9[0x1000 - 0x698];
};

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, iopm_base_pa) == 0x40, "VMCB iopm");
_Static_assert(__builtin_offsetof(struct vmcb, vintr) == 0x60, "VMCB vintr");
_Static_assert(__builtin_offsetof(struct vmcb, exitcode) == 0x70, "VMCB exitcode");
_Static_assert(__builtin_offsetof(struct vmcb, eventinj) == 0xa8, "VMCB eventinj");
_Static_assert(__builtin_offsetof(struct vmcb, n_cr3) == 0xb0, "VMCB n_cr3");
_Static_assert(__builtin_offsetof(struct vmcb, nrip) == 0xc8, "VMCB nrip");
_Static_assert(__builtin_offsetof(struct vmcb, es) == 0x400, "VMCB es");
_Static_assert(__builtin_offsetof(struct vmcb, tr) == 0x490, "VMCB tr");
_Static_assert(__builtin_offsetof(struct vmcb, cpl) == 0x4cb, "VMCB cpl");
_Static_assert(__builtin_offsetof(struct vmcb, efer) == 0x4d0, "VMCB efer");
_Static_assert(__builtin_offsetof(struct vmcb, cr4) == 0x548, "VMCB cr4");
_Static_assert(__builtin_offsetof(struct vmcb, rip) == 0x578, "VMCB rip");
_Static_assert(__builtin_offsetof(struct vmcb, rsp) == 0x5d8, "VMCB rsp");
_Static_assert(__builtin_offsetof(struct vmcb, rax) == 0x5f8, "VMCB rax");
_Static_assert(__builtin_offsetof(struct vmcb, cr2) == 0x640, "VMCB cr2");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "VMCB g_pat");
_Static_assert(__builtin_offsetof(struct vmcb, virt_ext) == 0xb8, "VMCB virt_ext");
_Static_assert(__builtin_offsetof(struct vmcb, dr7) == 0x560, "VMCB dr7");
_Static_assert(__builtin_offsetof(struct vmcb, dbgctl) == 0x670, "VMCB dbgctl");
_Static_assert(__builtin_offsetof(struct vmcb, lastexcpto) == 0x690, "VMCB lastexcpto");

#endif
