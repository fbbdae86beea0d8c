/* SPDX-License-Identifier: MIT */
/*
 * The local APIC in xAPIC mode, then x2APIC mode, as Xen 4.17 offers it to a PVH guest:
 * CPUID bits, IA32_APIC_BASE, the MMIO page (ID, version, LDR/DFR, widths), the timer in
 * one-shot and periodic mode, fixed IPIs to ourselves and to vCPU1 through ICR2/ICR, EOI; the
 * switch to x2APIC keeping the state; and the IA32_APIC_BASE transitions that #GP.
 */
#include "lib.h"

const char test_title[] = "xAPIC (MMIO) and x2APIC local APIC";

#define APIC_PAGE 0xfee00000UL
#define MSR_APIC_BASE 0x1bU
#define BASE_BSP (1UL << 8)
#define BASE_EXTD (1UL << 10)
#define BASE_EN (1UL << 11)

/* xAPIC register offsets; x2APIC MSR = 0x800 + offset / 16 */
#define R_ID 0x20
#define R_VERSION 0x30
#define R_TPR 0x80
#define R_PPR 0xa0
#define R_EOI 0xb0
#define R_LDR 0xd0
#define R_DFR 0xe0
#define R_SVR 0xf0
#define R_ISR 0x100
#define R_IRR 0x200
#define R_ESR 0x280
#define R_ICR 0x300
#define R_ICR2 0x310
#define R_LVT_TIMER 0x320
#define R_TMICT 0x380
#define R_TMCCT 0x390
#define R_TDCR 0x3e0
#define MSR_OF(r) (0x800U + (r) / 16)
#define MSR_SELF_IPI 0x83fU

#define V_TIMER 0xe0
#define V_SELF 0x50
#define V_TO_AP 0x51
#define V_FROM_AP 0x52

/* Xen's APIC bus: 10 ns per count, divided by TDCR (0xb: by 1). */
#define BUS_NS 10

static volatile uint64_t hits[MAX_VCPUS][256];
static volatile bool x2apic_on[MAX_VCPUS];
static volatile uint64_t timer_at[8];

static uint32_t apic_rd(unsigned int reg)
{
    return *(volatile uint32_t *)(APIC_PAGE + reg);
}

static void apic_wr(unsigned int reg, uint32_t val)
{
    *(volatile uint32_t *)(APIC_PAGE + reg) = val;
}

static void eoi(void)
{
    if (x2apic_on[smp_id()])
        wrmsr(MSR_OF(R_EOI), 0);
    else
        apic_wr(R_EOI, 0);
}

static void on_irq(unsigned int vec)
{
    unsigned int id = smp_id();
    uint64_t n = hits[id][vec];

    if (vec == V_TIMER && n < ARRAY_SIZE(timer_at))
        timer_at[n] = now_ns();
    hits[id][vec] = n + 1;
    eoi();
}

static bool isr_has(unsigned int vec)
{
    return apic_rd(R_ISR + (vec / 32) * 0x10) & (1u << (vec % 32));
}

/* ---- vCPU1: enables its own APIC in xAPIC mode and waits for IPIs ---- */

static volatile int ap_ready, ap_stop;
static volatile uint32_t ap_id_seen, ap_ldr_seen;

static void ap_main(unsigned int id, void *arg)
{
    apic_wr(R_SVR, 0x1ff);
    apic_wr(R_LDR, 0x02000000); /* flat logical ID: bit 1 */
    ap_id_seen = apic_rd(R_ID);
    ap_ldr_seen = apic_rd(R_LDR);
    smp_wmb();
    ap_ready = 1;
    irq_enable();
    while (!ap_stop)
        wait_step();
    irq_disable();
}

/* Send an IPI the xAPIC way: the destination into ICR2, then ICR sends. */
static void xapic_ipi(uint8_t dest, uint32_t icr)
{
    apic_wr(R_ICR2, (uint32_t)dest << 24);
    apic_wr(R_ICR, icr);
}

static void check_cpuid_and_base(void)
{
    struct cpuid_regs r = cpuid(1);
    uint64_t base = rdmsr(MSR_APIC_BASE), val;

    check(r.c & (1u << 21), "CPUID 1 ECX bit 21 (x2APIC) clear: Xen offers x2APIC to HVM/PVH");
    check(r.d & (1u << 9), "CPUID 1 EDX bit 9 (APIC) clear with IA32_APIC_BASE.EN set");
    check(base == (APIC_PAGE | BASE_EN | BASE_BSP),
          "IA32_APIC_BASE on vCPU0: expected %#lx (xAPIC mode, BSP), got %#lx",
          APIC_PAGE | BASE_EN | BASE_BSP, base);
    check(rdmsr_safe(MSR_OF(R_ID), &val) == X86_EXC_GP,
          "rdmsr of the x2APIC ID in xAPIC mode must #GP");
}

static void check_registers(void)
{
    uint32_t ver = apic_rd(R_VERSION);

    check(apic_rd(R_ID) == 0, "xAPIC ID of vCPU0: expected 0, got %#x", apic_rd(R_ID));
    check((ver & 0xff) == 0x14 && ((ver >> 16) & 0xff) == 5,
          "version: expected 0x14 with max LVT 5 (Xen's 0x50014), got %#x", ver);
    check(apic_rd(R_LDR) == 0 && apic_rd(R_DFR) == 0xffffffff,
          "LDR/DFR after reset: expected 0/0xffffffff, got %#x/%#x", apic_rd(R_LDR),
          apic_rd(R_DFR));
    check(apic_rd(R_SVR) == 0xff, "SVR after reset: expected 0xff, got %#x", apic_rd(R_SVR));
    apic_wr(R_SVR, 0x1ff);
    apic_wr(R_TPR, 0x1234);
    check(apic_rd(R_TPR) == 0x34, "TPR keeps bits 7:0: wrote 0x1234, read %#x", apic_rd(R_TPR));
    apic_wr(R_TPR, 0);
    /* Byte reads inside a register work; 8-byte reads do not fit a register: 0 */
    check(*(volatile uint8_t *)(APIC_PAGE + R_VERSION) == 0x14, "byte read of the version");
    check(*(volatile uint64_t *)(APIC_PAGE + R_VERSION) == 0,
          "an 8-byte read of the version must read 0 (Xen), got %#lx",
          *(volatile uint64_t *)(APIC_PAGE + R_VERSION));
    apic_wr(R_DFR, 0);
    check(apic_rd(R_DFR) == 0x0fffffff, "DFR cluster model: expected 0x0fffffff, got %#x",
          apic_rd(R_DFR));
    apic_wr(R_DFR, 0xffffffff);
}

static void check_timer(void)
{
    uint64_t t0;

    irq_register(V_TIMER, on_irq);
    apic_wr(R_TDCR, 0xb);
    /* One-shot: 2 ms */
    apic_wr(R_LVT_TIMER, V_TIMER);
    t0 = now_ns();
    apic_wr(R_TMICT, MS(2) / BUS_NS);
    check(apic_rd(R_TMICT) == MS(2) / BUS_NS, "TMICT reads back %#x", apic_rd(R_TMICT));
    irq_enable();
    if (check(wait_until(hits[0][V_TIMER] >= 1, SEC(5)), "one-shot timer did not fire in 5 s"))
        check(timer_at[0] - t0 >= MS(2) - MS(1) / 10,
              "one-shot fired after %lu ns, before its 2 ms", timer_at[0] - t0);
    delay_ns(MS(20));
    check(hits[0][V_TIMER] == 1, "one-shot fired %lu times", hits[0][V_TIMER]);
    check(apic_rd(R_TMCCT) == 0, "current count after a one-shot: %#x", apic_rd(R_TMCCT));
    irq_disable();
    check(!isr_has(V_TIMER), "the timer vector is still in service after its EOI");

    /* Periodic: 1 ms, at least 4 periods, then stopped by TMICT = 0 */
    hits[0][V_TIMER] = 0;
    apic_wr(R_LVT_TIMER, (1u << 17) | V_TIMER);
    apic_wr(R_TMICT, MS(1) / BUS_NS);
    irq_enable();
    check(wait_until(hits[0][V_TIMER] >= 4, SEC(5)), "periodic timer: %lu interrupts in 5 s",
          hits[0][V_TIMER]);
    apic_wr(R_TMICT, 0);
    uint64_t n = hits[0][V_TIMER];
    delay_ns(MS(20));
    irq_disable();
    check(hits[0][V_TIMER] <= n + 1, "periodic timer still firing after TMICT = 0 (%lu -> %lu)",
          n, hits[0][V_TIMER]);
    apic_wr(R_LVT_TIMER, 1u << 16);
}

static void check_ipis(void)
{
    irq_register(V_SELF, on_irq);
    irq_register(V_TO_AP, on_irq);
    irq_register(V_FROM_AP, on_irq);

    /* To ourselves: by the self shorthand, then by our physical ID 0 */
    irq_enable();
    xapic_ipi(0, (1u << 18) | V_SELF);
    check(wait_until(hits[0][V_SELF] == 1, SEC(2)), "self IPI (shorthand): %lu",
          hits[0][V_SELF]);
    xapic_ipi(0, V_SELF);
    check(wait_until(hits[0][V_SELF] == 2, SEC(2)), "self IPI (physical ID 0): %lu",
          hits[0][V_SELF]);
    check((apic_rd(R_ICR) & ~(1u << 12)) == V_SELF && !(apic_rd(R_ICR) & (1u << 12)),
          "ICR reads back the vector with delivery status idle: %#x", apic_rd(R_ICR));
    irq_disable();

    /* vCPU1 */
    if (!check(vcpu_start(1, ap_main, NULL) == 0, "vcpu_start(1) failed"))
        return;
    if (!check(wait_until(ap_ready, SEC(5)), "vCPU1 did not enable its APIC"))
        return;
    check(ap_id_seen == 2u << 24, "vCPU1's xAPIC ID: expected 0x02000000, got %#x",
          ap_id_seen);
    check(ap_ldr_seen == 0x02000000, "vCPU1's LDR: expected 0x02000000, got %#x", ap_ldr_seen);
    xapic_ipi(2, V_TO_AP); /* physical, ID 2 */
    check(wait_until(hits[1][V_TO_AP] == 1, SEC(5)), "fixed IPI to vCPU1 (physical): %lu",
          hits[1][V_TO_AP]);
    xapic_ipi(0x02, (1u << 11) | V_TO_AP); /* logical flat, bit 1 */
    check(wait_until(hits[1][V_TO_AP] == 2, SEC(5)), "fixed IPI to vCPU1 (logical): %lu",
          hits[1][V_TO_AP]);
    check(hits[0][V_TO_AP] == 0, "vCPU0 took vCPU1's IPI");
    /* An illegal vector is not sent and sets ESR's send-illegal bit */
    xapic_ipi(2, 0x05);
    apic_wr(R_ESR, 0);
    check(apic_rd(R_ESR) == 0x20, "ESR after sending vector 5: expected 0x20, got %#x",
          apic_rd(R_ESR));
}

static void check_switch_to_x2apic(void)
{
    uint64_t val;

    apic_wr(R_TPR, 0x10);
    apic_wr(R_LVT_TIMER, (1u << 16) | 0xe5);
    apic_wr(R_TDCR, 0x3);
    wrmsr(MSR_APIC_BASE, APIC_PAGE | BASE_EN | BASE_EXTD | BASE_BSP);
    x2apic_on[0] = true;
    check(rdmsr(MSR_OF(R_ID)) == 0, "x2APIC ID of vCPU0: %#lx", rdmsr(MSR_OF(R_ID)));
    check(rdmsr(MSR_OF(R_LDR)) == 1, "x2APIC LDR of ID 0: expected 1, got %#lx",
          rdmsr(MSR_OF(R_LDR)));
    check(rdmsr(MSR_OF(R_TPR)) == 0x10, "TPR carried over: %#lx", rdmsr(MSR_OF(R_TPR)));
    check(rdmsr(MSR_OF(R_SVR)) == 0x1ff, "SVR carried over: %#lx", rdmsr(MSR_OF(R_SVR)));
    check(rdmsr(MSR_OF(R_LVT_TIMER)) == 0x100e5, "LVT timer carried over: %#lx",
          rdmsr(MSR_OF(R_LVT_TIMER)));
    check(rdmsr(MSR_OF(R_TDCR)) == 3, "TDCR carried over: %#lx", rdmsr(MSR_OF(R_TDCR)));
    /* No MMIO page in x2APIC mode: nothing there, reads all-ones (no device model) */
    check(apic_rd(R_VERSION) == 0xffffffff, "the MMIO page in x2APIC mode read %#x",
          apic_rd(R_VERSION));
    wrmsr(MSR_OF(R_TPR), 0);

    /* IPIs from x2APIC mode: to ourselves, and to vCPU1 (still in xAPIC mode, ID 2) */
    irq_enable();
    wrmsr(MSR_SELF_IPI, V_SELF);
    check(wait_until(hits[0][V_SELF] == 3, SEC(2)), "x2APIC SELF IPI: %lu", hits[0][V_SELF]);
    wrmsr(MSR_OF(R_ICR), (2ULL << 32) | V_TO_AP);
    check(wait_until(hits[1][V_TO_AP] == 3, SEC(5)), "x2APIC IPI to vCPU1: %lu",
          hits[1][V_TO_AP]);
    /* The timer through MSRs */
    hits[0][V_TIMER] = 0;
    wrmsr(MSR_OF(R_TDCR), 0xb);
    wrmsr(MSR_OF(R_LVT_TIMER), V_TIMER);
    wrmsr(MSR_OF(R_TMICT), MS(1) / BUS_NS);
    check(wait_until(hits[0][V_TIMER] == 1, SEC(5)), "x2APIC one-shot timer: %lu",
          hits[0][V_TIMER]);
    irq_disable();
    check(rdmsr_safe(MSR_OF(R_DFR), &val) == X86_EXC_GP, "DFR does not exist in x2APIC mode");
    ap_stop = 1;
}

static void check_transitions(void)
{
    const uint64_t x2 = APIC_PAGE | BASE_EN | BASE_EXTD | BASE_BSP;
    struct cpuid_regs r;
    int f;

    f = wrmsr_safe(MSR_APIC_BASE, APIC_PAGE | BASE_EN | BASE_BSP);
    check(f == X86_EXC_GP, "x2APIC -> xAPIC must #GP, got %d", f);
    f = wrmsr_safe(MSR_APIC_BASE, APIC_PAGE | BASE_EXTD | BASE_BSP);
    check(f == X86_EXC_GP, "EN=0 with EXTD=1 must #GP, got %d", f);
    f = wrmsr_safe(MSR_APIC_BASE, x2 | 1);
    check(f == X86_EXC_GP, "a reserved bit must #GP, got %d", f);
    check(rdmsr(MSR_APIC_BASE) == x2, "IA32_APIC_BASE changed by refused writes: %#lx",
          rdmsr(MSR_APIC_BASE));

    /* x2APIC -> disabled -> xAPIC is the legal way back */
    f = wrmsr_safe(MSR_APIC_BASE, APIC_PAGE | BASE_BSP);
    check(f < 0, "x2APIC -> disabled: got #%d", f);
    x2apic_on[0] = false;
    r = cpuid(1);
    check(!(r.d & (1u << 9)), "CPUID 1 EDX bit 9 (APIC) still set with the APIC disabled");
    f = wrmsr_safe(MSR_APIC_BASE, x2);
    check(f == X86_EXC_GP, "disabled -> x2APIC must #GP, got %d", f);
    f = wrmsr_safe(MSR_APIC_BASE, 0xfec00000UL | BASE_EN | BASE_BSP);
    check(f == X86_EXC_GP, "xAPIC away from 0xfee00000 must #GP (Xen), got %d", f);
    f = wrmsr_safe(MSR_APIC_BASE, APIC_PAGE | BASE_EN | BASE_BSP);
    check(f < 0, "disabled -> xAPIC: got #%d", f);
    r = cpuid(1);
    check(r.d & (1u << 9), "CPUID 1 EDX bit 9 (APIC) clear after re-enabling");
    check(apic_rd(R_SVR) == 0xff && apic_rd(R_ID) == 0,
          "re-enabled APIC is reset: SVR %#x (0xff), ID %#x (0)", apic_rd(R_SVR),
          apic_rd(R_ID));
    /* ... and x2APIC once more */
    f = wrmsr_safe(MSR_APIC_BASE, x2);
    check(f < 0, "xAPIC -> x2APIC again: got #%d", f);
}

void test_main(void)
{
    check_cpuid_and_base();
    check_registers();
    check_timer();
    check_ipis();
    check_switch_to_x2apic();
    check_transitions();
    xtf_success();
}
