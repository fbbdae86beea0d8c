// SPDX-License-Identifier: MIT
/* IPIs through the ICR: destinations, shorthands, broadcast, lowest priority, INIT/SIPI. */
#include "fake_env.h"
#include "harness.h"
#include <asm/hvm.h>

/* Software-enable every vCPU's APIC and make them all runnable. */
static struct domain *running_domain(unsigned int nr)
{
    struct domain *d = fake_domain(nr);
    for (unsigned int i = 0; i < nr; i++) {
        fake_enable(d->vcpu[i]);
        d->vcpu[i]->pause_flags = 0;
    }
    return d;
}

/* Bit i set when vCPU i has vec in its IRR; clears those bits. */
/* v's next entry, as hvm_prepare_entry() begins it: an accepted SIPI loads the start state
 * there, on v's own pCPU. Returns how many start states v has loaded so far. */
static unsigned int enter(struct vcpu *v)
{
    uint8_t vec;

    if (vlapic_take_sipi(v, &vec))
        hvm_funcs->set_sipi_state(v, vec);
    return fake_log(v)->sipis;
}

static unsigned int receivers(struct domain *d, unsigned int vec)
{
    unsigned int mask = 0;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        if (in_irr(d->vcpu[i], vec)) {
            mask |= 1u << i;
            CHECK_EQ(fake_entry(d->vcpu[i], true), vec);
            wr(d->vcpu[i], X_EOI, 0);
        }
    }
    return mask;
}

TEST(fixed_physical)
{
    struct domain *d = running_domain(4);

    wr(d->vcpu[0], X_ICR, ICR_DEST(4) | 0x50);      /* x2APIC ID 4 = vCPU 2 */
    CHECK_EQ(fake_log(d->vcpu[2])->kicks, 1);
    CHECK_EQ(receivers(d, 0x50), 1u << 2);
    wr(d->vcpu[3], X_ICR, ICR_DEST(0) | 0x51);
    CHECK_EQ(receivers(d, 0x51), 1u << 0);
    /* IDs that no vCPU has: odd, too high, a vCPU that does not exist */
    wr(d->vcpu[0], X_ICR, ICR_DEST(3) | 0x52);
    wr(d->vcpu[0], X_ICR, ICR_DEST(8) | 0x52);
    wr(d->vcpu[0], X_ICR, ICR_DEST(0xfffffffe) | 0x52);
    wr(d->vcpu[0], X_ICR, ICR_DEST(0x104) | 0x52);  /* 32-bit IDs: not vCPU 2 */
    CHECK_EQ(receivers(d, 0x52), 0);
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
}

TEST(fixed_to_self_by_id_needs_no_kick)
{
    struct domain *d = running_domain(2);

    wr(d->vcpu[1], X_ICR, ICR_DEST(2) | 0x53);
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
    CHECK_EQ(receivers(d, 0x53), 1u << 1);
}

TEST(broadcast_physical_and_logical)
{
    struct domain *d = running_domain(4);

    wr(d->vcpu[1], X_ICR, ICR_DEST(0xffffffff) | 0x60);
    CHECK_EQ(receivers(d, 0x60), 0xf);
    wr(d->vcpu[1], X_ICR, ICR_DEST(0xffffffff) | ICR_LOGICAL_ | 0x61);
    CHECK_EQ(receivers(d, 0x61), 0xf);
}

TEST(fixed_logical_clusters)
{
    struct domain *d = running_domain(12);          /* IDs 0..22: clusters 0 and 1 */

    CHECK_EQ(rd(d->vcpu[3], X_LDR), 1u << 6);       /* ID 6 */
    CHECK_EQ(rd(d->vcpu[8], X_LDR), 0x10001);       /* ID 16: cluster 1, bit 0 */
    CHECK_EQ(rd(d->vcpu[11], X_LDR), 0x10040);      /* ID 22 */
    /* cluster 0, IDs 2 and 6 */
    wr(d->vcpu[0], X_ICR, ICR_DEST((1u << 2) | (1u << 6)) | ICR_LOGICAL_ | 0x70);
    CHECK_EQ(receivers(d, 0x70), (1u << 1) | (1u << 3));
    /* cluster 1, IDs 16 and 20 */
    wr(d->vcpu[0], X_ICR, ICR_DEST(0x10000 | 1 | (1u << 4)) | ICR_LOGICAL_ | 0x71);
    CHECK_EQ(receivers(d, 0x71), (1u << 8) | (1u << 10));
    /* the same bits in an empty cluster, and an empty bitmap */
    wr(d->vcpu[0], X_ICR, ICR_DEST(0x20000 | 1) | ICR_LOGICAL_ | 0x72);
    wr(d->vcpu[0], X_ICR, ICR_DEST(0x10000) | ICR_LOGICAL_ | 0x72);
    CHECK_EQ(receivers(d, 0x72), 0);
}

TEST(shorthands)
{
    struct domain *d = running_domain(3);

    /* The destination field is ignored with a shorthand. */
    wr(d->vcpu[1], X_ICR, ICR_DEST(0) | ICR_SELF | 0x80);
    CHECK_EQ(receivers(d, 0x80), 1u << 1);
    wr(d->vcpu[1], X_ICR, ICR_ALL | 0x81);
    CHECK_EQ(receivers(d, 0x81), 0x7);
    wr(d->vcpu[1], X_ICR, ICR_OTHERS | 0x82);       /* Linux's REBOOT_VECTOR at shutdown */
    CHECK_EQ(receivers(d, 0x82), (1u << 0) | (1u << 2));
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
    /* self with anything but fixed is invalid: nothing happens */
    wr(d->vcpu[1], X_ICR, ICR_SELF | ICR_NMI);
    wr(d->vcpu[1], X_ICR, ICR_SELF | ICR_INIT | ICR_ASSERT_);
    CHECK(!vlapic_take_nmi(d->vcpu[1]), "no NMI to self by shorthand");
    CHECK_EQ(d->vcpu[1]->pause_flags, 0);
}

TEST(lowest_priority_picks_one)
{
    struct domain *d = running_domain(4);

    wr(d->vcpu[0], X_ICR, ICR_DEST(0xffffffff) | ICR_LOWEST | 0x90);
    unsigned int got = receivers(d, 0x90);
    CHECK(got && !(got & (got - 1)), "exactly one receiver: %#x", got);
    wr(d->vcpu[0], X_ICR, ICR_DEST((1u << 4) | (1u << 6)) | ICR_LOGICAL_ | ICR_LOWEST | 0x91);
    got = receivers(d, 0x91);
    CHECK(got == (1u << 2) || got == (1u << 3), "one of vCPUs 2, 3: %#x", got);
}

TEST(disabled_target_drops_fixed)
{
    struct domain *d = running_domain(2);

    wr(d->vcpu[1], X_SVR, 0xff);
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | 0xa0);
    CHECK(!in_irr(d->vcpu[1], 0xa0), "software-disabled target accepts nothing");
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
}

TEST(illegal_vector_is_not_sent)
{
    struct domain *d = running_domain(2);

    for (unsigned int vec = 0; vec < 16; vec++) {
        wr(d->vcpu[0], X_ICR, ICR_DEST(2) | vec);
        wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_LOWEST | vec);
    }
    CHECK_EQ(rd(d->vcpu[1], X_IRR), 0);
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
    wr(d->vcpu[0], X_ESR, 0);
    CHECK_EQ(rd(d->vcpu[0], X_ESR), 0x20);          /* send illegal vector, at the sender */
    wr(d->vcpu[1], X_ESR, 0);
    CHECK_EQ(rd(d->vcpu[1], X_ESR), 0);
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SMI);   /* SMI: no SMM, ignored */
    CHECK_EQ(fake_log(d->vcpu[1])->kicks, 0);
}

/* Linux's wakeup_secondary_cpu_via_init, x2APIC flavour. */
TEST(init_sipi_starts_an_ap_in_real_mode)
{
    struct domain *d = fake_domain(3);
    struct vcpu *bsp = d->vcpu[0], *ap = d->vcpu[2];

    fake_enable(bsp);
    CHECK(ap->pause_flags & VPF_down, "APs start down");
    wr(bsp, X_ESR, 0);
    wr(bsp, X_ICR, ICR_DEST(4) | ICR_LEVELTRIG | ICR_ASSERT_ | ICR_INIT);
    CHECK(ap->pause_flags & VPF_down, "INIT keeps it down");
    CHECK_EQ(fake_log(ap)->sipis, 0);
    wr(bsp, X_ICR, ICR_DEST(4) | ICR_LEVELTRIG | ICR_INIT);  /* de-assert: no effect */
    for (unsigned int j = 0; j < 2; j++) {
        wr(bsp, X_ESR, 0);
        wr(bsp, X_ICR, ICR_DEST(4) | ICR_SIPI | 0x9a);
        CHECK_EQ(enter(ap), 1);                     /* the second SIPI is ignored */
        CHECK_EQ(fake_log(ap)->sipi_vector, 0x9a);
        CHECK(!(ap->pause_flags & VPF_down), "started");
        CHECK(ap->is_initialised, "has a register state");
        wr(bsp, X_ESR, 0);
        CHECK_EQ(rd(bsp, X_ESR) & 0xef, 0);         /* Linux's accept_status */
    }
    CHECK_EQ(fake_log(ap)->sleep_syncs, 0);         /* the sender never waits for the AP */
    CHECK_EQ(fake_log(d->vcpu[1])->sipis, 0);
    CHECK(d->vcpu[1]->pause_flags & VPF_down, "the other AP untouched");
    wr(bsp, X_ICR, ICR_DEST(4) | ICR_LEVELTRIG | ICR_INIT);  /* a de-assert never stops */
    CHECK(!(ap->pause_flags & VPF_down), "de-assert has no effect on a running vCPU");
    /* The AP's APIC is in its INIT state and in x2APIC mode. */
    CHECK_EQ(rd(ap, X_SVR), 0xff);
    CHECK_EQ(rd(ap, X_APIC_BASE), 0xfee00c00);
    CHECK_EQ(rd(ap, X_ID), 4);
}

TEST(sipi_without_init_is_ignored_by_running_vcpus)
{
    struct domain *d = running_domain(2);

    wr(d->vcpu[1], X_ICR, ICR_DEST(0) | ICR_SIPI | 0x10);   /* vCPU 0 never waits */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x10);   /* vCPU 1 is running */
    CHECK_EQ(fake_log(d->vcpu[0])->sipis, 0);
    CHECK_EQ(fake_log(d->vcpu[1])->sipis, 0);
}

TEST(sipi_ignored_by_a_vcpu_down_without_init)
{
    struct domain *d = fake_domain(2);
    struct vcpu *ap = d->vcpu[1];

    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x10);
    CHECK_EQ(enter(ap), 1);
    ap->pause_flags |= VPF_down;                    /* VCPUOP_down, say: no INIT */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x11);
    CHECK_EQ(enter(ap), 1);
    CHECK(ap->pause_flags & VPF_down, "stays down");
}

TEST(ap_may_start_with_sipi_only)
{
    struct domain *d = fake_domain(2);

    /* Power-up state of an AP is wait-for-SIPI (SDM 8.4.1). */
    wr(d->vcpu[0], X_ICR, ICR_OTHERS | ICR_SIPI | 0x08);
    CHECK_EQ(enter(d->vcpu[1]), 1);
    CHECK_EQ(fake_log(d->vcpu[1])->sipi_vector, 0x08);
}

TEST(init_resets_a_running_vcpu)
{
    struct domain *d = running_domain(2);
    struct vcpu *v1 = d->vcpu[1];

    wr(v1, X_TPR, 0x30);
    wr(v1, X_LVT_TIMER, 0x200ec);
    wr(v1, X_TMICT, 1000000);
    wr(v1, X_SELF_IPI, 0x77);
    CHECK(hvm_vlapic_inject(v1), "offer pending");
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_ASSERT_ | ICR_INIT);
    CHECK(v1->pause_flags & VPF_down, "INIT stops it");
    CHECK_EQ(fake_log(v1)->kicks, 1);
    vlapic_after_exit(v1, false);                   /* it took 0x77 just before */
    CHECK_EQ(rd(v1, X_ISR + 3), 0);                 /* ...which INIT cleared */
    CHECK_EQ(rd(v1, X_IRR + 3), 0);
    CHECK_EQ(rd(v1, X_TPR), 0);
    CHECK_EQ(rd(v1, X_SVR), 0xff);
    CHECK_EQ(rd(v1, X_LVT_TIMER), 0x10000);
    CHECK_EQ(rd(v1, X_TMICT), 0);
    CHECK(!fake_timer_of(v1)->active, "timer stopped");
    CHECK_EQ(rd(v1, X_ID), 2);
    CHECK_EQ(rd(v1, X_APIC_BASE), 0xfee00c00);
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x20);
    CHECK_EQ(enter(v1), 1);
    CHECK(!(v1->pause_flags & VPF_down), "restarted");
}

TEST(a_stopping_sender_sends_no_sipi)
{
    struct domain *d = running_domain(3);

    wr(d->vcpu[0], X_ICR, ICR_DEST(4) | ICR_ASSERT_ | ICR_INIT);
    /* vCPU 1 was INIT'd too, but is still finishing an exit in which it sends a SIPI. */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_ASSERT_ | ICR_INIT);
    wr(d->vcpu[1], X_ICR, ICR_DEST(4) | ICR_SIPI | 0x30);
    CHECK_EQ(enter(d->vcpu[2]), 0);
    CHECK_EQ(fake_log(d->vcpu[2])->sleep_syncs, 0);
    wr(d->vcpu[0], X_ICR, ICR_DEST(4) | ICR_SIPI | 0x30);
    CHECK_EQ(enter(d->vcpu[2]), 1);
}

TEST(sipi_to_a_vcpu_still_leaving_its_pcpu_starts_it_at_its_next_entry)
{
    struct domain *d = running_domain(2);
    struct vcpu *v1 = d->vcpu[1];

    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_ASSERT_ | ICR_INIT);
    v1->is_running = true;                          /* still finishing the exit INIT forced */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x30);
    CHECK_EQ(fake_log(v1)->sleep_syncs, 0);         /* nobody waits for it */
    CHECK(!(v1->pause_flags & VPF_down), "runnable again");
    CHECK_EQ(fake_log(v1)->sipis, 0);               /* its control block is left alone... */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x31);
    CHECK_EQ(enter(v1), 1);                         /* ...until it enters: the first SIPI */
    CHECK_EQ(fake_log(v1)->sipi_vector, 0x30);
    CHECK_EQ(enter(v1), 1);
    /* A new INIT drops a SIPI accepted but not yet loaded. */
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_ASSERT_ | ICR_INIT);
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_SIPI | 0x40);
    wr(d->vcpu[0], X_ICR, ICR_DEST(2) | ICR_ASSERT_ | ICR_INIT);
    CHECK_EQ(enter(v1), 1);
}

TEST(init_to_all_including_self)
{
    struct domain *d = running_domain(2);

    wr(d->vcpu[0], X_ICR, ICR_ALL | ICR_ASSERT_ | ICR_INIT);
    CHECK(d->vcpu[0]->pause_flags & VPF_down, "the sender stops too");
    CHECK(d->vcpu[1]->pause_flags & VPF_down, "and the other");
    CHECK_EQ(fake_log(d->vcpu[0])->kicks, 0);       /* no kick of itself */
}
