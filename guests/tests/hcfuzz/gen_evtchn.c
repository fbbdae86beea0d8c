/* SPDX-License-Identifier: MIT */
/* event_channel_op arguments: every sub-op, ports of ours and of other domains. */
#include "fuzz.h"

union evtchn_args {
    struct evtchn_alloc_unbound alloc_unbound;
    struct evtchn_bind_interdomain bind_interdomain;
    struct evtchn_bind_virq bind_virq;
    struct evtchn_bind_pirq bind_pirq;
    struct evtchn_bind_ipi bind_ipi;
    struct evtchn_close close;
    struct evtchn_send send;
    struct evtchn_status status;
    struct evtchn_bind_vcpu bind_vcpu;
    struct evtchn_unmask unmask;
    struct evtchn_reset reset;
    struct evtchn_init_control init_control;
    struct evtchn_expand_array expand_array;
    struct evtchn_set_priority set_priority;
    uint8_t bytes[32];
};

static const char *const names[] = {
    [EVTCHNOP_bind_interdomain] = "event_channel_op/bind_interdomain",
    [EVTCHNOP_bind_virq] = "event_channel_op/bind_virq",
    [EVTCHNOP_bind_pirq] = "event_channel_op/bind_pirq",
    [EVTCHNOP_close] = "event_channel_op/close",
    [EVTCHNOP_send] = "event_channel_op/send",
    [EVTCHNOP_status] = "event_channel_op/status",
    [EVTCHNOP_alloc_unbound] = "event_channel_op/alloc_unbound",
    [EVTCHNOP_bind_ipi] = "event_channel_op/bind_ipi",
    [EVTCHNOP_bind_vcpu] = "event_channel_op/bind_vcpu",
    [EVTCHNOP_unmask] = "event_channel_op/unmask",
    [EVTCHNOP_reset] = "event_channel_op/reset",
    [EVTCHNOP_init_control] = "event_channel_op/init_control",
    [EVTCHNOP_expand_array] = "event_channel_op/expand_array",
    [EVTCHNOP_set_priority] = "event_channel_op/set_priority",
    [EVTCHNOP_reset_cont] = "event_channel_op/reset_cont",
};

static uint32_t virq(struct fz *f)
{
    return pct(f, 80) ? (uint32_t)below(f, 26) : fz_u32(f);
}

/* A port for an op that may close it: never one of the runtime's timer ports, which every
 * vCPU needs to wake from SCHEDOP_block (fuzz.h). */
static uint32_t closable_port(struct fz *f)
{
    uint32_t p;

    do
        p = fz_port(f);
    while (fz_port_reserved(p));
    return p;
}

/* Results: a new port is a real one; a status names a state and a vCPU of the domain. */
static void check_evtchn(struct fz_call *c, long rc)
{
    const union evtchn_args *a = (const void *)(uintptr_t)c->note[0];
    uint32_t port;

    if (rc || c->a[1] != c->note[0])
        return;
    switch (c->a[0]) {
    case EVTCHNOP_alloc_unbound:
        port = a->alloc_unbound.port;
        break;
    case EVTCHNOP_bind_interdomain:
        port = a->bind_interdomain.local_port;
        break;
    case EVTCHNOP_bind_virq:
        port = a->bind_virq.port;
        break;
    case EVTCHNOP_bind_ipi:
        port = a->bind_ipi.port;
        break;
    case EVTCHNOP_status:
        if (a->status.status > EVTCHNSTAT_ipi)
            fz_fail(c, rc, "EVTCHNOP_status: state %u is no EVTCHNSTAT_*", a->status.status);
        else if (a->status.status != EVTCHNSTAT_closed && fz_is_self(a->status.dom) &&
                 a->status.vcpu >= cfg.nr_vcpus)
            fz_fail(c, rc, "EVTCHNOP_status: port %u bound to vCPU %u of our %u",
                    a->status.port, a->status.vcpu, cfg.nr_vcpus);
        return;
    default:
        return;
    }
    if (port == 0 || port >= EVTCHN_2L_NR_CHANNELS)
        fz_fail(c, rc, "a new port %u outside 1..%u", port, EVTCHN_2L_NR_CHANNELS - 1);
}

void gen_event_channel_op(struct fz *f, struct fz_call *c)
{
    union evtchn_args *a = fz_lane_struct(f, sizeof(*a));
    unsigned int cmd = PICK(f, 8, 8, 2, 12, 16, 10, 10, 8, 8, 8, 3, 2, 1, 1, 1, 3);

    /* Inputs the ops below do not set keep random bytes now and then. */
    if (one_in(f, 8))
        fz_fill(f, a, sizeof(*a));
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        a->bind_interdomain.remote_dom = fz_domid(f);
        a->bind_interdomain.remote_port = fz_port(f);
        break;
    case EVTCHNOP_bind_virq:
        a->bind_virq.virq = virq(f);
        a->bind_virq.vcpu = fz_vcpu_id(f);
        break;
    case EVTCHNOP_bind_pirq:
        a->bind_pirq.pirq = fz_u32(f);
        a->bind_pirq.flags = fz_u32(f);
        break;
    case EVTCHNOP_close:
        a->close.port = closable_port(f);
        break;
    case EVTCHNOP_send:
        a->send.port = fz_port(f);
        break;
    case EVTCHNOP_status:
        a->status.dom = fz_domid(f);
        a->status.port = fz_port(f);
        break;
    case EVTCHNOP_alloc_unbound:
        a->alloc_unbound.dom = pct(f, 70) ? DOMID_SELF : fz_domid(f);
        a->alloc_unbound.remote_dom = fz_domid(f);
        break;
    case EVTCHNOP_bind_ipi:
        a->bind_ipi.vcpu = fz_vcpu_id(f);
        break;
    case EVTCHNOP_bind_vcpu:
        a->bind_vcpu.port = fz_port(f);
        a->bind_vcpu.vcpu = fz_vcpu_id(f);
        break;
    case EVTCHNOP_unmask:
        a->unmask.port = fz_port(f);
        break;
    case EVTCHNOP_reset:
        /* Resetting ourselves closes the timer ports the runtime needs (see above). */
        do
            a->reset.dom = fz_domid(f);
        while (fz_is_self(a->reset.dom));
        break;
    case EVTCHNOP_init_control:
        /*
         * Only ever refused: switching our own domain to the FIFO ABI would leave the
         * runtime's 2-level upcall handler blind. The control block never fits (offset)
         * or names a vCPU we do not have.
         */
        a->init_control.control_gfn = fz_gfn(f, GFN_DATA);
        a->init_control.offset = PAGE_SIZE - (uint32_t)below(f, 64);
        a->init_control.vcpu = one_in(f, 2) ? cfg.nr_vcpus + (uint32_t)below(f, 100)
                                            : (uint32_t)below(f, cfg.nr_vcpus);
        break;
    case EVTCHNOP_expand_array:
        a->expand_array.array_gfn = fz_gfn(f, GFN_DATA);
        break;
    case EVTCHNOP_set_priority:
        a->set_priority.port = fz_port(f);
        a->set_priority.priority = pct(f, 80) ? (uint32_t)below(f, 17) : fz_u32(f);
        break;
    case EVTCHNOP_reset_cont:
        do
            a->reset.dom = fz_domid(f);
        while (fz_is_self(a->reset.dom));
        break;
    default:
        cmd = fz_unknown_op(f, EVTCHNOP_reset_cont + 1);
        /* Unknown: nothing in it that an op could close or reset. */
        memset(a, 0xff, sizeof(*a));
        break;
    }
    c->nr = __HYPERVISOR_event_channel_op;
    c->name = cmd < ARRAY_SIZE(names) ? names[cmd] : "event_channel_op/unknown";
    c->a[0] = cmd;
    /* send and unmask only read a port and write nothing: they may read it from our code
     * or page tables. The rest get our struct (or a bad address). */
    if ((cmd == EVTCHNOP_send || cmd == EVTCHNOP_unmask) && one_in(f, 20))
        c->a[1] = fz_ptr_ro(f, sizeof(*a));
    else
        c->a[1] = fz_pass(f, c, a, sizeof(*a), 16);
    c->verify = check_evtchn;
    c->note[0] = (uintptr_t)a;
}
