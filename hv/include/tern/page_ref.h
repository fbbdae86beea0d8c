/* SPDX-License-Identifier: MIT */
/*
 * Frame ownership and reference counts (Xen's get_page/put_page model).
 *
 * A frame given to a domain has an owner and count_info = PGC_allocated | 1: the allocation
 * reference, which stands for "the domain owns it and it counts in tot_pages". Every other use
 * holds a reference of its own for as long as it lasts: each p2m entry that maps the frame (the
 * owner's RAM mapping, a grant mapping in another domain), each pinned grant, Tern's long-lived
 * uses (a vCPU's vcpu_info, a console ring) and short ones (a copy to or from guest memory).
 * Releasing a frame drops the allocation reference exactly once (whoever clears PGC_allocated
 * does it); the frame goes back to the allocator only when its last reference drops, so nothing
 * can ever reach a freed or reused frame. Frames are zeroed when they are given to a domain
 * (alloc_domain_pages), which is their scrub before any reuse.
 *
 * Tern's own frames shared with a domain (shared_info, grant-table frames) carry PGC_xen_heap:
 * counted the same way, but not in tot_pages, and freed as Tern's own when the count drops.
 *
 * A domain keeps one reference on itself while it owns any frame. A frame that another domain
 * still maps therefore keeps its owner's struct alive after domain_destroy() (a zombie, off the
 * domain list) until the frame is freed.
 *
 * Locking: d->page_alloc_lock guards d's page lists and tot_pages; count_info is atomic.
 * Order: p2m lock -> page_alloc_lock -> the allocator's lock. put_page() may free the frame
 * (and, for the last frame of a dead domain, the domain): never call it holding a p2m lock or
 * d->page_alloc_lock.
 */
#ifndef TERN_PAGE_REF_H
#define TERN_PAGE_REF_H

#include <tern/page_alloc.h>
#include <tern/types.h>

struct domain;

#define PGC_allocated (1u << 31) /* holds the allocation reference */
#define PGC_xen_heap (1u << 30)  /* a Tern frame shared with its owner */
#define PGC_count_mask ((1u << 28) - 1)

/* A reference on pg if it is in use (count > 0) and d owns it; false otherwise. */
bool get_page(struct page_info *pg, struct domain *d);
/*
 * A reference on pg whoever owns it, if its count is not zero. Only for callers that found pg
 * through something that holds a reference while they look (a p2m entry under the p2m lock, a
 * pinned grant under its table's lock), so the frame cannot be freed in between.
 */
bool get_page_ref(struct page_info *pg);
void put_page(struct page_info *pg);
/* Drop the allocation reference if it is still held: true when this call dropped it. */
bool put_page_alloc_ref(struct page_info *pg);
/* Owner and count as one consistent snapshot, for checks and logs. */
uint32_t page_ref_count(const struct page_info *pg);

/*
 * Allocate 2^order zeroed frames for d and give them to it (owner, allocation reference, d's
 * page list, tot_pages), as single frames that can later go back one by one. The quota check
 * and the accounting are one step under d's page lock. NULL with *rc = -ENOMEM (no memory, or
 * over max_pages) or -EINVAL (d is being destroyed).
 */
struct page_info *alloc_domain_pages(struct domain *d, unsigned int order, int *rc);
/* Drop the allocation references of 2^order frames from alloc_domain_pages() that were never
 * mapped (the caller lost a race for the gfn): they are freed at once. */
void free_unmapped_domain_pages(struct page_info *pg, unsigned int order);

/*
 * XENMEM_claim_pages (Xen's domain_set_outstanding_pages): promise d frames up to pages in
 * total, so that other domains' allocations cannot take them; d's own allocations use the
 * claim up. 0 cancels. -EINVAL (a claim exists, pages <= tot_pages or > max_pages), -ENOMEM.
 */
int domain_set_outstanding_pages(struct domain *d, uint64_t pages);
/* Frames claimed by all domains and not yet allocated (physinfo). */
uint64_t outstanding_claims_total(void);

/* A zeroed Tern frame shared with d (shared_info, grant-table frames), or NULL. */
void *alloc_shared_xen_page(struct domain *d);
/* Tern's end of such a frame: freed once no mapping holds it any more. */
void free_shared_xen_page(void *va);

/*
 * Domain destruction: no frame can be given to d any more, and the allocation reference of
 * every frame d owns is dropped, at most `budget` frames per call. Returns -ERESTART while
 * frames remain to be visited, 0 when done. Frames still referenced elsewhere live on.
 */
int domain_relinquish_pages(struct domain *d, unsigned int budget);

#endif
