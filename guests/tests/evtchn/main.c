/* SPDX-License-Identifier: MIT */
/* Event channels inside one domain (pvh-abi.md §4): VIRQs, IPIs, masking, loopback, errors. */
#include "lib.h"

const char test_title[] = "event channels within one domain";

#define DELIVERY_TIMEOUT SEC(2)

static domid_t self;

/* Send on port and wait for target to fire once more, on vCPU vcpu. */
static void check_delivery(const char *what, evtchn_port_t send_port, evtchn_port_t target,
                           unsigned int vcpu)
{
    uint64_t count = evtchn_count(target);

    if (!check_rc(evtchn_send(send_port), 0, "%s: EVTCHNOP_send(%u)", what, send_port))
        return;
    if (!check(wait_until(evtchn_count(target) > count, DELIVERY_TIMEOUT),
               "%s: port %u did not fire within 2 s (pending %d, masked %d, vCPU%u "
               "upcall_pending %u)", what, target, evtchn_is_pending(target),
               evtchn_is_masked(target), vcpu, vcpu_info_of(vcpu)->evtchn_upcall_pending))
        return;
    check(evtchn_last_vcpu(target) == (int)vcpu, "%s: port %u fired on vCPU%d, bound to vCPU%u",
          what, target, evtchn_last_vcpu(target), vcpu);
}

static void check_status(evtchn_port_t port, uint32_t status, uint32_t vcpu, uint32_t u0,
                         uint32_t u1)
{
    static const char *const names[] = { "closed", "unbound", "interdomain", "pirq", "virq",
                                         "ipi" };
    struct evtchn_status st;
    long rc = evtchn_status(DOMID_SELF, port, &st);

    if (!check_rc(rc, 0, "EVTCHNOP_status(port %u)", port))
        return;
    if (!check(st.status == status, "EVTCHNOP_status(port %u): status %u, expected %u (%s)",
               port, st.status, status, names[status]))
        return;
    if (status != EVTCHNSTAT_closed)
        check(st.vcpu == vcpu, "EVTCHNOP_status(port %u): vcpu %u, expected %u", port, st.vcpu,
              vcpu);
    switch (status) {
    case EVTCHNSTAT_unbound:
        check(st.u.unbound.dom == u0, "EVTCHNOP_status(port %u): unbound.dom %u, expected %u",
              port, st.u.unbound.dom, u0);
        break;
    case EVTCHNSTAT_interdomain:
        check(st.u.interdomain.dom == u0 && st.u.interdomain.port == u1,
              "EVTCHNOP_status(port %u): interdomain %u:%u, expected %u:%u", port,
              st.u.interdomain.dom, st.u.interdomain.port, u0, u1);
        break;
    case EVTCHNSTAT_virq:
        check(st.u.virq == u0, "EVTCHNOP_status(port %u): virq %u, expected %u", port,
              st.u.virq, u0);
        break;
    }
}

static void check_virq(void)
{
    evtchn_port_t port, dummy;
    uint64_t count;

    if (!check_rc(evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0, "bind VIRQ_TIMER to vCPU0"))
        return;
    check(port != 0, "bind VIRQ_TIMER returned port 0 (reserved)");
    evtchn_register(port, 0, NULL, NULL);
    check_status(port, EVTCHNSTAT_virq, 0, VIRQ_TIMER, 0);
    check_rc(evtchn_bind_virq(VIRQ_TIMER, 0, &dummy), -EEXIST, "bind VIRQ_TIMER to vCPU0 twice");
    check_rc(evtchn_bind_virq(NR_VIRQS, 0, &dummy), -EINVAL, "bind VIRQ %u", NR_VIRQS);
    check_rc(evtchn_bind_virq(0xffffffff, 0, &dummy), -EINVAL, "bind VIRQ 0xffffffff");
    check_rc(evtchn_bind_virq(VIRQ_CONSOLE, 1, &dummy), -EINVAL,
             "bind global VIRQ_CONSOLE to vCPU1 (global VIRQs go to vCPU0)");
    check_rc(evtchn_bind_virq(VIRQ_TIMER, 99, &dummy), -ENOENT, "bind VIRQ_TIMER to vCPU99");
    check_rc(evtchn_bind_vcpu(port, 1), -EINVAL, "EVTCHNOP_bind_vcpu of a per-vCPU VIRQ");

    /* The timer through its port. */
    count = evtchn_count(port);
    {
        struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = now_ns() + MS(10) };

        if (check_rc(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t), 0,
                     "VCPUOP_set_singleshot_timer(+10 ms)"))
            check(wait_until(evtchn_count(port) > count, SEC(5)),
                  "VIRQ_TIMER port %u did not fire within 5 s of a 10 ms timer", port);
    }
    check_rc(evtchn_close(port), 0, "EVTCHNOP_close(VIRQ_TIMER port %u)", port);
    check_status(port, EVTCHNSTAT_closed, 0, 0, 0);
    /* After close the VIRQ can be bound again. */
    if (check_rc(evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0, "re-bind VIRQ_TIMER to vCPU0"))
        evtchn_close(port);
}

static void check_ipi_and_mask(void)
{
    evtchn_port_t port, again;
    uint64_t count;

    if (!check_rc(evtchn_bind_ipi(0, &port), 0, "EVTCHNOP_bind_ipi(vCPU0)"))
        return;
    evtchn_register(port, 0, NULL, NULL);
    check_status(port, EVTCHNSTAT_ipi, 0, 0, 0);
    check_delivery("IPI to self", port, port, 0);
    check(!evtchn_is_pending(port), "IPI port %u still pending after its upcall", port);

    /* Masked: the event is latched in evtchn_pending, no upcall; unmask delivers it. */
    evtchn_mask(port);
    count = evtchn_count(port);
    check_rc(evtchn_send(port), 0, "EVTCHNOP_send(%u) while masked", port);
    delay_ns(MS(50));
    check(evtchn_is_pending(port), "masked port %u: send did not set its pending bit", port);
    check(evtchn_count(port) == count, "masked port %u: an upcall delivered it", port);
    check_rc(evtchn_unmask(port), 0, "EVTCHNOP_unmask(%u)", port);
    check(!evtchn_is_masked(port), "EVTCHNOP_unmask(%u) left the mask bit set", port);
    check(wait_until(evtchn_count(port) > count, DELIVERY_TIMEOUT),
          "EVTCHNOP_unmask(%u) of a pending port raised no upcall within 2 s", port);

    /* Unmasking a port that is not pending raises nothing. */
    evtchn_mask(port);
    count = evtchn_count(port);
    check_rc(evtchn_unmask(port), 0, "EVTCHNOP_unmask(%u) (not pending)", port);
    delay_ns(MS(50));
    check(evtchn_count(port) == count, "EVTCHNOP_unmask(%u) of an idle port raised an event",
          port);

    check_rc(evtchn_bind_vcpu(port, 0), -EINVAL, "EVTCHNOP_bind_vcpu of an IPI port");

    /* Close: the port is free again, sends fail, and the lowest free port is reused. */
    check_rc(evtchn_close(port), 0, "EVTCHNOP_close(IPI port %u)", port);
    evtchn_unregister(port);
    check_status(port, EVTCHNSTAT_closed, 0, 0, 0);
    check_rc(evtchn_send(port), -EINVAL, "EVTCHNOP_send on closed port %u", port);
    check_rc(evtchn_close(port), -EINVAL, "EVTCHNOP_close of closed port %u", port);
    if (check_rc(evtchn_bind_ipi(0, &again), 0, "EVTCHNOP_bind_ipi(vCPU0) again")) {
        check(again <= port, "after closing port %u, bind_ipi returned %u: Xen allocates the "
              "lowest free port", port, again);
        evtchn_close(again);
    }
    check_rc(evtchn_bind_ipi(99, &again), -ENOENT, "EVTCHNOP_bind_ipi(vCPU99)");
}

static void check_loopback(void)
{
    evtchn_port_t unbound, local, other;
    struct evtchn_alloc_unbound au;

    if (!check_rc(evtchn_alloc_unbound(DOMID_SELF, &unbound), 0,
                  "EVTCHNOP_alloc_unbound(remote DOMID_SELF)"))
        return;
    /* DOMID_SELF is recorded as our real domid. */
    check_status(unbound, EVTCHNSTAT_unbound, 0, self, 0);
    check_rc(evtchn_send(unbound), 0, "EVTCHNOP_send on unbound port %u (silently dropped)",
             unbound);

    if (!check_rc(evtchn_bind_interdomain(DOMID_SELF, unbound, &local), 0,
                  "EVTCHNOP_bind_interdomain(DOMID_SELF, %u)", unbound))
        return;
    check_status(unbound, EVTCHNSTAT_interdomain, 0, self, local);
    check_status(local, EVTCHNSTAT_interdomain, 0, self, unbound);
    /* Xen raises the new local port once at bind time ("we may have lost notifications"). */
    delay_ns(MS(20));
    evtchn_register(unbound, 0, NULL, NULL);
    evtchn_register(local, 0, NULL, NULL);
    check_delivery("loopback local->unbound end", local, unbound, 0);
    check_delivery("loopback unbound end->local", unbound, local, 0);

    /* Binding the same unbound port twice fails: it is no longer unbound. */
    check_rc(evtchn_bind_interdomain(DOMID_SELF, unbound, &other), -EINVAL,
             "EVTCHNOP_bind_interdomain to port %u, already bound", unbound);

    /* Closing one end returns the other to unbound, waiting for the closer's domain. */
    check_rc(evtchn_close(local), 0, "EVTCHNOP_close(%u)", local);
    evtchn_unregister(local);
    check_status(unbound, EVTCHNSTAT_unbound, 0, self, 0);
    check_rc(evtchn_close(unbound), 0, "EVTCHNOP_close(%u)", unbound);
    evtchn_unregister(unbound);

    /* Xen does not check that remote_dom exists when allocating (toolstacks rely on it). */
    if (check_rc(evtchn_alloc_unbound(12345, &other), 0,
                 "EVTCHNOP_alloc_unbound(remote 12345): Xen does not check the remote domain"))
        evtchn_close(other);
    au = (struct evtchn_alloc_unbound){ .dom = 12345, .remote_dom = DOMID_SELF };
    check_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -ESRCH,
             "EVTCHNOP_alloc_unbound(dom 12345)");
    check_rc(evtchn_bind_interdomain(12345, 1, &other), -ESRCH,
             "EVTCHNOP_bind_interdomain(remote 12345)");
}

static void check_bad_ports(void)
{
    const evtchn_port_t bad[] = { 4095, 4096, 0x7fffffff, 0xffffffff };
    struct evtchn_status st;
    evtchn_port_t p;

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        check_rc(evtchn_send(bad[i]), -EINVAL, "EVTCHNOP_send(%u)", bad[i]);
        check_rc(evtchn_close(bad[i]), -EINVAL, "EVTCHNOP_close(%u)", bad[i]);
        check_rc(evtchn_unmask(bad[i]), -EINVAL, "EVTCHNOP_unmask(%u)", bad[i]);
        check_rc(evtchn_status(DOMID_SELF, bad[i], &st), -EINVAL, "EVTCHNOP_status(%u)",
                 bad[i]);
        check_rc(evtchn_bind_vcpu(bad[i], 0), -EINVAL, "EVTCHNOP_bind_vcpu(%u, 0)", bad[i]);
        check_rc(evtchn_bind_interdomain(DOMID_SELF, bad[i], &p), -EINVAL,
                 "EVTCHNOP_bind_interdomain(DOMID_SELF, %u)", bad[i]);
    }
    /* Port 0 is reserved: it exists (status "closed") but cannot be used. */
    check_status(0, EVTCHNSTAT_closed, 0, 0, 0);
    check_rc(evtchn_send(0), -EINVAL, "EVTCHNOP_send(0)");
    check_rc(evtchn_close(0), -EINVAL, "EVTCHNOP_close(0)");
    check_rc(evtchn_status(12345, 1, &st), -ESRCH, "EVTCHNOP_status(dom 12345)");
    check_rc(evtchn_bind_vcpu(1, 99), -ENOENT, "EVTCHNOP_bind_vcpu(1, vCPU99)");
    check_rc(HYPERVISOR_event_channel_op(99, &st), -ENOSYS, "event_channel_op 99");
}

/* ---- Two vCPUs -------------------------------------------------------------------------- */

static volatile int ap_stop;
static volatile int ap_timer_ok = -1;

static void ap_main(unsigned int id, void *arg)
{
    evtchn_port_t port;
    struct vcpu_set_singleshot_timer t;

    irq_enable();
    /* vCPU1's own VIRQ_TIMER lands on vCPU1. */
    if (evtchn_bind_virq(VIRQ_TIMER, id, &port) == 0) {
        evtchn_register(port, id, NULL, NULL);
        t = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = now_ns() + MS(10) };
        if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, id, &t) == 0)
            ap_timer_ok = wait_until(evtchn_count(port) > 0, SEC(5)) &&
                          evtchn_last_vcpu(port) == (int)id;
        else
            ap_timer_ok = 0;
    } else {
        ap_timer_ok = 0;
    }
    while (!ap_stop)
        wait_step();
}

static void check_smp(void)
{
    evtchn_port_t ipi1, unbound, local;

    if (vcpu_start(1, ap_main, NULL))
        return;
    if (check(wait_until(ap_timer_ok >= 0, SEC(10)), "vCPU1 timer test did not finish"))
        check(ap_timer_ok == 1, "vCPU1: VIRQ_TIMER bound to vCPU1 did not fire on vCPU1");

    if (check_rc(evtchn_bind_ipi(1, &ipi1), 0, "EVTCHNOP_bind_ipi(vCPU1)")) {
        evtchn_register(ipi1, 1, NULL, NULL);
        check_status(ipi1, EVTCHNSTAT_ipi, 1, 0, 0);
        check_delivery("IPI vCPU0 -> vCPU1", ipi1, ipi1, 1);
        check_delivery("IPI vCPU0 -> vCPU1, again", ipi1, ipi1, 1);
        evtchn_close(ipi1);
    }

    /* An interdomain (loopback) port moved to vCPU1 with EVTCHNOP_bind_vcpu. */
    if (check_rc(evtchn_alloc_unbound(DOMID_SELF, &unbound), 0, "alloc_unbound for bind_vcpu") &&
        check_rc(evtchn_bind_interdomain(DOMID_SELF, unbound, &local), 0,
                 "bind_interdomain for bind_vcpu")) {
        delay_ns(MS(20));
        if (check_rc(evtchn_bind_vcpu(unbound, 1), 0, "EVTCHNOP_bind_vcpu(%u, vCPU1)",
                     unbound)) {
            evtchn_register(unbound, 1, NULL, NULL);
            check_status(unbound, EVTCHNSTAT_interdomain, 1, self, local);
            check_delivery("loopback port rebound to vCPU1", local, unbound, 1);
        }
        evtchn_close(local);
        evtchn_close(unbound);
    }
    ap_stop = 1;
}

void test_main(void)
{
    long rc = events_init();

    if (rc)
        xtf_fatal("events_init: HVM_PARAM_CALLBACK_IRQ returned %ld (%s)", rc, errno_name(rc));
    self = xen_domid();
    if (self == DOMID_INVALID)
        xtf_fatal("CPUID leaf %#x does not give our domid", xen_cpuid_base + 4);
    irq_enable();
    check_virq();
    check_ipi_and_mask();
    check_loopback();
    check_bad_ports();
    check_smp();
    irq_disable();
    xtf_success();
}
