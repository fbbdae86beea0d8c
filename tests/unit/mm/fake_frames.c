// SPDX-License-Identifier: MIT
// Fake machine-frame space for the mm unit tests: frame table, direct map over a host buffer.
#include "fake_frames.h"
#include "harness.h"

#include <tern/mm.h>

struct page_info fake_frame_table[FAKE_FRAMES];
static unsigned char backing[BACKED_FRAMES * PAGE_SIZE] __attribute__((aligned(4096)));
static uint64_t prng_state;

void fake_frames_init(mfn_t max_mfn)
{
    CHECK(page_alloc_frame_table_size(max_mfn) <= sizeof(fake_frame_table),
          "frame table for %llu frames must fit the fake one", (unsigned long long)max_mfn);
    page_alloc_init(fake_frame_table, max_mfn);
}

/* The hypervisor's direct map, here over `backing`: frame n is at backing + n pages. */
void *page_to_virt(const struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(pg);

    CHECK(mfn < BACKED_FRAMES, "page_to_virt only for backed frames, got frame %llu",
          (unsigned long long)mfn);
    return backing + mfn * PAGE_SIZE;
}

struct page_info *virt_to_page(const void *va)
{
    uintptr_t p = (uintptr_t)va, base = (uintptr_t)backing;

    if (p < base || p >= base + sizeof(backing))
        return NULL;
    return mfn_to_page((p - base) / PAGE_SIZE);
}

void prng_seed(uint64_t seed)
{
    prng_state = seed ? seed : 1;
}

uint64_t prng_next(void)
{
    prng_state ^= prng_state >> 12;
    prng_state ^= prng_state << 25;
    prng_state ^= prng_state >> 27;
    return prng_state * 0x2545f4914f6cdd1dULL;
}

uint64_t prng_below(uint64_t n)
{
    return prng_next() % n;
}
