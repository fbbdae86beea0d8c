// SPDX-License-Identifier: MIT
// Unit tests of frame ownership and reference counts (hv/common/page_ref.c) over the real
// buddy allocator: allocation references, get/put, quotas, shared Tern frames, relinquish.
#include "fake_frames.h"
#include "harness.h"

#include <string.h>

#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/mm.h>
#include <tern/page_ref.h>

/* ---- what page_ref.c needs around it -------------------------------------------------- */

void domain_get(struct domain *d)
{
    d->refcount++;
}

void domain_put(struct domain *d)
{
    CHECK(d->refcount > 0, "domain_put of d%u without a reference", d->domain_id);
    d->refcount--;
}

static unsigned int dom_exc_sent;

void domain_send_dom_exc(void)
{
    dom_exc_sent++;
}

void *alloc_xen_page(void)
{
    struct page_info *pg = alloc_pages(0);
    if (!pg)
        return NULL;
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    return page_to_virt(pg);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t free0;

static void setup(struct domain *d, domid_t id, uint64_t max_pages)
{
    memset(d, 0, sizeof(*d));
    d->domain_id = id;
    d->refcount = 1; /* the creator's */
    d->max_pages = max_pages;
    page_list_init(&d->page_list);
    page_list_init(&d->relinquished);
}

static void start(void)
{
    fake_frames_init(BACKED_FRAMES);
    page_alloc_add_free(16, BACKED_FRAMES - 16);
    free0 = page_alloc_free_count();
    harness_log_clear();
}

static unsigned int count_of(const struct page_info *pg)
{
    return page_ref_count(pg) & PGC_count_mask;
}

static void relinquish_all(struct domain *d)
{
    while (domain_relinquish_pages(d, 7) == -ERESTART)
        ;
}

/* ---- tests --------------------------------------------------------------------------- */

TEST(domain_frames_carry_owner_and_allocation_reference)
{
    struct domain d;
    int rc;

    start();
    setup(&d, 1, 1024);
    struct page_info *pg = alloc_domain_pages(&d, 4, &rc);
    CHECK(pg && rc == 0, "allocation of 16 frames, rc %d", rc);
    CHECK_EQ(d.tot_pages, 16);
    CHECK_EQ(d.refcount, 2); /* owning frames keeps the domain alive */
    for (unsigned int i = 0; i < 16; i++) {
        CHECK(pg[i].owner == &d, "frame %u owned", i);
        CHECK_EQ(page_ref_count(&pg[i]), PGC_allocated | 1);
        CHECK_EQ(pg[i].order, 0); /* single frames: they can go back one by one */
        CHECK(((uint8_t *)page_to_virt(&pg[i]))[123] == 0, "zeroed");
    }
    CHECK_EQ(page_alloc_free_count(), free0 - 16);
    /* Dropping the allocation reference frees the frame; a second drop does nothing. */
    CHECK(put_page_alloc_ref(&pg[3]), "first drop");
    CHECK(!put_page_alloc_ref(&pg[3]), "second drop is refused");
    CHECK_EQ(d.tot_pages, 15);
    CHECK_EQ(page_alloc_free_count(), free0 - 15);
    CHECK(pg[3].owner == NULL && page_ref_count(&pg[3]) == 0, "freed frame cleared");
    relinquish_all(&d);
    CHECK_EQ(d.tot_pages, 0);
    CHECK_EQ(d.refcount, 1);
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(page_alloc_check(), 0);
}

TEST(quota_and_dying_domain_are_enforced_in_one_step)
{
    struct domain d;
    int rc;

    start();
    setup(&d, 1, 10);
    CHECK(alloc_domain_pages(&d, 3, &rc) != NULL, "8 of 10");
    CHECK(alloc_domain_pages(&d, 2, &rc) == NULL && rc == -ENOMEM, "4 more: over max_pages");
    CHECK(alloc_domain_pages(&d, 1, &rc) != NULL, "2 more: exactly at the limit");
    CHECK(alloc_domain_pages(&d, 0, &rc) == NULL && rc == -ENOMEM, "none left");
    CHECK_EQ(page_alloc_free_count(), free0 - 10); /* refused frames went back */
    relinquish_all(&d);
    CHECK(alloc_domain_pages(&d, 0, &rc) == NULL && rc == -EINVAL, "no frames once dying");
    CHECK_EQ(page_alloc_free_count(), free0);
}

TEST(extra_references_keep_a_released_frame_alive)
{
    struct domain d, other;
    int rc;

    start();
    setup(&d, 1, 64);
    setup(&other, 2, 64);
    struct page_info *pg = alloc_domain_pages(&d, 0, &rc);
    memset(page_to_virt(pg), 0x5a, PAGE_SIZE);
    CHECK(get_page(pg, &d), "owner's reference");
    CHECK(!get_page(pg, &other), "another owner's reference is refused");
    CHECK_EQ(count_of(pg), 2);
    CHECK(get_page_ref(pg), "a mapping's reference, whoever owns it");
    CHECK(put_page_alloc_ref(pg), "released by its owner");
    /* Still referenced twice: not freed, still counted, contents intact. */
    CHECK_EQ(count_of(pg), 2);
    CHECK_EQ(d.tot_pages, 1);
    CHECK_EQ(((uint8_t *)page_to_virt(pg))[4000], 0x5a);
    CHECK_EQ(page_alloc_free_count(), free0 - 1);
    put_page(pg);
    put_page(pg); /* the last one frees it */
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(d.tot_pages, 0);
    CHECK(!get_page_ref(pg), "a freed frame cannot be revived");
    CHECK(!get_page(pg, &d), "nor by its former owner");
    /* Dropping a reference nobody holds is refused and logged, never a negative count. */
    put_page(pg);
    CHECK(strstr(harness_log(), "no reference to drop") != NULL, "logged: %s", harness_log());
    CHECK_EQ(page_ref_count(pg), 0);
    CHECK_EQ(page_alloc_check(), 0);
}

TEST(freed_frame_given_to_another_owner_is_not_confused)
{
    struct domain a, b;
    int rc;

    start();
    setup(&a, 1, 1);
    setup(&b, 2, 1);
    struct page_info *pg = alloc_domain_pages(&a, 0, &rc);
    CHECK(put_page_alloc_ref(pg), "a gives it back");
    /* The allocator hands the same frame out again (smallest blocks first). */
    struct page_info *pg2 = alloc_domain_pages(&b, 0, &rc);
    CHECK(pg2 == pg, "reused frame");
    CHECK(!get_page(pg, &a), "a's stale view is refused");
    CHECK_EQ(count_of(pg), 1); /* and left no reference behind */
    relinquish_all(&b);
    CHECK_EQ(page_alloc_free_count(), free0);
}

TEST(count_saturates_instead_of_wrapping)
{
    struct domain d;
    int rc;

    start();
    setup(&d, 1, 1);
    struct page_info *pg = alloc_domain_pages(&d, 0, &rc);
    pg->count_info = PGC_allocated | (PGC_count_mask - 1);
    CHECK(get_page_ref(pg), "one below the cap");
    CHECK(!get_page_ref(pg), "at the cap");
    CHECK(!get_page(pg, &d), "at the cap, owner too");
    pg->count_info = PGC_allocated | 1;
    relinquish_all(&d);
}

TEST(shared_tern_frames_are_not_domain_memory)
{
    struct domain d;

    start();
    setup(&d, 1, 0);
    void *va = alloc_shared_xen_page(&d);
    struct page_info *pg = virt_to_page(va);
    CHECK(va != NULL, "allocated");
    CHECK_EQ(page_ref_count(pg), PGC_xen_heap | PGC_allocated | 1);
    CHECK_EQ(d.tot_pages, 0);
    CHECK(get_page(pg, &d), "a mapping of it");
    free_shared_xen_page(va); /* Tern's end: still mapped, so kept */
    CHECK_EQ(page_alloc_free_count(), free0 - 1);
    put_page(pg);
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(d.refcount, 1);
    /* A domain frame is refused as a shared Tern frame. */
    int rc;
    setup(&d, 1, 1);
    struct page_info *dp = alloc_domain_pages(&d, 0, &rc);
    free_shared_xen_page(page_to_virt(dp));
    CHECK(strstr(harness_log(), "not a shared Tern frame") != NULL, "logged: %s",
          harness_log());
    CHECK_EQ(count_of(dp), 1);
    relinquish_all(&d);
}

TEST(relinquish_in_batches_leaves_used_frames_as_zombies)
{
    struct domain d;
    struct page_info *held[3];
    int rc;

    start();
    setup(&d, 1, 512);
    struct page_info *pg = alloc_domain_pages(&d, 8, &rc);
    CHECK(pg != NULL, "256 frames");
    held[0] = &pg[0];
    held[1] = &pg[100];
    held[2] = &pg[255];
    for (unsigned int i = 0; i < 3; i++)
        CHECK(get_page_ref(held[i]), "a mapper's reference");
    unsigned int calls = 1;
    while (domain_relinquish_pages(&d, 16) == -ERESTART)
        calls++;
    CHECK(calls >= 16, "bounded work per call: %u calls for 256 frames", calls);
    CHECK_EQ(d.tot_pages, 3);
    CHECK_EQ(d.refcount, 2); /* the zombie keeps itself until its last frame goes */
    CHECK_EQ(page_alloc_free_count(), free0 - 3);
    CHECK(alloc_domain_pages(&d, 0, &rc) == NULL, "nothing new for a dying domain");
    d.is_dying = true;
    dom_exc_sent = 0;
    for (unsigned int i = 0; i < 3; i++) {
        put_page(held[i]);
        /* Xen: VIRQ_DOM_EXC again when the zombie's last frame goes, not before. */
        CHECK_EQ(dom_exc_sent, i == 2 ? 1u : 0u);
    }
    CHECK_EQ(d.tot_pages, 0);
    CHECK_EQ(d.refcount, 1);
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(page_alloc_check(), 0);
}

TEST(allocator_refuses_to_free_a_referenced_frame)
{
    struct domain d;
    int rc;

    start();
    setup(&d, 1, 1);
    struct page_info *pg = alloc_domain_pages(&d, 0, &rc);
    free_pages(pg, 0); /* a bug elsewhere: must not put a live frame on a free list */
    CHECK(strstr(harness_log(), "still has references") != NULL, "logged: %s",
          harness_log());
    CHECK_EQ(page_alloc_free_count(), free0 - 1);
    relinquish_all(&d);
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(page_alloc_check(), 0);
}

TEST(claims_as_xen_domain_set_outstanding_pages)
{
    struct domain a, b;
    int rc;

    start();
    setup(&a, 1, 64);
    setup(&b, 2, 1ULL << 40);
    uint64_t free = page_alloc_free_count();
    CHECK(alloc_domain_pages(&a, 2, &rc) != NULL, "4 frames before the claim");
    CHECK_EQ(domain_set_outstanding_pages(&a, 4), -EINVAL);  /* not above tot_pages */
    CHECK_EQ(domain_set_outstanding_pages(&a, 65), -EINVAL); /* above max_pages */
    CHECK_EQ(domain_set_outstanding_pages(&a, 40), 0);
    CHECK_EQ(a.outstanding_pages, 36);                        /* minus what a has */
    CHECK_EQ(outstanding_claims_total(), 36);
    CHECK_EQ(domain_set_outstanding_pages(&a, 50), -EINVAL);  /* one claim at a time */
    /* a's allocations use its claim up. */
    CHECK(alloc_domain_pages(&a, 3, &rc) != NULL, "8 of the claimed frames");
    CHECK_EQ(a.outstanding_pages, 28);
    CHECK_EQ(outstanding_claims_total(), 28);
    /* b may not take what a was promised: all free frames but 28 at most. */
    uint64_t left = page_alloc_free_count() - 28;
    CHECK_EQ(domain_set_outstanding_pages(&b, left + 1), -ENOMEM);
    unsigned int got = 0;
    while (alloc_domain_pages(&b, 0, &rc))
        got++;
    CHECK_EQ(rc, -ENOMEM);
    CHECK_EQ(got, left);
    /* a still gets its 28. */
    for (unsigned int i = 0; i < 28; i++)
        CHECK(alloc_domain_pages(&a, 0, &rc) != NULL, "claimed frame %u, rc %d", i, rc);
    CHECK_EQ(a.outstanding_pages, 0);
    CHECK_EQ(outstanding_claims_total(), 0);
    relinquish_all(&b);
    /* 0 cancels a claim. */
    CHECK_EQ(domain_set_outstanding_pages(&a, 60), 0);
    CHECK_EQ(outstanding_claims_total(), 20);
    CHECK_EQ(domain_set_outstanding_pages(&a, 0), 0);
    CHECK_EQ(outstanding_claims_total(), 0);
    CHECK_EQ(a.outstanding_pages, 0);
    relinquish_all(&a);
    CHECK_EQ(page_alloc_free_count(), free);
}
