// SPDX-License-Identifier: MIT
/*
 * Guest memory: populating and releasing a domain's frames, and the memory_op hypercall.
 * Every decision about a frame is one step of the p2m (add where empty, remove or replace
 * what has a given type) plus the frame's reference count (tern/page_ref.h), so two vCPUs
 * racing on one gfn cannot both win, and a frame leaves only when nobody can reach it.
 */
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
#include <tern/page_ref.h>
#include <tern/pvclock.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>
#include "memory_private.h"

/* Frames of work (allocation and zeroing, or release) per call before a continuation. */
#define MEMOP_WORK_BUDGET 2048
/* Xen 4.17's limits on extent orders (x86 config.h: DOMU_MAX_ORDER 9, PAGEALLOC 18). */
#define DOMU_MAX_ORDER 9
#define CTLDOM_MAX_ORDER 18
/* What populate may map over: nothing, RAM, a shared Tern frame (Xen replaces those). */
#define POPULATE_OVER (P2M_EMPTY | P2M_RAM | P2M_BIT(p2m_xen_shared))

static unsigned int max_order(const struct domain *d)
{
    return d->is_privileged ? CTLDOM_MAX_ORDER : DOMU_MAX_ORDER;
}

/*
 * The reference a replaced entry held. A RAM frame replaced by add_to_physmap is freed (its
 * allocation reference dropped, as Xen frees "normal domain memory"); one replaced by
 * populate stays allocated to the domain, unmapped, as in Xen.
 */
void physmap_drop_replaced(struct domain *d, uint64_t gfn, struct page_info *old,
                           enum p2m_type ot, bool free_ram)
{
    uint64_t expect = gfn;

    if (!old)
        return;
    if ((ot == p2m_ram_rw || ot == p2m_ram_ro) && free_ram && old->owner == d)
        put_page_alloc_ref(old);
    if (ot == p2m_xen_shared && old == d->shared_info_page)
        __atomic_compare_exchange_n(&d->shared_info_gfn, &expect, ~0ULL, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    put_page(old);
}

/*
 * Map fresh frames pg (2^order of them, from alloc_domain_pages) at gfn as d's RAM: 2 MiB
 * entries where both sides are aligned and the range is empty, single frames otherwise
 * (replacing RAM or shared frames, as Xen's populate does). Frames left unmapped by a
 * failure are given back. 0, or -EPERM (a grant mapping is in the way: Xen crashes the
 * domain for that), -ENOMEM, -EINVAL.
 */
static int map_new_ram(struct domain *d, uint64_t gfn, struct page_info *pg,
                       unsigned int order)
{
    uint64_t n = 1ULL << order, off = 0;
    mfn_t mfn = page_to_mfn(pg);
    int rc = 0;

    while (off < n && !rc) {
        if (n - off >= 512 && !((gfn + off) & 511) && !((mfn + off) & 511) &&
            p2m_add_entry(d, gfn + off, mfn + off, 9, p2m_ram_rw) == 0) {
            off += 512;
            continue;
        }
        struct page_info *old;
        enum p2m_type ot;
        rc = p2m_replace_entry(d, gfn + off, mfn + off, p2m_ram_rw, POPULATE_OVER, &old, &ot);
        if (rc == -EBUSY) {
            printk(XENLOG_WARNING "d%u: populating gfn %#llx over a grant mapping\n",
                   d->domain_id, (unsigned long long)(gfn + off));
            domain_crash(d, "populate_physmap over a grant mapping");
            rc = -EPERM;
        }
        if (!rc) {
            physmap_drop_replaced(d, gfn + off, old, ot, false);
            off++;
        }
    }
    /* Mapped frames hold the entry's reference besides the allocation one; the rest go. */
    for (; off < n; off++)
        free_unmapped_domain_pages(pg + off, 0);
    return rc;
}

/* Allocate 2^order frames for d and map them at gfn. */
static int populate_one(struct domain *d, uint64_t gfn, unsigned int order)
{
    int rc;
    struct page_info *pg = alloc_domain_pages(d, order, &rc);

    if (!pg)
        return rc;
    return map_new_ram(d, gfn, pg, order);
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
    domain_set_outstanding_pages(d, 0); /* a claim dies with the domain */
    while (domain_relinquish_pages(d, ~0u) == -ERESTART)
        ;
    xfree(d->e820);
    d->e820 = NULL;
}

/* Install a copy the caller made (xmalloc'd, n entries): the old map goes. The physmap lock
 * orders it against memory_map() reading the map. */
static void install_e820(struct domain *d, struct domain_e820 *copy, unsigned int n)
{
    struct domain_e820 *old;
    unsigned long flags;

    spin_lock_irqsave(&d->physmap_lock, flags);
    old = d->e820;
    d->e820 = copy;
    d->nr_e820 = n;
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    xfree(old);
}

int domain_set_e820(struct domain *d, const struct domain_e820 *map, unsigned int n)
{
    if (n > DOMAIN_MAX_E820)
        return -EINVAL;
    struct domain_e820 *copy = xmalloc_array(struct domain_e820, n ? n : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, map, n * sizeof(*map));
    install_e820(d, copy, n);
    return 0;
}

/*
 * Give back the RAM frame at gfn (Xen's guest_remove_page): the p2m removal is the one
 * decision, so of two callers racing on a gfn exactly one gets 0; the other sees -ENOENT.
 * The frame is freed when its last user (a grant mapping, Tern's vcpu_info) lets it go.
 * 0, -ENOENT (nothing mapped), -EINVAL (not RAM: a grant or shared frame), -ENOMEM.
 */
static int release_gfn(struct domain *d, uint64_t gfn)
{
    struct page_info *pg;
    int rc = p2m_remove_entry(d, gfn, P2M_RAM, P2M_ANY_MFN, &pg);

    if (rc)
        return rc;
    if (pg->owner == d)
        put_page_alloc_ref(pg);
    else
        printk(XENLOG_ERR "d%u: RAM at gfn %#llx was frame %#llx of another owner\n",
               d->domain_id, (unsigned long long)gfn, (unsigned long long)page_to_mfn(pg));
    put_page(pg);
    return 0;
}

struct domain *memop_target(domid_t domid, int *rc)
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

/*
 * increase_reservation, decrease_reservation, populate_physmap. As Xen: the result is the
 * number of extents done (a bad argument, a missing domain or a refusal stops early and
 * reports what was done), and the work continues in a re-executed call with the start extent
 * in cmd's upper bits once MEMOP_WORK_BUDGET frames were handled.
 */
static long reservation_op(unsigned int op, unsigned long start, uint64_t arg)
{
    struct xen_memory_reservation r;
    uint64_t work = 0;
    int rc = 0;

    if (copy_from_guest(&r, arg, sizeof(r)))
        return (long)start;
    /* Too many extents for a continuation to encode, or a start past the end. */
    if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents)
        return (long)start;
    /* An address width a frame cannot meet (Xen's construct_memop_from_reservation). */
    if (XENMEMF_get_address_bits(r.mem_flags) &&
        XENMEMF_get_address_bits(r.mem_flags) <= PAGE_SHIFT)
        return (long)start;
    if (r.extent_order > max_order(current->domain))
        return (long)start;
    struct domain *d = memop_target(r.domid, &rc);
    if (!d)
        return (long)start;

    unsigned long i = start;
    uint64_t frames = 1ULL << r.extent_order;
    for (; i < r.nr_extents; i++) {
        if (work >= MEMOP_WORK_BUDGET) {
            hypercall_set_continuation_args(op | (i << MEMOP_EXTENT_SHIFT), arg, 0);
            domain_put(d);
            return -ERESTART;
        }
        work += frames;
        if (op == XENMEM_increase_reservation) {
            /* A translated guest learns nothing of the frames; they are its own, unmapped
             * (Xen's increase_reservation for HVM). */
            struct page_info *pg = alloc_domain_pages(d, r.extent_order, &rc);
            if (!pg)
                break;
            continue;
        }
        xen_pfn_t gfn;
        if (copy_from_guest(&gfn, r.extent_start_gva + i * sizeof(gfn), sizeof(gfn)))
            break;
        if (op == XENMEM_decrease_reservation) {
            uint64_t k = 0;
            while (k < frames && release_gfn(d, gfn + k) == 0)
                k++;
            if (k < frames)
                break;
        } else if (populate_one(d, gfn, r.extent_order)) {
            break;
        }
    }
    domain_put(d);
    return (long)i; /* extents done */
}

/* The single-frame spaces of add_to_physmap: the frame to map, with a reference. */
static int physmap_source(struct domain *d, const struct xen_add_to_physmap *x,
                          struct page_info **pg)
{
    mfn_t mfn;
    int rc;

    switch (x->space) {
    case XENMAPSPACE_shared_info:
        if (x->idx != 0)
            return -EINVAL;
        *pg = d->shared_info_page;
        return get_page_ref(*pg) ? 0 : -EINVAL;
    case XENMAPSPACE_grant_table:
        if ((rc = grant_table_get_frame(d, (unsigned int)x->idx, &mfn)))
            return rc;
        *pg = mfn_to_page(mfn);
        return get_page_ref(*pg) ? 0 : -EINVAL;
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
        return -ENOSYS; /* moving RAM between gfns: not implemented */
    case XENMAPSPACE_gmfn_foreign:
        return -ENOSYS; /* as Xen: only through add_to_physmap_batch */
    default:
        return -EINVAL;
    }
}

/*
 * Map shared_info or a grant-table frame at gpfn (XENMAPSPACE_gmfn_foreign is
 * memory_foreign.c's). What was there goes (RAM is freed, a shared frame is unhooked; a grant
 * or foreign mapping refuses with -ENXIO, as Xen's guest_remove_page does for a frame the
 * domain does not own), and shared_info leaves its previous gfn. The physmap lock orders
 * concurrent moves of the same frame.
 */
int physmap_add_one(struct domain *d, unsigned int space, uint64_t idx, uint64_t gpfn)
{
    struct xen_add_to_physmap x = { .space = space, .idx = idx, .gpfn = gpfn };
    struct page_info *pg = NULL, *old;
    enum p2m_type ot;
    unsigned long flags;
    int rc;

    if (x.gpfn >= (1ULL << 36))
        return -EINVAL;
    if ((rc = physmap_source(d, &x, &pg)))
        return rc;

    spin_lock_irqsave(&d->physmap_lock, flags);
    rc = p2m_replace_entry(d, x.gpfn, page_to_mfn(pg), p2m_xen_shared,
                           P2M_EMPTY | P2M_RAM | P2M_BIT(p2m_xen_shared), &old, &ot);
    if (rc == -EBUSY)
        rc = -ENXIO;
    if (!rc) {
        if (old != pg)
            physmap_drop_replaced(d, x.gpfn, old, ot, true);
        else
            put_page(old); /* the same frame again: only the entry's reference goes */
        if (x.space == XENMAPSPACE_shared_info) {
            uint64_t prev = d->shared_info_gfn;
            if (prev != ~0ULL && prev != x.gpfn)
                p2m_remove_entry(d, prev, P2M_BIT(p2m_xen_shared), page_to_mfn(pg), NULL);
            d->shared_info_gfn = x.gpfn;
        }
    }
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    if (!rc && x.space == XENMAPSPACE_shared_info)
        for (unsigned int i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                pvclock_update(d->vcpu[i]);
    put_page(pg);
    return rc;
}

static long add_to_physmap(unsigned long start, uint64_t arg)
{
    struct xen_add_to_physmap x;
    int rc = 0;

    if (start != (uint16_t)start)
        return -EDOM;
    if (copy_from_guest(&x, arg, sizeof(x)))
        return -EFAULT;
    if (x.space == XENMAPSPACE_gmfn_foreign)
        return -ENOSYS; /* as Xen: only through add_to_physmap_batch */
    struct domain *d = memop_target(x.domid, &rc);
    if (!d)
        return rc;
    rc = physmap_add_one(d, x.space, x.idx, x.gpfn);
    domain_put(d);
    return rc;
}

/*
 * Unmap gpfn, as Xen: the frame is not freed (RAM stays allocated to the domain, unmapped).
 * A foreign mapping (privcmd's munmap) goes with its reference, after the flush that
 * p2m_remove_entry does. Grant mappings are left to grant unmap, which also drops their pin
 * (-EINVAL here).
 */
static long remove_from_physmap(unsigned long start, uint64_t arg)
{
    struct xen_remove_from_physmap x;
    struct page_info *pg;
    enum p2m_type t;
    unsigned long flags;
    int rc = 0;

    if (start)
        return -EINVAL;
    if (copy_from_guest(&x, arg, sizeof(x)))
        return -EFAULT;
    struct domain *d = memop_target(x.domid, &rc);
    if (!d)
        return rc;
    spin_lock_irqsave(&d->physmap_lock, flags);
    pg = p2m_get_page(d, x.gpfn, &t);
    if (!pg) {
        rc = -ENOENT;
    } else {
        rc = p2m_remove_entry(d, x.gpfn,
                              P2M_RAM | P2M_BIT(p2m_xen_shared) | P2M_BIT(p2m_map_foreign),
                              page_to_mfn(pg), NULL);
        if (!rc && t == p2m_xen_shared && pg == d->shared_info_page &&
            d->shared_info_gfn == x.gpfn)
            d->shared_info_gfn = ~0ULL;
        put_page(pg);
    }
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    domain_put(d);
    return rc;
}

static long memory_map(uint64_t arg)
{
    struct xen_memory_map m;
    struct domain *d = current->domain;
    struct xen_e820_entry *snap;
    unsigned long flags;
    long rc = 0;

    if (copy_from_guest(&m, arg, sizeof(m)))
        return -EFAULT;
    /* The toolstack may replace the map meanwhile: copy out a snapshot taken under the
     * lock, never entries being freed. */
    if (!(snap = xmalloc_array(struct xen_e820_entry, DOMAIN_MAX_E820)))
        return -ENOMEM;
    spin_lock_irqsave(&d->physmap_lock, flags);
    /* As Xen: no map is -ENOSYS; otherwise copy what fits and say how many. */
    if (!d->nr_e820 || !d->e820)
        rc = -ENOSYS;
    else
        m.nr_entries = MIN(m.nr_entries, d->nr_e820);
    for (unsigned int i = 0; !rc && i < m.nr_entries; i++)
        snap[i] = (struct xen_e820_entry){ d->e820[i].addr, d->e820[i].size,
                                           d->e820[i].type };
    spin_unlock_irqrestore(&d->physmap_lock, flags);
    if (!rc && (copy_to_guest(m.buffer_gva, snap, m.nr_entries * sizeof(*snap)) ||
                copy_to_guest(arg, &m, sizeof(m))))
        rc = -EFAULT;
    xfree(snap);
    return rc;
}

/* XENMEM_set_memory_map: as Xen, the entries are stored as given (no sorting, overlaps
 * allowed: the guest's firmware-like consumer sorts them), at most E820MAX of them. */
static long set_memory_map(uint64_t arg)
{
    struct xen_foreign_memory_map fm;
    struct xen_e820_entry *raw = NULL;
    struct domain_e820 *copy = NULL;
    struct domain *d;
    int rc = 0;

    if (copy_from_guest(&fm, arg, sizeof(fm)))
        return -EFAULT;
    if (fm.map.nr_entries > DOMAIN_MAX_E820)
        return -EINVAL;
    if (!(d = memop_target(fm.domid, &rc)))
        return rc;
    unsigned int n = fm.map.nr_entries;
    raw = xmalloc_array(struct xen_e820_entry, n ? n : 1);
    copy = xmalloc_array(struct domain_e820, n ? n : 1);
    if (!raw || !copy) {
        rc = -ENOMEM;
    } else if (copy_from_guest(raw, fm.map.buffer_gva, n * sizeof(*raw))) {
        rc = -EFAULT;
    } else {
        for (unsigned int i = 0; i < n; i++)
            copy[i] = (struct domain_e820){ raw[i].addr, raw[i].size, raw[i].type };
        install_e820(d, copy, n);
        copy = NULL;
    }
    xfree(raw);
    xfree(copy);
    domain_put(d);
    return rc;
}

/* A domain by id for the toolstack's claim: Xen's rcu_lock_domain_by_id, no DOMID_SELF. */
static struct domain *priv_target(domid_t domid, int missing, int *rc)
{
    struct domain *d = domid == DOMID_SELF ? NULL : domain_get_by_id(domid);

    if (!d) {
        *rc = missing;
        return NULL;
    }
    if ((*rc = xsm_memory_priv(current->domain, d))) {
        domain_put(d);
        return NULL;
    }
    return d;
}

/* XENMEM_claim_pages: nr_extents frames in total for the domain, 0 cancels (Xen's checks:
 * no frame list, order 0, no flags, then the domain, then the policy). */
static long claim_pages(unsigned long start, uint64_t arg)
{
    struct xen_memory_reservation r;
    struct domain *d;
    int rc;

    if (start)
        return -EINVAL;
    if (copy_from_guest(&r, arg, sizeof(r)))
        return -EFAULT;
    if (r.extent_start_gva || r.extent_order || r.mem_flags)
        return -EINVAL;
    if (!(d = priv_target(r.domid, -EINVAL, &rc)))
        return rc;
    rc = domain_set_outstanding_pages(d, r.nr_extents);
    domain_put(d);
    return rc;
}

/*
 * XENMEM_set_pod_target / get_pod_target. Tern has no populate-on-demand: every frame is
 * allocated when populated, so as Xen for a domain without PoD entries the target changes
 * nothing (above max_pages is still -EINVAL) and the answer is tot_pages with an empty cache.
 */
static long pod_target(unsigned int op, uint64_t arg)
{
    struct xen_pod_target t;
    struct domain *self = current->domain, *d;
    int rc;

    if (copy_from_guest(&t, arg, sizeof(t)))
        return -EFAULT;
    d = t.domid == DOMID_SELF ? self : domain_get_by_id(t.domid);
    if (!d)
        return -ESRCH;
    if (t.domid == DOMID_SELF)
        domain_get(d); /* a lookup by id took its own reference */
    rc = xsm_memory_priv(self, d);
    if (!rc && op == XENMEM_set_pod_target && t.target_pages > d->max_pages)
        rc = -EINVAL;
    if (!rc) {
        t.tot_pages = __atomic_load_n(&d->tot_pages, __ATOMIC_RELAXED);
        t.pod_cache_pages = 0;
        t.pod_entries = 0;
        if (copy_to_guest(arg, &t, sizeof(t)))
            rc = -EFAULT;
    }
    domain_put(d);
    return rc;
}

static long domid_query(unsigned int op, unsigned long start, uint64_t arg)
{
    domid_t domid;
    int rc = 0;

    if (start)
        return -EINVAL;
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
        return domid_query(op, start, arg);
    case XENMEM_add_to_physmap:
        return add_to_physmap(start, arg);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(start, arg);
    case XENMEM_add_to_physmap_batch:
        return memory_add_to_physmap_batch(start, arg);
    case XENMEM_acquire_resource:
        return memory_acquire_resource(start, arg);
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_set_memory_map:
        return set_memory_map(arg);
    case XENMEM_claim_pages:
        return claim_pages(start, arg);
    case XENMEM_set_pod_target:
    case XENMEM_get_pod_target:
        return pod_target(op, arg);
    case XENMEM_get_sharing_freed_pages:
    case XENMEM_get_sharing_shared_pages:
        return -ENOSYS; /* no memory sharing (Xen without CONFIG_MEM_SHARING): not logged */
    case XENMEM_maximum_ram_page:
        return start ? -EINVAL : (long)page_alloc_total_count();
    default:
        hypercall_unknown_subop(__HYPERVISOR_memory_op, (unsigned int)op);
        return -ENOSYS;
    }
}
