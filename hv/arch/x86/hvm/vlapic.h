/* SPDX-License-Identifier: MIT */
/*
 * The emulated local APIC, xAPIC mode (the MMIO page, reached through nested page faults and
 * the instruction emulator) and x2APIC mode (MSRs). The hooks the rest of arch/x86/hvm calls
 * are in hvm_private.h; this is what vCPU creation, destruction and the vendor's entry/exit
 * code call.
 *
 * Call order for a vCPU:
 *   vlapic_init(v)                    once, after v->processor is set, before v first runs
 *   each run: hvm_prepare_entry()     (hvm_vlapic_inject offers a vector)
 *             VMRUN
 *             vlapic_after_exit(v, ..) first thing after the exit, before handling it
 *   vlapic_destroy(v)                 once v can no longer run
 * Every entry point accepts v->arch.vlapic == NULL and then does nothing.
 */
#ifndef HVM_VLAPIC_H
#define HVM_VLAPIC_H

#include <tern/types.h>

struct vcpu;

/*
 * Allocate v->arch.vlapic in its reset state, as Xen's: IA32_APIC_BASE = 0xfee00000 | EN
 * (xAPIC mode) | BSP for vCPU 0, APIC ID = 2 * vcpu_id (libxl's numbering, which the guest's
 * MADT must use), software-disabled, every LVT masked. vCPUs other than 0 wait for a
 * SIPI, like application processors after power-up. 0, -ENOMEM or -EEXIST.
 */
int vlapic_init(struct vcpu *v);
/* Stop the timer and free the state. Call only when v runs nowhere any more. */
void vlapic_destroy(struct vcpu *v);

/*
 * After every VM exit, before the exit is handled. still_pending: the virtual interrupt set
 * before the entry (V_IRQ on SVM) is still set, i.e. the guest did not take it. When the
 * guest took the LAPIC vector offered by hvm_vlapic_inject(), it moves from IRR to ISR here.
 * An event-channel upcall injected instead of a LAPIC vector is recognised and ignored.
 */
void vlapic_after_exit(struct vcpu *v, bool still_pending);

/*
 * An NMI was sent to v (ICR delivery mode NMI): true once per NMI, which the caller must then
 * inject as an NMI event (SVM EVENTINJ type 2), not as a V_IRQ. Call it before entry when no
 * other event is being injected and the guest is not blocking NMIs (inside an NMI handler
 * until its IRET); otherwise leave it for a later entry. A pending NMI also counts as work
 * for hvm_vlapic_has_pending(), so HLT does not sleep on it.
 */
bool vlapic_take_nmi(struct vcpu *v);
/* A SIPI was accepted for v: true once, with the vector whose real-mode start state v
 * must load before this entry (its own pCPU does it; see start_vcpu in vlapic.c). */
bool vlapic_take_sipi(struct vcpu *v, uint8_t *vector);
/* Make an NMI pending for v (VCPUOP_send_nmi); the caller kicks v. */
void vlapic_send_nmi(struct vcpu *v);

#endif
