// SPDX-License-Identifier: MIT
/*
 * sysctl sub-ops on the host's shape as the toolstack sees it: cputopoinfo, numainfo (one
 * node), cpupool_op (one pool, 0, holding every CPU and domain) and that pool's scheduler
 * parameters (scheduler_op: the null scheduler has none).
 */
#include <public/sysctl.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/page_alloc.h>
#include <tern/smp.h>

#define NODE_LOCAL_DISTANCE 10 /* ACPI SLIT's distance of a node to itself */

/* Every online CPU is its own core of socket 0, node 0 (as physinfo says). */
long sysctl_cputopoinfo(struct xen_sysctl_cputopoinfo *ti)
{
    uint32_t n = num_online_cpus();

    if (ti->cputopo) {
        n = MIN(n, ti->num_cpus);
        for (uint32_t i = 0; i < n; i++) {
            struct xen_sysctl_cputopo t = { .core = i, .socket = 0, .node = 0 };

            if (copy_to_guest(ti->cputopo + (uint64_t)i * sizeof(t), &t, sizeof(t)))
                return -EFAULT;
        }
    }
    ti->num_cpus = n;
    return 0;
}

long sysctl_numainfo(struct xen_sysctl_numainfo *ni)
{
    uint32_t n = 1;

    if (ni->meminfo || ni->distance) {
        n = MIN(n, ni->num_nodes);
        if (n && ni->meminfo) {
            struct xen_sysctl_meminfo mi = {
                .memsize = page_alloc_total_count() << PAGE_SHIFT,
                .memfree = page_alloc_free_count() << PAGE_SHIFT,
            };

            if (copy_to_guest(ni->meminfo, &mi, sizeof(mi)))
                return -EFAULT;
        }
        if (n && ni->distance) {
            uint32_t dist = NODE_LOCAL_DISTANCE;

            if (copy_to_guest(ni->distance, &dist, sizeof(dist)))
                return -EFAULT;
        }
    }
    ni->num_nodes = n;
    return 0;
}

long sysctl_cpupool_op(struct xen_sysctl_cpupool_op *op)
{
    unsigned int n = num_online_cpus();
    uint64_t all = n >= 64 ? ~0ULL : (1ULL << n) - 1;

    switch (op->op) {
    case XEN_SYSCTL_CPUPOOL_OP_INFO:
        /* The first pool with an id at or above the one asked: only 0 exists. */
        if (op->cpupool_id != 0)
            return -ENOENT;
        op->sched_id = XEN_SCHEDULER_NULL;
        op->n_dom = domain_count();
        return bitmap_to_guest(&op->cpumap, all);
    case XEN_SYSCTL_CPUPOOL_OP_FREEINFO:
        return bitmap_to_guest(&op->cpumap, 0); /* every CPU is in pool 0 */
    case XEN_SYSCTL_CPUPOOL_OP_CREATE:
    case XEN_SYSCTL_CPUPOOL_OP_DESTROY:
    case XEN_SYSCTL_CPUPOOL_OP_ADDCPU:
    case XEN_SYSCTL_CPUPOOL_OP_RMCPU:
    case XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN:
        return -EOPNOTSUPP; /* one scheduler over all CPUs: no pools to make or change */
    default:
        return -ENOSYS;
    }
}

/* Xen's sched_adjust_global, with pool 0 only and its null scheduler: credit or credit2
 * parameters asked of it are -EINVAL, which xl reports as "[sched params unavailable]". */
long sysctl_scheduler_op(struct xen_sysctl_scheduler_op *op)
{
    if (op->cmd != XEN_SYSCTL_SCHEDOP_putinfo && op->cmd != XEN_SYSCTL_SCHEDOP_getinfo)
        return -EINVAL;
    if (op->cpupool_id != 0)
        return -ESRCH;
    return op->sched_id == XEN_SCHEDULER_NULL ? 0 : -EINVAL;
}
