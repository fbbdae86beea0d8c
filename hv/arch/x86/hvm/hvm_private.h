/* SPDX-License-Identifier: MIT */
/* Interfaces between the files of arch/x86/hvm (vendor-neutral vCPU code). */
#ifndef HVM_PRIVATE_H
#define HVM_PRIVATE_H

#include <tern/types.h>

struct vcpu;
struct domain;

int hvm_vcpu_fpu_init(struct vcpu *v);
void hvm_vcpu_fpu_destroy(struct vcpu *v);
bool hvm_vcpu_has_work_hook(struct vcpu *v);

/* The emulated local APIC (vlapic.c). Hooks return true when they handled the access. */
bool hvm_vcpu_has_x2apic(struct vcpu *v);
bool hvm_vlapic_portio_hook(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                            uint32_t *val);
bool hvm_vlapic_mmio(struct vcpu *v, uint64_t gpa, uint64_t error_code);
bool hvm_vlapic_has_pending(struct vcpu *v);
/* Program the highest pending LAPIC vector for delivery; false when there is none. */
bool hvm_vlapic_inject(struct vcpu *v);
bool hvm_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

/* npf.c: complete a refused access (discard a write, read all-ones); false: cannot. */
bool hvm_emulate_unbacked_access(struct vcpu *v, uint64_t gpa, uint64_t error_code,
                                 bool read_only_mapping);
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
