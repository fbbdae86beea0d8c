/* SPDX-License-Identifier: MIT */
/* Internal interface between the decompressors of hv/common/decompress: checksums, errors. */
#ifndef TERN_DECOMPRESS_DC_H
#define TERN_DECOMPRESS_DC_H

#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/types.h>

/* Formats a message into err (if any) and returns rc (a negative errno). */
int dc_fail(char *err, size_t errlen, int rc, const char *fmt, ...) __printf(4, 5);

/* Checksums: CRC-32 (ISO-HDLC, gzip and xz), CRC-64 (ECMA-182 as xz uses it), xxHash. */
uint32_t dc_crc32(uint32_t crc, const void *buf, size_t len);
uint64_t dc_crc64(uint64_t crc, const void *buf, size_t len);
uint32_t dc_xxh32(const void *buf, size_t len, uint32_t seed);
uint64_t dc_xxh64(const void *buf, size_t len, uint64_t seed);

static inline uint16_t dc_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t dc_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t dc_le64(const uint8_t *p)
{
    return (uint64_t)dc_le32(p) | (uint64_t)dc_le32(p + 4) << 32;
}

/*
 * The decoders. Each decodes a whole stream (and the streams concatenated to it) from in into
 * out[0, outcap), sets *outlen (never above outcap; 0 when refused at once), and returns 0
 * or a negative errno with a message in err.
 */
int dc_gzip(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
            char *err, size_t errlen);
int dc_xz(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
          char *err, size_t errlen);
int dc_lz4(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
           char *err, size_t errlen);
int dc_zstd(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
            char *err, size_t errlen);

/*
 * Raw DEFLATE (RFC 1951): decodes one stream from in[0, inlen), writing at out[*pos] up to
 * outcap, back references reaching no lower than out[0]. Advances *pos; *used is the number
 * of input bytes the stream took (its last byte included).
 */
int dc_inflate(const uint8_t *in, size_t inlen, size_t *used, uint8_t *out, size_t outcap,
               size_t *pos, char *err, size_t errlen);

/*
 * LZMA2 (the xz filter 0x21): decodes one LZMA2 stream from in[0, inlen) into out, starting
 * at out[*pos] and writing below limit; back references reach no lower than where it started.
 * Advances *pos; *used is the input the stream took. base_off is the file offset of in[0],
 * for messages.
 */
int dc_lzma2(const uint8_t *in, size_t inlen, size_t *used, uint8_t *out, size_t limit,
             size_t *pos, size_t base_off, char *err, size_t errlen);

#endif
