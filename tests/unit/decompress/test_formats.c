// SPDX-License-Identifier: MIT
// Round trips through the host's gzip, xz, lz4 and zstd; corrupt and truncated streams.
#include "harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <tern/decompress.h>
#include <tern/errno.h>
#include <tern/xmalloc.h>

struct variant {
    const char *cmd;   /* host command compressing stdin to stdout */
    bool checksummed;  /* a corrupted stream that decodes must still give the original */
    bool prefix_ok;    /* a truncated stream may decode to a prefix (no end marker) */
};

static const struct variant gzip_variants[] = {
    { "gzip -9 -c", true, false },
    { "gzip -1 -c -n", true, false },
    { "gzip -6 -c --name", true, false },
};

static const struct variant xz_variants[] = {
    { "xz -c -T1", true, false },
    { "xz -c -T1 --check=crc32 --x86 --lzma2=preset=6,dict=1MiB", true, false },
    { "xz -c -T1 --check=crc64 --block-size=400000 -2", true, false },
    { "xz -c -T1 --check=none --lzma2=lc=1,lp=3,pb=0", false, false },
    { "xz -c -T1 --lzma2=lc=4,lp=0,pb=4,mode=fast", true, false },
    { "xz -c -T1 -0e", true, false },
};

static const struct variant lz4_variants[] = {
    { "lz4 -q -l -c -9", false, true },
    { "lz4 -q -l -c -1", false, true },
    { "lz4 -q -c -1 -B4", true, false },
    { "lz4 -q -c -9 -BD -BX --content-size -B5", true, false },
    { "lz4 -q -c --no-frame-crc -B7", false, false },
};

static const struct variant zstd_variants[] = {
    { "zstd -c -q -3", true, false },
    { "zstd -c -q -19", true, false },
    { "zstd -c -q --no-check -1", false, false },
    { "zstd -c -q --fast=4", true, false },
    { "zstd -c -q --long=23 -12", true, false },
    { "zstd -c -q -22 --ultra", true, false },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t *compress(const char *cmd, const uint8_t *data, size_t len, size_t *clen)
{
    uint8_t *c = run_filter(cmd, data, len, clen);
    CHECK(c, "'%s' failed: run scripts/setup.sh to install gzip, xz-utils, lz4 and zstd", cmd);
    return c;
}

/* Decompresses c into an exactly sized buffer (so that ASan sees any overflow). */
static int dec(const uint8_t *c, size_t clen, size_t cap, uint8_t **out, size_t *n, char *err)
{
    uint8_t *in = malloc(clen ? clen : 1);
    memcpy(in, c, clen);
    *out = malloc(cap ? cap : 1);
    int rc = decompress(in, clen, *out, cap, n, err, 256);
    free(in);
    return rc;
}

static void round_trip(const struct variant *v, size_t nv, size_t len, uint32_t seed)
{
    char err[256];
    watchdog(120);
    uint8_t *data = make_pattern(len, seed);
    memcpy(data, "\177ELF", 4); /* so kernel_image_decompress accepts it */
    for (size_t i = 0; i < nv; i++) {
        size_t clen, n = 0;
        uint8_t *c = compress(v[i].cmd, data, len, &clen), *out;
        int rc = dec(c, clen, len, &out, &n, err);
        CHECK(rc == 0, "%s: %d %s", v[i].cmd, rc, err);
        CHECK(n == len && !memcmp(out, data, len), "%s: %zu bytes, wrong data", v[i].cmd, n);
        free(out);
        rc = dec(c, clen, len - 1, &out, &n, err);
        CHECK(rc == -ENOSPC, "%s: %d with one byte too little room (%s)", v[i].cmd, rc, err);
        CHECK(strstr(err, "fit") || strstr(err, "room"), "%s: message '%s'", v[i].cmd, err);
        free(out);
        /* kernel_image_decompress on the bare stream: sizes from ISIZE or by growing. */
        void *elf;
        size_t elen;
        rc = kernel_image_decompress(c, clen, &elf, &elen, err, sizeof(err));
        CHECK(rc == 0, "%s: kernel_image_decompress %d %s", v[i].cmd, rc, err);
        CHECK(elen == len && !memcmp(elf, data, len), "%s: kernel_image_decompress %zu bytes",
              v[i].cmd, elen);
        xfree(elf);
        CHECK(live_allocs() == 0, "%s: %ld allocations left", v[i].cmd, live_allocs());
        free(c);
    }
    free(data);
}

TEST(gzip_round_trip)
{
    round_trip(gzip_variants, N(gzip_variants), 3 << 20, 1);
    round_trip(gzip_variants, 1, 4, 2);
}

TEST(xz_round_trip)
{
    round_trip(xz_variants, N(xz_variants), 3 << 20, 3);
    round_trip(xz_variants, 2, 7, 4);
}

TEST(lz4_round_trip)
{
    round_trip(lz4_variants, N(lz4_variants), (17 << 20) + 5, 5); /* three legacy blocks */
    round_trip(lz4_variants, N(lz4_variants), 4, 6);
}

TEST(zstd_round_trip)
{
    round_trip(zstd_variants, N(zstd_variants), 4 << 20, 7);
    round_trip(zstd_variants, N(zstd_variants), 5, 8);
}

/*
 * Every truncation of a small stream fails (or, without an end marker, gives a prefix), and
 * thousands of single-byte corruptions fail or give the original back when checksummed.
 */
static void corrupt(const struct variant *v, size_t nv, uint32_t seed)
{
    char err[256];
    const size_t len = 30000;
    uint8_t *data = make_pattern(len, seed);
    uint32_t rng = seed * 7919 + 1;
    for (size_t i = 0; i < nv; i++) {
        watchdog(120);
        size_t clen, n;
        uint8_t *c = compress(v[i].cmd, data, len, &clen), *out;
        for (size_t l = 0; l < clen; l++) {
            int rc = dec(c, l, len, &out, &n, err);
            if (rc == 0)
                CHECK(v[i].prefix_ok && n < len && !memcmp(out, data, n),
                      "%s: truncated to %zu of %zu bytes, it decodes (%zu bytes)", v[i].cmd, l,
                      clen, n);
            else
                CHECK(rc == -EINVAL && err[0], "%s: truncated to %zu: %d '%s'", v[i].cmd, l,
                      rc, err);
            free(out);
        }
        uint8_t *bad = malloc(clen);
        for (int k = 0; k < 3000; k++) {
            memcpy(bad, c, clen);
            size_t at = rng_next(&rng) % clen;
            uint8_t x = (uint8_t)(k & 1 ? 1u << (rng_next(&rng) % 8) : rng_next(&rng) | 1);
            bad[at] ^= x;
            int rc = dec(bad, clen, 2 * len, &out, &n, err);
            if (rc == 0 && v[i].checksummed)
                CHECK(n == len && !memcmp(out, data, len), "%s: byte %zu ^ %#x: wrong output "
                      "passed the checks", v[i].cmd, at, x);
            if (rc)
                CHECK(rc == -EINVAL || rc == -EOPNOTSUPP || rc == -ENOSPC,
                      "%s: byte %zu ^ %#x: %d '%s'", v[i].cmd, at, x, rc, err);
            free(out);
        }
        free(bad);
        free(c);
        CHECK(live_allocs() == 0, "%s: %ld allocations left", v[i].cmd, live_allocs());
    }
    free(data);
}

TEST(gzip_corrupt)
{
    corrupt(gzip_variants, N(gzip_variants), 11);
}

TEST(xz_corrupt)
{
    corrupt(xz_variants, N(xz_variants), 12);
}

TEST(lz4_corrupt)
{
    corrupt(lz4_variants, N(lz4_variants), 13);
}

TEST(zstd_corrupt)
{
    corrupt(zstd_variants, N(zstd_variants), 14);
}
