/* SPDX-License-Identifier: MIT */
/* Interfaces between the files of arch/x86/hvm (vendor-neutral vCPU code). */
#ifndef HVM_PRIVATE_H
#define HVM_PRIVATE_H

#include <tern/types.h>

struct vcpu;
struct domain;

int hvm_vcpu_fpu_init(struct vcpu *v);
void hvm_vcpu_fpu_destroy(struct vcpu *v);
/* Load an FXSAVE image (512 bytes) as v's FPU/SIMD state, or the reset state for NULL. */
void hvm_vcpu_fpu_load(struct vcpu *v, const uint8_t *fxsave);
bool hvm_vcpu_has_work_hook(struct vcpu *v);

/* The emulated local APIC (vlapic.c). Hooks return true when they handled the access. */
bool hvm_vcpu_has_x2apic(struct vcpu *v);
bool hvm_vlapic_portio_hook(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                            uint32_t *val);
/* IA32_APIC_BASE.EN is clear (CPUID then hides the APIC, as on Xen). */
bool hvm_vlapic_hw_disabled(struct vcpu *v);
/* Is gpa in v's xAPIC MMIO page (the APIC enabled in xAPIC mode)? */
bool hvm_vlapic_mmio_range(struct vcpu *v, uint64_t gpa);
/* An access of len (1..8) bytes inside that page; one that does not fit a register reads 0
 * and is dropped. */
void hvm_vlapic_mmio_read(struct vcpu *v, uint64_t gpa, unsigned int len, uint64_t *val);
void hvm_vlapic_mmio_write(struct vcpu *v, uint64_t gpa, unsigned int len, uint64_t val);
bool hvm_vlapic_has_pending(struct vcpu *v);
/* Program the highest pending LAPIC vector for delivery; false when there is none. */
bool hvm_vlapic_inject(struct vcpu *v);
bool hvm_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

/* The instruction emulator on a vCPU (emulate.c). */
struct hvm_emul_result {
    int rc;              /* X86EMUL_* */
    uint64_t rip;        /* where the instruction is */
    uint8_t insn[15];    /* its bytes */
    unsigned int len;    /* how many were fetched (decoded, once known) */
    const char *why;     /* X86EMUL_UNHANDLEABLE: the emulator's reason */
};
/*
 * Emulate the instruction at the guest's RIP. OKAY: done (registers, RIP, RFLAGS updated);
 * EXCEPTION: injected (a #PF with CR2); RETRY: nothing done, the guest runs it again;
 * UNHANDLEABLE: nothing done, the caller decides (hvm_emulate_crash names the bytes).
 */
int hvm_emulate_one(struct vcpu *v, struct hvm_emul_result *res);
void hvm_emulate_crash(struct vcpu *v, const struct hvm_emul_result *res, const char *context);

/* Guest page walks for the emulator (pagewalk.c): pfec says the access (PFEC_WRITE, _USER,
 * _INSN). 0 with *gpa; -EFAULT with the #PF error code in *fault; -ENXIO when the page
 * tables are not in the guest's RAM. */
#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE (1u << 1)
#define PFEC_USER (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_INSN (1u << 4)
int hvm_guest_walk(struct vcpu *v, uint64_t lin, uint32_t pfec, uint64_t *gpa,
                   uint32_t *fault);

/* Tern's guest CPUID before any domain policy or vCPU state (cpu_policy_ops.c's default). */
void hvm_cpuid_default(uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* CR0, CR4 and EFER writes with Xen 4.17's rules (cr.c): false means #GP. */
struct cr_caps;
void hvm_cr_caps(struct vcpu *v, struct cr_caps *caps);
bool hvm_set_cr0(struct vcpu *v, uint64_t val);
bool hvm_set_cr4(struct vcpu *v, uint64_t val);
bool hvm_set_efer(struct vcpu *v, uint64_t val);
/* A VCPUOP_initialise context's control registers: 0 or -EINVAL (logged). */
int hvm_check_initial_state(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
                            uint64_t efer);
/* A write to CR0 or CR4 intercepted (MOV CR, LMSW, CLTS): emulate it or crash the domain. */
void hvm_cr_write_intercept(struct vcpu *v);
/* The guest's execution mode from CR0.PE, EFER.LMA and CS: 16, 32 or 64 (npf.c). */
int hvm_guest_mode(struct vcpu *v);
/* Fetch and decode the instruction at the guest's CS:RIP. 0 or an error (npf.c). */
struct insn_info;
int hvm_decode_current(struct vcpu *v, struct insn_info *insn);
/* CS base, for fetching instructions. */
uint64_t hvm_vcpu_cs_base(struct vcpu *v);

/* spec_ctrl.c: speculation controls (boot line, per-CPU state, guest MSRs and CPUID). */
void spec_ctrl_init(void);
void spec_ctrl_cpu_up(void);
void spec_ctrl_enter_guest(struct vcpu *v);
bool spec_ctrl_guest_has_ibpb(void);
bool spec_ctrl_guest_has_spec_ctrl(void);
uint64_t spec_ctrl_guest_valid_bits(void);
bool spec_ctrl_pred_cmd(uint64_t val);

/* The domain's console (common/console.c side): bytes the guest printed. */
void domain_console_write(struct domain *d, const char *buf, size_t len);

#endif
