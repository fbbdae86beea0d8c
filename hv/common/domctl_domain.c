// SPDX-License-Identifier: MIT
/*
 * domctl sub-ops of a domain's life as the toolstack drives it: createdomain, max_vcpus,
 * max_mem, setdomainhandle, destroydomain, and VIRQ_DOM_EXC, the signal that tells dom0's
 * daemons that a domain shut down or died.
 */
#include <public/domctl.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/lib.h>
#include <tern/sched.h>
#include <tern/spinlock.h>

#define MAX_PENDING_DESTROYS 16

/* Orders createdomain's choice of a free id against other creators (Xen's domctl lock). */
static DEFINE_SPINLOCK(create_lock);
static domid_t rover; /* the last id handed out, under create_lock */

/*
 * Domains whose destruction a toolstack asked for, with a reference each: Tern's own
 * context (the deferred work on CPU 0) tears them down, and destroydomain is re-executed
 * (-ERESTART) until that is done. The reference lets the re-executed call find the domain
 * after it left the domain list, and answer 0 as Xen does for a dead domain.
 */
static struct domain *pending_destroy[MAX_PENDING_DESTROYS];
static DEFINE_SPINLOCK(pending_lock);

void domain_send_dom_exc(void)
{
    /* Xen's global VIRQs go to the hardware domain: Tern's dom0, once it exists. */
    struct domain *d0 = domain_get_by_id(0);

    if (!d0)
        return;
    if (d0->is_privileged && d0->vcpu[0])
        evtchn_send_virq(d0->vcpu[0], VIRQ_DOM_EXC);
    domain_put(d0);
}

/* Xen's sanitise_domain_config for what Tern can build: PVH (HVM, HAP, local APIC only). */
static long check_config(const struct xen_domctl_createdomain *c)
{
    const uint32_t known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap |
                           XEN_DOMCTL_CDF_s3_integrity | XEN_DOMCTL_CDF_oos_off |
                           XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu |
                           XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu;

    if ((c->flags & ~known) || (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask) ||
        !c->max_vcpus)
        return -EINVAL;
    if ((c->flags & XEN_DOMCTL_CDF_hap) && !(c->flags & XEN_DOMCTL_CDF_hvm))
        return -EINVAL;
    /* No IOMMU, vmtrace, vPMU, TBOOT or nested virtualisation: Xen's "not available". */
    if ((c->flags & (XEN_DOMCTL_CDF_iommu | XEN_DOMCTL_CDF_vpmu |
                     XEN_DOMCTL_CDF_s3_integrity | XEN_DOMCTL_CDF_nested_virt)) ||
        c->iommu_opts || c->vmtrace_size)
        return -EINVAL;
    /* PV is not built in; shadow paging neither: nested paging is the only mode. */
    if (!(c->flags & XEN_DOMCTL_CDF_hvm) || !(c->flags & XEN_DOMCTL_CDF_hap))
        return -EINVAL;
    if (c->max_vcpus > MAX_VIRT_CPUS)
        return -EINVAL;
    if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
        return -EINVAL;
    /* Grant tables v1 only (physinfo says so): a request for v2 cannot be met. */
    if (XEN_DOMCTL_GRANT_version_mask & c->grant_opts &&
        (c->grant_opts & XEN_DOMCTL_GRANT_version_mask) != 1)
        return -EINVAL;
    /* A full HVM guest's devices (PIC, RTC, HPET...) are not emulated: PVH only. */
    if (c->arch.emulation_flags != XEN_X86_EMU_LAPIC)
        return -EOPNOTSUPP;
    if (c->cpupool_id)
        return -ENOENT; /* pool 0 is the only one */
    return 0;
}

static bool id_is_free(domid_t id)
{
    struct domain *d = domain_get_by_id(id);

    if (d)
        domain_put(d);
    return !d;
}

long domctl_createdomain(struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    struct domain *d;
    domid_t id = op->domain;
    char name[16];
    long rc;
    int err;

    if ((rc = check_config(c)))
        return rc;
    if (!spin_trylock(&create_lock))
        return -ERESTART; /* another creator: come back rather than spin in here */
    if (id > 0 && id < DOMID_FIRST_RESERVED) {
        rc = id_is_free(id) ? 0 : -EEXIST;
    } else {
        /* The next free id after the last one given, as Xen's rover: ids are not reused
         * at once, so a stale id in the tools does not name a new domain. */
        rc = -ENOMEM;
        for (unsigned int n = 0; n < DOMID_FIRST_RESERVED - 1 && rc; n++) {
            id = (domid_t)((rover + n) % (DOMID_FIRST_RESERVED - 1) + 1);
            if (id_is_free(id))
                rc = 0;
        }
        if (!rc)
            rover = id;
    }
    if (!rc) {
        snprintf(name, sizeof(name), "d%u", id);
        d = domain_create(id, name, c->max_vcpus, &err);
        rc = d ? 0 : err;
    }
    if (!rc) {
        /* domain_create() left one pause: it is the controller's until unpausedomain. */
        d->controller_pause_count = 1;
        d->controller_created = true;
        d->is_xenstore = c->flags & XEN_DOMCTL_CDF_xs_domain;
        /* Xen's evtchn_init(d, config->max_evtchn_port): a domU's ports are bounded by its
         * config (xl.cfg max_event_channels), not only by the table. */
        evtchn_set_max_port(d, c->max_evtchn_port);
        memcpy(d->handle, c->handle, sizeof(d->handle));
        op->domain = id;
    }
    spin_unlock(&create_lock);
    return rc;
}

long domctl_max_vcpus(struct domain *caller, struct domain *d, uint32_t max)
{
    long rc = 0;

    if (d == caller || max != d->max_vcpus)
        return -EINVAL;
    domain_pause_nosync(d);
    for (unsigned int i = 0; i < max && !rc; i++)
        if (!d->vcpu[i] && !vcpu_create(d, i))
            rc = -ENOMEM; /* those made stay: a retry or destroydomain deals with them */
    domain_unpause(d);
    return rc;
}

long domctl_max_mem(struct domain *d, uint64_t max_memkb)
{
    unsigned long flags;

    /* Below tot_pages is allowed, as in Xen: no new frames until it shrank below. */
    spin_lock_irqsave(&d->page_alloc_lock, flags);
    d->max_pages = max_memkb >> (PAGE_SHIFT - 10);
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    return 0;
}

/* A pending destroy of id: its slot, or -1. Under pending_lock. */
static int pending_slot(domid_t id)
{
    for (int i = 0; i < MAX_PENDING_DESTROYS; i++)
        if (pending_destroy[i] && pending_destroy[i]->domain_id == id)
            return i;
    return -1;
}

/*
 * Whether the destroy of d is over: Tern's context marked it dead, or it left the domain
 * list some other way (its builder destroyed it meanwhile, or restarted it under the same id:
 * then the listed domain is a new one).
 */
static bool destroy_done(struct domain *d)
{
    struct domain *now;

    if (__atomic_load_n(&d->is_dead, __ATOMIC_ACQUIRE))
        return true;
    if (!(now = domain_get_by_id(d->domain_id)))
        return true;
    domain_put(now);
    return now != d;
}

/* Finish a pending destroy of id if it is over: 0, -ERESTART while not, -ESRCH if none. */
long domctl_destroy_pending(domid_t id)
{
    unsigned long flags;
    struct domain *done = NULL;
    long rc = -ESRCH;
    int i;

    spin_lock_irqsave(&pending_lock, flags);
    if ((i = pending_slot(id)) >= 0) {
        if (destroy_done(pending_destroy[i])) {
            done = pending_destroy[i];
            pending_destroy[i] = NULL;
            rc = 0;
        } else {
            rc = -ERESTART;
        }
    }
    spin_unlock_irqrestore(&pending_lock, flags);
    if (done)
        domain_put(done);
    return rc;
}

long domctl_destroydomain(struct domain *caller, struct domain *d)
{
    unsigned long flags;
    long rc = -ERESTART;
    int i;

    if (d == caller)
        return -EINVAL;
    /* A destroy of this id that is over (the domain listed now is another): report it. */
    if ((rc = domctl_destroy_pending(d->domain_id)) != -ESRCH)
        return rc;
    rc = -ERESTART;
    spin_lock_irqsave(&pending_lock, flags);
    if (pending_slot(d->domain_id) < 0) {
        for (i = 0; i < MAX_PENDING_DESTROYS && pending_destroy[i]; i++)
            ;
        if (i < MAX_PENDING_DESTROYS) {
            domain_get(d);
            pending_destroy[i] = d;
            if (!__atomic_exchange_n(&d->destroy_requested, true, __ATOMIC_SEQ_CST))
                domain_pause_nosync(d); /* its vCPUs leave the CPUs meanwhile */
        }
        /* All slots taken: come back once one is free (a destroy takes milliseconds). */
    }
    spin_unlock_irqrestore(&pending_lock, flags);
    sched_request_deferred_work();
    return rc;
}
