// SPDX-License-Identifier: MIT
// Unit tests of the heap (hv/common/xmalloc.c) over the fake, host-backed frame space.
#include "fake_frames.h"
#include "harness.h"

#include <string.h>
#include <tern/mm.h>
#include <tern/xmalloc.h>

static uint64_t heap_setup(mfn_t frames)
{
    CHECK(xmalloc_pages_held() == 0 && xmalloc_used_bytes() == 0,
          "a previous test left heap memory behind: %zu pages", xmalloc_pages_held());
    fake_frames_init(BACKED_FRAMES);
    page_alloc_add_free(0, frames);
    return page_alloc_free_count();
}

/* A macro, so that a failure names the caller's line. */
#define heap_ok()                                                                          \
    do {                                                                                   \
        int rc_ = xmalloc_check();                                                         \
        CHECK(rc_ == 0, "xmalloc_check() should pass, got %d; log: %s", rc_, harness_log()); \
        rc_ = page_alloc_check();                                                          \
        CHECK(rc_ == 0, "page_alloc_check() should pass, got %d; log: %s", rc_,             \
              harness_log());                                                              \
    } while (0)

/* Bytes the heap charges for a request: its class, or whole 2^k pages. */
static size_t charged(size_t size)
{
    size_t c = 16;

    if (size > 2048) {
        c = PAGE_SIZE;
        while (c < size)
            c <<= 1;
        return c;
    }
    while (c < size)
        c <<= 1;
    return c;
}

static bool all_bytes(const void *p, int v, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)v)
            return false;
    return true;
}

static bool is_aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

TEST(xmalloc_sizes_and_counters)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 32, 33, 100, 512, 1000, 2047, 2048,
                                    2049, 4096, 4097, 8192, 12000, 16384 };
    void *p[ARRAY_SIZE(sizes)];
    size_t used = 0;
    uint64_t free0 = heap_setup(BACKED_FRAMES);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = xmalloc_bytes(sizes[i]);
        CHECK(p[i] != NULL, "allocation of %zu bytes should succeed", sizes[i]);
        CHECK(is_aligned(p[i], 16), "%zu bytes: result must be 16-byte aligned", sizes[i]);
        if (sizes[i] > 2048)
            CHECK(is_aligned(p[i], PAGE_SIZE), "%zu bytes: large blocks start a page",
                  sizes[i]);
        CHECK(all_bytes(p[i], 0, sizes[i]), "%zu bytes: must be zeroed", sizes[i]);
        memset(p[i], 0x5a, sizes[i]);
        used += charged(sizes[i]);
        CHECK(xmalloc_used_bytes() == used, "after %zu bytes: used %zu, expected %zu",
              sizes[i], xmalloc_used_bytes(), used);
        heap_ok();
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        CHECK(all_bytes(p[i], 0x5a, sizes[i]), "object %zu was overwritten", i);
        xfree(p[i]);
        used -= charged(sizes[i]);
        CHECK_EQ(xmalloc_used_bytes(), used);
        heap_ok();
    }
    CHECK_EQ(xmalloc_pages_held(), 0);
    CHECK_EQ(page_alloc_free_count(), free0);
}

TEST(xmalloc_zeroes_reused_memory)
{
    heap_setup(BACKED_FRAMES);
    for (size_t size = 24; size <= 10000; size *= 3) {
        /* Keep one object alive so the class page (and the freed slot) stays. */
        void *keep = xmalloc_bytes(size);
        unsigned char *a = xmalloc_bytes(size);
        memset(a, 0xff, size);
        xfree(a);
        unsigned char *b = xmalloc_bytes(size);
        CHECK(b != NULL, "reallocation of %zu bytes", size);
        CHECK(all_bytes(b, 0, size), "%zu bytes: reused memory must come back zeroed", size);
        xfree(b);
        xfree(keep);
    }
    CHECK_EQ(xmalloc_pages_held(), 0);
    heap_ok();
}

TEST(xmalloc_class_pages_returned)
{
    static void *p[600];
    uint64_t free0 = heap_setup(BACKED_FRAMES);

    for (int i = 0; i < 256; i++)
        p[i] = xmalloc_bytes(16);
    CHECK(xmalloc_pages_held() == 1, "256 16-byte objects fill exactly one page, held %zu",
          xmalloc_pages_held());
    CHECK(virt_to_page(p[0]) == virt_to_page(p[255]), "all on the same page");
    p[256] = xmalloc_bytes(16);
    CHECK_EQ(xmalloc_pages_held(), 2);
    CHECK_EQ(page_alloc_free_count(), free0 - 2);
    for (int i = 257; i < 600; i++)
        p[i] = xmalloc_bytes(i & 1 ? 200 : 16);
    heap_ok();
    for (int i = 0; i < 600; i++) {
        xfree(p[i]);
        if (i % 97 == 0)
            heap_ok();
    }
    CHECK_EQ(xmalloc_used_bytes(), 0);
    CHECK_EQ(xmalloc_pages_held(), 0);
    CHECK(page_alloc_free_count() == free0, "every page must go back, free %llu of %llu",
          (unsigned long long)page_alloc_free_count(), (unsigned long long)free0);
    heap_ok();
}

TEST(xmalloc_aligned_and_arrays)
{
    heap_setup(BACKED_FRAMES);
    static const size_t aligns[] = { 1, 16, 64, 256, 2048, 4096 };
    for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
        void *p = xmalloc_aligned(24, aligns[i]);
        CHECK(p && is_aligned(p, aligns[i]), "24 bytes aligned to %zu", aligns[i]);
        void *q = xmalloc_aligned(5000, aligns[i]);
        CHECK(q && is_aligned(q, aligns[i]), "5000 bytes aligned to %zu", aligns[i]);
        xfree(p);
        xfree(q);
    }
    CHECK(xmalloc_aligned(16, 48) == NULL, "alignment must be a power of two");
    CHECK(xmalloc_aligned(16, 8192) == NULL, "alignment above a page is refused");

    CHECK(xmalloc_array(uint64_t, SIZE_MAX / 4) == NULL, "element count overflow");
    CHECK(xmalloc_array_bytes(SIZE_MAX / 2 + 1, 2) == NULL, "size overflow by one");
    CHECK(xmalloc_array_bytes(1ULL << 32, 1ULL << 32) == NULL, "2^64 bytes overflow");
    CHECK(xmalloc_bytes(SIZE_MAX) == NULL, "impossible size fails cleanly");
    uint32_t *a = xmalloc_array(uint32_t, 1000);
    CHECK(a && all_bytes(a, 0, 4000), "a zeroed array of 1000 uint32_t");
    a[999] = 1;
    CHECK_EQ(xmalloc_used_bytes(), 4096);
    xfree(a);

    struct thing {
        uint64_t x[5];
    } *t = xmalloc(struct thing);
    CHECK(t && all_bytes(t, 0, sizeof(*t)), "xmalloc(type) gives a zeroed object");
    CHECK_EQ(xmalloc_used_bytes(), 64);
    xfree(t);

    void *z = xmalloc_bytes(0);
    CHECK(z != NULL, "a zero-byte request still gives a freeable object");
    xfree(z);
    CHECK_EQ(xmalloc_used_bytes(), 0);
    CHECK_EQ(xmalloc_pages_held(), 0);
    heap_ok();
}

TEST(xfree_bad_pointers_reported)
{
    int on_stack;
    uint64_t free0 = heap_setup(BACKED_FRAMES);

    xfree(NULL);
    CHECK(harness_log()[0] == 0, "xfree(NULL) must be silent, log: %s", harness_log());

    char *small = xmalloc_bytes(64), *other = xmalloc_bytes(64), *big = xmalloc_bytes(9000);
    struct page_info *raw = alloc_pages(0);
    size_t used = xmalloc_used_bytes(), held = xmalloc_pages_held();

    static const struct {
        const char *what, *expect;
    } cases[] = {
        { "stack", "not from xmalloc" },    { "raw page", "not from xmalloc" },
        { "inside object", "not an object" }, { "inside large", "inside a large block" },
        { "large tail page", "not from xmalloc" },
    };
    void *ptrs[] = { &on_stack, page_to_virt(raw), small + 8, big + 16, big + PAGE_SIZE };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        harness_log_clear();
        xfree(ptrs[i]);
        CHECK(strstr(harness_log(), cases[i].expect) != NULL,
              "xfree(%s) must report '%s', log: %s", cases[i].what, cases[i].expect,
              harness_log());
        CHECK(xmalloc_used_bytes() == used && xmalloc_pages_held() == held,
              "xfree(%s) must not change the counters", cases[i].what);
        heap_ok();
    }

    xfree(small);
    harness_log_clear();
    xfree(small);
    CHECK(strstr(harness_log(), "double free") != NULL, "double free must be reported, log: %s",
          harness_log());
    heap_ok();
    xfree(big);
    harness_log_clear();
    xfree(big);
    CHECK(strstr(harness_log(), "not from xmalloc") != NULL,
          "double free of a large block must be reported, log: %s", harness_log());
    heap_ok();

    /* Live data that happens to look like a free object is still freed normally. */
    char *fake = xmalloc_bytes(64);
    memcpy(fake, other + 64, 64); /* copy of the free neighbour, magic included */
    harness_log_clear();
    xfree(fake);
    CHECK(harness_log()[0] == 0, "freeing live data must succeed, log: %s", harness_log());
    xfree(other);
    free_pages(raw, 0);
    CHECK_EQ(xmalloc_used_bytes(), 0);
    CHECK_EQ(xmalloc_pages_held(), 0);
    CHECK_EQ(page_alloc_free_count(), free0);
    heap_ok();
}

TEST(xmalloc_check_detects_corruption)
{
    heap_setup(BACKED_FRAMES);
    unsigned char *a = xmalloc_bytes(128), *b = xmalloc_bytes(128);
    unsigned char saved[128];

    xfree(a);
    memcpy(saved, a, sizeof(saved));
    memset(a + 16, 0x41, 112); /* use after free, past the list links */
    CHECK(xmalloc_check() < 0, "an overwritten free object must be found");
    CHECK(strstr(harness_log(), "xmalloc") != NULL, "and reported");
    memcpy(a, saved, sizeof(saved));
    heap_ok();

    virt_to_page(b)->heap_inuse++;
    CHECK(xmalloc_check() < 0, "a wrong in-use count must be found");
    virt_to_page(b)->heap_inuse--;
    heap_ok();
    xfree(b);
    CHECK_EQ(xmalloc_pages_held(), 0);
}

TEST(xmalloc_out_of_memory)
{
    static void *p[1024];
    int n = 0;
    uint64_t free0 = heap_setup(4);

    CHECK(xmalloc_bytes(5 * PAGE_SIZE) == NULL, "8 pages cannot come from 4");
    void *big = xmalloc_bytes(3 * PAGE_SIZE);
    CHECK(big != NULL, "4 pages are there");
    CHECK(xmalloc_bytes(16) == NULL, "no page left for a size class");
    heap_ok();
    xfree(big);
    while (n < 1024 && (p[n] = xmalloc_bytes(1024)) != NULL)
        n++;
    CHECK(n == 16, "4 pages hold 16 objects of 1 KiB, got %d", n);
    CHECK_EQ(page_alloc_free_count(), 0);
    heap_ok();
    while (n)
        xfree(p[--n]);
    CHECK_EQ(page_alloc_free_count(), free0);
    CHECK_EQ(xmalloc_pages_held(), 0);
    heap_ok();
}

struct obj {
    unsigned char *p;
    size_t size;
    unsigned char fill;
};

TEST(xmalloc_random)
{
    enum { STEPS = 4000, MAXLIVE = 512 };
    static struct obj live[MAXLIVE];
    unsigned int nr = 0;
    size_t used = 0;
    uint64_t free0 = heap_setup(BACKED_FRAMES);

    prng_seed(12345);
    for (int step = 0; step < STEPS; step++) {
        if (nr == 0 || (nr < MAXLIVE && prng_below(100) < 55)) {
            /* Log-uniform sizes in 1..16384, so every class gets traffic. */
            size_t size = 1 + (size_t)prng_below((uint64_t)1 << prng_below(15));
            unsigned char *p = xmalloc_bytes(size);
            CHECK(p != NULL, "step %d: %zu bytes should fit", step, size);
            CHECK(all_bytes(p, 0, size), "step %d: %zu bytes not zeroed", step, size);
            CHECK(is_aligned(p, 16), "step %d: misaligned", step);
            for (unsigned int i = 0; i < nr; i++)
                CHECK(p + size <= live[i].p || live[i].p + live[i].size <= p,
                      "step %d: new object overlaps a live one", step);
            live[nr].p = p;
            live[nr].size = size;
            live[nr].fill = (unsigned char)(step * 37 + 1);
            memset(p, live[nr].fill, size);
            nr++;
            used += charged(size);
        } else {
            unsigned int i = (unsigned int)prng_below(nr);
            CHECK(all_bytes(live[i].p, live[i].fill, live[i].size),
                  "step %d: object of %zu bytes corrupted before free", step, live[i].size);
            xfree(live[i].p);
            used -= charged(live[i].size);
            live[i] = live[--nr];
        }
        CHECK(xmalloc_used_bytes() == used, "step %d: used %zu, expected %zu", step,
              xmalloc_used_bytes(), used);
        int rc = xmalloc_check();
        CHECK(rc == 0, "step %d: xmalloc_check() = %d; log: %s", step, rc, harness_log());
    }
    while (nr) {
        nr--;
        CHECK(all_bytes(live[nr].p, live[nr].fill, live[nr].size), "object corrupted");
        xfree(live[nr].p);
    }
    CHECK_EQ(xmalloc_used_bytes(), 0);
    CHECK_EQ(xmalloc_pages_held(), 0);
    CHECK_EQ(page_alloc_free_count(), free0);
    heap_ok();
}
