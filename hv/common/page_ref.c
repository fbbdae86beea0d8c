// SPDX-License-Identifier: MIT
/* Frame ownership and reference counts: get/put, domain frames, shared Tern frames. */
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/page_ref.h>
#include <tern/spinlock.h>

/* Claims: the frames promised and not yet allocated, all domains together. Taken inside a
 * domain's page_alloc_lock, before the page allocator's lock. */
static DEFINE_SPINLOCK(claim_lock);
static uint64_t outstanding_claims;

static uint32_t load_count(const struct page_info *pg)
{
    return __atomic_load_n(&pg->count_info, __ATOMIC_ACQUIRE);
}

uint32_t page_ref_count(const struct page_info *pg)
{
    return load_count(pg);
}

bool get_page_ref(struct page_info *pg)
{
    uint32_t x = load_count(pg);

    for (;;) {
        uint32_t n = x & PGC_count_mask;
        /* 0: free or being freed, never revived. The cap keeps a guest that maps one frame
         * many times from wrapping the count. */
        if (n == 0 || n == PGC_count_mask)
            return false;
        if (__atomic_compare_exchange_n(&pg->count_info, &x, x + 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
}

bool get_page(struct page_info *pg, struct domain *d)
{
    if (!pg || !get_page_ref(pg))
        return false;
    /* With the reference held the owner cannot change; a frame freed and given to someone
     * else between our look and our increment shows up here. */
    if (__atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE) == d)
        return true;
    put_page(pg);
    return false;
}

/* The count reached zero: nobody can take a reference any more. */
static void free_page_now(struct page_info *pg)
{
    struct domain *d = pg->owner;
    bool last = false;

    if (load_count(pg) & PGC_xen_heap) {
        pg->owner = NULL;
        __atomic_store_n(&pg->count_info, 0, __ATOMIC_RELEASE);
        free_pages(pg, 0);
        return;
    }
    if (d) {
        unsigned long flags;
        spin_lock_irqsave(&d->page_alloc_lock, flags);
        page_list_del(&pg->list);
        d->tot_pages--;
        last = d->tot_pages == 0;
        spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    }
    pg->owner = NULL;
    __atomic_store_n(&pg->count_info, 0, __ATOMIC_RELEASE);
    free_pages(pg, 0);
    /* The domain held itself alive while it owned frames (see alloc_domain_pages). A
     * destroyed domain whose last frame another domain still used is gone only now: as Xen,
     * VIRQ_DOM_EXC tells dom0's tools once more. */
    if (last && d->is_dying) {
        printk("Domain %u: its last frame in use elsewhere was released\n", d->domain_id);
        domain_send_dom_exc();
    }
    if (last)
        domain_put(d);
}

void put_page(struct page_info *pg)
{
    uint32_t x = load_count(pg);

    for (;;) {
        if (!(x & PGC_count_mask)) {
            printk(XENLOG_ERR "put_page: frame %#llx has no reference to drop (count_info "
                   "%#x)\n", (unsigned long long)page_to_mfn(pg), x);
            return;
        }
        if (__atomic_compare_exchange_n(&pg->count_info, &x, x - 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            break;
    }
    if (((x - 1) & PGC_count_mask) == 0)
        free_page_now(pg);
}

bool put_page_alloc_ref(struct page_info *pg)
{
    if (!(__atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_ACQ_REL) &
          PGC_allocated))
        return false;
    put_page(pg);
    return true;
}

int domain_set_outstanding_pages(struct domain *d, uint64_t pages)
{
    unsigned long flags, cflags;
    int rc = 0;

    spin_lock_irqsave(&d->page_alloc_lock, flags);
    spin_lock_irqsave(&claim_lock, cflags);
    if (!pages) {
        outstanding_claims -= d->outstanding_pages;
        d->outstanding_pages = 0;
    } else if (d->outstanding_pages || pages <= d->tot_pages || pages > d->max_pages) {
        rc = -EINVAL; /* one claim at a time, and only for frames d may still get */
    } else {
        uint64_t free = page_alloc_free_count();
        uint64_t avail = free > outstanding_claims ? free - outstanding_claims : 0;

        if (pages - d->tot_pages > avail) {
            rc = -ENOMEM;
        } else {
            d->outstanding_pages = pages - d->tot_pages;
            outstanding_claims += d->outstanding_pages;
        }
    }
    spin_unlock_irqrestore(&claim_lock, cflags);
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    return rc;
}

uint64_t outstanding_claims_total(void)
{
    return __atomic_load_n(&outstanding_claims, __ATOMIC_RELAXED);
}

/* Whether n more frames for d leave every other domain's claim intact (Xen's heap rule). */
static bool claims_allow(struct domain *d, uint64_t n)
{
    unsigned long flags;
    bool ok;

    if (!__atomic_load_n(&outstanding_claims, __ATOMIC_RELAXED))
        return true;
    spin_lock_irqsave(&claim_lock, flags);
    ok = page_alloc_free_count() >= outstanding_claims - d->outstanding_pages + n;
    spin_unlock_irqrestore(&claim_lock, flags);
    return ok;
}

/* d got n frames: they come out of its claim first. Under d's page_alloc_lock. */
static void claim_consume(struct domain *d, uint64_t n)
{
    unsigned long flags;

    if (!d->outstanding_pages)
        return;
    spin_lock_irqsave(&claim_lock, flags);
    uint64_t take = MIN(n, d->outstanding_pages);
    d->outstanding_pages -= take;
    outstanding_claims -= take;
    spin_unlock_irqrestore(&claim_lock, flags);
}

struct page_info *alloc_domain_pages(struct domain *d, unsigned int order, int *rc)
{
    uint64_t n = 1ULL << order;
    struct page_info *pg;
    unsigned long flags;
    bool first;

    if (!claims_allow(d, n)) {
        *rc = -ENOMEM;
        return NULL;
    }
    pg = alloc_pages(order);
    if (!pg) {
        *rc = -ENOMEM;
        return NULL;
    }
    memset(page_to_virt(pg), 0, PAGE_SIZE << order);
    if (order)
        split_allocated_block(pg, order);

    spin_lock_irqsave(&d->page_alloc_lock, flags);
    if (d->pages_dying || d->tot_pages + n > d->max_pages) {
        *rc = d->pages_dying ? -EINVAL : -ENOMEM;
        spin_unlock_irqrestore(&d->page_alloc_lock, flags);
        for (uint64_t i = 0; i < n; i++)
            free_pages(pg + i, 0);
        return NULL;
    }
    first = d->tot_pages == 0;
    for (uint64_t i = 0; i < n; i++) {
        pg[i].owner = d;
        __atomic_store_n(&pg[i].count_info, PGC_allocated | 1, __ATOMIC_RELEASE);
        page_list_add(&pg[i].list, &d->page_list);
    }
    d->tot_pages += n;
    claim_consume(d, n);
    if (first)
        domain_get(d);
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    *rc = 0;
    return pg;
}

void free_unmapped_domain_pages(struct page_info *pg, unsigned int order)
{
    for (uint64_t i = 0; i < (1ULL << order); i++)
        put_page_alloc_ref(pg + i);
}

void *alloc_shared_xen_page(struct domain *d)
{
    void *va = alloc_xen_page();
    struct page_info *pg;

    if (!va)
        return NULL;
    pg = virt_to_page(va);
    pg->owner = d;
    __atomic_store_n(&pg->count_info, PGC_xen_heap | PGC_allocated | 1, __ATOMIC_RELEASE);
    return va;
}

void free_shared_xen_page(void *va)
{
    struct page_info *pg;

    if (!va)
        return;
    pg = virt_to_page(va);
    if (!(load_count(pg) & PGC_xen_heap)) {
        printk(XENLOG_ERR "free_shared_xen_page: frame %#llx is not a shared Tern frame\n",
               (unsigned long long)page_to_mfn(pg));
        return;
    }
    put_page_alloc_ref(pg);
}

int domain_relinquish_pages(struct domain *d, unsigned int budget)
{
    unsigned long flags;
    int rc = 0;

    spin_lock_irqsave(&d->page_alloc_lock, flags);
    d->pages_dying = true;
    while (d->page_list.next != &d->page_list) {
        struct page_info *pg = container_of(d->page_list.next, struct page_info, list);
        uint32_t x;

        if (!budget--) {
            rc = -ERESTART;
            break;
        }
        /* Visited once: survivors wait on the other list until their last user goes. */
        page_list_del(&pg->list);
        page_list_add(&pg->list, &d->relinquished);
        if (!(__atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_ACQ_REL) &
              PGC_allocated))
            continue;
        x = __atomic_sub_fetch(&pg->count_info, 1, __ATOMIC_ACQ_REL);
        if (x & PGC_count_mask)
            continue;
        /* Ours was the last reference: free it here, under the lock we already hold. */
        page_list_del(&pg->list);
        d->tot_pages--;
        pg->owner = NULL;
        free_pages(pg, 0);
        if (d->tot_pages == 0) {
            spin_unlock_irqrestore(&d->page_alloc_lock, flags);
            domain_put(d); /* the self-reference; the caller holds another */
            return 0;
        }
    }
    spin_unlock_irqrestore(&d->page_alloc_lock, flags);
    return rc;
}
