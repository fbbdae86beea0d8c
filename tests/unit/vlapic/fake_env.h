/* SPDX-License-Identifier: MIT */
/*
 * Fakes for what hv/arch/x86/hvm/vlapic.c calls outside itself: one domain of vCPUs with a
 * vlapic each, the hvm_funcs table (recording set_virtual_irq and set_sipi_state), the
 * scheduler's kick/pause/sleep calls, a timer queue fired by hand, NOW() and the heap.
 */
#ifndef VLAPIC_FAKE_ENV_H
#define VLAPIC_FAKE_ENV_H

#include <tern/domain.h>
#include <tern/timer.h>

#include "../../../hv/arch/x86/hvm/hvm_private.h"
#include "../../../hv/arch/x86/hvm/vlapic.h"

#define FAKE_MAX_VCPUS 20
/* The fake TSC runs at 1 THz, so real host TSC drift during a test is negligible in ns. */
#define FAKE_TSC_KHZ 1000000000ULL
/* One count of the LAPIC timer divided by 1: Xen's 100 MHz APIC bus. */
#define TICK_NS 10

/* What the fakes saw for one vCPU since fake_domain(). */
struct fake_log {
    unsigned int kicks;
    unsigned int sleep_syncs;
    unsigned int sipis;        /* set_sipi_state calls */
    uint8_t sipi_vector;
    unsigned int virq_calls;   /* set_virtual_irq calls */
    bool virq_pending;
    uint8_t virq_vector;
};

/* Free the previous domain (checking the heap is balanced), then build one with nr vCPUs,
 * each vlapic_init'ed: vCPU 0 up and initialised, the others VPF_down. NOW() restarts at
 * 1 ms. */
struct domain *fake_domain(unsigned int nr);
/* The same, but the vCPUs stay in xAPIC mode (fake_domain switches them to x2APIC). */
struct domain *fake_domain_xapic(unsigned int nr);

/* xAPIC MMIO at 0xfee00000 + offset (CHECKed to be the vLAPIC page). */
#define XAPIC_BASE 0xfee00000ULL
uint64_t mmio_rd_len(struct vcpu *v, unsigned int offset, unsigned int len);
void mmio_wr_len(struct vcpu *v, unsigned int offset, unsigned int len, uint64_t val);
uint32_t mmio_rd(struct vcpu *v, unsigned int offset);
void mmio_wr(struct vcpu *v, unsigned int offset, uint32_t val);
struct fake_log *fake_log(const struct vcpu *v);

/* Clock and timers */
extern s_time_t fake_now;
/* Move NOW() forward by ns, running every timer callback due on the way, in order. */
void fake_advance(s_time_t ns);
/* The vlapic's timer of v (the only timer each vCPU's vlapic owns). */
struct timer *fake_timer_of(const struct vcpu *v);
/* Blocks currently allocated through xmalloc. */
extern long fake_heap_live;

/* Register access helpers: return what hvm_vlapic_msr returned. */
bool msr_rd(struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_wr(struct vcpu *v, uint32_t msr, uint64_t val);
/* Read that must succeed (CHECKed). */
uint64_t rd(struct vcpu *v, uint32_t msr);
/* Write that must succeed (CHECKed). */
void wr(struct vcpu *v, uint32_t msr, uint64_t val);
/* Software-enable v's APIC (SVR 0x1ff) with TPR 0. */
void fake_enable(struct vcpu *v);
/* Is vector set in v's IRR / ISR (read through the MSRs)? */
bool in_irr(struct vcpu *v, unsigned int vec);
bool in_isr(struct vcpu *v, unsigned int vec);
/* One guest entry/exit: inject, then after_exit(taken = !still_pending). -1 if none. */
int fake_entry(struct vcpu *v, bool taken);

/* x2APIC MSRs */
#define X_ID 0x802
#define X_VERSION 0x803
#define X_TPR 0x808
#define X_PPR 0x80a
#define X_EOI 0x80b
#define X_LDR 0x80d
#define X_SVR 0x80f
#define X_ISR 0x810
#define X_TMR 0x818
#define X_IRR 0x820
#define X_ESR 0x828
#define X_LVT_CMCI 0x82f
#define X_ICR 0x830
#define X_LVT_TIMER 0x832
#define X_LVT_THERMAL 0x833
#define X_LVT_PERF 0x834
#define X_LVT_LINT0 0x835
#define X_LVT_LINT1 0x836
#define X_LVT_ERROR 0x837
#define X_TMICT 0x838
#define X_TMCCT 0x839
#define X_TDCR 0x83e
#define X_SELF_IPI 0x83f
#define X_APIC_BASE 0x1b
#define X_TSC_DEADLINE 0x6e0

/* ICR pieces */
#define ICR_DEST(id) ((uint64_t)(id) << 32)
#define ICR_FIXED 0x000u
#define ICR_LOWEST 0x100u
#define ICR_SMI 0x200u
#define ICR_NMI 0x400u
#define ICR_INIT 0x500u
#define ICR_SIPI 0x600u
#define ICR_LOGICAL_ (1u << 11)
#define ICR_ASSERT_ (1u << 14)
#define ICR_LEVELTRIG (1u << 15)
#define ICR_SELF (1u << 18)
#define ICR_ALL (2u << 18)
#define ICR_OTHERS (3u << 18)

#endif
