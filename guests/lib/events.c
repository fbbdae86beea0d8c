/* SPDX-License-Identifier: MIT */
/* 2-level event channels: the upcall handler, per-port bookkeeping, hypercall wrappers. */
#include "lib.h"

struct port_info {
    evtchn_handler_t fn;
    void *arg;
    volatile int32_t owner;     /* registered vCPU + 1, or 0 (zeroed bss: nobody) */
    volatile int32_t last;      /* vCPU it was last delivered on + 1, or 0 */
    volatile uint64_t count;    /* deliveries */
};

static struct port_info ports[EVTCHN_2L_NR_CHANNELS];
volatile uint64_t evtchn_stray_count;
static bool events_ready;

long events_init(void)
{
    long rc;

    if (events_ready)
        return 0;
    (void)shared_info();
    rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                       HVM_PARAM_CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_VECTOR, UPCALL_VECTOR));
    if (rc == 0)
        events_ready = true;
    return rc;
}

void evtchn_register(evtchn_port_t port, unsigned int vcpu, evtchn_handler_t fn, void *arg)
{
    struct port_info *pi = &ports[port % EVTCHN_2L_NR_CHANNELS];

    pi->fn = fn;
    pi->arg = arg;
    pi->count = 0;
    pi->last = 0;
    smp_wmb();
    pi->owner = (int32_t)vcpu + 1;
}

void evtchn_unregister(evtchn_port_t port)
{
    ports[port % EVTCHN_2L_NR_CHANNELS].owner = 0;
}

uint64_t evtchn_count(evtchn_port_t port)
{
    return ports[port % EVTCHN_2L_NR_CHANNELS].count;
}

int evtchn_last_vcpu(evtchn_port_t port)
{
    return ports[port % EVTCHN_2L_NR_CHANNELS].last - 1;
}

/*
 * The guest side of 2-level delivery (pvh-abi.md §4), as Linux does it: clear
 * upcall_pending, exchange pending_sel with 0, scan pending & ~mask of the selected words,
 * and loop while upcall_pending was set again meanwhile. A port registered for another vCPU
 * is left pending for that vCPU.
 */
void evtchn_upcall(void)
{
    volatile struct shared_info *s = shared_info();
    volatile struct vcpu_info *vi = this_vcpu_info();
    int me = (int)smp_id();

    do {
        uint64_t sel;

        vi->evtchn_upcall_pending = 0;
        sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = __builtin_ctzll(sel);
            uint64_t bits;

            sel &= sel - 1;
            bits = s->evtchn_pending[w] & ~s->evtchn_mask[w];
            while (bits) {
                unsigned int port = w * 64 + __builtin_ctzll(bits);
                struct port_info *pi = &ports[port];

                bits &= bits - 1;
                if (pi->owner && pi->owner != me + 1)
                    continue;
                if (!test_and_clear_bit(port, s->evtchn_pending))
                    continue;
                if (!pi->owner) {
                    atomic_inc(&evtchn_stray_count);
                    continue;
                }
                pi->last = me + 1;
                atomic_inc(&pi->count);
                if (pi->fn)
                    pi->fn(port, pi->arg);
            }
        }
    } while (vi->evtchn_upcall_pending);
}

void wait_step(void)
{
    bool was_on = irqs_enabled();

    irq_enable();
    for (int i = 0; i < 64; i++)
        cpu_relax();
    HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    if (!was_on)
        irq_disable();
}

/* ---- Bitmaps ---------------------------------------------------------------------------- */

void evtchn_mask(evtchn_port_t port)
{
    set_bit(port, shared_info()->evtchn_mask);
}

bool evtchn_is_pending(evtchn_port_t port)
{
    return test_bit(port, shared_info()->evtchn_pending);
}

bool evtchn_is_masked(evtchn_port_t port)
{
    return test_bit(port, shared_info()->evtchn_mask);
}

void evtchn_clear_pending(evtchn_port_t port)
{
    clear_bit(port, shared_info()->evtchn_pending);
}

/* ---- Hypercall wrappers ----------------------------------------------------------------- */

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

    *port = op.port;
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi op = { .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);

    *port = op.port;
    return rc;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

    *port = op.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = rport };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

    *port = op.local_port;
    return rc;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };

    return HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);
}

long evtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}
