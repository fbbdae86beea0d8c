// SPDX-License-Identifier: MIT
// bzImage headers, checksums, hand-made hostile streams, error messages, kernel_image_decompress.
#include "harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <tern/decompress.h>
#include <tern/errno.h>
#include <tern/xmalloc.h>

#include "../../../hv/common/decompress/dc.h"

TEST(checksum_vectors)
{
    const char *s = "123456789";
    CHECK_EQ(dc_crc32(0, s, 9), 0xCBF43926u);
    CHECK_EQ(dc_crc32(dc_crc32(0, s, 4), s + 4, 5), 0xCBF43926u);
    CHECK_EQ(dc_crc64(0, s, 9), 0x995DC9BBDF1939FAull);
    CHECK_EQ(dc_xxh32("", 0, 0), 0x02CC5D05u);
    CHECK_EQ(dc_xxh64("", 0, 0), 0xEF46DB3751D8E999ull);
    CHECK_EQ(dc_crc32(0, "", 0), 0);
}

/* A bzImage of `sects` setup sectors with the payload at payload_offset `poff`. */
static uint8_t *make_bzimage(unsigned int sects, uint32_t poff, const void *payload,
                             size_t plen, size_t *len)
{
    size_t pm = ((sects ? sects : 4) + 1) * 512;
    *len = pm + poff + plen;
    uint8_t *b = calloc(1, *len);
    b[0x1f1] = (uint8_t)sects;
    memcpy(b + 0x202, "HdrS", 4);
    b[0x206] = 0x0f;
    b[0x207] = 0x02;
    memcpy(b + 0x248, &poff, 4);
    uint32_t l = (uint32_t)plen;
    memcpy(b + 0x24c, &l, 4);
    memcpy(b + pm + poff, payload, plen);
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

TEST(bzimage_headers)
{
    char err[256];
    const void *p;
    size_t plen, len;
    uint8_t *b = make_bzimage(0, 100, "\x1f\x8bpayload", 9, &len);

    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == 0, "%s", err);
    CHECK(p == b + 5 * 512 + 100 && plen == 9, "setup_sects 0 means 4: %p %zu",
          (void *)((const uint8_t *)p - b), plen);
    CHECK(!strcmp(decompress_format(p, plen), "gzip"), "format of the payload");

    for (size_t l = 0; l < 0x250; l += 7)
        CHECK(bzimage_payload(b, l, &p, &plen, err, sizeof(err)) == -EINVAL,
              "a %zu-byte file is too short", l);
    CHECK(bzimage_payload(b, len - 1, &p, &plen, err, sizeof(err)) == -EINVAL,
          "payload past the end: accepted");
    CHECK(strstr(err, "outside"), "message: %s", err);

    put32(b + 0x248, 0xfffffff0u); /* payload_offset far past the end */
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "huge offset");
    put32(b + 0x248, 100);
    put32(b + 0x24c, 0xffffffffu); /* huge payload_length */
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "huge length");
    put32(b + 0x24c, 0);
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "empty payload");
    put32(b + 0x24c, 9);
    b[0x1f1] = 255; /* setup sectors past the end */
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "setup_sects");
    b[0x1f1] = 0;
    b[0x206] = 0x07; /* protocol 2.07: no payload fields */
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "version 2.07");
    CHECK(strstr(err, "2.07"), "message: %s", err);
    b[0x206] = 0x0f;
    b[0x203] = 'x';
    CHECK(bzimage_payload(b, len, &p, &plen, err, sizeof(err)) == -EINVAL, "no HdrS");

    void *elf;
    size_t elen;
    CHECK(kernel_image_decompress(b, len, &elf, &elen, err, sizeof(err)) == -EINVAL,
          "garbage: %s", err);
    free(b);
    CHECK(live_allocs() == 0, "%ld allocations left", live_allocs());
}

/* Real streams wrapped in bzImages as the kernel build makes them (size appended). */
TEST(kernel_image_formats)
{
    static const char *cmds[] = { "gzip -9 -c", "xz -c -T1 --check=crc32 --x86 --lzma2",
                                  "lz4 -q -l -c -9", "zstd -q -c -19" };
    char err[256];
    const size_t len = 1500000;
    uint8_t *data = make_pattern(len, 99);
    memcpy(data, "\177ELF", 4);
    watchdog(120);
    for (size_t i = 0; i < 4; i++) {
        size_t clen, blen, elen;
        uint8_t *c = run_filter(cmds[i], data, len, &clen);
        CHECK(c, "'%s' failed: run scripts/setup.sh", cmds[i]);
        bool gz = i == 0;
        c = realloc(c, clen + 4);
        put32(c + clen, (uint32_t)len); /* size_append */
        /* with the right size, a size too small (the retry grows), and none */
        uint32_t hints[3] = { (uint32_t)len, 1000, 0 };
        for (int h = 0; h < (gz ? 1 : 3); h++) {
            put32(c + clen, hints[h]);
            uint8_t *b = make_bzimage(27, 0x3b4, c, clen + (gz ? 0 : 4), &blen);
            void *elf;
            int rc = kernel_image_decompress(b, blen, &elf, &elen, err, sizeof(err));
            CHECK(rc == 0, "%s (hint %u): %d %s", cmds[i], hints[h], rc, err);
            CHECK(elen == len && !memcmp(elf, data, len), "%s: wrong output", cmds[i]);
            xfree(elf);
            free(b);
        }
        free(c);
        CHECK(live_allocs() == 0, "%ld allocations left", live_allocs());
    }
    free(data);
}

/* Streams of endless empty blocks or frames end with the input, quickly. */
TEST(hostile_empty_blocks)
{
    char err[256];
    size_t n, k, len;
    uint8_t out[16];
    const size_t reps = 200000;
    uint8_t *b = malloc(reps * 8 + 64);
    watchdog(60);

    /* gzip: empty stored blocks, not final, then a final one and the empty trailer */
    memcpy(b, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
    len = 10;
    for (k = 0; k < reps; k++, len += 5)
        memcpy(b + len, "\x00\x00\x00\xff\xff", 5);
    memcpy(b + len, "\x01\x00\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00", 13);
    len += 13;
    int rc = decompress(b, len, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == 0 && n == 0, "gzip empty blocks: %d %s", rc, err);
    rc = decompress(b, len - 13, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == -EINVAL, "gzip without a final block: %d", rc);

    /* zstd: a frame of empty raw blocks, not last, then an empty last one */
    memcpy(b, "\x28\xb5\x2f\xfd\x00\x00", 6);
    len = 6;
    for (k = 0; k < reps; k++, len += 3)
        memcpy(b + len, "\x00\x00\x00", 3);
    memcpy(b + len, "\x01\x00\x00", 3);
    rc = decompress(b, len + 3, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == 0 && n == 0, "zstd empty blocks: %d %s", rc, err);
    rc = decompress(b, len, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == -EINVAL, "zstd without a last block: %d", rc);

    /* zstd: an RLE block larger than a block may be */
    memcpy(b + 6, "\x03\x00\x20\x41", 4); /* last, RLE, size 0x40000 */
    rc = decompress(b, 10, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == -EINVAL, "zstd oversized RLE block: %d %s", rc, err);

    /* lz4: an empty frame, skippable frames, legacy magics with no blocks; then a
     * zero-size legacy block */
    memcpy(b, "\x04\x22\x4d\x18\x40\x40\x00\x00\x00\x00\x00", 11);
    b[6] = (uint8_t)(dc_xxh32(b + 4, 2, 0) >> 8);
    for (k = 0, len = 11; k < reps; k++, len += 8)
        memcpy(b + len, "\x50\x2a\x4d\x18\x00\x00\x00\x00", 8);
    rc = decompress(b, len, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == 0 && n == 0, "lz4 skippable frames: %d %s", rc, err);
    for (k = 0, len = 0; k < reps; k++, len += 4)
        memcpy(b + len, "\x02\x21\x4c\x18", 4);
    rc = decompress(b, len, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == 0 && n == 0, "lz4 legacy magics: %d %s", rc, err);
    memcpy(b + len, "\x00\x00\x00\x00", 4);
    rc = decompress(b, len + 4, out, sizeof(out), &n, err, sizeof(err));
    CHECK(rc == -EINVAL, "lz4 zero-size legacy block: %d", rc);
    CHECK(strstr(err, "bad legacy block size 0"), "message: %s", err);

    /* a legacy block 'a' then a match of 19 + 255 * ext bytes: past 8 MiB, then not */
    const size_t cap = 9 << 20;
    uint8_t *big = malloc(cap);
    for (int t = 0; t < 2; t++) {
        size_t ext = t ? 32000 : 33000, want = 1 + 19 + 255 * ext;
        memcpy(b, "\x02\x21\x4c\x18", 4);
        put32(b + 4, (uint32_t)(ext + 6));
        memcpy(b + 8, "\x1f\x61\x01\x00", 4);
        memset(b + 12, 0xff, ext);
        memcpy(b + 12 + ext, "\x00\x00", 2);
        rc = decompress(b, 14 + ext, big, cap, &n, err, sizeof(err));
        if (want > (8 << 20))
            CHECK(rc == -EINVAL && strstr(err, "more than 8 MiB"), "%d '%s'", rc, err);
        else
            CHECK(rc == 0 && n == want, "%d '%s' %zu", rc, err, n);
    }
    free(big);
    free(b);
    CHECK(live_allocs() == 0, "%ld allocations left", live_allocs());
}

TEST(error_messages)
{
    char err[256];
    size_t clen, n;
    const size_t len = 100000;
    uint8_t *data = make_pattern(len, 5), *out = malloc(len);
    watchdog(60);

    uint8_t *c = run_filter("gzip -c", data, len, &clen);
    CHECK(c, "gzip failed");
    c[clen - 8] ^= 1;
    int rc = decompress(c, clen, out, len, &n, err, sizeof(err));
    CHECK(rc == -EINVAL && !strncmp(err, "gzip: CRC mismatch", 18), "%d '%s'", rc, err);
    free(c);

    c = run_filter("xz -c -T1", data, len, &clen);
    CHECK(c, "xz failed");
    size_t chunk = 12 + (c[12] + 1) * 4; /* the first LZMA2 chunk, after the block header */
    c[chunk] = 0x03; /* an undefined control byte */
    rc = decompress(c, clen, out, len, &n, err, sizeof(err));
    char want[64];
    snprintf(want, sizeof(want), "xz: bad LZMA2 chunk at offset %zu", chunk);
    CHECK(rc == -EINVAL && !strcmp(err, want), "%d '%s', expected '%s'", rc, err, want);
    free(c);

    c = run_filter("xz -c -T1 --check=sha256", data, len, &clen);
    CHECK(c, "xz failed");
    rc = decompress(c, clen, out, len, &n, err, sizeof(err));
    CHECK(rc == -EOPNOTSUPP && strstr(err, "SHA-256"), "%d '%s'", rc, err);
    free(c);

    rc = decompress("\x42\x5a\x68", 3, out, len, &n, err, sizeof(err));
    CHECK(rc == -EINVAL && strstr(err, "unknown"), "bzip2: %d '%s'", rc, err);
    CHECK(decompress_format("\x42\x5a\x68", 3) == NULL, "bzip2 is not supported");
    free(out);
    free(data);
    CHECK(live_allocs() == 0, "%ld allocations left", live_allocs());
}
