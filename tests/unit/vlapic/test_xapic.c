// SPDX-License-Identifier: MIT
/*
 * xAPIC mode: the MMIO page's registers with Xen's width and alignment rules, ICR2/ICR IPIs
 * with physical and logical (flat, cluster) destinations, the timer and EOI through MMIO,
 * INIT, a hardware-disabled APIC, and the switch to x2APIC mode carrying the state over.
 */
#include <asm/hvm.h>
#include "fake_env.h"
#include "harness.h"

/* xAPIC register offsets */
#define M_ID 0x20
#define M_VERSION 0x30
#define M_TPR 0x80
#define M_APR 0x90
#define M_PPR 0xa0
#define M_EOI 0xb0
#define M_LDR 0xd0
#define M_DFR 0xe0
#define M_SVR 0xf0
#define M_ISR 0x100
#define M_IRR 0x200
#define M_ESR 0x280
#define M_ICR 0x300
#define M_ICR2 0x310
#define M_LVT_TIMER 0x320
#define M_LVT_LINT0 0x350
#define M_LVT_ERROR 0x370
#define M_TMICT 0x380
#define M_TMCCT 0x390
#define M_TDCR 0x3e0
#define M_SELF_IPI 0x3f0

static struct domain *xapic_domain(unsigned int nr)
{
    struct domain *d = fake_domain_xapic(nr);

    for (unsigned int i = 0; i < nr; i++) {
        mmio_wr(d->vcpu[i], M_SVR, 0x1ff);
        d->vcpu[i]->pause_flags = 0;
    }
    return d;
}

static bool irr(struct vcpu *v, unsigned int vec)
{
    return mmio_rd(v, M_IRR + (vec / 32) * 0x10) & (1u << (vec % 32));
}

/* Send an IPI the xAPIC way: ICR2 (destination) first, then ICR. */
static void ipi(struct vcpu *v, uint8_t dest, uint32_t icr)
{
    mmio_wr(v, M_ICR2, (uint32_t)dest << 24);
    mmio_wr(v, M_ICR, icr);
}

TEST(xapic_init_state)
{
    struct domain *d = fake_domain_xapic(3);
    struct vcpu *v0 = d->vcpu[0], *v2 = d->vcpu[2];
    uint64_t val;

    CHECK_EQ(rd(v0, X_APIC_BASE), 0xfee00900);      /* EN, BSP: xAPIC mode, as on Xen */
    CHECK_EQ(rd(v2, X_APIC_BASE), 0xfee00800);
    CHECK(hvm_vcpu_has_x2apic(v0), "x2APIC still offered by CPUID");
    CHECK(!hvm_vlapic_hw_disabled(v0), "enabled");
    CHECK(hvm_vlapic_mmio_range(v0, 0xfee00000) && hvm_vlapic_mmio_range(v0, 0xfee00fff),
          "the whole page");
    CHECK(!hvm_vlapic_mmio_range(v0, 0xfee01000) && !hvm_vlapic_mmio_range(v0, 0xfedff000),
          "only that page");
    CHECK_EQ(mmio_rd(v0, M_ID), 0);
    CHECK_EQ(mmio_rd(v2, M_ID), 4u << 24);           /* 2 * vcpu_id in bits 31:24 */
    CHECK_EQ(mmio_rd(v0, M_VERSION), 0x50014);
    CHECK_EQ(mmio_rd(v0, M_LDR), 0);
    CHECK_EQ(mmio_rd(v0, M_DFR), 0xffffffff);
    CHECK_EQ(mmio_rd(v0, M_SVR), 0xff);
    for (unsigned int off = M_LVT_TIMER; off <= M_LVT_ERROR; off += 0x10)
        CHECK_EQ(mmio_rd(v0, off), 0x10000);
    CHECK_EQ(mmio_rd(v0, M_TMICT), 0);
    /* The x2APIC MSRs #GP outside x2APIC mode; the TSC deadline MSR is there. */
    CHECK(!msr_rd(v0, X_ID, &val), "x2APIC ID MSR #GP in xAPIC mode");
    CHECK(!msr_wr(v0, X_EOI, 0), "x2APIC EOI MSR #GP in xAPIC mode");
    CHECK(msr_rd(v0, X_TSC_DEADLINE, &val) && val == 0, "TSC deadline MSR reads 0");
}

TEST(xapic_widths_and_alignment)
{
    struct domain *d = xapic_domain(1);
    struct vcpu *v = d->vcpu[0];

    mmio_wr(v, M_TMICT, 0x12345678); /* one-shot, masked: a full 32-bit register */
    CHECK_EQ(mmio_rd_len(v, M_TMICT, 1), 0x78);
    CHECK_EQ(mmio_rd_len(v, M_TMICT + 1, 1), 0x56);
    CHECK_EQ(mmio_rd_len(v, M_TMICT + 2, 2), 0x1234);
    CHECK_EQ(mmio_rd_len(v, M_TMICT + 3, 1), 0x12);
    /* Not inside one 32-bit register: reads 0, writes nowhere */
    CHECK_EQ(mmio_rd_len(v, M_TMICT + 2, 4), 0);
    CHECK_EQ(mmio_rd_len(v, M_TMICT, 8), 0);
    CHECK_EQ(mmio_rd_len(v, M_TMICT + 4, 4), 0);    /* bytes 4-15 of a register */
    mmio_wr_len(v, M_TMICT, 8, 0x1111111111111111ULL);
    mmio_wr_len(v, M_TMICT + 2, 4, 0x22222222);
    mmio_wr_len(v, M_TMICT + 4, 4, 0x33333333);
    CHECK_EQ(mmio_rd(v, M_TMICT), 0x12345678);
    /* Partial writes merge into the register */
    mmio_wr_len(v, M_TMICT + 1, 1, 0xab);
    CHECK_EQ(mmio_rd(v, M_TMICT), 0x1234ab78);
    mmio_wr_len(v, M_TMICT + 2, 2, 0xcdef);
    CHECK_EQ(mmio_rd(v, M_TMICT), 0xcdefab78);
    mmio_wr_len(v, M_TPR, 1, 0x5a);
    CHECK_EQ(mmio_rd(v, M_TPR), 0x5a);
    /* Past TDCR there is nothing (no SELF IPI register in xAPIC mode) */
    mmio_wr(v, M_SELF_IPI, 0x40);
    CHECK(!irr(v, 0x40), "no SELF IPI in xAPIC mode");
    CHECK_EQ(mmio_rd(v, M_SELF_IPI), 0);
    CHECK_EQ(mmio_rd(v, 0x800), 0);
    CHECK_EQ(mmio_rd(v, 0xffc), 0);
    mmio_wr(v, 0xffc, 1);
}

TEST(xapic_register_rules)
{
    struct domain *d = xapic_domain(1);
    struct vcpu *v = d->vcpu[0];

    mmio_wr(v, M_ID, 0x0a000000);                   /* writable in xAPIC mode (Xen) */
    CHECK_EQ(mmio_rd(v, M_ID), 0x0a000000);
    mmio_wr(v, M_LDR, 0x12345678);
    CHECK_EQ(mmio_rd(v, M_LDR), 0x12000000);        /* bits 31:24 only */
    mmio_wr(v, M_DFR, 0);
    CHECK_EQ(mmio_rd(v, M_DFR), 0x0fffffff);        /* cluster model; 27:0 read as ones */
    mmio_wr(v, M_TPR, 0x1234);
    CHECK_EQ(mmio_rd(v, M_TPR), 0x34);
    mmio_wr(v, M_SVR, 0xffffffff);
    CHECK_EQ(mmio_rd(v, M_SVR), 0x3ff);             /* no fault on reserved bits: dropped */
    mmio_wr(v, M_TDCR, 0xff);
    CHECK_EQ(mmio_rd(v, M_TDCR), 0xb);
    mmio_wr(v, M_LVT_LINT0, 0xffffffff);
    CHECK_EQ(mmio_rd(v, M_LVT_LINT0), 0x1a7ff);     /* writable LINT bits only */
    mmio_wr(v, M_LVT_ERROR, 0xffffffff);
    CHECK_EQ(mmio_rd(v, M_LVT_ERROR), 0x100ff);
    /* read-only registers ignore writes */
    mmio_wr(v, M_VERSION, 0);
    mmio_wr(v, M_PPR, 0xff);
    mmio_wr(v, M_IRR, 0xffffffff);
    mmio_wr(v, M_ISR + 0x70, 0xffffffff);
    CHECK_EQ(mmio_rd(v, M_VERSION), 0x50014);
    CHECK_EQ(mmio_rd(v, M_PPR), 0x34);
    CHECK_EQ(mmio_rd(v, M_IRR), 0);
    CHECK_EQ(mmio_rd(v, M_ISR + 0x70), 0);
    CHECK_EQ(mmio_rd(v, M_APR), 0);
    CHECK_EQ(mmio_rd(v, M_EOI), 0);                 /* write-only: reads 0 */
    /* ESR: any write latches, no fault for a non-zero value */
    ipi(v, 0, 0x40003);                             /* self, vector 3: send illegal */
    mmio_wr(v, M_ESR, 0x1234);
    CHECK_EQ(mmio_rd(v, M_ESR), 0x20);
}

TEST(xapic_ipis_physical)
{
    struct domain *d = xapic_domain(3);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1], *v2 = d->vcpu[2];

    ipi(v0, 2, 0x50);                               /* xAPIC ID 2 = vCPU 1 */
    CHECK(irr(v1, 0x50), "vCPU 1 got it");
    CHECK(!irr(v0, 0x50) && !irr(v2, 0x50), "only vCPU 1");
    CHECK_EQ(fake_log(v1)->kicks, 1);
    CHECK_EQ(mmio_rd(v0, M_ICR), 0x50);             /* delivery status idle */
    CHECK_EQ(mmio_rd(v0, M_ICR2), 2u << 24);
    mmio_wr(v0, M_ICR2, 0xffffffff);
    CHECK_EQ(mmio_rd(v0, M_ICR2), 0xff000000);      /* only the destination field */
    mmio_wr(v0, M_ICR, 0x1051);                     /* the status bit is not stored */
    CHECK_EQ(mmio_rd(v0, M_ICR), 0x51);
    for (unsigned int i = 0; i < 3; i++)            /* 0xff: broadcast */
        CHECK(irr(d->vcpu[i], 0x51), "broadcast to vCPU %u", i);
    ipi(v0, 1, 0x52);                               /* no vCPU has ID 1 */
    ipi(v0, 6, 0x52);
    for (unsigned int i = 0; i < 3; i++)
        CHECK(!irr(d->vcpu[i], 0x52), "ID 1 and 6 reach nobody (vCPU %u)", i);
    /* A guest-chosen ID (writable in xAPIC mode) is what physical destinations match. */
    mmio_wr(v2, M_ID, 0x21000000);
    ipi(v0, 0x21, 0x53);
    CHECK(irr(v2, 0x53), "the new ID");
    ipi(v0, 0, 0x40054);                            /* self shorthand */
    CHECK(irr(v0, 0x54) && !irr(v1, 0x54), "self");
    ipi(v0, 0, 0xc0055);                            /* all but self */
    CHECK(!irr(v0, 0x55) && irr(v1, 0x55) && irr(v2, 0x55), "others");
    ipi(v1, 0, 0x100 | 0x56);                       /* lowest priority to ID 0 */
    CHECK(irr(v0, 0x56), "lowest priority");
    ipi(v0, 2, 0x0a);                               /* illegal vector: nothing sent */
    CHECK(!irr(v1, 0x0a), "vector 10 is not sent");
    mmio_wr(v0, M_ESR, 0);
    CHECK_EQ(mmio_rd(v0, M_ESR), 0x20);
    ipi(v0, 2, 0x340);                              /* delivery mode 3: ignored, no fault */
    ipi(v0, 2, 0x740);                              /* ExtINT: ignored */
    CHECK(!irr(v1, 0x40), "modes 3 and 7 send nothing");
    ipi(v0, 2, 0x400);                              /* NMI */
    CHECK(vlapic_take_nmi(v1), "NMI");
}

TEST(xapic_ipis_logical)
{
    struct domain *d = xapic_domain(4);

    /* Flat model: one bit per vCPU in the logical ID */
    for (unsigned int i = 0; i < 4; i++)
        mmio_wr(d->vcpu[i], M_LDR, (1u << i) << 24);
    ipi(d->vcpu[0], 0x0a, 0x800 | 0x60);            /* logical: vCPUs 1 and 3 */
    for (unsigned int i = 0; i < 4; i++)
        CHECK(irr(d->vcpu[i], 0x60) == (i == 1 || i == 3), "flat: vCPU %u", i);
    ipi(d->vcpu[0], 0x00, 0x800 | 0x61);            /* no bit: nobody */
    for (unsigned int i = 0; i < 4; i++)
        CHECK(!irr(d->vcpu[i], 0x61), "flat 0: vCPU %u", i);
    /* Cluster model: cluster in bits 7:4, members in 3:0 */
    for (unsigned int i = 0; i < 4; i++) {
        mmio_wr(d->vcpu[i], M_DFR, 0x0fffffff);
        mmio_wr(d->vcpu[i], M_LDR, (((i / 2 + 1) << 4) | (1u << (i % 2))) << 24);
    }
    ipi(d->vcpu[0], 0x23, 0x800 | 0x62);            /* cluster 2, members 0 and 1 */
    for (unsigned int i = 0; i < 4; i++)
        CHECK(irr(d->vcpu[i], 0x62) == (i >= 2), "cluster: vCPU %u", i);
    ipi(d->vcpu[0], 0x12, 0x800 | 0x63);            /* cluster 1, member 1 */
    for (unsigned int i = 0; i < 4; i++)
        CHECK(irr(d->vcpu[i], 0x63) == (i == 1), "cluster member: vCPU %u", i);
    /* A DFR model the SDM does not define matches nothing */
    mmio_wr(d->vcpu[3], M_DFR, 0x5fffffff);
    ipi(d->vcpu[0], 0x22, 0x800 | 0x64);
    CHECK(!irr(d->vcpu[3], 0x64), "bad DFR model");
}

TEST(xapic_timer_and_eoi)
{
    struct domain *d = xapic_domain(1);
    struct vcpu *v = d->vcpu[0];

    mmio_wr(v, M_TDCR, 0xb);
    mmio_wr(v, M_LVT_TIMER, 0xe0);                  /* one-shot */
    mmio_wr(v, M_TMICT, 1000);
    fake_advance(400 * TICK_NS);
    CHECK_EQ(mmio_rd(v, M_TMCCT), 600);
    fake_advance(600 * TICK_NS);
    CHECK(irr(v, 0xe0), "one-shot fired");
    CHECK_EQ(fake_entry(v, true), 0xe0);
    CHECK(mmio_rd(v, M_ISR + 0x70) & 1, "in service");
    CHECK_EQ(mmio_rd(v, M_PPR), 0xe0);
    mmio_wr(v, M_EOI, 0x1234);                      /* any value ends it in xAPIC mode */
    CHECK_EQ(mmio_rd(v, M_ISR + 0x70), 0);
    mmio_wr(v, M_LVT_TIMER, 0x200e1);               /* periodic */
    mmio_wr(v, M_TMICT, 50000);
    for (unsigned int i = 0; i < 3; i++) {
        fake_advance(50000 * TICK_NS);
        CHECK_EQ(fake_entry(v, true), 0xe1);
        mmio_wr(v, M_EOI, 0);
    }
    /* TSC-deadline mode: TMICT reads 0 and ignores writes */
    mmio_wr(v, M_LVT_TIMER, 0x400e2);
    CHECK_EQ(mmio_rd(v, M_TMICT), 0);
    mmio_wr(v, M_TMICT, 100);
    CHECK_EQ(mmio_rd(v, M_TMICT), 0);
    /* The reserved mode 3 is stored (no fault) and counts nothing */
    mmio_wr(v, M_LVT_TIMER, 0x600e3);
    CHECK_EQ(mmio_rd(v, M_LVT_TIMER), 0x600e3);
    mmio_wr(v, M_TMICT, 100);
    fake_advance(1000 * TICK_NS);
    CHECK(!irr(v, 0xe3) && !fake_timer_of(v)->active, "mode 3 never fires");
    /* TPR blocks a class */
    mmio_wr(v, M_LVT_TIMER, 0xe4);
    mmio_wr(v, M_TPR, 0xf0);
    mmio_wr(v, M_TMICT, 10);
    fake_advance(10 * TICK_NS);
    CHECK_EQ(fake_entry(v, true), -1);
    mmio_wr(v, M_TPR, 0);
    CHECK_EQ(fake_entry(v, true), 0xe4);
}

TEST(xapic_init_resets_ldr_dfr_keeps_id)
{
    struct domain *d = xapic_domain(2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];

    mmio_wr(v1, M_ID, 0x07000000);
    mmio_wr(v1, M_LDR, 0x08000000);
    mmio_wr(v1, M_DFR, 0x0fffffff);
    mmio_wr(v1, M_TPR, 0x20);
    ipi(v0, 7, 0x4500);                             /* INIT, assert */
    CHECK_EQ(mmio_rd(v1, M_ID), 0x07000000);
    CHECK_EQ(mmio_rd(v1, M_LDR), 0);
    CHECK_EQ(mmio_rd(v1, M_DFR), 0xffffffff);
    CHECK_EQ(mmio_rd(v1, M_TPR), 0);
    CHECK_EQ(mmio_rd(v1, M_SVR), 0xff);
    ipi(v0, 7, 0x4608);                             /* SIPI */
    CHECK_EQ(fake_log(v1)->sipis, 0);               /* taken at v1's next entry: */
    {
        uint8_t vec;

        CHECK(vlapic_take_sipi(v1, &vec), "the SIPI was not kept for the next entry");
        hvm_funcs->set_sipi_state(v1, vec);
    }
    CHECK_EQ(fake_log(v1)->sipis, 1);
    CHECK_EQ(fake_log(v1)->sipi_vector, 8);
}

TEST(switch_to_x2apic_carries_state)
{
    struct domain *d = xapic_domain(2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];

    mmio_wr(v1, M_ID, 0x09000000);
    mmio_wr(v1, M_LDR, 0x04000000);
    mmio_wr(v1, M_TPR, 0x10);
    mmio_wr(v1, M_LVT_TIMER, 0x200ef);
    mmio_wr(v1, M_TDCR, 0xb);
    mmio_wr(v1, M_TMICT, 1000000);
    ipi(v0, 9, 0x70);
    ipi(v0, 9, 0x71);
    CHECK_EQ(fake_entry(v1, true), 0x71);
    /* xAPIC -> x2APIC */
    wr(v1, X_APIC_BASE, 0xfee00c00);
    CHECK(!hvm_vlapic_mmio_range(v1, 0xfee00000), "no MMIO page in x2APIC mode");
    CHECK_EQ(rd(v1, X_ID), 2);                      /* from the vCPU number, not the old ID */
    CHECK_EQ(rd(v1, X_LDR), 1u << 2);               /* x2APIC format from the ID */
    CHECK_EQ(rd(v1, X_TPR), 0x10);
    CHECK_EQ(rd(v1, X_SVR), 0x1ff);
    CHECK_EQ(rd(v1, X_LVT_TIMER), 0x200ef);
    CHECK_EQ(rd(v1, X_TDCR), 0xb);
    CHECK_EQ(rd(v1, X_TMICT), 1000000);
    CHECK(in_irr(v1, 0x70) && in_isr(v1, 0x71), "IRR and ISR carried over");
    fake_advance(1000000 * TICK_NS);
    CHECK(in_irr(v1, 0xef), "the timer keeps running");
    /* The xAPIC sender reaches it by its new ID (8-bit destination 2) */
    ipi(v0, 2, 0x72);
    CHECK(in_irr(v1, 0x72), "xAPIC sender, x2APIC target");
    /* and it answers over the x2APIC ICR */
    wr(v1, X_ICR, ICR_DEST(0) | 0x73);
    CHECK(irr(v0, 0x73), "x2APIC sender, xAPIC target");
    /* INIT in x2APIC mode keeps the LDR (read-only there) */
    wr(v0, X_APIC_BASE, 0xfee00d00);
    wr(v0, X_ICR, ICR_DEST(2) | ICR_INIT | ICR_ASSERT_);
    CHECK_EQ(rd(v1, X_LDR), 1u << 2);
    CHECK_EQ(rd(v1, X_APIC_BASE), 0xfee00c00);
    /* Back through disabled: xAPIC again with a reset APIC */
    wr(v1, X_APIC_BASE, 0xfee00000);
    CHECK(hvm_vlapic_hw_disabled(v1), "disabled");
    wr(v1, X_APIC_BASE, 0xfee00800);
    CHECK_EQ(mmio_rd(v1, M_ID), 2u << 24);
    CHECK_EQ(mmio_rd(v1, M_LDR), 0);
    CHECK_EQ(mmio_rd(v1, M_SVR), 0xff);
    CHECK_EQ(mmio_rd(v1, M_IRR + 0x30), 0);
}

TEST(hardware_disabled_apic_accepts_nothing)
{
    struct domain *d = xapic_domain(2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    uint64_t val;

    mmio_wr(v1, M_LVT_TIMER, 0xe0);
    mmio_wr(v1, M_TDCR, 0xb);
    mmio_wr(v1, M_TMICT, 100);
    wr(v1, X_APIC_BASE, 0xfee00000);
    CHECK(hvm_vlapic_hw_disabled(v1), "CPUID then hides the APIC");
    CHECK(!hvm_vlapic_mmio_range(v1, 0xfee00000), "no MMIO page");
    ipi(v0, 2, 0x50);
    fake_advance(1000);
    CHECK(!hvm_vlapic_has_pending(v1), "nothing accepted or delivered");
    CHECK(!msr_wr(v1, X_TSC_DEADLINE, 5) || (msr_rd(v1, X_TSC_DEADLINE, &val) && val == 0),
          "TSC deadline writes ignored");
    wr(v1, X_APIC_BASE, 0xfee00800);
    CHECK(!hvm_vlapic_has_pending(v1), "re-enabling resets: nothing pending");
}
