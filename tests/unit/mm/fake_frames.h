// SPDX-License-Identifier: MIT
// Fake machine-frame space shared by the mm unit tests: a frame table and RAM backing.
#ifndef TERN_UNIT_MM_FAKE_FRAMES_H
#define TERN_UNIT_MM_FAKE_FRAMES_H

#include <tern/page_alloc.h>

#define FAKE_FRAMES 65536u  /* frames in the frame table (256 MiB of fake RAM) */
#define BACKED_FRAMES 4096u /* frames with host memory behind them, for xmalloc */

extern struct page_info fake_frame_table[FAKE_FRAMES];

/* Fresh page allocator over frames [0, max_mfn), all reserved. */
void fake_frames_init(mfn_t max_mfn);

/* Small deterministic PRNG (xorshift64*), so failures reproduce. */
void prng_seed(uint64_t seed);
uint64_t prng_next(void);
uint64_t prng_below(uint64_t n);

#endif
