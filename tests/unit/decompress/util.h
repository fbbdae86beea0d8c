/* SPDX-License-Identifier: MIT */
/* Helpers shared by the decompressor tests: files, host tools, test data, allocation counts. */
#ifndef TERN_TEST_DECOMPRESS_UTIL_H
#define TERN_TEST_DECOMPRESS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The whole file, malloc'd (NULL when it cannot be read). */
uint8_t *read_file(const char *path, size_t *len);
/* Runs "cmd < (data written to a temporary file)" and returns its whole stdout, malloc'd. */
uint8_t *run_filter(const char *cmd, const void *data, size_t len, size_t *outlen);
/* Deterministic test data: random stretches, repeated phrases, runs, text. */
uint8_t *make_pattern(size_t len, uint32_t seed);
/* A small deterministic PRNG (xorshift32). */
uint32_t rng_next(uint32_t *state);
double now_seconds(void);
/* Live xmalloc_bytes allocations (the test's xmalloc is malloc with a counter). */
long live_allocs(void);
/* Restarts the per-test watchdog: a hang kills the binary after this many seconds. */
void watchdog(unsigned int seconds);

#endif
