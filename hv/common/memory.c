// SPDX-License-Identifier: MIT
/* Guest memory: populating and freeing a domain's frames, and the memory_op hypercall. */
#include <public/memory.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/grant_table.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/memory.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/pvclock.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

#define MEMOP_BATCH 256 /* extents per call before a continuation */

/* Allocate 2^order frames for d and map them at gfn. */
static int populate_one(struct domain *d, uint64_t gfn, unsigned int order)
{
    if (d->tot_pages + (1ULL << order) > d->max_pages)
        return -ENOMEM;
    struct page_info *pg = alloc_pages(order);
    if (!pg)
        return -ENOMEM;
    memset(page_to_virt(pg), 0, PAGE_SIZE << order);
    pg->owner = (uint64_t)d;
    int rc = p2m_set_entry(d, gfn, page_to_mfn(pg), order, p2m_ram_rw);
    if (rc) {
        pg->owner = 0;
        free_pages(pg, order);
        return rc;
    }
    spin_lock(&d->lock);
    page_list_add(&pg->list, &d->page_list);
    d->tot_pages += 1ULL << order;
    spin_unlock(&d->lock);
    return 0;
}

int domain_populate(struct domain *d, uint64_t gfn, uint64_t nr)
{
    while (nr) {
        unsigned int order = (!(gfn & 511) && nr >= 512) ? 9 : 0;
        int rc = populate_one(d, gfn, order);
        if (rc == -ENOMEM && order) /* fragmented: fall back to single frames */
            rc = populate_one(d, gfn, order = 0);
        if (rc)
            return rc;
        gfn += 1ULL << order;
        nr -= 1ULL << order;
    }
    return 0;
}

void domain_free_memory(struct domain *d)
{
    spin_lock(&d->lock);
    while (d->page_list.next != &d->page_list) {
        struct page_info *pg = container_of(d->page_list.next, struct page_info, list);
        page_list_del(&pg->list);
        unsigned int order = pg->order;
        d->tot_pages -= 1ULL << order;
        pg->owner = 0;
        free_pages(pg, order);
    }
    spin_unlock(&d->lock);
    xfree(d->e820);
    d->e820 = NULL;
}

int domain_set_e820(struct domain *d, const struct domain_e820 *map, unsigned int n)
{
    if (n > DOMAIN_MAX_E820)
        return -EINVAL;
    struct domain_e820 *copy = xmalloc_array(struct domain_e820, n ? n : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, map, n * sizeof(*map));
    xfree(d->e820);
    d->e820 = copy;
    d->nr_e820 = n;
    return 0;
}

/* Is this frame one the domain's vCPUs use as their vcpu_info? Those must stay. */
static bool frame_in_use_by_tern(struct domain *d, struct page_info *pg)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->vcpu_info_page == pg)
            return true;
    return false;
}

/* Unmap and free the RAM frame at gfn. 0, or -EINVAL if gfn is not d's own RAM. */
static int release_gfn(struct domain *d, uint64_t gfn)
{
    mfn_t mfn;
    enum p2m_type t = p2m_lookup(d, gfn, &mfn);
    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return -EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    /* The frame's allocation: itself, or the 2 MiB extent it is part of (owner and order
     * are recorded on an allocation's first frame). */
    struct page_info *head = mfn_to_page(mfn & ~511ULL);
    bool in_extent = head && head->owner == (uint64_t)d && head->order == 9 &&
                     (head->flags & PGF_ALLOCATED);
    if (!pg || (!in_extent && pg->owner != (uint64_t)d) || frame_in_use_by_tern(d, pg) ||
        grant_table_frame_in_use(d, mfn))
        return -EINVAL;

    spin_lock(&d->lock);
    if (in_extent) {
        /* Make the extent single frames so that this one can go back alone. */
        split_allocated_block(head, 9);
        for (unsigned int i = 1; i < 512; i++)
            page_list_add(&head[i].list, &d->page_list);
    }
    page_list_del(&pg->list);
    d->tot_pages--;
    spin_unlock(&d->lock);
    p2m_remove_entry(d, gfn);
    pg->owner = 0;
    free_pages(pg, 0);
    return 0;
}

/* DOMID_SELF, or another domain when policy allows. A reference is taken. */
static struct domain *memop_target(domid_t domid, int *rc)
{
    struct domain *self = current->domain;
    struct domain *d = domid == DOMID_SELF ? self : domain_get_by_id(domid);
    if (domid == DOMID_SELF)
        domain_get(d);
    if (!d) {
        *rc = -ESRCH;
        return NULL;
    }
    if (d != self && (*rc = xsm_memory_op(self, d))) {
        domain_put(d);
        return NULL;
    }
    return d;
}

static long reservation_op(unsigned int op, unsigned long start, uint64_t arg)
{
    struct xen_memory_reservation r;
    int rc = 0;

    /* Xen's convention: a bad argument here reports the number of extents done so far. */
    if (copy_from_guest(&r, arg, sizeof(r)))
        return (long)start;
    if (r.extent_order != 0 && r.extent_order != 9) /* 4 KiB and 2 MiB extents */
        return (long)start;
    if (r.nr_extents > (~0UL >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents)
        return (long)start;
    struct domain *d = memop_target(r.domid, &rc);
    if (!d)
        return rc;

    unsigned long i = start;
    for (; i < r.nr_extents; i++) {
        if (i - start >= MEMOP_BATCH) {
            hypercall_set_continuation_args(op | (i << MEMOP_EXTENT_SHIFT), arg, 0);
            domain_put(d);
            return -ERESTART;
        }
        xen_pfn_t gfn;
        if (copy_from_guest(&gfn, r.extent_start_gva + i * sizeof(gfn), sizeof(gfn)))
            break;
        if (gfn & ((1ULL << r.extent_order) - 1))
            break;
        if (op == XENMEM_decrease_reservation) {
            bool ok = true;
            for (unsigned int k = 0; k < (1u << r.extent_order) && ok; k++)
                ok = release_gfn(d, gfn + k) == 0;
            if (!ok)
                break;
        } else {
            mfn_t mfn;
            if (p2m_lookup(d, gfn, &mfn) != p2m_invalid)
                break; /* already populated */
            if (populate_one(d, gfn, r.extent_order))
                break;
        }
    }
    domain_put(d);
    return (long)i; /* extents done */
}

static long add_to_physmap(uint64_t arg)
{
    struct xen_add_to_physmap x;
    int rc = 0;
    mfn_t mfn, old;

    if (copy_from_guest(&x, arg, sizeof(x)))
        return -EFAULT;
    if (x.gpfn >= (1ULL << 36))
        return -EINVAL;
    struct domain *d = memop_target(x.domid, &rc);
    if (!d)
        return rc;

    switch (x.space) {
    case XENMAPSPACE_shared_info:
        if (x.idx != 0) {
            rc = -EINVAL;
            break;
        }
        mfn = virt_to_maddr(d->shared_info) >> PAGE_SHIFT;
        break;
    case XENMAPSPACE_grant_table:
        rc = grant_table_get_frame(d, (unsigned int)x.idx, &mfn);
        break;
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
    case XENMAPSPACE_gmfn_foreign:
        rc = -ENOSYS; /* moving and foreign frames: with dom0 */
        break;
    default:
        rc = -EINVAL;
        break;
    }
    if (rc == 0) {
        /* Whatever RAM the guest had at gpfn goes away (Linux picks a free RAM page). */
        if (p2m_lookup(d, x.gpfn, &old) == p2m_ram_rw)
            release_gfn(d, x.gpfn);
        if (x.space == XENMAPSPACE_shared_info && d->shared_info_gfn != ~0ULL &&
            d->shared_info_gfn != x.gpfn)
            p2m_remove_entry(d, d->shared_info_gfn);
        rc = p2m_set_entry(d, x.gpfn, mfn, 0, p2m_xen_shared);
        if (rc == 0 && x.space == XENMAPSPACE_shared_info) {
            d->shared_info_gfn = x.gpfn;
            for (unsigned int i = 0; i < d->max_vcpus; i++)
                if (d->vcpu[i])
                    pvclock_update(d->vcpu[i]);
        }
    }
    domain_put(d);
    return rc;
}

static long remove_from_physmap(uint64_t arg)
{
    struct xen_remove_from_physmap x;
    int rc = 0;
    mfn_t mfn;

    if (copy_from_guest(&x, arg, sizeof(x)))
        return -EFAULT;
    struct domain *d = memop_target(x.domid, &rc);
    if (!d)
        return rc;
    enum p2m_type t = p2m_lookup(d, x.gpfn, &mfn);
    if (t == p2m_ram_rw || t == p2m_ram_ro)
        rc = release_gfn(d, x.gpfn);
    else if (t == p2m_xen_shared)
        rc = p2m_remove_entry(d, x.gpfn);
    else
        rc = -ENOENT;
    domain_put(d);
    return rc;
}

static long memory_map(uint64_t arg)
{
    struct xen_memory_map m;
    struct domain *d = current->domain;

    if (copy_from_guest(&m, arg, sizeof(m)))
        return -EFAULT;
    if (!d->nr_e820)
        return -ENOSYS;
    /* As Xen: copy what fits and say how many. */
    m.nr_entries = MIN(m.nr_entries, d->nr_e820);
    for (unsigned int i = 0; i < m.nr_entries; i++) {
        struct xen_e820_entry e = { d->e820[i].addr, d->e820[i].size, d->e820[i].type };
        if (copy_to_guest(m.buffer_gva + i * sizeof(e), &e, sizeof(e)))
            return -EFAULT;
    }
    return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long domid_query(unsigned int op, uint64_t arg)
{
    domid_t domid;
    int rc = 0;
    if (copy_from_guest(&domid, arg, sizeof(domid)))
        return -EFAULT;
    struct domain *d = memop_target(domid, &rc);
    if (!d)
        return rc;
    long ret = op == XENMEM_current_reservation ? (long)d->tot_pages
             : op == XENMEM_maximum_reservation ? (long)d->max_pages
                                                : (long)d->arch.max_gfn - 1;
    domain_put(d);
    return ret;
}

long do_memory_op(unsigned long cmd, uint64_t arg)
{
    unsigned int op = cmd & MEMOP_CMD_MASK;
    unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(op, start, arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return domid_query(op, arg);
    case XENMEM_add_to_physmap:
        return add_to_physmap(arg);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(arg);
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_maximum_ram_page:
        return (long)(page_alloc_total_count());
    default:
        return -ENOSYS;
    }
}
