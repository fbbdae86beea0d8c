// SPDX-License-Identifier: MIT
// Unit tests of the buddy frame allocator (hv/common/page_alloc.c) on a fake frame table.
#include "fake_frames.h"
#include "harness.h"

#include <string.h>

#define STATE (PGF_FREE | PGF_ALLOCATED | PGF_RESERVED)

static mfn_t mfn_of(const struct page_info *pg)
{
    return page_to_mfn(pg);
}

/* (CHECK conditions are pasted into the format string, so no '%' in them.) */
static bool aligned(mfn_t mfn, unsigned int order)
{
    return (mfn & ((1ULL << order) - 1)) == 0;
}

/* A macro, so that a failure names the caller's line. */
#define check_ok()                                                                         \
    do {                                                                                   \
        int rc_ = page_alloc_check();                                                      \
        CHECK(rc_ == 0, "page_alloc_check() should pass, got %d; log: %s", rc_,             \
              harness_log());                                                              \
    } while (0)

/* A free block of this order must start at mfn. */
static void expect_free_block(mfn_t mfn, unsigned int order)
{
    const struct page_info *pg = &fake_frame_table[mfn];
    CHECK((pg->flags & STATE) == PGF_FREE && pg->order == order,
          "frame %llu: expected free head of order %u, got flags %#x order %u",
          (unsigned long long)mfn, order, pg->flags, pg->order);
}

TEST(frame_table_size)
{
    CHECK_EQ(page_alloc_frame_table_size(1000), 1000 * sizeof(struct page_info));
    CHECK(sizeof(struct page_info) <= 32, "page_info must stay <= 32 bytes, is %zu",
          sizeof(struct page_info));
}

TEST(init_reserves_everything)
{
    fake_frames_init(1024);
    CHECK_EQ(page_alloc_free_count(), 0);
    CHECK_EQ(page_alloc_total_count(), 0);
    for (mfn_t m = 0; m < 1024; m++)
        CHECK((fake_frame_table[m].flags & STATE) == PGF_RESERVED,
              "frame %llu should start reserved", (unsigned long long)m);
    CHECK(alloc_pages(0) == NULL, "nothing was added, so allocation must fail");
    check_ok();
}

TEST(buddy_orders_and_alignment)
{
    struct page_info *blocks[11];
    uint64_t expect_free = 2048;

    fake_frames_init(4096);
    page_alloc_add_free(0, 2048);
    CHECK_EQ(page_alloc_free_count(), 2048);
    CHECK_EQ(page_alloc_total_count(), 2048);
    expect_free_block(0, 11);
    check_ok();

    for (unsigned int o = 0; o <= 10; o++) {
        blocks[o] = alloc_pages(o);
        CHECK(blocks[o] != NULL, "order %u should be available", o);
        CHECK(aligned(mfn_of(blocks[o]), o), "order %u block at %llu must be aligned", o,
              (unsigned long long)mfn_of(blocks[o]));
        CHECK(mfn_of(blocks[o]) + (1u << o) <= 2048, "block must lie in the added range");
        CHECK((blocks[o]->flags & STATE) == PGF_ALLOCATED && blocks[o]->order == o,
              "head should be marked allocated with order %u", o);
        expect_free -= 1u << o;
        CHECK_EQ(page_alloc_free_count(), expect_free);
        check_ok();
    }
    /* No two blocks overlap. */
    for (unsigned int a = 0; a <= 10; a++)
        for (unsigned int b = a + 1; b <= 10; b++) {
            mfn_t sa = mfn_of(blocks[a]), sb = mfn_of(blocks[b]);
            CHECK(sa + (1u << a) <= sb || sb + (1u << b) <= sa,
                  "blocks of order %u and %u overlap", a, b);
        }
    for (unsigned int o = 0; o <= 10; o++) {
        free_pages(blocks[o], o);
        expect_free += 1u << o;
        CHECK_EQ(page_alloc_free_count(), expect_free);
        check_ok();
    }
    /* Everything merged back into the one order-11 block. */
    expect_free_block(0, 11);
    CHECK(strstr(harness_log(), "page_alloc") == NULL, "no errors expected, log: %s",
          harness_log());
}

TEST(exhaustion_and_too_large)
{
    struct page_info *pg[64];

    fake_frames_init(1024);
    page_alloc_add_free(128, 64);
    CHECK(alloc_pages(MAX_ORDER + 1) == NULL, "order beyond MAX_ORDER must fail");
    CHECK(alloc_pages(7) == NULL, "only 64 frames: order 7 must fail");
    for (int i = 0; i < 64; i++) {
        pg[i] = alloc_pages(0);
        CHECK(pg[i] != NULL, "frame %d of 64 should be available", i);
        CHECK(mfn_of(pg[i]) >= 128 && mfn_of(pg[i]) < 192, "frame outside the added range");
    }
    CHECK(alloc_pages(0) == NULL, "all 64 frames taken: allocation must fail");
    CHECK_EQ(page_alloc_free_count(), 0);
    check_ok();
    for (int i = 0; i < 64; i++)
        free_pages(pg[i], 0);
    CHECK_EQ(page_alloc_free_count(), 64);
    check_ok();
    pg[0] = alloc_pages(6);
    CHECK(pg[0] != NULL && mfn_of(pg[0]) == 128, "the 64 frames should have merged back");
    free_pages(pg[0], 6);
}

TEST(merging_in_random_order)
{
    static struct page_info *pg[1024];

    fake_frames_init(1024);
    page_alloc_add_free(0, 1024);
    for (int i = 0; i < 1024; i++)
        pg[i] = alloc_pages(0);
    CHECK(alloc_pages(0) == NULL, "frame space should be exhausted");
    prng_seed(7);
    for (int i = 1023; i > 0; i--) {
        int j = (int)prng_below((uint64_t)i + 1);
        struct page_info *t = pg[i];
        pg[i] = pg[j];
        pg[j] = t;
    }
    for (int i = 0; i < 1024; i++) {
        free_pages(pg[i], 0);
        check_ok();
    }
    expect_free_block(0, 10);
    CHECK_EQ(page_alloc_free_count(), 1024);
}

TEST(unaligned_ranges_any_order)
{
    fake_frames_init(4096);
    page_alloc_add_free(3, 1000); /* [3, 1003) */
    CHECK_EQ(page_alloc_free_count(), 1000);
    check_ok();
    /* Split into maximal aligned blocks. */
    expect_free_block(3, 0);
    expect_free_block(4, 2);
    expect_free_block(8, 3);
    expect_free_block(256, 8);
    expect_free_block(512, 8);
    expect_free_block(768, 7);
    expect_free_block(1000, 1);
    expect_free_block(1002, 0);
    CHECK((fake_frame_table[2].flags & STATE) == PGF_RESERVED, "frame 2 was not added");
    CHECK((fake_frame_table[1003].flags & STATE) == PGF_RESERVED, "frame 1003 was not added");
    CHECK(alloc_pages(9) == NULL, "no aligned 512-frame block lies in [3, 1003)");

    /* The rest in pieces and out of order: everything must merge into one block. */
    page_alloc_add_free(2000, 48);
    page_alloc_add_free(1003, 997);
    page_alloc_add_free(1, 2);
    page_alloc_add_free(0, 1);
    check_ok();
    CHECK_EQ(page_alloc_free_count(), 2048);
    CHECK_EQ(page_alloc_total_count(), 2048);
    expect_free_block(0, 11);
}

TEST(add_twice_and_past_end)
{
    fake_frames_init(256);
    page_alloc_add_free(0, 128);
    harness_log_clear();
    page_alloc_add_free(64, 16); /* already free */
    CHECK(strstr(harness_log(), "added twice") != NULL, "double add must be reported, log: %s",
          harness_log());
    CHECK_EQ(page_alloc_free_count(), 128);
    CHECK_EQ(page_alloc_total_count(), 128);
    check_ok();

    harness_log_clear();
    page_alloc_add_free(200, 100); /* [200, 300) but the table ends at 256 */
    CHECK(strstr(harness_log(), "beyond") != NULL, "clipping must be reported, log: %s",
          harness_log());
    CHECK_EQ(page_alloc_total_count(), 128 + 56);
    check_ok();

    /* Overlapping an existing range: only the new frames count. */
    page_alloc_add_free(120, 20);
    CHECK_EQ(page_alloc_total_count(), 128 + 56 + 12);
    check_ok();
}

TEST(alloc_below_limit)
{
    struct page_info *pg[16];

    fake_frames_init(8192);
    page_alloc_add_free(0, 4096); /* one order-12 block */
    pg[0] = alloc_pages_below(0, 1);
    CHECK(pg[0] && mfn_of(pg[0]) == 0, "only frame 0 is below 1");
    check_ok();
    free_pages(pg[0], 0);
    expect_free_block(0, 12);

    /* Order 3 below 20: only blocks at 0 and 8 qualify. */
    pg[0] = alloc_pages_below(3, 20);
    pg[1] = alloc_pages_below(3, 20);
    CHECK(pg[0] && pg[1], "two order-3 blocks fit below 20");
    CHECK(mfn_of(pg[0]) + mfn_of(pg[1]) == 8, "expected the blocks at 0 and 8, got %llu %llu",
          (unsigned long long)mfn_of(pg[0]), (unsigned long long)mfn_of(pg[1]));
    CHECK(alloc_pages_below(3, 20) == NULL, "a third order-3 block does not fit below 20");
    CHECK(alloc_pages_below(0, 16) == NULL, "all of [0, 16) is taken");
    pg[2] = alloc_pages_below(0, 20);
    CHECK(pg[2] && mfn_of(pg[2]) >= 16 && mfn_of(pg[2]) < 20, "frame in [16, 20) expected");
    check_ok();
    free_pages(pg[0], 3);
    free_pages(pg[1], 3);
    free_pages(pg[2], 0);
    expect_free_block(0, 12);

    /* Low memory taken by ordinary allocations still leaves the limit respected. */
    for (int i = 0; i < 16; i++) {
        pg[i] = alloc_pages_below(0, 16);
        CHECK(pg[i] && mfn_of(pg[i]) < 16, "allocation %d below 16 should succeed", i);
    }
    CHECK(alloc_pages_below(0, 16) == NULL, "[0, 16) exhausted while plenty is free above");
    CHECK(alloc_pages(0) != NULL, "unrestricted allocation still works");
    check_ok();
}

TEST(alloc_below_only_high_memory)
{
    fake_frames_init(4096);
    page_alloc_add_free(1000, 1000);
    CHECK(alloc_pages_below(0, 1000) == NULL, "nothing free below 1000");
    CHECK(alloc_pages_below(0, 0) == NULL, "limit 0 means nothing qualifies");
    struct page_info *pg = alloc_pages_below(0, 1001);
    CHECK(pg && mfn_of(pg) == 1000, "frame 1000 is the only one below 1001");
    pg = alloc_pages_below(4, 1100);
    CHECK(pg && mfn_of(pg) + 16 <= 1100 && aligned(mfn_of(pg), 4),
          "an aligned order-4 block below 1100 exists");
    check_ok();
}

TEST(bad_frees_are_reported)
{
    struct page_info *pg, local;

    fake_frames_init(256);
    page_alloc_add_free(0, 256);
    pg = alloc_pages(2);
    CHECK(pg != NULL, "order 2 available");

    harness_log_clear();
    free_pages(pg, 3);
    CHECK(strstr(harness_log(), "bad free") != NULL, "wrong order must be reported");
    CHECK_EQ(page_alloc_free_count(), 252);
    check_ok();

    harness_log_clear();
    free_pages(pg + 1, 0);
    CHECK(strstr(harness_log(), "bad free") != NULL, "free of a non-head frame reported");
    check_ok();

    harness_log_clear();
    free_pages(&local, 0);
    CHECK(strstr(harness_log(), "not in the frame table") != NULL,
          "free of a foreign page_info must be reported, log: %s", harness_log());

    free_pages(pg, 2);
    CHECK_EQ(page_alloc_free_count(), 256);
    harness_log_clear();
    free_pages(pg, 2);
    CHECK(strstr(harness_log(), "bad free") != NULL, "double free must be reported");
    CHECK_EQ(page_alloc_free_count(), 256);
    check_ok();
    free_pages(NULL, 0); /* harmless */
}

TEST(checker_detects_corruption)
{
    struct page_info *pg;
    struct page_info saved;

    fake_frames_init(256);
    page_alloc_add_free(0, 256);
    pg = alloc_pages(4);
    check_ok();

    /* A non-head frame marked free. */
    fake_frame_table[mfn_of(pg) + 3].flags |= PGF_FREE;
    CHECK(page_alloc_check() < 0, "a flagged frame inside a block must be found");
    fake_frame_table[mfn_of(pg) + 3].flags &= ~PGF_FREE;
    check_ok();

    /* A free head with the wrong order. */
    saved = fake_frame_table[128];
    CHECK((saved.flags & PGF_FREE) && saved.order == 7, "expected free order-7 block at 128");
    fake_frame_table[128].order = 6;
    CHECK(page_alloc_check() < 0, "wrong order on a free head must be found");
    fake_frame_table[128] = saved;
    check_ok();

    /* A lost block: allocated head cleared, so its frames belong to nothing. */
    saved = *pg;
    pg->flags &= ~PGF_ALLOCATED;
    CHECK(page_alloc_check() < 0, "frames outside every block must be found");
    *pg = saved;
    check_ok();

    /* Unmerged buddies, built by hand from a free order-7 block. */
    struct page_list *prev = fake_frame_table[128].list.prev;
    struct page_list *next = fake_frame_table[128].list.next;
    prev->next = next;
    next->prev = prev; /* off the order-7 list */
    fake_frame_table[128].order = 6;
    fake_frame_table[192].flags |= PGF_FREE;
    fake_frame_table[192].order = 6;
    CHECK(page_alloc_check() < 0, "two free buddies of order 6 must be found");
    CHECK(strstr(harness_log(), "page_alloc") != NULL, "the violation must be printed");
}

/* Live blocks of the random test. */
struct live {
    struct page_info *pg;
    unsigned int order;
};

TEST(random_alloc_free)
{
    enum { FRAMES = 16384, STEPS = 5000, MAXLIVE = 4096 };
    static struct live live[MAXLIVE];
    static unsigned char owner[FRAMES]; /* 1: frame in a live block */
    static unsigned char added[FRAMES];
    static struct page_info snapshot[FRAMES];
    unsigned int nr_live = 0;
    uint64_t live_frames = 0;
    static const mfn_t ranges[][2] = { { 5003, 12000 }, { 1, 5000 }, { 12288, 16383 } };

    fake_frames_init(FRAMES);
    memset(owner, 0, sizeof(owner));
    memset(added, 0, sizeof(added));
    for (unsigned int i = 0; i < 3; i++) {
        page_alloc_add_free(ranges[i][0], ranges[i][1] - ranges[i][0]);
        memset(added + ranges[i][0], 1, ranges[i][1] - ranges[i][0]);
    }
    check_ok();
    uint64_t total = page_alloc_total_count();
    CHECK_EQ(total, 4999 + 6997 + 4095);
    memcpy(snapshot, fake_frame_table, sizeof(snapshot));

    prng_seed(0x5eed);
    for (int step = 0; step < STEPS; step++) {
        bool do_alloc = nr_live == 0 || (nr_live < MAXLIVE && prng_below(100) < 55);
        if (do_alloc) {
            /* Mostly small orders, sometimes large ones. */
            unsigned int order = prng_below(8) ? (unsigned int)prng_below(4)
                                               : (unsigned int)prng_below(11);
            mfn_t limit = prng_below(4) ? FRAMES : (mfn_t)prng_below(FRAMES);
            struct page_info *pg = limit == FRAMES ? alloc_pages(order)
                                                   : alloc_pages_below(order, limit);
            if (pg) {
                mfn_t m = mfn_of(pg);
                CHECK(aligned(m, order), "step %d: block %llu not aligned to order %u",
                      step, (unsigned long long)m, order);
                CHECK(m + (1u << order) <= limit, "step %d: block past limit %llu", step,
                      (unsigned long long)limit);
                for (mfn_t f = m; f < m + (1u << order); f++) {
                    CHECK(added[f], "step %d: frame %llu was never added", step,
                          (unsigned long long)f);
                    CHECK(!owner[f], "step %d: frame %llu handed out twice", step,
                          (unsigned long long)f);
                    owner[f] = 1;
                }
                live[nr_live].pg = pg;
                live[nr_live].order = order;
                nr_live++;
                live_frames += 1u << order;
            } else {
                /* Failure is only acceptable when no free block qualifies. */
                for (mfn_t f = 0; f + (1u << order) <= limit; f++) {
                    const struct page_info *h = &fake_frame_table[f];
                    CHECK(!(h->flags & PGF_FREE) || h->order < order,
                          "step %d: order %u below %llu failed, but frame %llu heads a free "
                          "order-%u block", step, order, (unsigned long long)limit,
                          (unsigned long long)f, h->order);
                }
            }
        } else {
            unsigned int i = (unsigned int)prng_below(nr_live);
            mfn_t m = mfn_of(live[i].pg);
            for (mfn_t f = m; f < m + (1u << live[i].order); f++)
                owner[f] = 0;
            free_pages(live[i].pg, live[i].order);
            live_frames -= 1u << live[i].order;
            live[i] = live[--nr_live];
        }
        int rc = page_alloc_check();
        CHECK(rc == 0, "step %d: page_alloc_check() = %d; log: %s", step, rc, harness_log());
        CHECK(page_alloc_free_count() == total - live_frames,
              "step %d: free count %llu, expected %llu", step,
              (unsigned long long)page_alloc_free_count(),
              (unsigned long long)(total - live_frames));
    }
    while (nr_live) {
        nr_live--;
        free_pages(live[nr_live].pg, live[nr_live].order);
    }
    check_ok();
    CHECK_EQ(page_alloc_free_count(), total);
    /* Fully merged again: the same maximal blocks as right after adding the ranges. */
    for (mfn_t m = 0; m < FRAMES; m++) {
        const struct page_info *a = &snapshot[m], *b = &fake_frame_table[m];
        CHECK((a->flags & STATE) == (b->flags & STATE) &&
                  (!(a->flags & PGF_FREE) || a->order == b->order),
              "frame %llu: expected flags %#x order %u as after adding, got %#x order %u",
              (unsigned long long)m, a->flags, a->order, b->flags, b->order);
    }
}
