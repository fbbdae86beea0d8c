// SPDX-License-Identifier: MIT
// Unit tests for hv/include/tern/nospec.h: the branchless index clamp.
#include <limits.h>
#include <stdint.h>

#include "harness.h"
#include <tern/nospec.h>

TEST(nospec_in_range_kept)
{
    for (unsigned long size = 1; size < 70; size++)
        for (unsigned long i = 0; i < size; i++)
            CHECK(array_index_nospec(i, size) == i, "index %lu of %lu: got %lu", i, size,
                  (unsigned long)array_index_nospec(i, size));
}

TEST(nospec_out_of_range_zero)
{
    static const unsigned long bad[] = { 70, 71, 1000, 1UL << 31, 1UL << 32, LONG_MAX,
                                         (unsigned long)LONG_MAX + 1, ULONG_MAX - 1,
                                         ULONG_MAX };
    for (unsigned long size = 0; size < 70; size++)
        for (unsigned int k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
            CHECK(array_index_nospec(bad[k], size) == 0, "index %#lx of %lu: got %#lx",
                  bad[k], size, (unsigned long)array_index_nospec(bad[k], size));
    CHECK(array_index_nospec(5UL, 5UL) == 0, "index == size must clamp to 0");
    CHECK(array_index_nospec(0UL, 0UL) == 0, "size 0 leaves nothing");
}

TEST(nospec_keeps_type)
{
    uint32_t i32 = 7;
    int neg = -1; /* as an index this is huge: clamped */
    CHECK(array_index_nospec(i32, 8u) == 7, "uint32_t index kept");
    CHECK(array_index_nospec(neg, 8) == 0, "negative int index clamped to 0, got %d",
          array_index_nospec(neg, 8));
    CHECK(array_index_mask_nospec(3, 4) == ULONG_MAX, "mask all ones in range");
    CHECK(array_index_mask_nospec(4, 4) == 0, "mask zero at the bound");
}
