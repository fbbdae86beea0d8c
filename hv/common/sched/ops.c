// SPDX-License-Identifier: MIT
/* sched_op: yield, block, poll, and shutting a domain down with a reason. */
#include <public/event_channel.h>
#include <public/sched.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/timer.h>

static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t ports[128];

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > ARRAY_SIZE(ports))
        return -EINVAL;
    if (copy_from_guest(ports, p.ports_gva, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (!evtchn_port_valid(v->domain, ports[i]))
            return -EINVAL;

    for (unsigned int i = 0; i < p.nr_ports; i++)
        v->poll_ports[i] = ports[i];
    v->nr_poll_ports = p.nr_ports;
    vcpu_pause_flags_set(v, VPF_polling);
    /* Check after publishing the ports: an event sent in between must not be missed. */
    for (unsigned int i = 0; i < p.nr_ports; i++) {
        if (evtchn_port_is_pending(v->domain, ports[i])) {
            vcpu_pause_flags_clear(v, VPF_polling);
            return 0;
        }
    }
    /* As Xen's local_events_need_delivery(): only an upcall the guest can take now (its
     * interrupts enabled) ends the poll; with them disabled it waits for its ports. */
    if (hvm_local_events_need_delivery(v)) {
        vcpu_pause_flags_clear(v, VPF_polling);
        return 0;
    }
    if (p.timeout)
        set_timer(&v->poll_timer, (s_time_t)p.timeout);
    return 0; /* the vCPU sleeps until a port fires or the timeout passes */
}

long do_sched_op(int cmd, uint64_t arg)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;

    switch (cmd) {
    case SCHEDOP_yield:
        vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        vcpu_block(v);
        return 0;
    /* As Xen 4.17: any reason is taken, as a byte (the toolstack decides what an unknown
     * one means); the first code recorded, by either op, is the one reported. */
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        domain_shutdown(d, (uint8_t)s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        spin_lock(&d->lock);
        if (d->shutdown_code < 0)
            d->shutdown_code = (uint8_t)s.reason;
        spin_unlock(&d->lock);
        return 0;
    }
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown r;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -EFAULT;
        struct domain *t = domain_get_by_id(r.domain_id); /* Xen looks the target up first */
        if (!t)
            return -ESRCH;
        long rc = d->is_privileged ? 0 : -EPERM; /* XSM_DM_PRIV: no device models yet */
        if (!rc)
            domain_shutdown(t, (uint8_t)r.reason);
        domain_put(t);
        return rc;
    }
    case SCHEDOP_watchdog:
        return -ENOSYS;
    case SCHEDOP_pin_override:
        return -EPERM;
    default:
        hypercall_unknown_subop(__HYPERVISOR_sched_op, (unsigned int)cmd);
        return -ENOSYS;
    }
}
