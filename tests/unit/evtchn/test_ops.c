// SPDX-License-Identifier: MIT
/* EVTCHNOP_* success paths and the state each leaves, read back through EVTCHNOP_status. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

/* A macro, so that a failure names the caller's line. */
#define CHECK_STATUS(v, dom, port, want_status, want_vcpu)                                 \
    do {                                                                                   \
        long rc_ = fake_status((v), (dom), (port), &st);                                   \
        CHECK(rc_ == 0, "status of d%u port %u failed: %ld", (unsigned int)(dom),          \
              (unsigned int)(port), rc_);                                                  \
        CHECK(st.status == (want_status), "d%u port %u: status %u, expected %u",           \
              (unsigned int)(dom), (unsigned int)(port), st.status,                        \
              (unsigned int)(want_status));                                                \
        CHECK(st.vcpu == (want_vcpu), "d%u port %u: vcpu %u, expected %u",                 \
              (unsigned int)(dom), (unsigned int)(port), st.vcpu, (unsigned int)(want_vcpu)); \
    } while (0)

TEST(port_zero_is_reserved)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_status st;

    CHECK_STATUS(v, DOMID_SELF, 0, EVTCHNSTAT_closed, 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 0), -EINVAL);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, 0), -EINVAL);
    CHECK_EQ(fake_bind_vcpu(v, 0, 0), -EINVAL);
    CHECK_EQ(fake_bind_ipi(v, 0), 1);
    fake_teardown();
}

TEST(alloc_unbound_records_remote)
{
    fake_setup();
    struct domain *d = fake_domain(3, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_status st;

    CHECK_EQ(fake_alloc_unbound(v, DOMID_SELF, 0), 1);
    CHECK_STATUS(v, DOMID_SELF, 1, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 0);
    /* remote DOMID_SELF means the caller; dom may also name the caller explicitly */
    CHECK_EQ(fake_alloc_unbound(v, 3, DOMID_SELF), 2);
    CHECK_STATUS(v, 3, 2, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 3);
    /* sending on an unbound port is dropped, successfully */
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, 1), 0);
    CHECK(!evtchn_port_is_pending(d, 1), "a send on an unbound port must not raise it");
    fake_teardown();
}

TEST(privileged_alloc_unbound_in_other_domain)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *du = fake_domain(5, 1);
    struct evtchn_status st;

    d0->is_privileged = true;
    CHECK_EQ(fake_alloc_unbound(d0->vcpu[0], 5, 0), 1);
    CHECK_STATUS(du->vcpu[0], DOMID_SELF, 1, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 0);
    /* the unprivileged domain may not do the same in dom0 */
    CHECK_EQ(fake_alloc_unbound(du->vcpu[0], 0, 5), -EPERM);
    CHECK_STATUS(d0->vcpu[0], DOMID_SELF, 1, EVTCHNSTAT_closed, 0);
    fake_teardown();
}

TEST(bind_virq_per_vcpu)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    struct evtchn_status st;

    CHECK_EQ(fake_bind_virq(v0, VIRQ_TIMER, 0), 1);
    CHECK_EQ(fake_bind_virq(v0, VIRQ_TIMER, 1), 2);
    CHECK_EQ(fake_bind_virq(v0, VIRQ_TIMER, 1), -EEXIST);
    CHECK_EQ(fake_bind_virq(v1, VIRQ_DEBUG, 1), 3);
    CHECK_EQ(v0->virq_to_evtchn[VIRQ_TIMER], 1);
    CHECK_EQ(v1->virq_to_evtchn[VIRQ_TIMER], 2);
    CHECK_STATUS(v0, DOMID_SELF, 2, EVTCHNSTAT_virq, 1);
    CHECK_EQ(st.u.virq, VIRQ_TIMER);
    CHECK_STATUS(v0, DOMID_SELF, 3, EVTCHNSTAT_virq, 1);
    CHECK_EQ(st.u.virq, VIRQ_DEBUG);
    /* a VIRQ port cannot be sent on, and a per-vCPU one cannot move */
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, 1), -EINVAL);
    CHECK_EQ(fake_bind_vcpu(v0, 1, 1), -EINVAL);
    /* closing frees the binding for a new one, which gets the lowest free port */
    CHECK_EQ(fake_port_op(v1, EVTCHNOP_close, 2), 0);
    CHECK_EQ(v1->virq_to_evtchn[VIRQ_TIMER], 0);
    CHECK_STATUS(v0, DOMID_SELF, 2, EVTCHNSTAT_closed, 0);
    CHECK_EQ(fake_bind_virq(v1, VIRQ_TIMER, 1), 2);
    fake_teardown();
}

TEST(global_virq_only_on_vcpu0_and_movable)
{
    fake_setup();
    struct domain *d = fake_domain(0, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    struct evtchn_status st;

    CHECK_EQ(fake_bind_virq(v0, VIRQ_CONSOLE, 1), -EINVAL);
    CHECK_EQ(fake_bind_virq(v0, VIRQ_CONSOLE, 0), 1);
    CHECK_EQ(fake_bind_virq(v1, VIRQ_CONSOLE, 0), -EEXIST);
    CHECK_EQ(fake_bind_vcpu(v0, 1, 1), 0);
    CHECK_STATUS(v0, DOMID_SELF, 1, EVTCHNSTAT_virq, 1);
    /* Tern raises it through any vCPU; it lands where the port is bound now */
    CHECK_EQ(evtchn_send_virq(v0, VIRQ_CONSOLE), 0);
    CHECK(fake_sel_bit(v1, 0) && !fake_sel_bit(v0, 0), "VIRQ_CONSOLE should land on vCPU 1");
    CHECK_EQ(fake_kicks(v1), 1);
    /* closing it clears vCPU 0's record even though the port had moved */
    CHECK_EQ(fake_port_op(v1, EVTCHNOP_close, 1), 0);
    CHECK_EQ(v0->virq_to_evtchn[VIRQ_CONSOLE], 0);
    CHECK_EQ(evtchn_send_virq(v1, VIRQ_CONSOLE), -ENOENT);
    fake_teardown();
}

TEST(ipi_between_vcpus)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    struct evtchn_status st;
    long p = fake_bind_ipi(v0, 1);

    CHECK_EQ(p, 1);
    CHECK_STATUS(v0, DOMID_SELF, 1, EVTCHNSTAT_ipi, 1);
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, p), 0);
    CHECK(evtchn_port_is_pending(d, p), "IPI port should be pending");
    CHECK(fake_sel_bit(v1, 0), "selector bit 0 of vCPU 1 should be set");
    CHECK(vcpu_has_pending_upcall(v1) && !vcpu_has_pending_upcall(v0),
          "only vCPU 1 should have an upcall pending");
    CHECK_EQ(fake_kicks(v1), 1);
    CHECK_EQ(fake_kicks(v0), 0);
    CHECK_EQ(fake_bind_vcpu(v0, p, 0), -EINVAL); /* IPIs cannot move */
    fake_teardown();
}

TEST(interdomain_bind_send_close_rebind)
{
    fake_setup();
    struct domain *a = fake_domain(1, 2), *b = fake_domain(2, 2);
    struct vcpu *va = a->vcpu[0], *vb = b->vcpu[0];
    struct evtchn_status st;
    long pa, pb;

    pa = fake_alloc_unbound(va, DOMID_SELF, 2);
    CHECK_EQ(pa, 1);
    CHECK_EQ(fake_bind_ipi(vb, 0), 1); /* so that b's port numbers differ from a's */
    pb = fake_bind_interdomain(vb, 1, pa);
    CHECK_EQ(pb, 2);
    CHECK_STATUS(va, DOMID_SELF, pa, EVTCHNSTAT_interdomain, 0);
    CHECK(st.u.interdomain.dom == 2 && st.u.interdomain.port == pb,
          "a's end should name d2:%ld, got d%u:%u", pb, st.u.interdomain.dom,
          st.u.interdomain.port);
    CHECK_STATUS(vb, DOMID_SELF, pb, EVTCHNSTAT_interdomain, 0);
    CHECK(st.u.interdomain.dom == 1 && st.u.interdomain.port == pa,
          "b's end should name d1:%ld, got d%u:%u", pa, st.u.interdomain.dom,
          st.u.interdomain.port);
    /* Xen raises the new end once, for sends dropped while the other end was unbound */
    CHECK(evtchn_port_is_pending(b, pb), "the binding end should start pending");
    b->shared_info->evtchn_pending[0] = 0;
    fake_guest_ack(vb);

    CHECK_EQ(fake_port_op(vb, EVTCHNOP_send, pb), 0);
    CHECK(evtchn_port_is_pending(a, pa) && !evtchn_port_is_pending(b, pb),
          "b's send should land on a's port only");
    CHECK(fake_sel_bit(va, 0) && vcpu_has_pending_upcall(va), "a's vCPU 0 should be raised");
    CHECK(!vcpu_has_pending_upcall(a->vcpu[1]), "a's vCPU 1 must stay quiet");
    CHECK_EQ(fake_port_op(va, EVTCHNOP_send, pa), 0);
    CHECK(evtchn_port_is_pending(b, pb), "a's send should land on b's port");

    /* a closes: b's end goes back to unbound, reserved for a; sends on it are dropped */
    CHECK_EQ(fake_port_op(va, EVTCHNOP_close, pa), 0);
    CHECK_STATUS(va, DOMID_SELF, pa, EVTCHNSTAT_closed, 0);
    CHECK_STATUS(vb, DOMID_SELF, pb, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 1);
    CHECK_EQ(fake_port_op(vb, EVTCHNOP_send, pb), 0);
    CHECK(!evtchn_port_is_pending(a, pa), "a closed port must not be raised");
    /* and a can bind to it again */
    CHECK_EQ(fake_bind_interdomain(va, 2, pb), pa);
    CHECK_STATUS(vb, DOMID_SELF, pb, EVTCHNSTAT_interdomain, 0);
    CHECK(st.u.interdomain.dom == 1 && st.u.interdomain.port == pa, "rebound to d1:%ld", pa);
    fake_teardown();
}

TEST(interdomain_loopback_in_one_domain)
{
    fake_setup();
    struct domain *d = fake_domain(4, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_status st;
    long p1 = fake_alloc_unbound(v, DOMID_SELF, DOMID_SELF), p2;

    p2 = fake_bind_interdomain(v, DOMID_SELF, p1);
    CHECK(p1 == 1 && p2 == 2, "ports %ld, %ld", p1, p2);
    d->shared_info->evtchn_pending[0] = 0;
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, p2), 0);
    CHECK(evtchn_port_is_pending(d, p1) && !evtchn_port_is_pending(d, p2), "loopback send");
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, p1), 0);
    CHECK_STATUS(v, DOMID_SELF, p2, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 4);
    fake_teardown();
}

TEST(bind_vcpu_moves_interdomain_delivery)
{
    fake_setup();
    struct domain *a = fake_domain(1, 2), *b = fake_domain(2, 1);
    struct vcpu *a0 = a->vcpu[0], *a1 = a->vcpu[1], *b0 = b->vcpu[0];
    struct evtchn_status st;
    long pa = fake_alloc_unbound(a0, DOMID_SELF, 2), pb;

    CHECK_EQ(fake_bind_vcpu(a0, pa, 1), 0); /* unbound ports may move too */
    CHECK_STATUS(a0, DOMID_SELF, pa, EVTCHNSTAT_unbound, 1);
    CHECK_EQ(fake_bind_vcpu(a0, pa, 0), 0);
    pb = fake_bind_interdomain(b0, 1, pa);
    CHECK(pb > 0, "bind_interdomain: %ld", pb);
    CHECK_EQ(fake_bind_vcpu(a1, pa, 1), 0);
    CHECK_STATUS(a0, DOMID_SELF, pa, EVTCHNSTAT_interdomain, 1);
    CHECK_EQ(fake_port_op(b0, EVTCHNOP_send, pb), 0);
    CHECK(vcpu_has_pending_upcall(a1) && !vcpu_has_pending_upcall(a0),
          "the send should land on a's vCPU 1 after bind_vcpu");
    CHECK_EQ(fake_kicks(a1), 1);
    CHECK_EQ(fake_bind_vcpu(a0, pa, 2), -ENOENT);
    CHECK_EQ(fake_bind_vcpu(a0, 77, 0), -EINVAL);
    fake_teardown();
}

TEST(status_of_other_domains)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *du = fake_domain(7, 1), *dx = fake_domain(8, 1);
    struct evtchn_status st;

    d0->is_privileged = true;
    CHECK_EQ(fake_bind_ipi(du->vcpu[0], 0), 1);
    CHECK_STATUS(d0->vcpu[0], 7, 1, EVTCHNSTAT_ipi, 0);
    CHECK_EQ(fake_status(dx->vcpu[0], 7, 1, &st), -EPERM);
    CHECK_EQ(fake_status(d0->vcpu[0], 99, 1, &st), -ESRCH);
    CHECK_EQ(fake_status(d0->vcpu[0], DOMID_XEN, 1, &st), -ESRCH);
    fake_teardown();
}

TEST(reset_closes_guest_ports)
{
    fake_setup();
    struct domain *a = fake_domain(1, 2), *b = fake_domain(2, 1);
    struct vcpu *a0 = a->vcpu[0], *b0 = b->vcpu[0];
    struct evtchn_status st;
    long pb = fake_alloc_unbound(b0, DOMID_SELF, 1);

    CHECK_EQ(fake_bind_virq(a0, VIRQ_TIMER, 1), 1);
    CHECK_EQ(fake_bind_ipi(a0, 0), 2);
    CHECK_EQ(fake_bind_interdomain(a0, 2, pb), 3);
    CHECK_EQ(fake_alloc_unbound(a0, DOMID_SELF, 0), 4);
    CHECK_EQ(fake_reset(a0, DOMID_SELF), 0);
    for (evtchn_port_t p = 1; p <= 4; p++)
        CHECK_STATUS(a0, DOMID_SELF, p, EVTCHNSTAT_closed, 0);
    CHECK_EQ(a->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    CHECK_STATUS(b0, DOMID_SELF, pb, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 1);
    /* everything can be bound again afterwards */
    CHECK_EQ(fake_bind_virq(a0, VIRQ_TIMER, 1), 1);
    fake_teardown();
}

TEST(reset_of_another_domain)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *du = fake_domain(6, 1), *dx = fake_domain(9, 1);
    struct evtchn_status st;

    d0->is_privileged = true;
    CHECK_EQ(fake_bind_ipi(du->vcpu[0], 0), 1);
    CHECK_EQ(fake_reset(dx->vcpu[0], 6), -EPERM);
    CHECK_EQ(fake_reset(d0->vcpu[0], 6), -EINVAL); /* running: must be paused first */
    CHECK_EQ(fake_reset(d0->vcpu[0], 55), -ESRCH);
    CHECK_STATUS(du->vcpu[0], DOMID_SELF, 1, EVTCHNSTAT_ipi, 0);
    du->pause_count = 1;
    CHECK_EQ(fake_reset(d0->vcpu[0], 6), 0);
    CHECK_STATUS(du->vcpu[0], DOMID_SELF, 1, EVTCHNSTAT_closed, 0);
    fake_teardown();
}

TEST(pirq_and_reset_cont_are_not_implemented)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    uint64_t buf[4] = { 0 };

    unsigned int logged = fake_unknown_subops();
    CHECK_EQ(fake_op(d->vcpu[0], EVTCHNOP_bind_pirq, buf), -ENOSYS);
    CHECK_EQ(fake_op(d->vcpu[0], EVTCHNOP_reset_cont, buf), -ENOSYS);
    /* Both reach the unknown-sub-op log, which names them for whoever reads the console. */
    CHECK_EQ(fake_unknown_subops(), logged + 2);
    fake_teardown();
}

TEST(builder_helpers_connect_domains)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *du = fake_domain(1, 1);
    struct evtchn_status st;
    evtchn_port_t pu = 0, p0 = 0;

    CHECK_EQ(evtchn_alloc_unbound_port(du, 0, &pu), 0);
    CHECK_EQ(pu, 1);
    CHECK_EQ(evtchn_bind_interdomain_ports(d0, du, pu, &p0), 0);
    CHECK_EQ(p0, 1);
    CHECK_STATUS(du->vcpu[0], DOMID_SELF, pu, EVTCHNSTAT_interdomain, 0);
    CHECK(st.u.interdomain.dom == 0 && st.u.interdomain.port == p0, "guest end -> d0:%u", p0);
    /* the port is taken now: a second bind must fail */
    CHECK_EQ(evtchn_bind_interdomain_ports(d0, du, pu, &p0), -EINVAL);
    CHECK_EQ(evtchn_alloc_unbound_port(NULL, 0, &pu), -EINVAL);
    fake_teardown();
}

static unsigned int notified;
static evtchn_port_t notified_port;
static struct domain *notified_dom;

static void console_notify(struct domain *d, evtchn_port_t port, void *data)
{
    notified++;
    notified_port = port;
    notified_dom = d;
    /* Tern may answer at once: the lock must not be held here */
    CHECK_EQ(evtchn_raise(d, port), 0);
    *(int *)data += 1;
}

TEST(xen_side_port)
{
    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v0 = d->vcpu[0], *v1 = d->vcpu[1];
    struct evtchn_status st;
    evtchn_port_t p = 0;
    int data = 0;

    notified = 0;
    CHECK_EQ(evtchn_alloc_xen_port(d, console_notify, &data, &p), 0);
    CHECK_EQ(p, 1);
    CHECK_STATUS(v0, DOMID_SELF, p, EVTCHNSTAT_interdomain, 0);
    CHECK_EQ(st.u.interdomain.dom, DOMID_XEN);
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_send, p), 0);
    CHECK(notified == 1 && notified_port == p && notified_dom == d && data == 1,
          "notify should run once with (d, %u, data), ran %u times", p, notified);
    CHECK(evtchn_port_is_pending(d, p) && vcpu_has_pending_upcall(v0),
          "evtchn_raise from the callback should raise vCPU 0");
    /* the guest may move it but not close it; reset keeps it */
    CHECK_EQ(fake_bind_vcpu(v0, p, 1), 0);
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_close, p), -EINVAL);
    CHECK_EQ(fake_reset(v0, DOMID_SELF), 0);
    CHECK_STATUS(v0, DOMID_SELF, p, EVTCHNSTAT_interdomain, 1);
    d->shared_info->evtchn_pending[0] = 0;
    CHECK_EQ(evtchn_raise(d, p), 0);
    CHECK(vcpu_has_pending_upcall(v1), "evtchn_raise follows bind_vcpu to vCPU 1");
    CHECK_EQ(evtchn_raise(d, 2), -EINVAL);
    CHECK_EQ(evtchn_alloc_xen_port(d, NULL, NULL, &p), -EINVAL);
    /* the slots run out before the ports do */
    for (int i = 1; i < EVTCHN_MAX_XEN_PORTS; i++)
        CHECK_EQ(evtchn_alloc_xen_port(d, console_notify, &data, &p), 0);
    CHECK_EQ(evtchn_alloc_xen_port(d, console_notify, &data, &p), -ENOSPC);
    fake_teardown();
}

static unsigned int handovers;
static bool handover_answer;

static bool console_take(struct domain *d, evtchn_port_t port, struct domain *binder,
                         void *data)
{
    handovers++;
    notified_port = port;
    notified_dom = binder;
    return handover_answer;
}

/* A boot domain's console port: Tern's until a privileged domain binds it (xenconsoled),
 * then an ordinary interdomain channel; nobody else may bind it. */
TEST(xen_side_port_handover)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *u = fake_domain(1, 1), *other = fake_domain(2, 1);
    struct vcpu *v0 = d0->vcpu[0], *vu = u->vcpu[0], *vo = other->vcpu[0];
    struct evtchn_status st;
    evtchn_port_t p = 0;
    int data = 0;
    long lp;

    d0->is_privileged = true;
    notified = handovers = 0;
    CHECK_EQ(evtchn_alloc_xen_port(u, console_notify, &data, &p), 0);
    /* without the offer even dom0 gets Xen's error for a port that is not unbound */
    CHECK_EQ(fake_bind_interdomain(v0, 1, p), -EINVAL);
    CHECK_EQ(evtchn_xen_port_allow_handover(u, p, console_take), 0);
    CHECK_EQ(evtchn_xen_port_allow_handover(u, 7, console_take), -EINVAL);
    /* an unprivileged domain: -EINVAL, the console untouched */
    CHECK_EQ(fake_bind_interdomain(vo, 1, p), -EINVAL);
    CHECK_EQ(handovers, 0);
    /* the console side may refuse: nothing changes */
    handover_answer = false;
    CHECK_EQ(fake_bind_interdomain(v0, 1, p), -EINVAL);
    CHECK_EQ(handovers, 1);
    CHECK_STATUS(vu, DOMID_SELF, p, EVTCHNSTAT_interdomain, 0);
    CHECK_EQ(st.u.interdomain.dom, DOMID_XEN);
    /* dom0 takes it: an interdomain channel between the two */
    handover_answer = true;
    lp = fake_bind_interdomain(v0, 1, p);
    CHECK(lp > 0, "dom0's bind should succeed, got %ld", lp);
    CHECK(handovers == 2 && notified_port == p && notified_dom == d0,
          "the handover should be asked once more for port %u by d0 (%u calls)", p, handovers);
    CHECK_STATUS(vu, DOMID_SELF, p, EVTCHNSTAT_interdomain, 0);
    CHECK(st.u.interdomain.dom == 0 && st.u.interdomain.port == lp,
          "the console port should name d0:%ld, got d%u:%u", lp, st.u.interdomain.dom,
          st.u.interdomain.port);
    CHECK(evtchn_port_is_pending(d0, lp), "the binding end should start pending, as Xen's");
    /* the guest's sends reach dom0, not Tern's notify */
    d0->shared_info->evtchn_pending[0] = 0;
    CHECK_EQ(fake_port_op(vu, EVTCHNOP_send, p), 0);
    CHECK(notified == 0 && evtchn_port_is_pending(d0, lp),
          "a send after the handover should raise dom0's port, not call Tern (%u calls)",
          notified);
    /* it is an ordinary port now: a second bind fails, the slot is free again, and a close
     * by dom0 leaves it unbound for dom0 (xenconsoled may come back) */
    CHECK_EQ(fake_bind_interdomain(v0, 1, p), -EINVAL);
    CHECK_EQ(evtchn_xen_port_allow_handover(u, p, NULL), -EINVAL);
    CHECK_EQ(fake_port_op(v0, EVTCHNOP_close, lp), 0);
    CHECK_STATUS(vu, DOMID_SELF, p, EVTCHNSTAT_unbound, 0);
    CHECK_EQ(st.u.unbound.dom, 0);
    CHECK_EQ(handovers, 2);
    /* a withdrawn offer: dom0 gets -EINVAL again */
    CHECK_EQ(evtchn_alloc_xen_port(u, console_notify, &data, &p), 0);
    CHECK_EQ(evtchn_xen_port_allow_handover(u, p, console_take), 0);
    CHECK_EQ(evtchn_xen_port_allow_handover(u, p, NULL), 0);
    CHECK_EQ(fake_bind_interdomain(v0, 1, p), -EINVAL);
    CHECK_EQ(handovers, 2);
    fake_teardown();
}

TEST(copy_back_failure_reports_efault)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct evtchn_status st;

    fake_copy_out_fails = true;
    CHECK_EQ(fake_bind_ipi(d->vcpu[0], 0), -EFAULT);
    fake_copy_out_fails = false;
    /* as in Xen the port stays allocated: the guest lost only the number */
    CHECK_STATUS(d->vcpu[0], DOMID_SELF, 1, EVTCHNSTAT_ipi, 0);
    fake_teardown();
}

TEST(debug_dump_lists_bound_ports)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);

    CHECK_EQ(fake_bind_virq(d->vcpu[0], VIRQ_TIMER, 0), 1);
    CHECK_EQ(fake_bind_ipi(d->vcpu[0], 0), 2);
    fake_mask(d, 2, true);
    harness_log_clear();
    evtchn_debug_dump(d);
    CHECK(strstr(harness_log(), "port 1: virq") && strstr(harness_log(), "port 2: ipi") &&
              strstr(harness_log(), "masked"),
          "dump should list both ports: %s", harness_log());
    fake_teardown();
}
