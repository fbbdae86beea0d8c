// SPDX-License-Identifier: MIT
/*
 * Event channels: per-domain port tables, the binding state machine, 2-level delivery and
 * EVTCHNOP_*; the FIFO ABI's delivery is in event_fifo.c (event_private.h).
 */
#include <public/event_channel.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/sched.h>
#include <tern/spinlock.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>
#include "event_private.h"

BUILD_BUG_ON(sizeof(struct evtchn) != 24);
BUILD_BUG_ON(EVTCHN_2L_NR_CHANNELS != 64 * XEN_EVTCHN_2L_WORDS);
BUILD_BUG_ON(EVTCHN_2L_NR_CHANNELS % EVTCHNS_PER_BUCKET != 0);
BUILD_BUG_ON(TERN_NR_VIRQS != NR_VIRQS);
BUILD_BUG_ON(MAX_VIRT_CPUS > UINT16_MAX);
BUILD_BUG_ON(EVTCHN_MAX_XEN_PORTS >= UINT8_MAX);

/* ---- Port table --------------------------------------------------------------------- */

static struct evtchn *port_chn(const struct evtchn_domain *e, evtchn_port_t port)
{
    if (port >= e->valid)
        return NULL;
    port = array_index_nospec(port, e->valid); /* no table walk past the check, even speculated */
    return &e->bucket[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
}

static unsigned long evtchn_lock(struct domain *d)
{
    unsigned long flags;

    spin_lock_irqsave(&d->evtchn->lock, flags);
    return flags;
}

static void evtchn_unlock(struct domain *d, unsigned long flags)
{
    spin_unlock_irqrestore(&d->evtchn->lock, flags);
}

/* Both domains' locks, lower domid first so that two CPUs never wait on each other. */
static unsigned long evtchn_lock_two(struct domain *a, struct domain *b)
{
    unsigned long flags = local_irq_save();

    if (a != b && a->domain_id > b->domain_id) {
        struct domain *t = a;
        a = b;
        b = t;
    }
    spin_lock(&a->evtchn->lock);
    if (a != b)
        spin_lock(&b->evtchn->lock);
    return flags;
}

static void evtchn_unlock_two(struct domain *a, struct domain *b, unsigned long flags)
{
    if (a != b)
        spin_unlock(&b->evtchn->lock);
    spin_unlock(&a->evtchn->lock);
    local_irq_restore(flags);
}

static void overhead_add(struct domain *d, int64_t bytes)
{
    __atomic_fetch_add(&d->tern_overhead_bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
}

/*
 * The lowest free port of d, growing the table by one bucket when all are in use. Each op
 * calls this as its last fallible step, so a failure leaves nothing changed; a new bucket
 * only adds free ports. Caller holds d's lock.
 */
static int get_free_port(struct domain *d)
{
    struct evtchn_domain *e = d->evtchn;
    struct evtchn *b;
    unsigned int port;

    if (e->dying || d->is_dying)
        return -EINVAL;
    /* Under FIFO a port still linked on a queue is not handed out again until the guest has
     * taken it off (Xen's evtchn_is_busy). */
    for (port = 1; port < e->valid && port <= e->max_port; port++)
        if (port_chn(e, port)->state == ECS_FREE &&
            !(e->fifo && evtchn_fifo_is_busy(e->fifo, port)))
            return port;
    if (e->valid >= EVTCHN_2L_NR_CHANNELS || e->valid > e->max_port)
        return -ENOSPC;
    b = xmalloc_array(struct evtchn, EVTCHNS_PER_BUCKET);
    if (!b)
        return -ENOMEM;
    for (unsigned int i = 0; i < EVTCHNS_PER_BUCKET; i++)
        b[i].priority = b[i].last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    overhead_add(d, BUCKET_BYTES);
    e->bucket[e->valid / EVTCHNS_PER_BUCKET] = b;
    port = e->valid;
    e->valid += EVTCHNS_PER_BUCKET;
    return port;
}

static bool virq_is_global(uint32_t virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    default:
        return true; /* as Xen on x86, including the VIRQ_ARCH_* range */
    }
}

/* vCPU vcpu_id of d if it exists; guest-supplied ids are checked here. */
static struct vcpu *vcpu_of(struct domain *d, uint32_t vcpu_id)
{
    if (vcpu_id >= d->max_vcpus || vcpu_id >= MAX_VIRT_CPUS)
        return NULL;
    return d->vcpu[array_index_nospec(vcpu_id, MIN(d->max_vcpus, MAX_VIRT_CPUS))];
}

struct vcpu *evtchn_vcpu_of(struct domain *d, uint32_t vcpu_id)
{
    return vcpu_of(d, vcpu_id);
}

struct evtchn *evtchn_port_chn(struct domain *d, evtchn_port_t port)
{
    return port_chn(d->evtchn, port);
}

/* ---- 2-level delivery (pvh-abi.md section 4) ----------------------------------------- */

static bool test_and_set_bit64(uint64_t *w, unsigned int bit)
{
    uint64_t m = 1ULL << bit;

    return __atomic_fetch_or(w, m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear_bit64(uint64_t *w, unsigned int bit)
{
    uint64_t m = 1ULL << bit;

    return __atomic_fetch_and(w, ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test_bit64(uint64_t *w, unsigned int bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & (1ULL << bit);
}

/*
 * Set upcall_pending and kick v on the 0 -> 1 edge only: when it was already set, the
 * upcall is already due and v has been kicked for it (Xen's vcpu_mark_events_pending).
 */
void evtchn_mark_upcall_pending(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    if (vi && !__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        vcpu_kick(v);
}

/* SCHEDOP_poll waiters on port are woken whether or not the port is masked. */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port)
{
    for (unsigned int i = 0; i < d->max_vcpus && i < MAX_VIRT_CPUS; i++) {
        struct vcpu *v = d->vcpu[i];
        unsigned int n;

        if (!v || !(__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) & VPF_polling))
            continue;
        n = MIN(v->nr_poll_ports, (unsigned int)ARRAY_SIZE(v->poll_ports));
        for (unsigned int j = 0; j < n; j++) {
            if (v->poll_ports[j] == port) {
                vcpu_pause_flags_clear(v, VPF_polling);
                break;
            }
        }
    }
}

/* 2-level: v may be NULL (vCPU not created yet): then only the pending bit records it. */
static void set_pending_2l(struct domain *d, struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *si = d->shared_info;
    unsigned int word = port / 64, bit = port % 64;

    if (!si || port >= EVTCHN_2L_NR_CHANNELS)
        return;
    if (test_and_set_bit64(&si->evtchn_pending[word], bit))
        return;
    if (v && v->vcpu_info && !test_bit64(&si->evtchn_mask[word], bit) &&
        !test_and_set_bit64(&v->vcpu_info->evtchn_pending_sel, word))
        evtchn_mark_upcall_pending(v);
    evtchn_wake_pollers(d, port);
}

/*
 * Raise port (its entry chn) on notify vCPU n, by the domain's ABI. n was validated when it
 * was stored; it is checked again because a peer domain reads it without holding d's lock.
 */
static void raise_on(struct domain *d, struct evtchn *chn, unsigned int n, evtchn_port_t port)
{
    struct evtchn_fifo *f = __atomic_load_n(&d->evtchn->fifo, __ATOMIC_ACQUIRE);

    if (f)
        evtchn_fifo_set_pending(d, f, vcpu_of(d, n), chn, port);
    else
        set_pending_2l(d, vcpu_of(d, n), port);
}

/* Raise port on v, bound or not (2-level: the bits alone; FIFO: only a port in the table). */
void evtchn_set_pending(struct vcpu *v, evtchn_port_t port)
{
    struct domain *d = v ? v->domain : NULL;
    unsigned long flags;
    struct evtchn *chn;

    if (!d || !d->evtchn)
        return;
    flags = evtchn_lock(d);
    chn = port_chn(d->evtchn, port);
    if (d->evtchn->fifo && chn)
        raise_on(d, chn, v->vcpu_id, port);
    else if (!d->evtchn->fifo)
        set_pending_2l(d, v, port);
    evtchn_unlock(d, flags);
}

bool evtchn_port_valid(struct domain *d, evtchn_port_t port)
{
    /* Xen's port_is_valid(): inside the allocated part of the table (port 0 included). */
    return d->evtchn && port < __atomic_load_n(&d->evtchn->valid, __ATOMIC_ACQUIRE);
}

/* Caller holds d's lock (a reset may take the FIFO state away). */
static bool port_pending_locked(struct domain *d, evtchn_port_t port)
{
    struct shared_info *si = d->shared_info;

    if (d->evtchn->fifo)
        return evtchn_fifo_is_pending(d->evtchn->fifo, port);
    return si && port < EVTCHN_2L_NR_CHANNELS &&
           test_bit64(&si->evtchn_pending[port / 64], port % 64);
}

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    bool pending;

    if (!d->evtchn)
        return false;
    flags = evtchn_lock(d);
    pending = port_pending_locked(d, port);
    evtchn_unlock(d, flags);
    return pending;
}

bool vcpu_has_pending_upcall(struct vcpu *v)
{
    struct vcpu_info *vi = v ? v->vcpu_info : NULL;

    return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

/*
 * Xen's 2-level unmask: only a port that was masked and is pending re-raises, and only
 * when its selector bit was clear (otherwise the guest's scan will find it anyway).
 */
static void unmask_chn(struct domain *d, struct evtchn *chn, evtchn_port_t port)
{
    struct shared_info *si = d->shared_info;
    struct vcpu *v = vcpu_of(d, chn->notify_vcpu);
    unsigned int word = port / 64, bit = port % 64;

    if (d->evtchn->fifo) {
        evtchn_fifo_unmask(d, d->evtchn->fifo, chn, port);
        return;
    }
    if (!si)
        return;
    if (test_and_clear_bit64(&si->evtchn_mask[word], bit) &&
        test_bit64(&si->evtchn_pending[word], bit) && v && v->vcpu_info &&
        !test_and_set_bit64(&v->vcpu_info->evtchn_pending_sel, word))
        evtchn_mark_upcall_pending(v);
}

/* ---- Binding state machine (callers hold the locks named) ------------------------------ */

/*
 * Return chn to ECS_FREE on vCPU 0 and clear its pending bit, so that a later binding of
 * the same port starts clean (as Xen's evtchn_free). Peers are the caller's business.
 * Holds d's lock.
 */
static void free_chn(struct domain *d, struct evtchn *chn, evtchn_port_t port)
{
    struct evtchn_domain *e = d->evtchn;

    if (chn->state == ECS_VIRQ) {
        /* A global VIRQ's binding lives on vCPU 0 even after bind_vcpu moved the port. */
        struct vcpu *v = vcpu_of(d, virq_is_global(chn->virq) ? 0 : chn->notify_vcpu);

        if (v && v->virq_to_evtchn[chn->virq] == port)
            v->virq_to_evtchn[chn->virq] = 0;
    }
    if (chn->xen_slot)
        e->xen_ports[chn->xen_slot - 1] = (struct xen_port){ NULL, NULL, NULL };
    if (e->fifo)
        evtchn_fifo_clear_pending(e->fifo, port);
    else if (d->shared_info)
        test_and_clear_bit64(&d->shared_info->evtchn_pending[port / 64], port % 64);
    memset(chn, 0, sizeof(*chn));
    chn->priority = chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

/*
 * Close port of d. From the guest (guest = true), Tern-side ports are refused, as Xen
 * refuses the guest its own channels. An interdomain peer goes back to unbound, reserved
 * for d, as in Xen. 0 or -EINVAL.
 */
static int close_port(struct domain *d, evtchn_port_t port, bool guest)
{
    struct domain *locked = d; /* the other domain whose lock we hold (referenced if != d) */
    struct evtchn *chn;
    unsigned long flags;
    int rc = -EINVAL;

    for (;;) {
        flags = evtchn_lock_two(d, locked);
        chn = port_chn(d->evtchn, port);
        if (!chn || chn->state == ECS_FREE || chn->state == ECS_RESERVED ||
            (guest && chn->xen_slot))
            goto out;
        if (chn->state != ECS_INTERDOMAIN || !chn->remote_dom || chn->remote_dom == locked)
            break;
        /*
         * The peer's lock may have to come before ours: hold a reference so the peer
         * cannot go away unlocked, drop everything, take both in order and look again.
         */
        struct domain *peer = chn->remote_dom;
        if (peer != d)
            domain_get(peer);
        evtchn_unlock_two(d, locked, flags);
        if (locked != d)
            domain_put(locked);
        locked = peer;
    }

    if (chn->state == ECS_INTERDOMAIN && chn->remote_dom) {
        struct evtchn *rchn = port_chn(chn->remote_dom->evtchn, chn->remote_port);

        rchn->state = ECS_UNBOUND;
        rchn->remote_domid = d->domain_id;
    }
    free_chn(d, chn, port);
    rc = 0;
out:
    evtchn_unlock_two(d, locked, flags);
    if (locked != d)
        domain_put(locked);
    return rc;
}

static int alloc_unbound(struct domain *d, domid_t remote, evtchn_port_t *port)
{
    unsigned long flags = evtchn_lock(d);
    int rc = get_free_port(d);

    if (rc >= 0) {
        struct evtchn *chn = port_chn(d->evtchn, rc);

        chn->state = ECS_UNBOUND;
        chn->remote_domid = remote;
        *port = rc;
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

/*
 * rd's port rport is a Tern-side port that ld may take over (evtchn_xen_port_allow_handover):
 * ld is privileged and not rd. Caller holds both locks.
 */
static struct xen_port *handover_slot(struct domain *ld, struct domain *rd, struct evtchn *rchn)
{
    if (!rchn || rchn->state != ECS_INTERDOMAIN || !rchn->xen_slot || ld == rd ||
        !ld->is_privileged)
        return NULL;
    struct xen_port *xp = &rd->evtchn->xen_ports[rchn->xen_slot - 1];
    return xp->handover ? xp : NULL;
}

/* A new port of ld connected to rd's unbound rport, which must be reserved for ld (or a
 * Tern-side port that Tern hands over to ld). */
static int bind_interdomain(struct domain *ld, struct domain *rd, evtchn_port_t rport,
                            evtchn_port_t *lport)
{
    unsigned long flags = evtchn_lock_two(ld, rd);
    struct evtchn *rchn = port_chn(rd->evtchn, rport), *lchn;
    struct xen_port *xp = handover_slot(ld, rd, rchn);
    int rc = -EINVAL;

    if (!xp && (!rchn || rchn->state != ECS_UNBOUND || rchn->remote_domid != ld->domain_id))
        goto out;
    rc = get_free_port(ld);
    if (rc < 0)
        goto out;
    /* The last step that may refuse: Tern's side lets go of the port (decided and done
     * under these locks, so no send on it reaches Tern's notify afterwards). */
    if (xp) {
        if (!xp->handover(rd, rport, ld, xp->data)) {
            rc = -EINVAL;
            goto out;
        }
        *xp = (struct xen_port){ NULL, NULL, NULL };
        rchn->xen_slot = 0;
    }
    /* Buckets never move, so rchn stays valid even if ld == rd grew its table. */
    lchn = port_chn(ld->evtchn, rc);
    lchn->state = ECS_INTERDOMAIN;
    lchn->remote_dom = rd;
    lchn->remote_port = rport;
    rchn->state = ECS_INTERDOMAIN;
    rchn->remote_dom = ld;
    rchn->remote_port = rc;
    *lport = rc;
    /* Sends on the unbound end were dropped: raise the new end once, as Xen does. */
    raise_on(ld, lchn, lchn->notify_vcpu, rc);
    rc = 0;
out:
    evtchn_unlock_two(ld, rd, flags);
    return rc;
}

static int bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu_id, evtchn_port_t *port)
{
    struct vcpu *v;
    unsigned long flags;
    int rc;

    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (virq_is_global(virq) && vcpu_id != 0)
        return -EINVAL;
    v = vcpu_of(d, vcpu_id);
    if (!v)
        return -ENOENT;

    flags = evtchn_lock(d);
    if (v->virq_to_evtchn[virq]) {
        rc = -EEXIST;
    } else {
        rc = get_free_port(d);
        if (rc >= 0) {
            struct evtchn *chn = port_chn(d->evtchn, rc);

            chn->state = ECS_VIRQ;
            chn->notify_vcpu = vcpu_id;
            chn->virq = virq;
            v->virq_to_evtchn[virq] = rc;
            *port = rc;
            rc = 0;
        }
    }
    evtchn_unlock(d, flags);
    return rc;
}

static int bind_ipi(struct domain *d, uint32_t vcpu_id, evtchn_port_t *port)
{
    unsigned long flags;
    int rc;

    if (!vcpu_of(d, vcpu_id))
        return -ENOENT;
    flags = evtchn_lock(d);
    rc = get_free_port(d);
    if (rc >= 0) {
        struct evtchn *chn = port_chn(d->evtchn, rc);

        chn->state = ECS_IPI;
        chn->notify_vcpu = vcpu_id;
        *port = rc;
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

static int bind_vcpu(struct domain *d, evtchn_port_t port, uint32_t vcpu_id)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = -EINVAL;

    if (!vcpu_of(d, vcpu_id))
        return -ENOENT;
    flags = evtchn_lock(d);
    chn = port_chn(d->evtchn, port);
    if (!chn)
        goto out;
    switch (chn->state) {
    case ECS_VIRQ:
        if (!virq_is_global(chn->virq))
            goto out; /* per-vCPU VIRQs stay on the vCPU they were bound for */
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        break;
    default:
        goto out; /* IPIs, free and reserved ports */
    }
    /* Peers read notify_vcpu without our lock; a single store keeps it whole. */
    __atomic_store_n(&chn->notify_vcpu, (uint16_t)vcpu_id, __ATOMIC_RELAXED);
    rc = 0;
out:
    evtchn_unlock(d, flags);
    return rc;
}

static int send_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *e = d->evtchn;
    unsigned long flags = evtchn_lock(d);
    struct evtchn *chn = port_chn(e, port);
    int rc = 0;

    if (!chn) {
        rc = -EINVAL;
        goto out;
    }
    switch (chn->state) {
    case ECS_INTERDOMAIN:
        if (chn->xen_slot) {
            /* Tern's handler may raise this port again: call it with no lock held. */
            struct xen_port xp = e->xen_ports[chn->xen_slot - 1];

            evtchn_unlock(d, flags);
            xp.notify(d, port, xp.data);
            return 0;
        }
        {
            /*
             * Our lock suffices to touch the peer: unbinding takes both locks, so the
             * peer and its port stay as they are while we hold ours.
             */
            struct domain *rd = chn->remote_dom;
            struct evtchn *rchn = port_chn(rd->evtchn, chn->remote_port);

            raise_on(rd, rchn, __atomic_load_n(&rchn->notify_vcpu, __ATOMIC_RELAXED),
                     chn->remote_port);
        }
        break;
    case ECS_IPI:
        raise_on(d, chn, chn->notify_vcpu, port);
        break;
    case ECS_UNBOUND:
        break; /* nobody listens yet: dropped, as in Xen */
    default:
        rc = -EINVAL;
        break;
    }
out:
    evtchn_unlock(d, flags);
    return rc;
}

static int port_status(struct domain *d, struct evtchn_status *st)
{
    unsigned long flags = evtchn_lock(d);
    struct evtchn *chn = port_chn(d->evtchn, st->port);
    int rc = 0;

    if (!chn) {
        rc = -EINVAL;
        goto out;
    }
    memset(&st->u, 0, sizeof(st->u));
    switch (chn->state) {
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = chn->remote_domid;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = chn->remote_dom ? chn->remote_dom->domain_id : DOMID_XEN;
        st->u.interdomain.port = chn->remote_dom ? chn->remote_port : 0;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = chn->virq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    default:
        st->status = EVTCHNSTAT_closed;
        break;
    }
    st->vcpu = chn->notify_vcpu;
out:
    evtchn_unlock(d, flags);
    return rc;
}

static int unmask_port(struct domain *d, evtchn_port_t port)
{
    unsigned long flags = evtchn_lock(d);
    struct evtchn *chn = port_chn(d->evtchn, port);

    if (chn)
        unmask_chn(d, chn, port);
    evtchn_unlock(d, flags);
    return chn ? 0 : -EINVAL;
}

/* Close every port the guest could close itself; Tern-side ports survive (as in Xen). */
static void reset_ports(struct domain *d)
{
    unsigned long flags;

    for (evtchn_port_t p = 1; p < __atomic_load_n(&d->evtchn->valid, __ATOMIC_RELAXED); p++)
        (void)close_port(d, p, true);
    /* As Xen: a reset returns the domain to the 2-level ABI. Every port a peer could raise
     * is closed, so nobody else is using the FIFO state any more. */
    flags = evtchn_lock(d);
    evtchn_fifo_destroy(d);
    evtchn_unlock(d, flags);
}

/* ---- Internal interface (tern/event.h) ------------------------------------------------ */

int evtchn_init(struct domain *d)
{
    struct evtchn_domain *e = xmalloc(struct evtchn_domain);

    if (!e)
        return -ENOMEM;
    e->bucket[0] = xmalloc_array(struct evtchn, EVTCHNS_PER_BUCKET);
    if (!e->bucket[0]) {
        xfree(e);
        return -ENOMEM;
    }
    spin_lock_init(&e->lock);
    e->valid = EVTCHNS_PER_BUCKET;
    e->max_port = EVTCHN_2L_NR_CHANNELS - 1;
    e->bucket[0][0].state = ECS_RESERVED; /* port 0 means "none" to guests */
    overhead_add(d, sizeof(*e) + BUCKET_BYTES);
    d->evtchn = e;
    return 0;
}

void evtchn_set_max_port(struct domain *d, uint32_t max_port)
{
    unsigned long flags = evtchn_lock(d);

    d->evtchn->max_port = MIN(max_port, (uint32_t)(EVTCHN_2L_NR_CHANNELS - 1));
    evtchn_unlock(d, flags);
}

void evtchn_destroy(struct domain *d)
{
    struct evtchn_domain *e = d->evtchn;
    unsigned long flags;
    unsigned int nr;

    if (!e)
        return;
    flags = evtchn_lock(d);
    nr = e->dying ? 0 : e->valid;
    e->dying = true;
    evtchn_unlock(d, flags);

    /* No port can be allocated now, and a closed port cannot be bound again. */
    for (evtchn_port_t p = 1; p < nr; p++)
        (void)close_port(d, p, false);

    flags = evtchn_lock(d);
    evtchn_fifo_destroy(d); /* no peer can reach a port now */
    nr = e->valid;
    e->valid = 0;
    evtchn_unlock(d, flags);
    for (unsigned int b = 0; b < nr / EVTCHNS_PER_BUCKET; b++) {
        xfree(e->bucket[b]);
        e->bucket[b] = NULL;
    }
    overhead_add(d, -(int64_t)((nr / EVTCHNS_PER_BUCKET) * BUCKET_BYTES));
}

void evtchn_free(struct domain *d)
{
    if (!d->evtchn)
        return;
    evtchn_destroy(d);
    xfree(d->evtchn);
    d->evtchn = NULL;
    overhead_add(d, -(int64_t)sizeof(struct evtchn_domain));
}

int evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d;
    struct evtchn *chn;
    unsigned long flags;
    evtchn_port_t port;
    int rc = -ENOENT;

    if (!v || virq >= NR_VIRQS || !v->domain->evtchn)
        return -EINVAL;
    d = v->domain;
    /* A global VIRQ's binding is recorded on vCPU 0; the port says where it goes. */
    if (virq_is_global(virq) && !(v = vcpu_of(d, 0)))
        return -ENOENT;

    flags = evtchn_lock(d);
    port = v->virq_to_evtchn[virq];
    chn = port ? port_chn(d->evtchn, port) : NULL;
    if (chn && chn->state == ECS_VIRQ && chn->virq == virq) {
        raise_on(d, chn, chn->notify_vcpu, port);
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

int evtchn_alloc_unbound_port(struct domain *d, domid_t remote, evtchn_port_t *port)
{
    if (!d || !d->evtchn || !port)
        return -EINVAL;
    return alloc_unbound(d, remote, port);
}

int evtchn_bind_interdomain_ports(struct domain *ld, struct domain *rd, evtchn_port_t rport,
                                  evtchn_port_t *lport)
{
    if (!ld || !rd || !ld->evtchn || !rd->evtchn || !lport)
        return -EINVAL;
    return bind_interdomain(ld, rd, rport, lport);
}

int evtchn_alloc_xen_port(struct domain *d, evtchn_notify_fn notify, void *data,
                          evtchn_port_t *port)
{
    struct evtchn_domain *e;
    unsigned long flags;
    unsigned int slot;
    int rc = -ENOSPC;

    if (!d || !(e = d->evtchn) || !notify || !port)
        return -EINVAL;
    flags = evtchn_lock(d);
    for (slot = 0; slot < EVTCHN_MAX_XEN_PORTS && e->xen_ports[slot].notify; slot++)
        ;
    if (slot < EVTCHN_MAX_XEN_PORTS)
        rc = get_free_port(d);
    if (rc >= 0) {
        struct evtchn *chn = port_chn(e, rc);

        chn->state = ECS_INTERDOMAIN;
        chn->xen_slot = slot + 1;
        chn->remote_dom = NULL;
        chn->remote_port = 0;
        e->xen_ports[slot] = (struct xen_port){ notify, data, NULL };
        *port = rc;
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

int evtchn_xen_port_allow_handover(struct domain *d, evtchn_port_t port,
                                   evtchn_handover_fn handover)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = -EINVAL;

    if (!d || !d->evtchn)
        return -EINVAL;
    flags = evtchn_lock(d);
    chn = port_chn(d->evtchn, port);
    if (chn && chn->state == ECS_INTERDOMAIN && chn->xen_slot) {
        d->evtchn->xen_ports[chn->xen_slot - 1].handover = handover;
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

int evtchn_raise(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = -EINVAL;

    if (!d || !d->evtchn)
        return -EINVAL;
    flags = evtchn_lock(d);
    chn = port_chn(d->evtchn, port);
    if (chn && chn->state != ECS_FREE && chn->state != ECS_RESERVED) {
        raise_on(d, chn, chn->notify_vcpu, port);
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

void evtchn_debug_dump(struct domain *d)
{
    static const char *const names[] = {
        [ECS_FREE] = "free", [ECS_RESERVED] = "reserved", [ECS_UNBOUND] = "unbound",
        [ECS_INTERDOMAIN] = "interdomain", [ECS_VIRQ] = "virq", [ECS_IPI] = "ipi",
    };
    unsigned long flags;

    if (!d->evtchn)
        return;
    flags = evtchn_lock(d);
    printk(XENLOG_INFO "d%u event channels (%u ports in table):\n", d->domain_id,
           d->evtchn->valid);
    for (evtchn_port_t p = 1; p < d->evtchn->valid; p++) {
        struct evtchn *chn = port_chn(d->evtchn, p);
        unsigned int peer = 0, arg = 0;

        if (chn->state == ECS_FREE)
            continue;
        if (chn->state == ECS_UNBOUND) {
            peer = chn->remote_domid;
        } else if (chn->state == ECS_INTERDOMAIN) {
            peer = chn->remote_dom ? chn->remote_dom->domain_id : DOMID_XEN;
            arg = chn->remote_port;
        } else if (chn->state == ECS_VIRQ) {
            arg = chn->virq;
        }
        printk(XENLOG_INFO "  port %u: %s vcpu %u peer d%u arg %u%s%s\n", p,
               names[chn->state], chn->notify_vcpu, peer, arg,
               port_pending_locked(d, p) ? " pending" : "",
               d->shared_info && test_bit64(&d->shared_info->evtchn_mask[p / 64], p % 64)
                   ? " masked"
                   : "");
    }
    evtchn_unlock(d, flags);
}

/* ---- EVTCHNOP_* ------------------------------------------------------------------------ */

union evtchn_op {
    struct evtchn_bind_interdomain bind_interdomain;
    struct evtchn_bind_virq bind_virq;
    struct evtchn_close close;
    struct evtchn_send send;
    struct evtchn_status status;
    struct evtchn_alloc_unbound alloc_unbound;
    struct evtchn_bind_ipi bind_ipi;
    struct evtchn_bind_vcpu bind_vcpu;
    struct evtchn_unmask unmask;
    struct evtchn_reset reset;
    struct evtchn_init_control init_control;
    struct evtchn_expand_array expand_array;
    struct evtchn_set_priority set_priority;
};

/* A guest-named domain with a reference (DOMID_SELF is the caller), or NULL: -ESRCH. */
static struct domain *get_domain_any(struct domain *cur, domid_t id)
{
    struct domain *d;

    if (id == DOMID_SELF || id == cur->domain_id) {
        domain_get(cur);
        return cur;
    }
    if (id >= DOMID_FIRST_RESERVED)
        return NULL;
    d = domain_get_by_id(id);
    if (d && !d->evtchn) { /* not set up yet, or already gone */
        domain_put(d);
        d = NULL;
    }
    return d;
}

/*
 * Acting on another domain's table (alloc_unbound, status, reset) needs privilege: Xen's
 * XSM_TARGET default, enforced here whatever the policy module allows. status and reset
 * have no hook of their own in xsm.h yet.
 */
static int may_target(struct domain *cur, struct domain *d)
{
    return d == cur || cur->is_privileged ? 0 : -EPERM;
}

static int op_alloc_unbound(struct domain *cur, union evtchn_op *op)
{
    struct evtchn_alloc_unbound *a = &op->alloc_unbound;
    domid_t remote = a->remote_dom == DOMID_SELF ? cur->domain_id : a->remote_dom;
    struct domain *d = get_domain_any(cur, a->dom), *rd;
    int rc;

    if (!d)
        return -ESRCH;
    /* The remote end need not exist yet (Xen records only its id): rd may be NULL. */
    rd = remote < DOMID_FIRST_RESERVED ? domain_get_by_id(remote) : NULL;
    rc = may_target(cur, d);
    if (!rc)
        rc = xsm_evtchn_unbound(cur, d, rd);
    if (!rc)
        rc = alloc_unbound(d, remote, &a->port);
    if (rd)
        domain_put(rd);
    domain_put(d);
    return rc;
}

static int op_bind_interdomain(struct domain *cur, union evtchn_op *op)
{
    struct evtchn_bind_interdomain *b = &op->bind_interdomain;
    struct domain *rd = get_domain_any(cur, b->remote_dom);
    int rc;

    if (!rd)
        return -ESRCH;
    rc = xsm_evtchn_interdomain(cur, rd);
    if (!rc)
        rc = bind_interdomain(cur, rd, b->remote_port, &b->local_port);
    domain_put(rd);
    return rc;
}

static int op_bind_virq(struct domain *cur, union evtchn_op *op)
{
    return bind_virq(cur, op->bind_virq.virq, op->bind_virq.vcpu, &op->bind_virq.port);
}

static int op_bind_ipi(struct domain *cur, union evtchn_op *op)
{
    return bind_ipi(cur, op->bind_ipi.vcpu, &op->bind_ipi.port);
}

static int op_bind_vcpu(struct domain *cur, union evtchn_op *op)
{
    return bind_vcpu(cur, op->bind_vcpu.port, op->bind_vcpu.vcpu);
}

static int op_close(struct domain *cur, union evtchn_op *op)
{
    return close_port(cur, op->close.port, true);
}

static int op_send(struct domain *cur, union evtchn_op *op)
{
    return send_port(cur, op->send.port);
}

static int op_unmask(struct domain *cur, union evtchn_op *op)
{
    return unmask_port(cur, op->unmask.port);
}

static int op_status(struct domain *cur, union evtchn_op *op)
{
    struct domain *d = get_domain_any(cur, op->status.dom);
    int rc;

    if (!d)
        return -ESRCH;
    rc = may_target(cur, d);
    if (!rc)
        rc = port_status(d, &op->status);
    domain_put(d);
    return rc;
}

static int op_reset(struct domain *cur, union evtchn_op *op)
{
    struct domain *d = get_domain_any(cur, op->reset.dom);
    int rc;

    if (!d)
        return -ESRCH;
    rc = may_target(cur, d);
    /* Another domain must be paused, or it would race with its own ports (Xen 4.17). */
    if (!rc && d != cur && !d->pause_count)
        rc = -EINVAL;
    if (!rc)
        reset_ports(d);
    domain_put(d);
    return rc;
}

static int op_init_control(struct domain *cur, union evtchn_op *op)
{
    return evtchn_fifo_init_control(cur, &op->init_control);
}

static int op_expand_array(struct domain *cur, union evtchn_op *op)
{
    return evtchn_fifo_expand_array(cur, op->expand_array.array_gfn);
}

/* Xen: -EINVAL for a port outside the table, -ENOSYS under the 2-level ABI, -EINVAL for a
 * priority below EVTCHN_FIFO_PRIORITY_MIN. Later events of the port use the new queue. */
static int op_set_priority(struct domain *cur, union evtchn_op *op)
{
    unsigned long flags = evtchn_lock(cur);
    struct evtchn *chn = port_chn(cur->evtchn, op->set_priority.port);
    int rc = 0;

    if (!chn)
        rc = -EINVAL;
    else if (!cur->evtchn->fifo)
        rc = -ENOSYS;
    else if (op->set_priority.priority > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -EINVAL;
    else
        __atomic_store_n(&chn->priority, (uint8_t)op->set_priority.priority, __ATOMIC_RELEASE);
    evtchn_unlock(cur, flags);
    return rc;
}

/*
 * Sub-ops: handler, argument size, and whether the argument is copied back on success.
 * Missing ones return -ENOSYS: bind_pirq (no physical IRQs for guests) and reset_cont (reset
 * is not split).
 */
static const struct evtchn_op_desc {
    int (*fn)(struct domain *cur, union evtchn_op *op);
    uint8_t size;
    bool copy_back;
} evtchn_ops[] = {
    [EVTCHNOP_bind_interdomain] = { op_bind_interdomain,
                                    sizeof(struct evtchn_bind_interdomain), true },
    [EVTCHNOP_bind_virq] = { op_bind_virq, sizeof(struct evtchn_bind_virq), true },
    [EVTCHNOP_close] = { op_close, sizeof(struct evtchn_close), false },
    [EVTCHNOP_send] = { op_send, sizeof(struct evtchn_send), false },
    [EVTCHNOP_status] = { op_status, sizeof(struct evtchn_status), true },
    [EVTCHNOP_alloc_unbound] = { op_alloc_unbound, sizeof(struct evtchn_alloc_unbound), true },
    [EVTCHNOP_bind_ipi] = { op_bind_ipi, sizeof(struct evtchn_bind_ipi), true },
    [EVTCHNOP_bind_vcpu] = { op_bind_vcpu, sizeof(struct evtchn_bind_vcpu), false },
    [EVTCHNOP_unmask] = { op_unmask, sizeof(struct evtchn_unmask), false },
    [EVTCHNOP_reset] = { op_reset, sizeof(struct evtchn_reset), false },
    [EVTCHNOP_init_control] = { op_init_control, sizeof(struct evtchn_init_control), true },
    [EVTCHNOP_expand_array] = { op_expand_array, sizeof(struct evtchn_expand_array), false },
    [EVTCHNOP_set_priority] = { op_set_priority, sizeof(struct evtchn_set_priority), false },
};

long do_event_channel_op(int cmd, uint64_t arg)
{
    const struct evtchn_op_desc *desc;
    struct vcpu *v = current;
    union evtchn_op op;
    int rc;

    if (cmd < 0 || (unsigned int)cmd >= ARRAY_SIZE(evtchn_ops) || !evtchn_ops[cmd].fn) {
        hypercall_unknown_subop(__HYPERVISOR_event_channel_op, (unsigned int)cmd);
        return -ENOSYS;
    }
    if (!v || !v->domain->evtchn)
        return -ENOSYS;
    desc = &evtchn_ops[cmd];
    if (copy_from_guest(&op, arg, desc->size))
        return -EFAULT;
    rc = desc->fn(v->domain, &op);
    /*
     * The same bytes were just readable, so this fails only if the guest unmapped them
     * meanwhile; like Xen, the operation then stays done and the guest gets -EFAULT.
     */
    if (!rc && desc->copy_back && copy_to_guest(arg, &op, desc->size))
        rc = -EFAULT;
    return rc;
}
