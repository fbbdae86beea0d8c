// SPDX-License-Identifier: MIT
/* Priorities (TPR, PPR, ISR), the inject / after_exit cycle, EOI, software disable, NMI. */
#include "fake_env.h"
#include "harness.h"

TEST(inject_then_taken_moves_irr_to_isr)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x40);
    CHECK(in_irr(v, 0x40), "self IPI sets IRR");
    CHECK(hvm_vlapic_has_pending(v), "0x40 is deliverable");
    CHECK_EQ(fake_entry(v, true), 0x40);
    CHECK(!in_irr(v, 0x40) && in_isr(v, 0x40), "taken: IRR -> ISR");
    CHECK_EQ(rd(v, X_PPR), 0x40);
    CHECK(!hvm_vlapic_has_pending(v), "nothing else");
    CHECK_EQ(fake_entry(v, false), -1);
    wr(v, X_EOI, 0);
    CHECK(!in_isr(v, 0x40), "EOI clears ISR");
    CHECK_EQ(rd(v, X_PPR), 0);
}

TEST(not_taken_stays_in_irr_and_is_offered_again)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x51);
    CHECK_EQ(fake_entry(v, false), 0x51);           /* guest had IF=0 */
    CHECK(in_irr(v, 0x51) && !in_isr(v, 0x51), "not taken: still requested");
    CHECK_EQ(fake_entry(v, false), 0x51);
    CHECK_EQ(fake_entry(v, true), 0x51);
    CHECK(!in_irr(v, 0x51) && in_isr(v, 0x51), "taken on the third entry");
}

TEST(upcall_entry_does_not_acknowledge_a_stale_offer)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x60);
    CHECK(hvm_vlapic_inject(v), "offered");
    vlapic_after_exit(v, true);                     /* not taken */
    /* Next entry injects the event-channel upcall instead: inject() is not called. The
     * guest takes that one, which must not move 0x60 to ISR. */
    vlapic_after_exit(v, false);
    CHECK(in_irr(v, 0x60) && !in_isr(v, 0x60), "0x60 still only requested");
}

TEST(higher_vector_arriving_after_offer)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x50);
    CHECK(hvm_vlapic_inject(v), "0x50 offered");
    wr(v, X_SELF_IPI, 0x90);                        /* e.g. from another vCPU meanwhile */
    vlapic_after_exit(v, false);                    /* the guest took what was offered */
    CHECK(in_isr(v, 0x50) && !in_isr(v, 0x90), "the offered vector is in service");
    CHECK(in_irr(v, 0x90), "0x90 still requested");
    CHECK_EQ(fake_entry(v, true), 0x90);            /* higher class: nests */
    CHECK(in_isr(v, 0x50) && in_isr(v, 0x90), "both in service");
    wr(v, X_EOI, 0);
    CHECK(in_isr(v, 0x50) && !in_isr(v, 0x90), "EOI ends the highest first");
    wr(v, X_EOI, 0);
    CHECK(!in_isr(v, 0x50), "then the next");
    wr(v, X_EOI, 0);                                /* spurious EOI: harmless */
}

TEST(priority_classes_tpr_ppr)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x45);
    CHECK_EQ(fake_entry(v, true), 0x45);
    /* Same class as the one in service: held (SDM 10.8.3.1). */
    wr(v, X_SELF_IPI, 0x4a);
    CHECK_EQ(rd(v, X_PPR), 0x40);
    CHECK(!hvm_vlapic_has_pending(v), "0x4a same class as ISR 0x45");
    CHECK_EQ(fake_entry(v, true), -1);
    /* Lower class: held too. */
    wr(v, X_SELF_IPI, 0x31);
    CHECK_EQ(fake_entry(v, true), -1);
    /* TPR above the ISR class rules PPR. */
    wr(v, X_TPR, 0x5c);
    CHECK_EQ(rd(v, X_PPR), 0x5c);
    wr(v, X_SELF_IPI, 0x5f);
    CHECK_EQ(fake_entry(v, true), -1);              /* class 5 not above TPR class 5 */
    wr(v, X_SELF_IPI, 0x60);
    CHECK_EQ(fake_entry(v, true), 0x60);
    wr(v, X_EOI, 0);                                /* 0x60 */
    wr(v, X_EOI, 0);                                /* 0x45 */
    CHECK_EQ(rd(v, X_PPR), 0x5c);
    wr(v, X_TPR, 0x10);                             /* what Linux sets */
    CHECK_EQ(rd(v, X_PPR), 0x10);
    CHECK_EQ(fake_entry(v, true), 0x5f);            /* highest first */
    wr(v, X_EOI, 0);
    CHECK_EQ(fake_entry(v, true), 0x4a);
    wr(v, X_EOI, 0);
    CHECK_EQ(fake_entry(v, true), 0x31);
    wr(v, X_EOI, 0);
    CHECK_EQ(fake_entry(v, true), -1);
}

TEST(vectors_16_to_31_blocked_by_linux_tpr)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_TPR, 0x10);
    wr(v, X_SELF_IPI, 0x1f);                        /* legal vector, class 1 */
    CHECK(in_irr(v, 0x1f), "vectors 16-31 are legal");
    CHECK_EQ(fake_entry(v, true), -1);
    wr(v, X_TPR, 0);
    CHECK_EQ(fake_entry(v, true), 0x1f);
}

TEST(software_disabled_delivers_nothing)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    wr(v, X_SELF_IPI, 0x40);                        /* disabled from reset */
    CHECK(!in_irr(v, 0x40), "a disabled APIC accepts no fixed interrupt");
    fake_enable(v);
    wr(v, X_SELF_IPI, 0x40);
    wr(v, X_SVR, 0xff);
    CHECK(in_irr(v, 0x40), "IRR is held while disabled");
    CHECK(!hvm_vlapic_has_pending(v), "but not deliverable");
    CHECK_EQ(fake_entry(v, true), -1);
    wr(v, X_SVR, 0x1ff);
    CHECK_EQ(fake_entry(v, true), 0x40);
}

TEST(eoi_works_while_disabled)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_SELF_IPI, 0x40);
    CHECK_EQ(fake_entry(v, true), 0x40);
    /* Linux soft-disables, then EOIs stale ISR bits (apic_pending_intr_clear). */
    wr(v, X_SVR, 0xff);
    wr(v, X_EOI, 0);
    CHECK(!in_isr(v, 0x40), "EOI while disabled");
}

TEST(nmi_pending_is_taken_once)
{
    struct domain *d = fake_domain(2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];

    fake_enable(v0);
    d->vcpu[1]->pause_flags = 0;
    wr(v0, X_ICR, ICR_DEST(2) | ICR_NMI);           /* vector 0, as Linux sends NMIs */
    CHECK(hvm_vlapic_has_pending(v1), "NMI counts as work (target still disabled)");
    CHECK_EQ(fake_log(v1)->kicks, 1);
    CHECK_EQ(rd(v1, X_IRR), 0);                     /* not an IRR vector */
    CHECK(vlapic_take_nmi(v1), "taken once");
    CHECK(!vlapic_take_nmi(v1), "only once");
    CHECK(!hvm_vlapic_has_pending(v1), "nothing left");
    CHECK_EQ(rd(v0, X_ESR), 0);
    wr(v0, X_ESR, 0);
    CHECK_EQ(rd(v0, X_ESR), 0);                     /* vector 0 is fine for NMI */
}

TEST(error_lvt_interrupt_on_illegal_vector)
{
    struct domain *d = fake_domain(1);
    struct vcpu *v = d->vcpu[0];

    fake_enable(v);
    wr(v, X_LVT_ERROR, 0xfe);
    wr(v, X_ICR, ICR_SELF | 0x0f);                  /* fixed vector 15: illegal */
    CHECK(!in_irr(v, 0x0f), "vector 15 never reaches IRR");
    CHECK(in_irr(v, 0xfe), "the error LVT fires");
    wr(v, X_ESR, 0);
    CHECK_EQ(rd(v, X_ESR), 0x20);                   /* send illegal vector */
    /* An error LVT with an illegal vector of its own only records the receive error. */
    wr(v, X_LVT_ERROR, 0x05);
    wr(v, X_SELF_IPI, 0x02);
    wr(v, X_ESR, 0);
    CHECK_EQ(rd(v, X_ESR), 0x60);
}
