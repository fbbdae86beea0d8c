/* SPDX-License-Identifier: MIT */
/* sched_op and set_timer_op arguments: every way to sleep, yield and (not) shut down. */
#include "fuzz.h"

static uint32_t invalid_reason(struct fz *f)
{
    return pct(f, 70) ? SHUTDOWN_MAX + 1 + (uint32_t)below(f, 10)
                      : MAX(fz_u32(f), (uint32_t)SHUTDOWN_MAX + 1);
}

static void check_remote_shutdown(struct fz_call *c, long rc)
{
    if (rc == 0)
        fz_fail(c, rc, "SCHEDOP_remote_shutdown of domain %lu by an unprivileged domain "
                "succeeded (Xen: -EPERM)", c->note[0]);
}

/*
 * SCHEDOP_block sleeps until an event: arm this vCPU's singleshot timer first (VIRQ_TIMER,
 * on the runtime's timer port, which nothing closes), so that a wake-up is always due. No
 * other vCPU can move our singleshot timer (Tern and Xen refuse it for another vCPU).
 * Interrupts stay off from before the timer is armed until the block: should the timer
 * fire first (this vCPU may be descheduled in between), the event stays pending and the
 * block returns at once, rather than the upcall consuming it and the block sleeping for
 * good.
 */
static void arm_wakeup(struct fz *f)
{
    struct vcpu_set_singleshot_timer *t = fz_lane_tail(f, 1, sizeof(*t));
    struct fz_call c = {
        .nr = __HYPERVISOR_vcpu_op,
        .name = "vcpu_op/set_singleshot_timer (wake-up for block)",
        .a = { VCPUOP_set_singleshot_timer, f->id, (uintptr_t)t },
        .irqs_off = true,
        .stay_irqs_off = true,
    };

    t->timeout_abs_ns = now_ns() + MS(1) + below(f, MS(9));
    t->flags = 0;
    fz_issue(f, &c);
}

void gen_sched_op(struct fz *f, struct fz_call *c)
{
    unsigned int cmd = PICK(f, 15, 10, 10, 15, 10, 10, 5, 3, 5);
    void *s = fz_lane_struct(f, 32);
    size_t len = 0;
    uint64_t arg = fz_u64(f);

    c->nr = __HYPERVISOR_sched_op;
    switch (cmd) {
    case SCHEDOP_yield:
        c->name = "sched_op/yield";
        break;
    case SCHEDOP_block:
        c->name = "sched_op/block";
        arm_wakeup(f);
        c->irqs_off = true;
        break;
    case SCHEDOP_shutdown:
        /* Xen 4.17 takes any reason (as a byte) and ends the domain, as Tern does: only
         * arguments it cannot read, which must come back -EFAULT with the domain running. */
        c->name = "sched_op/shutdown";
        c->a[0] = cmd;
        c->a[1] = fz_bad_ptr(f);
        return;
    case SCHEDOP_poll: {
        struct sched_poll *p = s;
        unsigned int n = (unsigned int)below(f, 9);
        uint32_t *ports = fz_lane_tail(f, 0, n * sizeof(uint32_t));

        for (unsigned int i = 0; i < n; i++)
            ports[i] = fz_port(f);
        p->ports_gva = one_in(f, 10) ? fz_bad_ptr(f) : (uintptr_t)ports;
        switch (PICK(f, 60, 10, 10, 10, 10)) {
        case 0:
            p->nr_ports = n;
            break;
        case 1:
            p->nr_ports = n + 1; /* the last port is read from the unmapped page */
            break;
        case 2:
            p->nr_ports = 0;
            break;
        case 3:
            p->nr_ports = 129;
            break;
        default:
            p->nr_ports = fz_u32(f);
            break;
        }
        /* No timeout would sleep until a random port fires: maybe never (a stall we
         * caused ourselves). Always a deadline, up to 20 ms ahead, or past. */
        p->timeout = pct(f, 20) ? 1 + below(f, now_ns()) : fz_now_plus(f, MS(20));
        p->pad = pct(f, 80) ? 0 : fz_u32(f);
        c->name = "sched_op/poll";
        len = sizeof(*p);
        break;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown *r = s;

        r->domain_id = fz_domid(f);
        /* Ourselves only with an invalid reason, in case the privilege check fails. */
        r->reason = fz_is_self(r->domain_id) || pct(f, 30) ? invalid_reason(f)
                                                           : (uint32_t)below(f, 6);
        r->pad = (uint16_t)rnd(f);
        c->name = "sched_op/remote_shutdown";
        c->verify = check_remote_shutdown;
        c->note[0] = r->domain_id;
        len = sizeof(*r);
        break;
    }
    case SCHEDOP_shutdown_code:
        /* As Xen 4.17, the first code recorded is the one the domain's end reports, whatever
         * comes later: a random one would decide how this run ends. Unreadable arguments
         * only (-EFAULT, nothing recorded). */
        c->name = "sched_op/shutdown_code";
        c->a[0] = cmd;
        c->a[1] = fz_bad_ptr(f);
        return;
    case SCHEDOP_watchdog: {
        struct sched_watchdog *w = s;

        /* id 0 creates a watchdog, which would shut us down when it expires: refresh or
         * destroy ones that do not exist instead. */
        w->id = 1 + (uint32_t)below(f, 0xfffffffe);
        w->timeout = pct(f, 50) ? 0 : fz_u32(f);
        c->name = "sched_op/watchdog";
        len = sizeof(*w);
        break;
    }
    case SCHEDOP_pin_override: {
        struct sched_pin_override *p = s;

        p->pcpu = (int32_t)fz_u32(f);
        c->name = "sched_op/pin_override";
        len = sizeof(*p);
        break;
    }
    default:
        cmd = fz_unknown_op(f, SCHEDOP_pin_override + 1);
        c->name = "sched_op/unknown";
        arg = fz_bad_ptr(f);
        break;
    }
    c->a[0] = cmd;
    c->a[1] = len ? fz_pass(f, c, s, len, 16) : arg;
}

void gen_set_timer_op(struct fz *f, struct fz_call *c)
{
    c->nr = __HYPERVISOR_set_timer_op;
    c->name = "set_timer_op";
    switch (PICK(f, 15, 20, 35, 10, 10, 10)) {
    case 0:
        c->a[0] = 0; /* stops the singleshot timer */
        break;
    case 1:
        c->a[0] = 1 + below(f, now_ns());
        break;
    case 2:
        c->a[0] = fz_now_plus(f, MS(50));
        break;
    case 3:
        c->a[0] = now_ns() + (1ULL << 50) + below(f, 1ULL << 60);
        break;
    case 4:
        c->a[0] = (uint64_t)-(int64_t)(1 + below(f, SEC(10)));
        break;
    default:
        c->a[0] = fz_u64(f);
        break;
    }
}
