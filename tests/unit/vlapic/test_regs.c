// SPDX-License-Identifier: MIT
/* x2APIC register reads and writes, IA32_APIC_BASE, and the accesses that must #GP. */
#include "fake_env.h"
#include "harness.h"

#include <tern/errno.h>

#include <string.h>

TEST(no_vlapic_behaves_like_the_stub)
{
    fake_domain(1);
    struct vcpu bare = { .vcpu_id = 5 };
    uint64_t val = 0;

    CHECK(!hvm_vcpu_has_x2apic(&bare), "no vlapic: CPUID must not advertise x2APIC");
    CHECK(!hvm_vlapic_msr(&bare, X_APIC_BASE, false, &val), "APIC_BASE left to msr.c");
    CHECK(!hvm_vlapic_msr(&bare, X_ID, false, &val), "x2APIC MSRs declined");
    CHECK(!hvm_vlapic_msr(&bare, X_TSC_DEADLINE, true, &val), "TSC deadline declined");
    CHECK(!hvm_vlapic_has_pending(&bare), "nothing pending");
    CHECK(!hvm_vlapic_inject(&bare), "nothing injected");
    CHECK(!vlapic_take_nmi(&bare), "no NMI");
    vlapic_after_exit(&bare, false);
    vlapic_destroy(&bare);
    CHECK(!hvm_vlapic_mmio_range(&bare, 0xfee00000), "no MMIO");
    CHECK(!hvm_vlapic_hw_disabled(&bare), "no vlapic: CPUID keeps the host's APIC bit");
    val = 5;
    hvm_vlapic_mmio_read(&bare, 0xfee00020, 4, &val);
    CHECK_EQ(val, 0);
    CHECK(!hvm_vlapic_portio_hook(&bare, 0x20, 1, true, NULL), "no port I/O");
}

TEST(init_state)
{
    struct domain *d = fake_domain(3);
    struct vcpu *v0 = d->vcpu[0], *v2 = d->vcpu[2];

    CHECK(hvm_vcpu_has_x2apic(v0), "x2APIC advertised");
    CHECK(vlapic_init(v0) == -EEXIST, "second vlapic_init refused");
    CHECK_EQ(rd(v0, X_APIC_BASE), 0xfee00d00);      /* EN, EXTD, BSP */
    CHECK_EQ(rd(v2, X_APIC_BASE), 0xfee00c00);      /* EN, EXTD */
    CHECK_EQ(rd(v0, X_ID), 0);
    CHECK_EQ(rd(v2, X_ID), 4);                      /* 2 * vcpu_id */
    CHECK_EQ(rd(v2, X_LDR), 1u << 4);
    CHECK_EQ(rd(v0, X_VERSION), 0x50014);
    CHECK_EQ(rd(v0, X_SVR), 0xff);                  /* software-disabled */
    CHECK_EQ(rd(v0, X_TPR), 0);
    CHECK_EQ(rd(v0, X_PPR), 0);
    CHECK_EQ(rd(v0, X_ESR), 0);
    CHECK_EQ(rd(v0, X_ICR), 0);
    for (uint32_t m = X_LVT_TIMER; m <= X_LVT_ERROR; m++)
        CHECK(rd(v0, m) == 0x10000, "LVT %#x must start masked: %#llx", m,
              (unsigned long long)rd(v0, m));
    CHECK_EQ(rd(v0, X_LVT_CMCI), 0x10000);
    for (unsigned int i = 0; i < 8; i++) {
        CHECK_EQ(rd(v0, X_ISR + i), 0);
        CHECK_EQ(rd(v0, X_TMR + i), 0);
        CHECK_EQ(rd(v0, X_IRR + i), 0);
    }
    CHECK_EQ(rd(v0, X_TMICT), 0);
    CHECK_EQ(rd(v0, X_TMCCT), 0);
    CHECK_EQ(rd(v0, X_TDCR), 0);
    CHECK_EQ(rd(v0, X_TSC_DEADLINE), 0);
}

/* Xen's guest_wrmsr_apic_base() transitions, from x2APIC mode (fake_domain switched). */
TEST(apic_base_writes)
{
    struct domain *d = fake_domain(2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];

    wr(v0, X_APIC_BASE, 0xfee00d00);                /* the same value */
    wr(v0, X_APIC_BASE, 0xfee00c00);                /* the BSP flag is stored as written */
    CHECK_EQ(rd(v0, X_APIC_BASE), 0xfee00c00);
    wr(v1, X_APIC_BASE, 0xfee00d00);
    CHECK_EQ(rd(v1, X_APIC_BASE), 0xfee00d00);
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00800), "x2APIC -> xAPIC directly refused");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00400), "EN=0 with EXTD=1 refused");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00c01), "reserved bit refused");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00c00 | (1ULL << 52)), "address bit 52 refused");
    CHECK_EQ(rd(v0, X_APIC_BASE), 0xfee00c00);
    CHECK(strstr(harness_log(), "IA32_APIC_BASE"), "refusals are logged");
    /* In x2APIC mode the (unused) address field may change. */
    wr(v0, X_APIC_BASE, 0xfec00c00);
    CHECK_EQ(rd(v0, X_APIC_BASE), 0xfec00c00);
    /* x2APIC -> disabled -> xAPIC, which must be at the default base. */
    wr(v0, X_APIC_BASE, 0xfec00000);
    CHECK(hvm_vlapic_hw_disabled(v0), "disabled");
    CHECK(!msr_rd(v0, X_ID, &(uint64_t){ 0 }), "no x2APIC MSRs when disabled");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfec00800), "xAPIC away from 0xfee00000 refused");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00400), "disabled -> x2APIC directly refused");
    CHECK(!msr_wr(v0, X_APIC_BASE, 0xfee00000 | (1ULL << 10)), "EXTD alone refused");
    wr(v0, X_APIC_BASE, 0xfee00900);
    CHECK(!hvm_vlapic_hw_disabled(v0), "enabled again");
    CHECK(hvm_vlapic_mmio_range(v0, 0xfee00000), "the xAPIC page is there");
    CHECK(!hvm_vlapic_mmio_range(v1, 0xfee00000), "not for a vCPU in x2APIC mode");
    CHECK_EQ(mmio_rd(v0, 0x20), 0);                 /* reset: ID = 2 * 0 << 24 */
    /* ... and on to x2APIC again */
    wr(v0, X_APIC_BASE, 0xfee00d00);
    CHECK_EQ(rd(v0, X_ID), 0);
}

TEST(read_write_registers)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    wr(v, X_TPR, 0x20);
    CHECK_EQ(rd(v, X_TPR), 0x20);
    CHECK_EQ(rd(v, X_PPR), 0x20);
    wr(v, X_SVR, 0x3ff);                            /* focus-check bit kept */
    CHECK_EQ(rd(v, X_SVR), 0x3ff);
    wr(v, X_SVR, 0x1ff);
    wr(v, X_TDCR, 0xb);
    CHECK_EQ(rd(v, X_TDCR), 0xb);
    wr(v, X_TMICT, 1234);
    CHECK_EQ(rd(v, X_TMICT), 1234);
    wr(v, X_LVT_TIMER, 0x200ec);                    /* periodic, vector 0xec */
    CHECK_EQ(rd(v, X_LVT_TIMER), 0x200ec);
    wr(v, X_LVT_LINT0, 0x700);                      /* ExtINT, as Linux's BSP writes */
    CHECK_EQ(rd(v, X_LVT_LINT0), 0x700);
    wr(v, X_LVT_LINT1, 0x400);                      /* NMI */
    wr(v, X_LVT_LINT1, 0x1a400);                    /* masked, level, active low */
    CHECK_EQ(rd(v, X_LVT_LINT1), 0x1a400);
    wr(v, X_LVT_PERF, 0x400);                       /* perf NMI, as the AMD PMU driver */
    wr(v, X_LVT_THERMAL, 0x10000 | 0xfa);
    wr(v, X_LVT_CMCI, 0xf9);
    CHECK_EQ(rd(v, X_LVT_CMCI), 0xf9);
    wr(v, X_LVT_ERROR, 0xfe);
    CHECK_EQ(rd(v, X_LVT_ERROR), 0xfe);
    /* Read-only bits in an LVT (delivery status, remote IRR) are accepted and read 0. */
    wr(v, X_LVT_ERROR, 0x10fe | 0x10000);
    CHECK_EQ(rd(v, X_LVT_ERROR), 0x100fe);
    wr(v, X_LVT_LINT0, 0x4000 | 0x1000 | 0x10000);
    CHECK_EQ(rd(v, X_LVT_LINT0), 0x10000);
    /* ICR reads back as written, 64 bits */
    wr(v, X_ICR, ICR_DEST(0x42) | 0x40);
    CHECK_EQ(rd(v, X_ICR), ICR_DEST(0x42) | 0x40);
    /* ESR, EOI with 0 */
    wr(v, X_ESR, 0);
    wr(v, X_EOI, 0);
}

TEST(read_only_write_only_and_reserved_registers_gp)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];
    uint64_t val;
    static const uint32_t ro[] = { X_ID, X_VERSION, X_PPR, X_LDR, X_TMCCT };
    static const uint32_t absent[] = { 0x800, 0x801, 0x804, 0x805, 0x806, 0x807, 0x809,
                                       0x80c, 0x80e, 0x829, 0x82a, 0x82e, 0x831, 0x83a,
                                       0x83d, 0x840, 0x8ff };

    for (unsigned int i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
        CHECK(msr_rd(v, ro[i], &val), "read of %#x allowed", ro[i]);
        CHECK(!msr_wr(v, ro[i], val), "write of read-only %#x must #GP", ro[i]);
    }
    for (unsigned int i = 0; i < 8; i++) {
        CHECK(!msr_wr(v, X_ISR + i, 0), "ISR%u read-only", i);
        CHECK(!msr_wr(v, X_TMR + i, 0), "TMR%u read-only", i);
        CHECK(!msr_wr(v, X_IRR + i, 0), "IRR%u read-only", i);
    }
    CHECK(!msr_rd(v, X_EOI, &val), "EOI is write-only");
    CHECK(!msr_rd(v, X_SELF_IPI, &val), "SELF IPI is write-only");
    for (unsigned int i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        CHECK(!msr_rd(v, absent[i], &val), "read of absent %#x must #GP", absent[i]);
        CHECK(!msr_wr(v, absent[i], 0), "write of absent %#x must #GP", absent[i]);
    }
    /* MSRs outside the x2APIC range are not the vlapic's: the caller's policy applies. */
    CHECK(!msr_rd(v, 0x10, &val), "TSC is not ours");
    CHECK(!msr_rd(v, 0x7ff, &val), "0x7ff is not ours");
    CHECK(!msr_rd(v, 0x900, &val), "0x900 is not ours");
}

TEST(reserved_bits_gp)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    CHECK(!msr_wr(v, X_TPR, 0x100), "TPR bits 31:8 reserved");
    CHECK(!msr_wr(v, X_TPR, 1ULL << 32), "bits 63:32 reserved");
    CHECK(!msr_wr(v, X_EOI, 1), "EOI takes only 0");
    CHECK(!msr_wr(v, X_ESR, 1), "ESR takes only 0");
    CHECK(!msr_wr(v, X_SVR, 0x11ff), "no EOI-broadcast suppression");
    CHECK(!msr_wr(v, X_SVR, 0x1ff | (1ULL << 40)), "SVR high bits");
    CHECK(!msr_wr(v, X_TDCR, 0x4), "TDCR bit 2 reserved");
    CHECK(!msr_wr(v, X_TDCR, 0x10), "TDCR bit 4 reserved");
    CHECK(!msr_wr(v, X_TMICT, 1ULL << 32), "initial count is 32 bits");
    CHECK(!msr_wr(v, X_SELF_IPI, 0x140), "SELF IPI bits 31:8 reserved");
    CHECK(!msr_wr(v, X_LVT_TIMER, 0x60000 | 0xec), "timer mode 3 reserved");
    CHECK(!msr_wr(v, X_LVT_TIMER, 0x400 | 0xec), "no delivery mode in the timer LVT");
    CHECK(!msr_wr(v, X_LVT_TIMER, 0x80000 | 0xec), "timer LVT bit 19");
    CHECK(!msr_wr(v, X_LVT_ERROR, 0x2000 | 0xfe), "no polarity in the error LVT");
    CHECK(!msr_wr(v, X_LVT_ERROR, 0x100 | 0xfe), "no delivery mode in the error LVT");
    CHECK(!msr_wr(v, X_LVT_THERMAL, 0x700), "ExtINT only on LINT0/1");
    CHECK(!msr_wr(v, X_LVT_PERF, 0x500), "INIT only on LINT0/1");
    CHECK(!msr_wr(v, X_LVT_CMCI, 0x8000), "no trigger mode in CMCI");
    CHECK(!msr_wr(v, X_LVT_LINT0, 0x100), "delivery mode 1 reserved");
    CHECK(!msr_wr(v, X_LVT_LINT0, 0x300), "delivery mode 3 reserved");
    CHECK(!msr_wr(v, X_LVT_LINT1, 0x600), "delivery mode 6 reserved");
    CHECK(!msr_wr(v, X_LVT_LINT1, 0x20000), "no timer mode in LINT1");
    CHECK(!msr_wr(v, X_LVT_LINT0, 1ULL << 32), "LVT bits 63:32");
    /* Nothing of the refused writes stuck. */
    CHECK_EQ(rd(v, X_TPR), 0);
    CHECK_EQ(rd(v, X_SVR), 0x1ff);
    CHECK_EQ(rd(v, X_TDCR), 0);
    CHECK_EQ(rd(v, X_LVT_TIMER), 0x10000);
    CHECK_EQ(rd(v, X_LVT_LINT0), 0x10000);
    CHECK_EQ(rd(v, X_IRR + 2), 0);
}

TEST(icr_garbage_gp)
{
    struct domain *d = fake_domain(2);
    struct vcpu *v = d->vcpu[0];
    static const uint32_t bad[] = { 1u << 12, 1u << 13, 1u << 16, 1u << 17, 1u << 20,
                                    1u << 31, 0x300, 0x700 };

    fake_enable(v);
    fake_enable(d->vcpu[1]);
    wr(v, X_ICR, ICR_DEST(2) | 0x40);
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(!msr_wr(v, X_ICR, ICR_DEST(2) | 0x41 | bad[i]), "ICR bits %#x must #GP", bad[i]);
    CHECK_EQ(rd(v, X_ICR), ICR_DEST(2) | 0x40);
    CHECK(!in_irr(d->vcpu[1], 0x41), "a refused ICR write sends nothing");
    CHECK(in_irr(d->vcpu[1], 0x40), "the valid one was sent");
}

TEST(software_disable_masks_lvts)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_LVT_TIMER, 0xec);
    wr(v, X_LVT_ERROR, 0xfe);
    wr(v, X_SVR, 0xff);                             /* software disable */
    CHECK_EQ(rd(v, X_LVT_TIMER), 0x100ec);
    CHECK_EQ(rd(v, X_LVT_ERROR), 0x100fe);
    wr(v, X_LVT_LINT0, 0x700);                      /* unmasking is ignored while disabled */
    CHECK_EQ(rd(v, X_LVT_LINT0), 0x10700);
    wr(v, X_SVR, 0x1ff);                            /* enabling leaves them masked */
    CHECK_EQ(rd(v, X_LVT_TIMER), 0x100ec);
    wr(v, X_LVT_TIMER, 0xec);
    CHECK_EQ(rd(v, X_LVT_TIMER), 0xec);
}

TEST(esr_latches_on_write)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 3);                           /* illegal vector: send error */
    CHECK_EQ(rd(v, X_ESR), 0);                      /* not visible before an ESR write */
    wr(v, X_ESR, 0);
    CHECK_EQ(rd(v, X_ESR), 0x20);
    wr(v, X_ESR, 0);                                /* no new error since */
    CHECK_EQ(rd(v, X_ESR), 0);
    CHECK(!hvm_vlapic_has_pending(v), "error LVT masked: no interrupt");
}

/* Random writes to every register: no crash, no sanitizer report, invariants kept. */
TEST(hostile_random_writes)
{
    struct domain *d = fake_domain(4);
    uint64_t x = 0x9e3779b97f4a7c15ULL, val;

    for (unsigned int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        struct vcpu *v = d->vcpu[x % 4];
        uint32_t msr = 0x800 + (uint32_t)((x >> 8) & 0xff);
        uint64_t value = x >> (x & 63);
        if (x & 0x100000)
            value &= 0xffffffffu | (0xffULL << 32);
        if ((x >> 32) % 4 == 0)
            value &= 0xff000ccfffULL; /* mostly valid: ICR without reserved bits, LVTs */
        if ((x >> 24) % 16 == 0)
            msr = X_TSC_DEADLINE;
        if ((x >> 24) % 16 == 1)
            msr = X_APIC_BASE;
        if (x & 0x200000)
            msr_wr(v, msr, value);
        else
            msr_rd(v, msr, &val);
        if ((x >> 28) % 8 == 0)
            fake_entry(v, x & 1);
        if ((x >> 28) % 64 == 1)
            fake_advance((s_time_t)(x >> 40));
        if ((x >> 28) % 32 == 2)
            vlapic_take_nmi(v);
        if ((x >> 36) % 4 == 0) {
            /* any offset and width of the xAPIC page, when the vCPU is in xAPIC mode */
            uint64_t gpa = 0xfee00000 + ((x >> 40) & 0xfff);
            unsigned int len = 1u << ((x >> 52) & 3);
            if (hvm_vlapic_mmio_range(v, gpa)) {
                if (x & 0x400000)
                    hvm_vlapic_mmio_write(v, gpa, len, value);
                else
                    hvm_vlapic_mmio_read(v, gpa, len, &val);
            }
        }
        if ((x >> 24) % 256 == 2) /* back to xAPIC mode now and then */
            if (msr_wr(v, X_APIC_BASE, 0xfee00000))
                msr_wr(v, X_APIC_BASE, 0xfee00800);
    }
    for (unsigned int i = 0; i < 4; i++) {
        struct vcpu *v = d->vcpu[i];
        uint64_t base = rd(v, X_APIC_BASE);
        CHECK((base & ~0x000ffffffffffd00ULL) == 0, "APIC_BASE without reserved bits: %#llx",
              (unsigned long long)base);
        CHECK((base & 0xc00) != 0x400, "never EXTD without EN: %#llx",
              (unsigned long long)base);
        /* Whatever mode it ended in, x2APIC mode gives the fixed ID. */
        if ((base & 0xc00) != 0xc00)
            wr(v, X_APIC_BASE, 0xfee00800); /* disabled -> xAPIC, or stays xAPIC */
        wr(v, X_APIC_BASE, 0xfee00c00);
        CHECK_EQ(rd(v, X_ID), 2 * i);
        CHECK(rd(v, X_TPR) <= 0xff, "TPR within 8 bits");
        CHECK((rd(v, X_SVR) & ~0x3ffULL) == 0, "SVR within its bits");
        for (unsigned int r = 0; r < 8; r++)
            CHECK_EQ(rd(v, X_TMR + r), 0);
        CHECK((rd(v, X_IRR) & 0xffff) == 0, "no vector below 16 in IRR: %#llx",
              (unsigned long long)rd(v, X_IRR));
        CHECK((rd(v, X_ISR) & 0xffff) == 0, "no vector below 16 in ISR");
    }
}
