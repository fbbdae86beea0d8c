// SPDX-License-Identifier: MIT
/*
 * XENMEM_acquire_resource: the hardware domain maps another domain's resource frames (its
 * grant table, as libxenguest does to seed entries 0 and 1 of a new domain) at gfns it lists
 * in frame_list. Dom0 is translated, so Tern installs the mappings itself, as Xen's
 * set_foreign_p2m_entry does, each a p2m_map_foreign entry holding a reference on its frame;
 * XENMEM_remove_from_physmap (privcmd's munmap) drops it.
 */
#include <public/memory.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/grant_table.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/resource.h>
#include <tern/xsm.h>
#include "memory_private.h"

/* Frames a pass (Xen's mfn_list[32]), and passes a call before a continuation. */
#define CHUNK 32U
#define PASSES 8U
/* Entries in the mapper's p2m that set_foreign_p2m_entry refuses to overwrite. */
#define SPECIAL (P2M_GRANT | P2M_BIT(p2m_map_foreign))

/* Frames [frame, frame + n) of type/id of d, each with a reference: n, or -errno. */
static int get_frames(struct domain *d, unsigned int type, uint32_t id, uint64_t frame,
                      unsigned int n, struct page_info **pg)
{
    unsigned int i;
    int rc = 0;

    switch (type) {
    case XENMEM_resource_grant_table:
        /* Tern's tables are v1: status frames exist only for v2 (Xen: -EINVAL). */
        if (id != XENMEM_resource_grant_table_id_shared)
            return -EINVAL;
        for (i = 0; i < n && !rc; i++)
            rc = grant_table_get_frame_ref(d, (unsigned int)(frame + i), &pg[i]);
        if (rc) {
            for (i--; i-- > 0;)
                put_page(pg[i]);
            return rc;
        }
        return (int)n;
    case XENMEM_resource_ioreq_server:
        return -ENOENT; /* no ioreq server exists (Xen: get_ioreq_server fails) */
    case XENMEM_resource_vmtrace_buf:
        return -EINVAL;
    default:
        return -EOPNOTSUPP;
    }
}

/*
 * Xen's set_foreign_p2m_entry: gfn of d maps pg as p2m_map_foreign. What was there is
 * replaced without being freed (RAM stays allocated to d, unmapped, as Xen's
 * set_typed_p2m_entry leaves it); the same foreign frame again is a no-op. Any other grant or
 * foreign mapping there is an error Xen punishes by crashing d (-EPERM).
 */
static int set_foreign_entry(struct domain *d, uint64_t gfn, struct page_info *pg)
{
    struct page_info *old;
    enum p2m_type ot;
    unsigned long flags;
    mfn_t cur;
    int rc;

    spin_lock_irqsave(&d->physmap_lock, flags);
    rc = p2m_replace_entry(d, gfn, page_to_mfn(pg), p2m_map_foreign, ~SPECIAL, &old, &ot);
    if (!rc)
        physmap_drop_replaced(d, gfn, old, ot, false);
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    if (rc != -EBUSY)
        return rc;
    if (p2m_lookup(d, gfn, &cur) == p2m_map_foreign && cur == page_to_mfn(pg))
        return 0;
    printk(XENLOG_ERR "d%u: acquire_resource onto gfn %#llx, which holds a grant or foreign "
           "mapping\n", d->domain_id, (unsigned long long)gfn);
    domain_crash(d, "acquire_resource over a grant or foreign mapping");
    return -EPERM;
}

/* Map n frames at the gfns listed from frame_list: 0, -EFAULT, or -EIO after the first. */
static int map_frames(struct domain *self, uint64_t frame_list, struct page_info **pg,
                      unsigned int n)
{
    xen_pfn_t gfn[CHUNK];
    int rc = 0;

    if (copy_from_guest(gfn, frame_list, n * sizeof(gfn[0])))
        return -EFAULT;
    for (unsigned int i = 0; i < n && !rc; i++) {
        rc = set_foreign_entry(self, gfn[i], pg[i]);
        if (rc && i)
            rc = -EIO; /* some frames are mapped already: the caller cannot tell which */
    }
    return rc;
}

static long acquire(struct domain *self, struct domain *d, struct xen_mem_acquire_resource *x,
                    unsigned long start, uint64_t arg)
{
    unsigned int max = resource_max_frames(x->type, x->id, grant_table_max_frames(d),
                                           d->max_vcpus);
    unsigned int passes = 0;
    int rc;

    if (!max)
        return -EINVAL;
    if (!x->frame_list_gva) {
        /* The size query: nothing to map, only nr_frames written back. */
        if (x->nr_frames || start)
            return -EINVAL;
        x->nr_frames = max;
        return copy_to_guest(arg + offsetof(struct xen_mem_acquire_resource, nr_frames),
                             &x->nr_frames, sizeof(x->nr_frames)) ? -EFAULT : 0;
    }
    if ((rc = resource_list_check(x, start)))
        return rc;
    x->nr_frames -= (uint32_t)start;
    x->frame += start;
    x->frame_list_gva += start * sizeof(xen_pfn_t);

    while (x->nr_frames) {
        struct page_info *pg[CHUNK];
        unsigned int todo = MIN(CHUNK, x->nr_frames), done;

        if (passes++ == PASSES) {
            hypercall_set_continuation_args(XENMEM_acquire_resource |
                                            ((uint64_t)start << MEMOP_EXTENT_SHIFT), arg, 0);
            return -ERESTART;
        }
        rc = get_frames(d, x->type, x->id, x->frame, todo, pg);
        if (rc < 0)
            return rc;
        done = (unsigned int)rc;
        rc = map_frames(self, x->frame_list_gva, pg, done);
        for (unsigned int i = 0; i < done; i++)
            put_page(pg[i]); /* each entry holds its own */
        if (rc)
            return rc;
        x->nr_frames -= done;
        x->frame += done;
        x->frame_list_gva += done * sizeof(xen_pfn_t);
        start += done;
    }
    return 0;
}

long memory_acquire_resource(unsigned long start, uint64_t arg)
{
    struct domain *self = current->domain, *d;
    struct xen_mem_acquire_resource x;
    long rc;

    /* arch_acquire_resource_check: a translated caller must be the hardware domain. */
    if (!self->is_privileged)
        return -EACCES;
    if (copy_from_guest(&x, arg, sizeof(x)))
        return -EFAULT;
    if ((rc = resource_request_check(&x)))
        return rc;
    /* rcu_lock_remote_domain_by_id: an existing domain other than the caller. */
    d = x.domid < DOMID_FIRST_RESERVED ? domain_get_by_id(x.domid) : NULL;
    if (!d)
        return -ESRCH;
    if (d == self)
        rc = -EPERM;
    else if (!(rc = xsm_memory_op(self, d))) /* xsm_domain_resource_map, XSM_DM_PRIV */
        rc = acquire(self, d, &x, start, arg);
    domain_put(d);
    return rc;
}
