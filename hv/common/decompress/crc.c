// SPDX-License-Identifier: MIT
// Checksums of the compressed formats (CRC-32, CRC-64, xxHash32/64) and the error helper.
#include "dc.h"

int dc_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/*
 * CRC-32 as in ISO 3309 / RFC 1952 section 8 (reflected polynomial 0xEDB88320, inverted in
 * and out) and CRC-64 as in the .xz format section 6 (reflected ECMA-182, 0xC96C5795D7870F42).
 * The tables are built on first use: identical values, so a race between two first users
 * is harmless, and the ready flag is published with release order after the tables.
 */
#define CRC32_POLY 0xEDB88320u
#define CRC64_POLY 0xC96C5795D7870F42ull

static uint32_t crc32_tab[8][256]; /* slicing by 8: tab[k] advances a byte k bytes further */
static uint64_t crc64_tab[256];
static int crc_ready;

static void crc_init(void)
{
    if (__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
        return;
    for (unsigned int i = 0; i < 256; i++) {
        uint32_t c = i;
        uint64_t d = i;
        for (int b = 0; b < 8; b++) {
            c = (c >> 1) ^ (CRC32_POLY & (0u - (c & 1)));
            d = (d >> 1) ^ (CRC64_POLY & (0ull - (d & 1)));
        }
        crc32_tab[0][i] = c;
        crc64_tab[i] = d;
    }
    for (unsigned int k = 1; k < 8; k++)
        for (unsigned int i = 0; i < 256; i++) {
            uint32_t c = crc32_tab[k - 1][i];
            crc32_tab[k][i] = (c >> 8) ^ crc32_tab[0][c & 0xff];
        }
    __atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t dc_crc32(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc_init();
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ dc_le32(p), hi = dc_le32(p + 4);
        crc = crc32_tab[7][lo & 0xff] ^ crc32_tab[6][(lo >> 8) & 0xff] ^
              crc32_tab[5][(lo >> 16) & 0xff] ^ crc32_tab[4][lo >> 24] ^
              crc32_tab[3][hi & 0xff] ^ crc32_tab[2][(hi >> 8) & 0xff] ^
              crc32_tab[1][(hi >> 16) & 0xff] ^ crc32_tab[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ crc32_tab[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

uint64_t dc_crc64(uint64_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc_init();
    crc = ~crc;
    while (len--)
        crc = (crc >> 8) ^ crc64_tab[(crc ^ *p++) & 0xff];
    return ~crc;
}

/* xxHash32 and xxHash64 as specified in RFC 8878 section 3.1.1 and the xxHash spec. */
#define X32_P1 0x9E3779B1u
#define X32_P2 0x85EBCA77u
#define X32_P3 0xC2B2AE3Du
#define X32_P4 0x27D4EB2Fu
#define X32_P5 0x165667B1u
#define X64_P1 0x9E3779B185EBCA87ull
#define X64_P2 0xC2B2AE3D27D4EB4Full
#define X64_P3 0x165667B19E3779F9ull
#define X64_P4 0x85EBCA77C2B2AE63ull
#define X64_P5 0x27D4EB2F165667C5ull

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint32_t x32_round(uint32_t acc, uint32_t lane)
{
    return rotl32(acc + lane * X32_P2, 13) * X32_P1;
}

uint32_t dc_xxh32(const void *buf, size_t len, uint32_t seed)
{
    const uint8_t *p = buf, *end = p + len;
    uint32_t h;
    if (len >= 16) {
        uint32_t v1 = seed + X32_P1 + X32_P2, v2 = seed + X32_P2, v3 = seed, v4 = seed - X32_P1;
        while (end - p >= 16) {
            v1 = x32_round(v1, dc_le32(p));
            v2 = x32_round(v2, dc_le32(p + 4));
            v3 = x32_round(v3, dc_le32(p + 8));
            v4 = x32_round(v4, dc_le32(p + 12));
            p += 16;
        }
        h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
    } else {
        h = seed + X32_P5;
    }
    h += (uint32_t)len;
    for (; end - p >= 4; p += 4)
        h = rotl32(h + dc_le32(p) * X32_P3, 17) * X32_P4;
    for (; p < end; p++)
        h = rotl32(h + *p * X32_P5, 11) * X32_P1;
    h ^= h >> 15;
    h *= X32_P2;
    h ^= h >> 13;
    h *= X32_P3;
    h ^= h >> 16;
    return h;
}

static inline uint64_t x64_round(uint64_t acc, uint64_t lane)
{
    return rotl64(acc + lane * X64_P2, 31) * X64_P1;
}

static inline uint64_t x64_merge(uint64_t acc, uint64_t v)
{
    return (acc ^ x64_round(0, v)) * X64_P1 + X64_P4;
}

uint64_t dc_xxh64(const void *buf, size_t len, uint64_t seed)
{
    const uint8_t *p = buf, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = seed + X64_P1 + X64_P2, v2 = seed + X64_P2, v3 = seed, v4 = seed - X64_P1;
        while (end - p >= 32) {
            v1 = x64_round(v1, dc_le64(p));
            v2 = x64_round(v2, dc_le64(p + 8));
            v3 = x64_round(v3, dc_le64(p + 16));
            v4 = x64_round(v4, dc_le64(p + 24));
            p += 32;
        }
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = x64_merge(h, v1);
        h = x64_merge(h, v2);
        h = x64_merge(h, v3);
        h = x64_merge(h, v4);
    } else {
        h = seed + X64_P5;
    }
    h += len;
    for (; end - p >= 8; p += 8)
        h = rotl64(h ^ x64_round(0, dc_le64(p)), 27) * X64_P1 + X64_P4;
    if (end - p >= 4) {
        h = rotl64(h ^ (uint64_t)dc_le32(p) * X64_P1, 23) * X64_P2 + X64_P3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl64(h ^ *p * X64_P5, 11) * X64_P1;
    h ^= h >> 33;
    h *= X64_P2;
    h ^= h >> 29;
    h *= X64_P3;
    h ^= h >> 32;
    return h;
}
