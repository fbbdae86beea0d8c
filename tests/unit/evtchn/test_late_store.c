// SPDX-License-Identifier: MIT
/* The late store event (hvm_op.c): setting a boot domain's STORE_PFN raises its store port. */
#include "fake_env.h"
#include "harness.h"

#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <tern/errno.h>

/* HVMOP_set_param / get_param as vCPU v. */
static long param(struct vcpu *v, bool set, domid_t dom, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index, .value = *value };
    long rc;

    set_current_vcpu(v);
    rc = do_hvm_op(set ? HVMOP_set_param : HVMOP_get_param, (uint64_t)(uintptr_t)&p);
    *value = p.value;
    return rc;
}

/* Domain 1 as Tern builds a boot domain beside a dom0: an unbound store port for dom0 and
 * STORE_PFN ~0. */
static evtchn_port_t late_store_domain(struct domain *u)
{
    evtchn_port_t port = 0;

    CHECK_EQ(evtchn_alloc_unbound_port(u, 0, &port), 0);
    u->hvm_params[HVM_PARAM_STORE_EVTCHN] = port;
    u->hvm_params[HVM_PARAM_STORE_PFN] = ~0ULL;
    return port;
}

TEST(store_pfn_set_by_toolstack_raises_store_port)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *u = fake_domain(1, 1);
    uint64_t v;

    d0->is_privileged = true;
    evtchn_port_t port = late_store_domain(u);
    /* the guest reads ~0 (Linux then waits for the event) and may not set it */
    CHECK_EQ(param(u->vcpu[0], false, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK(v == ~0ULL, "the guest should read STORE_PFN ~0, got %#llx", (unsigned long long)v);
    v = 0xfeffc;
    CHECK_EQ(param(u->vcpu[0], true, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), -EPERM);
    CHECK(!evtchn_port_is_pending(u, port), "a refused set must not raise the store port");
    /* xenstored binds the port (its introduce), then the toolstack sets STORE_PFN */
    long lp = fake_bind_interdomain(d0->vcpu[0], 1, port);
    CHECK(lp > 0, "dom0's bind of the store port failed: %ld", lp);
    CHECK(!evtchn_port_is_pending(u, port), "the bind alone must not raise the domain's end");
    v = 0xfeffc;
    CHECK_EQ(param(d0->vcpu[0], true, 1, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK(evtchn_port_is_pending(u, port) && vcpu_has_pending_upcall(u->vcpu[0]),
          "setting STORE_PFN from ~0 should raise store port %u", port);
    CHECK_EQ(param(u->vcpu[0], false, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK_EQ(v, 0xfeffc);
    /* only the first real value is the event */
    u->shared_info->evtchn_pending[0] = 0;
    fake_guest_ack(u->vcpu[0]);
    v = 0xfeffd;
    CHECK_EQ(param(d0->vcpu[0], true, 1, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK(!evtchn_port_is_pending(u, port), "a second STORE_PFN setting must not raise it");
    fake_teardown();
}

TEST(store_pfn_without_late_store_raises_nothing)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1), *u = fake_domain(1, 1), *w = fake_domain(2, 1);
    uint64_t v;

    d0->is_privileged = true;
    /* a domain libxl builds: STORE_PFN was never ~0 */
    evtchn_port_t port = 0;
    CHECK_EQ(evtchn_alloc_unbound_port(u, 0, &port), 0);
    u->hvm_params[HVM_PARAM_STORE_EVTCHN] = port;
    v = 0xfeffc;
    CHECK_EQ(param(d0->vcpu[0], true, 1, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK(!evtchn_port_is_pending(u, port), "no late store: no event");
    /* setting ~0 or 0 over ~0 is no event either, and an unprivileged domain is refused */
    evtchn_port_t wport = late_store_domain(w);
    v = ~0ULL;
    CHECK_EQ(param(d0->vcpu[0], true, 2, HVM_PARAM_STORE_PFN, &v), 0);
    v = 0xfeffc;
    CHECK_EQ(param(u->vcpu[0], true, 2, HVM_PARAM_STORE_PFN, &v), -EPERM);
    v = 0;
    CHECK_EQ(param(d0->vcpu[0], true, 2, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK(!evtchn_port_is_pending(w, wport), "~0 or 0 is not a store page: no event");
    fake_teardown();
}
