// SPDX-License-Identifier: MIT
/*
 * sysctl (hypercall 35): host-wide queries for the toolstack in dom0, as Xen 4.17 answers them
 * (xl info, xl list, xl dmesg). Sub-ops not implemented yet are -ENOSYS, logged once each.
 */
#include <public/sysctl.h>
#include <tern/bootmem.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/page_alloc.h>
#include <tern/page_ref.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/xsm.h>

#define MAX_NUMNODES 64      /* Xen's x86 default: the tools size node maps from it */
#define READCONSOLE_CHUNK 256

_Static_assert(sizeof(struct xen_sysctl_readconsole) == 24, "Xen 4.17 layout");

/* Xen's read_console_ring: from the oldest byte (or op->index, if still in the ring). */
static long readconsole(struct xen_sysctl_readconsole *op)
{
    char buf[READCONSOLE_CHUNK];
    uint32_t c, p, sofar = 0;

    console_ring_bounds(&c, &p);
    if (op->incremental && (uint32_t)(op->index - c) <= (uint32_t)(p - c) && op->index != c)
        c = op->index;
    while (c != p && sofar < op->count) {
        size_t want = MIN((size_t)(op->count - sofar), sizeof(buf));
        size_t got = console_ring_fetch(c, buf, want);

        if (!got)
            break; /* the ring moved past c meanwhile */
        if (copy_to_guest(op->buffer + sofar, buf, got))
            return -EFAULT;
        sofar += (uint32_t)got;
        c += (uint32_t)got;
    }
    if (op->clear)
        console_ring_clear(c);
    op->count = sofar;
    op->index = c;
    return 0;
}

static void physinfo(struct xen_sysctl_physinfo *pi)
{
    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1;
    pi->cores_per_socket = num_online_cpus();
    pi->nr_cpus = num_online_cpus();
    pi->max_cpu_id = num_online_cpus() - 1; /* no CPU hotplug: the online ones are all */
    pi->nr_nodes = 1;
    pi->max_node_id = MAX_NUMNODES - 1;
    pi->cpu_khz = (uint32_t)tsc_khz();
    /* Nested paging only (no shadow, no PV guests), grant tables v1. */
    pi->capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap |
                       XEN_SYSCTL_PHYSCAP_gnttab_v1;
    pi->total_pages = page_alloc_total_count();
    pi->free_pages = page_alloc_free_count();
    pi->outstanding_pages = outstanding_claims_total();
    pi->max_mfn = bootmem_max_mfn() - 1;
    physinfo_hw_cap(pi->hw_cap); /* xl info's hw_caps */
}

/* Entries for the domains with id >= first_domain, in id order, up to max_domains. */
static long getdomaininfolist(struct domain *caller, struct xen_sysctl_getdomaininfolist *op)
{
    struct xen_domctl_getdomaininfo info;
    uint32_t n = 0;
    domid_t next = op->first_domain;
    struct domain *d;

    while (n < op->max_domains && next < DOMID_FIRST_RESERVED &&
           (d = domain_get_next(next))) {
        next = d->domain_id + 1;
        if (!xsm_getdomaininfo(caller, d)) {
            domain_getinfo(d, &info);
            if (copy_to_guest(op->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info))) {
                domain_put(d);
                return -EFAULT;
            }
            n++;
        }
        domain_put(d);
    }
    op->num_domains = n;
    return 0;
}

long do_sysctl(uint64_t arg)
{
    struct domain *caller = current->domain;
    struct xen_sysctl op;
    long rc;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    if ((rc = xsm_sysctl(caller)))
        return rc;

    switch (op.cmd) {
    case XEN_SYSCTL_readconsole:
        rc = readconsole(&op.u.readconsole);
        break;
    case XEN_SYSCTL_physinfo:
        physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_sched_id:
        /* One round-robin run queue per CPU, no weights or caps: Xen's null scheduler is
         * the nearest (and libxl then skips per-domain scheduler parameters). */
        op.u.sched_id.sched_id = XEN_SCHEDULER_NULL;
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = getdomaininfolist(caller, &op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_cputopoinfo:
        rc = sysctl_cputopoinfo(&op.u.cputopoinfo);
        break;
    case XEN_SYSCTL_numainfo:
        rc = sysctl_numainfo(&op.u.numainfo);
        break;
    case XEN_SYSCTL_cpupool_op:
        rc = sysctl_cpupool_op(&op.u.cpupool_op);
        break;
    case XEN_SYSCTL_scheduler_op:
        rc = sysctl_scheduler_op(&op.u.scheduler_op);
        break;
    case XEN_SYSCTL_get_cpu_policy:
    case XEN_SYSCTL_get_cpu_featureset:
        /* These copy their own fields back (Xen's __copy_field_to_guest). */
        return sysctl_cpu_policy(&op, arg);
    default: {
        static uint64_t logged;

        if (op.cmd >= 64 || !(__atomic_fetch_or(&logged, 1ULL << op.cmd, __ATOMIC_RELAXED) &
                              (1ULL << op.cmd)))
            printk(XENLOG_WARNING "d%u: sysctl %u is not implemented (-ENOSYS)\n",
                   caller->domain_id, op.cmd);
        return -ENOSYS;
    }
    }
    if (!rc && copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
