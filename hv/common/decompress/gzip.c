// SPDX-License-Identifier: MIT
// The gzip container (RFC 1952): member header, DEFLATE data, CRC-32 and ISIZE trailer.
#include "dc.h"

#define FTEXT 0x01
#define FHCRC 0x02
#define FEXTRA 0x04
#define FNAME 0x08
#define FCOMMENT 0x10
#define FRESERVED 0xe0

#define FAIL(rc, ...) dc_fail(err, errlen, rc, "gzip: " __VA_ARGS__)

/* Skips a zero-terminated string (FNAME, FCOMMENT); false when the input ends first. */
static bool skip_string(const uint8_t *in, size_t inlen, size_t *p)
{
    while (*p < inlen)
        if (in[(*p)++] == 0)
            return true;
    return false;
}

/* One member (RFC 1952 2.3) at in[*ip], its data appended at out[*op]. */
static int member(const uint8_t *in, size_t inlen, size_t *ip, uint8_t *out, size_t outcap,
                  size_t *op, char *err, size_t errlen)
{
    size_t m = *ip, p = m + 10;
    if (inlen - m < 10)
        return FAIL(-EINVAL, "truncated header at offset %zu", m);
    if (in[m] != 0x1f || in[m + 1] != 0x8b)
        return FAIL(-EINVAL, "bad magic at offset %zu", m);
    if (in[m + 2] != 8) /* CM: only deflate is defined */
        return FAIL(-EINVAL, "unknown compression method %u at offset %zu", in[m + 2], m);
    uint8_t flg = in[m + 3];
    if (flg & FRESERVED)
        return FAIL(-EINVAL, "reserved header flags %#x at offset %zu", flg, m);
    if (flg & FEXTRA) {
        if (inlen - p < 2 || dc_le16(in + p) > inlen - p - 2)
            return FAIL(-EINVAL, "truncated extra field at offset %zu", p);
        p += 2 + (size_t)dc_le16(in + p);
    }
    if ((flg & FNAME) && !skip_string(in, inlen, &p))
        return FAIL(-EINVAL, "truncated file name at offset %zu", m);
    if ((flg & FCOMMENT) && !skip_string(in, inlen, &p))
        return FAIL(-EINVAL, "truncated comment at offset %zu", m);
    if (flg & FHCRC) { /* the low 16 bits of the CRC-32 of the header before it */
        if (inlen - p < 2)
            return FAIL(-EINVAL, "truncated header CRC at offset %zu", p);
        if ((dc_crc32(0, in + m, p - m) & 0xffff) != dc_le16(in + p))
            return FAIL(-EINVAL, "header CRC mismatch at offset %zu", m);
        p += 2;
    }

    size_t used = 0, start = *op, n = 0;
    int rc = dc_inflate(in + p, inlen - p, &used, out + start, outcap - start, &n, err, errlen);
    *op = start + n;
    if (rc)
        return rc;
    p += used;
    if (inlen - p < 8)
        return FAIL(-EINVAL, "truncated trailer at offset %zu", p);
    if (dc_crc32(0, out + start, n) != dc_le32(in + p))
        return FAIL(-EINVAL, "CRC mismatch (member at offset %zu)", m);
    if ((uint32_t)n != dc_le32(in + p + 4))
        return FAIL(-EINVAL, "ISIZE mismatch: %zu bytes, the trailer says %u", n,
                    dc_le32(in + p + 4));
    *ip = p + 8;
    return 0;
}

int dc_gzip(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
            char *err, size_t errlen)
{
    *outlen = 0; /* defined even when the stream is refused */
    size_t p = 0, op = 0;
    int rc;
    /* Members follow each other (2.2); each takes at least 18 bytes. */
    do {
        rc = member(in, inlen, &p, out, outcap, &op, err, errlen);
    } while (!rc && p < inlen);
    *outlen = op;
    return rc;
}
