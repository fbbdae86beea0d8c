// SPDX-License-Identifier: MIT
// LZ4: the block format, the legacy frame (Linux kernels) and the LZ4 frame format.
#include "dc.h"

/*
 * References: "LZ4 Block Format Description" and "LZ4 Frame Format Description" (lz4
 * project docs). Linux compresses kernels with "lz4 -l": the legacy frame, a magic followed
 * by blocks of a le32 compressed size and the data, each block independent and decoding to
 * at most 8 MiB, the stream ending at the end of the input.
 */
#define LEGACY_MAGIC 0x184C2102u
#define FRAME_MAGIC 0x184D2204u
#define SKIP_MAGIC_MASK 0xFFFFFFF0u
#define SKIP_MAGIC 0x184D2A50u
#define LEGACY_BLOCK_MAX MB(8)
/* LZ4_compressBound(8 MiB): the largest compressed legacy block. */
#define LEGACY_CBLOCK_MAX (LEGACY_BLOCK_MAX + LEGACY_BLOCK_MAX / 255 + 16)

#define FAIL(rc, ...) dc_fail(err, errlen, rc, "lz4: " __VA_ARGS__)

/* Reads an LSIC length extension (Block format: "a sequence of bytes, 255 means more"). */
static bool read_len(const uint8_t *src, size_t n, size_t *ip, size_t *len)
{
    uint8_t b;
    do {
        if (*ip >= n)
            return false;
        b = src[(*ip)++];
        *len += b; /* at most 255 * n: no overflow */
    } while (b == 255);
    return true;
}

/*
 * Decodes the block src[0, n) (which starts at file offset foff) into out from *pos, writing
 * below cap; matches may reach back to out[lo]. Returns -ENOSPC when cap is reached.
 */
static int block(const uint8_t *src, size_t n, size_t foff, uint8_t *out, size_t cap, size_t lo,
                 size_t *pos, char *err, size_t errlen)
{
    size_t ip = 0, op = *pos;
    for (;;) {
        if (ip >= n)
            return FAIL(-EINVAL, "block at offset %zu ends inside a sequence", foff);
        uint8_t tok = src[ip++];
        size_t lit = tok >> 4;
        if (lit == 15 && !read_len(src, n, &ip, &lit))
            return FAIL(-EINVAL, "block at offset %zu ends in a literal length", foff);
        if (lit > n - ip)
            return FAIL(-EINVAL, "block at offset %zu: literals run past its end", foff);
        if (lit > cap - op)
            return FAIL(-ENOSPC, "output does not fit in %zu bytes", cap);
        memcpy(out + op, src + ip, lit);
        ip += lit;
        op += lit;
        if (ip == n)
            break; /* the last sequence has literals only */
        if (n - ip < 2)
            return FAIL(-EINVAL, "block at offset %zu ends in a match offset", foff);
        size_t off = dc_le16(src + ip);
        ip += 2;
        if (off == 0 || off > op - lo)
            return FAIL(-EINVAL, "block at offset %zu: match offset %zu reaches before the "
                        "start of the data", foff, off);
        size_t mlen = tok & 15;
        if (mlen == 15 && !read_len(src, n, &ip, &mlen))
            return FAIL(-EINVAL, "block at offset %zu ends in a match length", foff);
        mlen += 4; /* minmatch */
        if (mlen > cap - op)
            return FAIL(-ENOSPC, "output does not fit in %zu bytes", cap);
        uint8_t *d = out + op;
        const uint8_t *s = d - off;
        if (off >= mlen) {
            memcpy(d, s, mlen);
        } else {
            for (size_t i = 0; i < mlen; i++) /* overlapping: repeats the last off bytes */
                d[i] = s[i];
        }
        op += mlen;
    }
    *pos = op;
    return 0;
}

/* Legacy frame from in[*ip] (after its magic) until the input ends or another magic. */
static int legacy_frame(const uint8_t *in, size_t inlen, size_t *ip, uint8_t *out,
                        size_t outcap, size_t *op, char *err, size_t errlen)
{
    size_t p = *ip;
    while (p < inlen) {
        if (inlen - p < 4)
            return FAIL(-EINVAL, "truncated block size at offset %zu", p);
        uint32_t bs = dc_le32(in + p);
        if (bs == LEGACY_MAGIC || bs == FRAME_MAGIC || (bs & SKIP_MAGIC_MASK) == SKIP_MAGIC)
            break; /* a following frame; legacy sizes are far below these values */
        if (bs == 0 || bs > LEGACY_CBLOCK_MAX)
            return FAIL(-EINVAL, "bad legacy block size %u at offset %zu", bs, p);
        if (bs > inlen - p - 4)
            return FAIL(-EINVAL, "truncated: block at offset %zu needs %u bytes, %zu remain",
                        p, bs, inlen - p - 4);
        size_t start = *op;
        size_t cap = MIN(outcap, start + LEGACY_BLOCK_MAX);
        int rc = block(in + p + 4, bs, p + 4, out, cap, start, op, err, errlen);
        if (rc == -ENOSPC && cap < outcap)
            return FAIL(-EINVAL, "legacy block at offset %zu decodes to more than 8 MiB", p);
        if (rc)
            return rc;
        p += 4 + (size_t)bs;
    }
    *ip = p;
    return 0;
}

/* An LZ4 frame from in[*ip] (after its magic): descriptor, blocks, end mark, checksum. */
static int lz4_frame(const uint8_t *in, size_t inlen, size_t *ip, uint8_t *out,
                     size_t outcap, size_t *op, char *err, size_t errlen)
{
    size_t p = *ip, d = p, start = *op;
    if (inlen - p < 3)
        return FAIL(-EINVAL, "truncated frame descriptor at offset %zu", p);
    uint8_t flg = in[p], bd = in[p + 1];
    if ((flg >> 6) != 1 || (flg & 0x02) || (bd & 0x8f))
        return FAIL(-EINVAL, "bad frame descriptor %02x %02x at offset %zu", flg, bd, p);
    unsigned int bsid = (bd >> 4) & 7;
    if (bsid < 4)
        return FAIL(-EINVAL, "bad block maximum size code %u at offset %zu", bsid, p + 1);
    size_t bmax = (size_t)1 << (8 + 2 * bsid); /* 4: 64 KiB ... 7: 4 MiB */
    bool indep = flg & 0x20, bsum = flg & 0x10, csize = flg & 0x08, csum = flg & 0x04;
    if (flg & 0x01)
        return FAIL(-EOPNOTSUPP, "frame at offset %zu needs a dictionary", p);
    p += 2;
    uint64_t content = 0;
    if (csize) {
        if (inlen - p < 9)
            return FAIL(-EINVAL, "truncated frame descriptor at offset %zu", d);
        content = dc_le64(in + p);
        p += 8;
    }
    if (p >= inlen)
        return FAIL(-EINVAL, "truncated frame descriptor at offset %zu", d);
    if (((dc_xxh32(in + d, p - d, 0) >> 8) & 0xff) != in[p])
        return FAIL(-EINVAL, "frame descriptor checksum mismatch at offset %zu", p);
    p++;

    for (;;) {
        if (inlen - p < 4)
            return FAIL(-EINVAL, "truncated block size at offset %zu", p);
        uint32_t word = dc_le32(in + p);
        p += 4;
        if (word == 0)
            break; /* EndMark */
        size_t bs = word & 0x7fffffff;
        if (bs == 0 || bs > bmax)
            return FAIL(-EINVAL, "bad block size %zu at offset %zu", bs, p - 4);
        if (bs > inlen - p || (bsum && inlen - p - bs < 4))
            return FAIL(-EINVAL, "truncated block at offset %zu", p - 4);
        if (bsum && dc_xxh32(in + p, bs, 0) != dc_le32(in + p + bs))
            return FAIL(-EINVAL, "block checksum mismatch at offset %zu", p - 4);
        size_t bstart = *op, cap = MIN(outcap, bstart + bmax);
        if (word & 0x80000000u) { /* stored uncompressed */
            if (bs > outcap - bstart)
                return FAIL(-ENOSPC, "output does not fit in %zu bytes", outcap);
            memcpy(out + bstart, in + p, bs);
            *op += bs;
        } else {
            /* Linked blocks may refer to the frame's earlier output (64 KiB at most). */
            int rc = block(in + p, bs, p, out, cap, indep ? bstart : start, op, err, errlen);
            if (rc == -ENOSPC && cap < outcap)
                return FAIL(-EINVAL, "block at offset %zu decodes to more than %zu bytes",
                            p - 4, bmax);
            if (rc)
                return rc;
        }
        p += bs + (bsum ? 4 : 0);
    }
    if (csum) {
        if (inlen - p < 4)
            return FAIL(-EINVAL, "truncated content checksum at offset %zu", p);
        if (dc_xxh32(out + start, *op - start, 0) != dc_le32(in + p))
            return FAIL(-EINVAL, "content checksum mismatch (frame at offset %zu)", d - 4);
        p += 4;
    }
    if (csize && content != *op - start)
        return FAIL(-EINVAL, "frame at offset %zu has %zu bytes, its header says %llu", d - 4,
                    *op - start, (unsigned long long)content);
    *ip = p;
    return 0;
}

int dc_lz4(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
           char *err, size_t errlen)
{
    *outlen = 0; /* defined even when the stream is refused */
    size_t p = 0, op = 0;
    int rc = 0;
    /* A sequence of frames; each iteration consumes at least its 4-byte magic. */
    while (!rc && p < inlen) {
        if (inlen - p < 4)
            return FAIL(-EINVAL, "%zu stray bytes at offset %zu", inlen - p, p);
        uint32_t magic = dc_le32(in + p);
        p += 4;
        if (magic == LEGACY_MAGIC) {
            rc = legacy_frame(in, inlen, &p, out, outcap, &op, err, errlen);
        } else if (magic == FRAME_MAGIC) {
            rc = lz4_frame(in, inlen, &p, out, outcap, &op, err, errlen);
        } else if ((magic & SKIP_MAGIC_MASK) == SKIP_MAGIC) {
            if (inlen - p < 4 || dc_le32(in + p) > inlen - p - 4)
                return FAIL(-EINVAL, "truncated skippable frame at offset %zu", p - 4);
            p += 4 + (size_t)dc_le32(in + p);
        } else {
            return FAIL(-EINVAL, "unknown frame magic %08x at offset %zu", magic, p - 4);
        }
    }
    *outlen = op;
    return rc;
}
