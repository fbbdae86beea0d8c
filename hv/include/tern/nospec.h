/* SPDX-License-Identifier: MIT */
/* Speculation-safe array indexing: a bounds check the CPU cannot run past (Spectre v1). */
#ifndef TERN_NOSPEC_H
#define TERN_NOSPEC_H

#include <tern/types.h>

/*
 * All ones when index < size, zero otherwise, computed without a branch: the top bit of
 * (index - size) is set exactly when index < size (both below 2^63), and ~index keeps it
 * clear for an index with bit 63 set. An arithmetic shift spreads that bit over the word.
 * The "asm" hides the value from the compiler so that it cannot turn this back into a
 * compare and a conditional branch, which the CPU would predict.
 */
static inline unsigned long array_index_mask_nospec(unsigned long index, unsigned long size)
{
    unsigned long diff = (index - size) & ~index;
    asm("" : "+r"(diff));
    return (unsigned long)((long)diff >> (sizeof(long) * 8 - 1));
}

/*
 * array_index_nospec(index, size): index when index < size, else 0, also under
 * speculation. Use it after the architectural bounds check, on the value that selects the
 * element:
 *     if (i >= ARRAY_SIZE(t)) return -EINVAL;
 *     x = t[array_index_nospec(i, ARRAY_SIZE(t))];
 */
#define array_index_nospec(index, size)                                                    \
    ({                                                                                     \
        __typeof__(index) i_ = (index);                                                    \
        unsigned long m_ = array_index_mask_nospec((unsigned long)i_, (unsigned long)(size)); \
        (__typeof__(index))((unsigned long)i_ & m_);                                       \
    })

#endif
