// SPDX-License-Identifier: MIT
/* 2-level delivery: pending, selector, upcall_pending, kicks, masking, unmask, poll wake-up. */
#include "fake_env.h"
#include "harness.h"

#include <tern/errno.h>

TEST(set_pending_sets_bits_and_kicks_once)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v = d->vcpu[1];

    evtchn_set_pending(v, 130); /* word 2, bit 2 */
    CHECK(d->shared_info->evtchn_pending[2] == (1ULL << 2), "pending word 2: %llx",
          (unsigned long long)d->shared_info->evtchn_pending[2]);
    CHECK(v->vcpu_info->evtchn_pending_sel == (1ULL << 2), "selector: %llx",
          (unsigned long long)v->vcpu_info->evtchn_pending_sel);
    CHECK_EQ(v->vcpu_info->evtchn_upcall_pending, 1);
    CHECK_EQ(fake_kicks(v), 1);
    CHECK(!vcpu_has_pending_upcall(d->vcpu[0]), "vCPU 0 must stay quiet");

    /* already pending: nothing more happens */
    evtchn_set_pending(v, 130);
    CHECK_EQ(fake_total_kicks(), 1);
    /* another port, same word: the selector is already set, no kick */
    evtchn_set_pending(v, 131);
    CHECK_EQ(fake_total_kicks(), 1);
    /* another word while the upcall is still pending: selector set, still no kick */
    evtchn_set_pending(v, 5);
    CHECK(fake_sel_bit(v, 0), "selector bit 0 should be set");
    CHECK_EQ(fake_total_kicks(), 1);
    /* once the guest acknowledged the upcall, a new event kicks again */
    fake_guest_ack(v);
    evtchn_set_pending(v, 4095);
    CHECK(fake_sel_bit(v, 63) && vcpu_has_pending_upcall(v), "port 4095: word 63");
    CHECK_EQ(fake_kicks(v), 2);
    /* out-of-range ports are ignored */
    evtchn_set_pending(v, 4096);
    evtchn_set_pending(v, 0xffffffffu);
    evtchn_set_pending(NULL, 1);
    CHECK_EQ(fake_total_kicks(), 2);
    CHECK(!evtchn_port_is_pending(d, 4096), "port 4096 does not exist");
    fake_teardown();
}

TEST(masked_port_pends_without_upcall_until_unmask)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    long p = fake_bind_ipi(v0, 1);

    CHECK_EQ(p, 1);
    fake_mask(d, p, true);
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, p), 0);
    CHECK(evtchn_port_is_pending(d, p), "a masked port still becomes pending");
    CHECK(!fake_sel_bit(v1, 0) && !vcpu_has_pending_upcall(v1), "but raises nothing");
    CHECK_EQ(fake_total_kicks(), 0);

    CHECK_EQ(fake_port_op(v0, EVTCHNOP_unmask, p), 0);
    CHECK(!(d->shared_info->evtchn_mask[0] & 2), "unmask clears the mask bit");
    CHECK(fake_sel_bit(v1, 0) && vcpu_has_pending_upcall(v1), "unmask re-delivers to vCPU 1");
    CHECK_EQ(fake_kicks(v1), 1);
    CHECK_EQ(fake_kicks(v0), 0);
    fake_teardown();
}

TEST(unmask_follows_xen_rules)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    long p = fake_bind_ipi(v, 0);

    /* masked but not pending: only the mask goes */
    fake_mask(d, p, true);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, p), 0);
    CHECK(!vcpu_has_pending_upcall(v) && fake_total_kicks() == 0, "nothing to deliver");
    /* pending but not masked: unmask does not raise again (Xen: only a masked port) */
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, p), 0);
    fake_guest_ack(v);
    fake_clear_kicks();
    CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, p), 0);
    CHECK(!vcpu_has_pending_upcall(v), "an unmasked pending port is the guest's to scan");
    /* masked and pending but the selector bit already set: no new upcall */
    fake_mask(d, p, true);
    v->vcpu_info->evtchn_pending_sel = 1;
    CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, p), 0);
    CHECK(!vcpu_has_pending_upcall(v) && fake_total_kicks() == 0, "selector already set");
    /* unmask of a valid but free port is allowed, as in Xen; outside the table it is not */
    CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, 9), 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, 64), -EINVAL);
    fake_teardown();
}

TEST(poll_wakeup_even_when_masked)
{
    fake_setup();
    struct domain *d = fake_domain(1, 3);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1], *v2 = d->vcpu[2];
    long p = fake_bind_ipi(v0, 0), q = fake_bind_ipi(v0, 0);

    fake_mask(d, p, true);
    v1->pause_flags = VPF_polling | VPF_blocked;
    v1->nr_poll_ports = 2;
    v1->poll_ports[0] = 77;
    v1->poll_ports[1] = p;
    v2->pause_flags = VPF_polling;
    v2->nr_poll_ports = 1;
    v2->poll_ports[0] = q;
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, p), 0);
    CHECK_EQ(v1->pause_flags, VPF_blocked); /* only the polling bit goes */
    CHECK_EQ(v2->pause_flags, VPF_polling); /* it polls another port */
    CHECK_EQ(fake_total_kicks(), 0);         /* masked: no upcall */
    /* a garbage nr_poll_ports is clamped to the array */
    v2->nr_poll_ports = 100000;
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, q), 0);
    CHECK_EQ(v2->pause_flags, 0);
    fake_teardown();
}

TEST(send_virq_from_timer_path)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    long p = fake_bind_virq(v0, VIRQ_TIMER, 1);

    CHECK_EQ(evtchn_send_virq(v0, VIRQ_TIMER), -ENOENT); /* not bound on vCPU 0 */
    CHECK_EQ(evtchn_send_virq(v1, VIRQ_TIMER), 0);
    CHECK(evtchn_port_is_pending(d, p) && vcpu_has_pending_upcall(v1), "timer on vCPU 1");
    CHECK_EQ(fake_kicks(v1), 1);
    CHECK_EQ(evtchn_send_virq(v1, NR_VIRQS), -EINVAL);
    CHECK_EQ(evtchn_send_virq(v1, 0xffffffffu), -EINVAL);
    CHECK_EQ(evtchn_send_virq(NULL, VIRQ_TIMER), -EINVAL);
    fake_teardown();
}

TEST(vcpu_without_vcpu_info_gets_pending_bit_only)
{
    fake_setup();
    struct domain *d = fake_domain(1, 40); /* vCPUs 32.. have no vcpu_info until registered */
    struct vcpu *v = d->vcpu[35];
    long p = fake_bind_ipi(d->vcpu[0], 35);

    CHECK_EQ(p, 1);
    CHECK_EQ(fake_port_op(d->vcpu[0], EVTCHNOP_send, p), 0);
    CHECK(evtchn_port_is_pending(d, p), "the pending bit records the event");
    CHECK(!vcpu_has_pending_upcall(v) && fake_total_kicks() == 0, "nowhere to signal it");
    fake_teardown();
}

TEST(no_shared_info_drops_silently)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    long p = fake_bind_ipi(d->vcpu[0], 0);

    d->shared_info = NULL;
    CHECK_EQ(fake_port_op(d->vcpu[0], EVTCHNOP_send, p), 0);
    CHECK_EQ(fake_port_op(d->vcpu[0], EVTCHNOP_unmask, p), 0);
    CHECK(!evtchn_port_is_pending(d, p), "nothing to read");
    CHECK_EQ(fake_port_op(d->vcpu[0], EVTCHNOP_close, p), 0);
    fake_teardown();
}
