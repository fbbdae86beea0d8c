// SPDX-License-Identifier: MIT
// Unit tests of the boot-time range allocator (hv/common/bootmem.c).
#include "fake_frames.h"
#include "harness.h"

#include <string.h>
#include <tern/bootmem.h>

#define NO_LIMIT (~(paddr_t)0)

struct collected {
    unsigned int nr;
    paddr_t r[BOOTMEM_MAX_RANGES + 1][2];
};

static void collect_cb(paddr_t start, paddr_t end, void *arg)
{
    struct collected *c = arg;
    CHECK(c->nr <= BOOTMEM_MAX_RANGES, "more ranges reported than the table holds");
    c->r[c->nr][0] = start;
    c->r[c->nr][1] = end;
    c->nr++;
}

/* Collect the free ranges and check they are ascending, disjoint, merged and add up. */
static void collect(struct collected *c)
{
    uint64_t sum = 0;

    c->nr = 0;
    bootmem_for_each_free(collect_cb, c);
    for (unsigned int i = 0; i < c->nr; i++) {
        CHECK(c->r[i][0] < c->r[i][1], "range %u is empty or inverted", i);
        CHECK(!(c->r[i][0] & (PAGE_SIZE - 1)) && !(c->r[i][1] & (PAGE_SIZE - 1)),
              "range %u [%#llx, %#llx) is not page aligned", i,
              (unsigned long long)c->r[i][0], (unsigned long long)c->r[i][1]);
        CHECK(i == 0 || c->r[i - 1][1] < c->r[i][0],
              "range %u must start after the end of the previous one, unmerged or unsorted", i);
        sum += c->r[i][1] - c->r[i][0];
    }
    CHECK_EQ(sum, bootmem_free_bytes());
}

/* Expect exactly these free ranges (pairs of start, end). */
static void expect_ranges(unsigned int nr, const paddr_t *want)
{
    struct collected c;

    collect(&c);
    CHECK(c.nr == nr, "expected %u free ranges, got %u", nr, c.nr);
    for (unsigned int i = 0; i < nr; i++)
        CHECK(c.r[i][0] == want[2 * i] && c.r[i][1] == want[2 * i + 1],
              "range %u: expected [%#llx, %#llx), got [%#llx, %#llx)", i,
              (unsigned long long)want[2 * i], (unsigned long long)want[2 * i + 1],
              (unsigned long long)c.r[i][0], (unsigned long long)c.r[i][1]);
}

#define EXPECT(...)                                                                        \
    do {                                                                                   \
        static const paddr_t want_[] = { __VA_ARGS__ };                                    \
        expect_ranges(ARRAY_SIZE(want_) / 2, want_);                                       \
    } while (0)

TEST(bootmem_add_trims_sorts_merges)
{
    bootmem_reset();
    CHECK_EQ(bootmem_total_bytes(), 0);
    CHECK_EQ(bootmem_max_mfn(), 0);
    bootmem_add_ram(0x100001, 0x1fffff); /* trimmed inward */
    EXPECT(0x101000, 0x1ff000);
    bootmem_add_ram(0x1000, 0x2000);
    bootmem_add_ram(0x1ff000, 0x300000); /* adjacent: merges */
    EXPECT(0x1000, 0x2000, 0x101000, 0x300000);
    bootmem_add_ram(0x0, 0x200000); /* overlaps both */
    EXPECT(0x0, 0x300000);
    bootmem_add_ram(0x800, 0xfff); /* nothing left after trimming */
    bootmem_add_ram(0x500000, 0x400000); /* inverted */
    EXPECT(0x0, 0x300000);
    CHECK_EQ(bootmem_total_bytes(), 0x300000);
    CHECK_EQ(bootmem_max_mfn(), 0x300);
    bootmem_add_ram(0x10000000, 0x10001000);
    CHECK_EQ(bootmem_max_mfn(), 0x10001);
    bootmem_add_ram(0x5000, 0x6000); /* lower max must not shrink it */
    CHECK_EQ(bootmem_max_mfn(), 0x10001);
    bootmem_reset();
    CHECK_EQ(bootmem_free_bytes(), 0);
    CHECK_EQ(bootmem_max_mfn(), 0);
}

TEST(bootmem_reserve_overlaps)
{
    bootmem_reset();
    bootmem_add_ram(0x10000, 0x20000);
    bootmem_add_ram(0x30000, 0x40000);

    bootmem_reserve(0x50000, 0x60000); /* not RAM: no-op */
    bootmem_reserve(0x20000, 0x30000); /* the gap: no-op */
    bootmem_reserve(0x14000, 0x14000); /* empty */
    EXPECT(0x10000, 0x20000, 0x30000, 0x40000);

    bootmem_reserve(0x14000, 0x15000); /* middle: split */
    EXPECT(0x10000, 0x14000, 0x15000, 0x20000, 0x30000, 0x40000);
    bootmem_reserve(0x8000, 0x11000); /* over the head */
    EXPECT(0x11000, 0x14000, 0x15000, 0x20000, 0x30000, 0x40000);
    bootmem_reserve(0x3f000, 0x48000); /* over the tail */
    EXPECT(0x11000, 0x14000, 0x15000, 0x20000, 0x30000, 0x3f000);
    bootmem_reserve(0x1f001, 0x31001); /* across a gap, unaligned: rounded outward */
    EXPECT(0x11000, 0x14000, 0x15000, 0x1f000, 0x32000, 0x3f000);
    bootmem_reserve(0x15000, 0x1f000); /* exactly one range */
    EXPECT(0x11000, 0x14000, 0x32000, 0x3f000);
    bootmem_reserve(0x0, 0x35000); /* covers one, clips another */
    EXPECT(0x35000, 0x3f000);
    CHECK_EQ(bootmem_free_bytes(), 0xa000);
    CHECK_EQ(bootmem_total_bytes(), 0x20000);
    bootmem_reserve(0x0, NO_LIMIT); /* everything, without overflowing */
    EXPECT();
    CHECK_EQ(bootmem_free_bytes(), 0);
}

TEST(bootmem_reserve_spanning_many)
{
    bootmem_reset();
    for (paddr_t a = 0x100000; a < 0x200000; a += 0x20000)
        bootmem_add_ram(a, a + 0x10000);
    bootmem_reserve(0x118000, 0x1c8000);
    EXPECT(0x100000, 0x110000, 0x1c8000, 0x1d0000, 0x1e0000, 0x1f0000);
}

TEST(bootmem_ram_added_again_keeps_holes)
{
    bootmem_reset();
    bootmem_add_ram(0x100000, 0x200000);
    bootmem_reserve(0x140000, 0x150000);
    paddr_t a = bootmem_alloc(1, PAGE_SIZE, NO_LIMIT);
    CHECK_EQ(a, 0x1ff000);
    /* The firmware reports overlapping RAM again: neither the hole nor the allocation is
     * handed out again, but the new part becomes free. */
    bootmem_add_ram(0x0f0000, 0x210000);
    EXPECT(0xf0000, 0x140000, 0x150000, 0x1ff000, 0x200000, 0x210000);
    CHECK_EQ(bootmem_total_bytes(), 0x120000);
}

TEST(bootmem_alloc_highest_first)
{
    bootmem_reset();
    bootmem_add_ram(0x100000, 0x400000);
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, NO_LIMIT), 0x3ff000);
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, NO_LIMIT), 0x3fe000);
    CHECK_EQ(bootmem_alloc(2, PAGE_SIZE, 0x200000), 0x1fe000);
    CHECK_EQ(bootmem_alloc(1, 0x100000, NO_LIMIT), 0x300000); /* 1 MiB aligned */
    CHECK_EQ(bootmem_alloc(16, 0x10000, 0x20f000), 0x1e0000); /* aligned and below limit */
    EXPECT(0x100000, 0x1e0000, 0x1f0000, 0x1fe000, 0x200000, 0x300000, 0x301000, 0x3fe000);
    CHECK_EQ(bootmem_alloc(1, 0x400000, NO_LIMIT), 0); /* no 4 MiB-aligned page is RAM */
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, 0x100000), 0); /* nothing below 1 MiB */
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, 0x100fff), 0); /* the page would cross the limit */
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, 0x101000), 0x100000);
    CHECK_EQ(bootmem_alloc(0x1000, PAGE_SIZE, NO_LIMIT), 0); /* 16 MiB: too big */
    CHECK_EQ(bootmem_alloc(0, PAGE_SIZE, NO_LIMIT), 0);
    CHECK_EQ(bootmem_alloc(1, 0x3000, NO_LIMIT), 0); /* alignment not a power of two */
    CHECK_EQ(bootmem_alloc(~0ULL, PAGE_SIZE, NO_LIMIT), 0); /* size overflows */
    CHECK_EQ(bootmem_alloc(1, 8, NO_LIMIT), 0x3fd000); /* small alignment means a page */
}

TEST(bootmem_alloc_skips_small_ranges)
{
    bootmem_reset();
    bootmem_add_ram(0x1000, 0x4000);
    bootmem_add_ram(0x10000, 0x11000);
    CHECK_EQ(bootmem_alloc(2, PAGE_SIZE, NO_LIMIT), 0x2000);
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, NO_LIMIT), 0x10000);
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, NO_LIMIT), 0x1000);
    CHECK_EQ(bootmem_alloc(1, PAGE_SIZE, NO_LIMIT), 0);
    CHECK_EQ(bootmem_free_bytes(), 0);
}

TEST(bootmem_exhaustion_never_returns_zero)
{
    unsigned int got = 0;
    paddr_t a, prev = NO_LIMIT;

    bootmem_reset();
    bootmem_add_ram(0, 0x40000);
    while ((a = bootmem_alloc(1, PAGE_SIZE, NO_LIMIT)) != 0) {
        CHECK(a < prev, "allocations must go downwards: %#llx after %#llx",
              (unsigned long long)a, (unsigned long long)prev);
        prev = a;
        got++;
        CHECK(got < 64, "runaway allocation");
    }
    /* Address 0 means failure, so page 0 is never handed out and stays free. */
    CHECK_EQ(got, 63);
    CHECK_EQ(bootmem_free_bytes(), PAGE_SIZE);
    EXPECT(0, 0x1000);
}

TEST(bootmem_table_full)
{
    struct collected c;

    bootmem_reset();
    for (unsigned int i = 0; i < BOOTMEM_MAX_RANGES + 10; i++)
        bootmem_add_ram((paddr_t)i * 0x10000, (paddr_t)i * 0x10000 + 0x4000);
    CHECK(strstr(harness_log(), "ranges") != NULL, "overflow must be reported, log: %s",
          harness_log());
    collect(&c);
    CHECK_EQ(c.nr, BOOTMEM_MAX_RANGES);

    /* Splitting needs a slot that is not there: the reserved page must still vanish. */
    harness_log_clear();
    bootmem_reserve(0x11000, 0x12000);
    collect(&c);
    for (unsigned int i = 0; i < c.nr; i++)
        CHECK(c.r[i][1] <= 0x11000 || c.r[i][0] >= 0x12000,
              "reserved page 0x11000 is still free in range %u", i);
    CHECK(strstr(harness_log(), "lost") != NULL, "lost memory must be reported, log: %s",
          harness_log());
}

/* Hand-over to the buddy allocator, as boot code does it. */
static void hand_over(paddr_t start, paddr_t end, void *arg)
{
    (void)arg;
    page_alloc_add_free(PFN_DOWN(start), PFN_DOWN(end - start));
}

TEST(bootmem_hand_over_to_page_alloc)
{
    bootmem_reset();
    bootmem_add_ram(0x9f000, 0xa0000);
    bootmem_add_ram(0x100000, 0x8000000);
    bootmem_add_ram(0x0, 0x9f000);
    bootmem_reserve(0x0, 0x1000);          /* real-mode IVT */
    bootmem_reserve(0x200000, 0x5a3456);   /* the image */
    bootmem_reserve(0x7fff000, 0x8000000); /* a boot module */
    paddr_t ft = bootmem_alloc(PFN_UP(page_alloc_frame_table_size(bootmem_max_mfn())),
                               PAGE_SIZE, NO_LIMIT);
    CHECK(ft != 0, "frame table allocation should succeed");
    CHECK_EQ(bootmem_max_mfn(), 0x8000);

    fake_frames_init(bootmem_max_mfn());
    bootmem_for_each_free(hand_over, NULL);
    CHECK_EQ(page_alloc_free_count() * PAGE_SIZE, bootmem_free_bytes());
    CHECK_EQ(page_alloc_check(), 0);
    CHECK((fake_frame_table[0].flags & PGF_RESERVED), "frame 0 was reserved");
    CHECK((fake_frame_table[0x300].flags & PGF_RESERVED), "image frames stay reserved");
    CHECK((fake_frame_table[PFN_DOWN(ft)].flags & PGF_RESERVED),
          "the frame table's own frames were allocated from bootmem and stay reserved");
    CHECK(!(fake_frame_table[0x5a4].flags & PGF_RESERVED), "frame after the image is free");
    bootmem_reset();
}
