// SPDX-License-Identifier: MIT
// The .xz container: stream header and footer, blocks, index, checks, and the x86 BCJ filter.
#include "dc.h"

/*
 * Reference: "The .xz File Format" version 1.2.x; section numbers below are from it. The
 * Linux build uses "xz --check=crc32 --x86 --lzma2": blocks of a BCJ x86 filter then LZMA2.
 */
#define HEADER_SIZE 12
#define FOOTER_SIZE 12
#define FILTER_X86 0x04
#define FILTER_LZMA2 0x21
#define CHECK_NONE 0
#define CHECK_CRC32 1
#define CHECK_CRC64 4
#define CHECK_SHA256 10

static const uint8_t header_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

#define FAIL(rc, ...) dc_fail(err, errlen, rc, "xz: " __VA_ARGS__)

/* Multibyte integer (1.2): 7 bits a byte, least significant first, at most 9 bytes. */
static bool varint(const uint8_t *in, size_t end, size_t *ip, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned int i = 0; i < 9; i++) {
        if (*ip >= end)
            return false;
        uint8_t b = in[(*ip)++];
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return false; /* not the shortest encoding */
            *v = r;
            return true;
        }
    }
    return false;
}

/* The check size for each check type (2.1.1.2): 0, then 4, 8, 16, 32, 64 for groups of 3. */
static size_t check_size(unsigned int type)
{
    return type == 0 ? 0 : (size_t)4 << ((type - 1) / 3);
}

/*
 * The x86 branch converter (BCJ) in the decoding direction: E8/E9 (call/jmp rel32) operands
 * that the encoder made absolute are made relative again. The encoder skips operands whose
 * top byte is not 00/FF and, through prev_mask, E8/E9 bytes seen in the last three positions
 * (likely parts of other instructions), so the decoder replays the same decisions. Bytes in
 * the last four positions of the block are never converted.
 */
static void bcj_x86(uint8_t *buf, size_t size, uint32_t start)
{
    static const bool mask_ok[8] = { true, true, true, false, true, false, false, false };
    static const uint8_t mask_byte[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    uint32_t prev_mask = 0;
    size_t prev_pos = (size_t)-1;
    if (size < 5)
        return;
    for (size_t i = 0; i < size - 4; i++) {
        if ((buf[i] & 0xfe) != 0xe8)
            continue;
        size_t gap = i - prev_pos;
        if (gap > 3) {
            prev_mask = 0;
        } else {
            prev_mask = (prev_mask << (gap - 1)) & 7;
            if (prev_mask) {
                uint8_t b = buf[i + 4 - mask_byte[prev_mask]];
                if (!mask_ok[prev_mask] || b == 0x00 || b == 0xff) {
                    prev_pos = i;
                    prev_mask = ((prev_mask << 1) & 7) | 1;
                    continue;
                }
            }
        }
        prev_pos = i;
        if (buf[i + 4] != 0x00 && buf[i + 4] != 0xff) {
            prev_mask = ((prev_mask << 1) & 7) | 1;
            continue;
        }
        uint32_t src = dc_le32(buf + i + 1), dest;
        for (;;) {
            dest = src - (start + (uint32_t)i + 5);
            if (!prev_mask)
                break;
            unsigned int sh = 8 * mask_byte[prev_mask];
            uint8_t b = (uint8_t)(dest >> (24 - sh));
            if (b != 0x00 && b != 0xff)
                break;
            src = dest ^ ((1u << (32 - sh)) - 1);
        }
        /* bits 25-31 repeat bit 24: the operand is a sign-extended 25-bit value */
        dest = (dest & 0x01ffffffu) | (0u - ((dest >> 24) & 1)) << 25;
        buf[i + 1] = (uint8_t)dest;
        buf[i + 2] = (uint8_t)(dest >> 8);
        buf[i + 3] = (uint8_t)(dest >> 16);
        buf[i + 4] = (uint8_t)(dest >> 24);
        i += 4; /* the loop's i++ makes it 5 */
    }
}

struct stream {
    unsigned int check;
    /* What the blocks were, to compare with the index (4.3): count, sums, and a CRC-32
     * over the (unpadded, uncompressed) size pairs in order. */
    uint64_t blocks, unpadded_sum, uncompressed_sum;
    uint32_t records_crc;
};

static void record(struct stream *st, uint64_t unpadded, uint64_t uncompressed)
{
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(unpadded >> (8 * i));
        b[8 + i] = (uint8_t)(uncompressed >> (8 * i));
    }
    st->records_crc = dc_crc32(st->records_crc, b, sizeof(b));
    st->blocks++;
    st->unpadded_sum += unpadded;
    st->uncompressed_sum += uncompressed;
}

/* One block (3) at in[*ip]: header, LZMA2 data, padding, check. */
static int block(const uint8_t *in, size_t inlen, size_t *ip, uint8_t *out, size_t outcap,
                 size_t *op, struct stream *st, char *err, size_t errlen)
{
    size_t b = *ip, hsize = ((size_t)in[b] + 1) * 4;
    if (hsize > inlen - b)
        return FAIL(-EINVAL, "truncated block header at offset %zu", b);
    if (dc_crc32(0, in + b, hsize - 4) != dc_le32(in + b + hsize - 4))
        return FAIL(-EINVAL, "block header CRC mismatch at offset %zu", b);
    uint8_t flags = in[b + 1];
    if (flags & 0x3c)
        return FAIL(-EOPNOTSUPP, "block header at offset %zu uses reserved flags", b);
    size_t hp = b + 2, hend = b + hsize - 4;
    uint64_t csize = 0, usize = 0, id, psize;
    if ((flags & 0x40) && !varint(in, hend, &hp, &csize))
        return FAIL(-EINVAL, "bad compressed size in the block header at offset %zu", b);
    if ((flags & 0x80) && !varint(in, hend, &hp, &usize))
        return FAIL(-EINVAL, "bad uncompressed size in the block header at offset %zu", b);
    /* Filter flags (3.1.5): BCJ x86 (optionally with a start offset), then LZMA2. */
    unsigned int nfilters = (flags & 3) + 1;
    bool x86 = false;
    uint32_t x86_start = 0;
    for (unsigned int f = 0; f < nfilters; f++) {
        if (!varint(in, hend, &hp, &id) || !varint(in, hend, &hp, &psize) ||
            psize > hend - hp)
            return FAIL(-EINVAL, "bad filter flags in the block header at offset %zu", b);
        bool last = f == nfilters - 1;
        if (id == FILTER_LZMA2 && last && psize == 1) {
            if (in[hp] > 40) /* the dictionary size code (5.3.1) */
                return FAIL(-EINVAL, "bad LZMA2 dictionary size at offset %zu", hp);
        } else if (id == FILTER_X86 && !last && !x86 && (psize == 0 || psize == 4)) {
            x86 = true;
            x86_start = psize ? dc_le32(in + hp) : 0;
        } else {
            return FAIL(-EOPNOTSUPP, "unsupported filter chain (filter %#llx) in the block at "
                        "offset %zu", (unsigned long long)id, b);
        }
        hp += psize;
    }
    for (; hp < hend; hp++)
        if (in[hp])
            return FAIL(-EINVAL, "non-zero header padding at offset %zu", hp);

    size_t data = b + hsize, used = 0, start = *op;
    size_t limit = outcap;
    if ((flags & 0x80) && usize < outcap - start)
        limit = start + (size_t)usize; /* the block may not produce more */
    int rc = dc_lzma2(in + data, inlen - data, &used, out, limit, op, data, err, errlen);
    if (rc == -ENOSPC && limit < outcap)
        return FAIL(-EINVAL, "block at offset %zu is larger than its header says", b);
    if (rc)
        return rc;
    size_t produced = *op - start;
    if ((flags & 0x40) && csize != used)
        return FAIL(-EINVAL, "block at offset %zu: %zu compressed bytes, its header says %llu",
                    b, used, (unsigned long long)csize);
    if ((flags & 0x80) && usize != produced)
        return FAIL(-EINVAL, "block at offset %zu: %zu bytes, its header says %llu", b,
                    produced, (unsigned long long)usize);
    if (x86)
        bcj_x86(out + start, produced, x86_start);

    /* Block padding to a multiple of four (3.2), then the check (3.4). */
    size_t p = data + used, unpadded = hsize + used;
    size_t pad = (4 - (unpadded & 3)) & 3, csz = check_size(st->check);
    if (pad + csz > inlen - p)
        return FAIL(-EINVAL, "truncated block padding or check at offset %zu", p);
    for (size_t i = 0; i < pad; i++)
        if (in[p + i])
            return FAIL(-EINVAL, "non-zero block padding at offset %zu", p + i);
    p += pad;
    if (st->check == CHECK_CRC32 && dc_crc32(0, out + start, produced) != dc_le32(in + p))
        return FAIL(-EINVAL, "CRC32 mismatch in the block at offset %zu", b);
    if (st->check == CHECK_CRC64 && dc_crc64(0, out + start, produced) != dc_le64(in + p))
        return FAIL(-EINVAL, "CRC64 mismatch in the block at offset %zu", b);
    record(st, unpadded + csz, produced);
    *ip = p + csz;
    return 0;
}

/* The index (4) at in[*ip], compared with what the blocks were. */
static int parse_index(const uint8_t *in, size_t inlen, size_t *ip, struct stream *st,
                       char *err, size_t errlen)
{
    size_t b = *ip, p = b + 1; /* past the indicator */
    uint64_t n, unpadded, uncompressed;
    struct stream seen = { 0 };
    if (!varint(in, inlen, &p, &n))
        return FAIL(-EINVAL, "bad index at offset %zu", b);
    if (n != st->blocks)
        return FAIL(-EINVAL, "the index at offset %zu lists %llu blocks, the stream has %llu",
                    b, (unsigned long long)n, (unsigned long long)st->blocks);
    for (uint64_t i = 0; i < n; i++) { /* n matched the blocks: bounded by the input */
        if (!varint(in, inlen, &p, &unpadded) || !varint(in, inlen, &p, &uncompressed))
            return FAIL(-EINVAL, "bad index record at offset %zu", p);
        record(&seen, unpadded, uncompressed);
    }
    if (seen.records_crc != st->records_crc || seen.unpadded_sum != st->unpadded_sum ||
        seen.uncompressed_sum != st->uncompressed_sum)
        return FAIL(-EINVAL, "the index at offset %zu does not match the blocks", b);
    while ((p - b) & 3) {
        if (p >= inlen || in[p])
            return FAIL(-EINVAL, "bad index padding at offset %zu", p);
        p++;
    }
    if (inlen - p < 4)
        return FAIL(-EINVAL, "truncated index at offset %zu", b);
    if (dc_crc32(0, in + b, p - b) != dc_le32(in + p))
        return FAIL(-EINVAL, "index CRC mismatch at offset %zu", b);
    *ip = p + 4;
    return 0;
}

static int stream(const uint8_t *in, size_t inlen, size_t *ip, uint8_t *out, size_t outcap,
                  size_t *op, char *err, size_t errlen)
{
    size_t s = *ip, p;
    struct stream st = { 0 };
    /* Stream header (2.1.1): magic, flags (a zero byte, the check type), CRC32 of flags. */
    if (inlen - s < HEADER_SIZE)
        return FAIL(-EINVAL, "truncated stream header at offset %zu", s);
    if (memcmp(in + s, header_magic, 6))
        return FAIL(-EINVAL, "bad stream magic at offset %zu", s);
    if (dc_crc32(0, in + s + 6, 2) != dc_le32(in + s + 8))
        return FAIL(-EINVAL, "stream header CRC mismatch at offset %zu", s);
    if (in[s + 6] || (in[s + 7] & 0xf0))
        return FAIL(-EOPNOTSUPP, "unsupported stream flags %02x %02x at offset %zu",
                    in[s + 6], in[s + 7], s);
    st.check = in[s + 7];
    if (st.check == CHECK_SHA256)
        return FAIL(-EOPNOTSUPP, "the SHA-256 check is not supported (use --check=crc64)");
    if (st.check != CHECK_NONE && st.check != CHECK_CRC32 && st.check != CHECK_CRC64)
        return FAIL(-EOPNOTSUPP, "unsupported check type %u", st.check);
    p = s + HEADER_SIZE;

    /* Blocks until the index indicator; each takes at least 8 bytes of input. */
    for (;;) {
        if (p >= inlen)
            return FAIL(-EINVAL, "truncated: no index after the block at offset %zu", p);
        if (in[p] == 0x00)
            break;
        int rc = block(in, inlen, &p, out, outcap, op, &st, err, errlen);
        if (rc)
            return rc;
    }
    size_t index = p;
    int rc = parse_index(in, inlen, &p, &st, err, errlen);
    if (rc)
        return rc;

    /* Stream footer (2.1.2): CRC32, backward size, flags, "YZ". */
    if (inlen - p < FOOTER_SIZE)
        return FAIL(-EINVAL, "truncated stream footer at offset %zu", p);
    if (dc_crc32(0, in + p + 4, 6) != dc_le32(in + p))
        return FAIL(-EINVAL, "stream footer CRC mismatch at offset %zu", p);
    if (((uint64_t)dc_le32(in + p + 4) + 1) * 4 != p - index)
        return FAIL(-EINVAL, "the stream footer at offset %zu has the wrong index size", p);
    if (memcmp(in + p + 8, in + s + 6, 2) || in[p + 10] != 'Y' || in[p + 11] != 'Z')
        return FAIL(-EINVAL, "bad stream footer at offset %zu", p);
    *ip = p + FOOTER_SIZE;
    return 0;
}

int dc_xz(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
          char *err, size_t errlen)
{
    *outlen = 0; /* defined even when the stream is refused */
    size_t p = 0, op = 0;
    int rc;
    /* Concatenated streams with stream padding (2.2: null bytes, a multiple of four). */
    do {
        rc = stream(in, inlen, &p, out, outcap, &op, err, errlen);
        if (rc)
            break;
        size_t pad = p;
        while (p < inlen && in[p] == 0)
            p++;
        if ((p - pad) & 3) {
            rc = FAIL(-EINVAL, "stream padding at offset %zu is not a multiple of 4", pad);
            break;
        }
    } while (p < inlen);
    *outlen = op;
    return rc;
}
