// SPDX-License-Identifier: MIT
/*
 * XENMEM_add_to_physmap_batch, and with it foreign mappings: a privileged domain (dom0's
 * privcmd) maps frames of another domain's RAM at its own gfns (Xen's p2m_add_foreign).
 *
 * A foreign entry (p2m_map_foreign) holds a reference on the frame like every p2m entry, so
 * the frame outlives its owner's destruction (the owner stays a zombie, tern/page_ref.h)
 * and is freed when the last mapping goes: XENMEM_remove_from_physmap, a replacement, or the
 * teardown of the mapping domain's p2m. The frame is found and referenced in one step under
 * the owner's p2m lock (p2m_get_page), and installed in one step under the mapper's, so an
 * owner giving the frame back or being destroyed at the same instant, or another vCPU of
 * the mapper unmapping the gfn, can only come before or after.
 */
#include <public/memory.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/xsm.h>
#include "memory_private.h"

/* Entries per call before a continuation (Xen checks for preemption after each). */
#define BATCH_BUDGET 256
/* Xen's INVALID_GFN: refused for the whole batch. */
#define INVALID_GFN (~0ULL)
/* What a foreign mapping may replace, as p2m_add_foreign: nothing, the mapper's own RAM
 * (freed), a shared Tern frame (unhooked). Grant and foreign mappings refuse (-ENXIO). */
#define FOREIGN_OVER (P2M_EMPTY | P2M_RAM | P2M_BIT(p2m_xen_shared))

int foreign_map_frame(struct domain *d, uint64_t gpfn, struct page_info *pg)
{
    struct page_info *old;
    enum p2m_type ot;
    unsigned long flags;
    int rc;

    spin_lock_irqsave(&d->physmap_lock, flags);
    rc = p2m_replace_entry(d, gpfn, page_to_mfn(pg), p2m_map_foreign, FOREIGN_OVER, &old, &ot);
    if (rc == -EBUSY)
        rc = -ENXIO;
    if (!rc)
        physmap_drop_replaced(d, gpfn, old, ot, true);
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    return rc;
}

/*
 * Xen's p2m_add_foreign for one entry: frame fgfn of domain fid at d's gpfn. Every check is
 * per entry, so each error lands in errs[]: -EPERM (d is not the hardware domain, or fid is
 * the caller), -ESRCH (no such domain, or it is being destroyed), -EINVAL (d is fid, or fgfn
 * is not populated RAM of fid: Xen never says -ENOENT here, which privcmd would retry
 * forever), -ENXIO (a grant or foreign mapping is at gpfn), -ENOMEM.
 */
static int add_foreign(struct domain *d, domid_t fid, uint64_t fgfn, uint64_t gpfn)
{
    struct domain *self = current->domain, *fd;
    struct page_info *pg;
    enum p2m_type t;
    int rc;

    /* arch_acquire_resource_check: only the hardware domain may hold foreign entries. */
    if (!d->is_privileged)
        return -EPERM;
    /* rcu_lock_remote_domain_by_id: DOMID_SELF and DOMID_XEN name no domain here. */
    fd = fid < DOMID_FIRST_RESERVED ? domain_get_by_id(fid) : NULL;
    if (!fd)
        return -ESRCH;
    if (fd == self) {
        rc = -EPERM;
        goto out;
    }
    if (fd == d) {
        rc = -EINVAL;
        goto out;
    }
    /* xsm_map_gmfn_foreign (dummy policy): both the mapper and the caller act on fd. */
    if ((rc = xsm_memory_op(d, fd)) || (rc = xsm_memory_op(self, fd)))
        goto out;
    pg = p2m_get_page(fd, fgfn, &t);
    if (!pg) {
        rc = -EINVAL;
        goto out;
    }
    /* Only fd's own RAM: never its grant or foreign mappings or Tern's shared frames. */
    if ((t != p2m_ram_rw && t != p2m_ram_ro) || pg->owner != fd)
        rc = -EINVAL;
    else
        rc = foreign_map_frame(d, gpfn, pg);
    put_page(pg); /* the entry holds its own reference */
out:
    domain_put(fd);
    return rc;
}

/* One entry of the batch: its per-entry result. */
static int batch_one(struct domain *d, const struct xen_add_to_physmap_batch *b, uint64_t idx,
                     uint64_t gpfn)
{
    switch (b->space) {
    case XENMAPSPACE_gmfn_foreign:
        return add_foreign(d, b->u.foreign_domid, idx, gpfn);
    case XENMAPSPACE_dev_mmio:
        return -EINVAL; /* no MMIO to hand out on x86 (Xen: INVALID_MFN) */
    default:
        return physmap_add_one(d, b->space, idx, gpfn);
    }
}

/*
 * Entries from `extent` on: 0 when all are done, the next extent when the budget ran out
 * (a continuation), or -errno for the whole call (-EILSEQ for a continuation past the end,
 * -EFAULT, -EINVAL for INVALID_GFN, -EOPNOTSUPP for dev_mmio with res0 set).
 */
static long batch(struct domain *d, const struct xen_add_to_physmap_batch *b,
                  unsigned int extent)
{
    unsigned int done = 0;

    if (b->size < extent)
        return -EILSEQ;
    if (b->size == extent)
        return extent ? -EILSEQ : 0;
    if (b->space == XENMAPSPACE_dev_mmio && b->u.res0)
        return -EOPNOTSUPP;
    while (b->size > extent) {
        uint64_t idx, gpfn;
        int32_t rc;

        if (copy_from_guest(&idx, b->idxs_gva + extent * sizeof(idx), sizeof(idx)) ||
            copy_from_guest(&gpfn, b->gpfns_gva + extent * sizeof(gpfn), sizeof(gpfn)))
            return -EFAULT;
        if (gpfn == INVALID_GFN)
            return -EINVAL;
        rc = batch_one(d, b, idx, gpfn);
        if (copy_to_guest(b->errs_gva + extent * sizeof(rc), &rc, sizeof(rc)))
            return -EFAULT;
        if (b->size > ++extent && ++done >= BATCH_BUDGET)
            return extent;
    }
    return 0;
}

long memory_add_to_physmap_batch(unsigned long start, uint64_t arg)
{
    struct xen_add_to_physmap_batch b;
    struct domain *d;
    long rc;
    int err = 0;

    if (start != (uint16_t)start)
        return -EDOM;
    if (copy_from_guest(&b, arg, sizeof(b)))
        return -EFAULT;
    if (b.space == XENMAPSPACE_gmfn_range)
        return -EOPNOTSUPP;
    if (!(d = memop_target(b.domid, &err)))
        return err;
    /* xatp_permission_check: device MMIO only into the hardware domain itself. */
    if (b.space == XENMAPSPACE_dev_mmio && (!d->is_privileged || d != current->domain)) {
        domain_put(d);
        return -EACCES;
    }
    rc = batch(d, &b, (unsigned int)start);
    domain_put(d);
    if (rc > 0) {
        hypercall_set_continuation_args(XENMEM_add_to_physmap_batch |
                                        ((uint64_t)rc << MEMOP_EXTENT_SHIFT), arg, 0);
        return -ERESTART;
    }
    return rc;
}
