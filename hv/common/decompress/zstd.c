// SPDX-License-Identifier: MIT
// Zstandard frames (RFC 8878): frame header, blocks, literals, sequences and their execution.
#include <tern/xmalloc.h>

#include "zstd.h"

#define ZSTD_MAGIC 0xFD2FB528u
#define SKIP_MAGIC 0x184D2A50u
#define SKIP_MASK 0xFFFFFFF0u
#define BLOCK_MAX KB(128)  /* Block_Maximum_Size upper bound (3.1.1.2.4) */
#define LL_MAX 35
#define ML_MAX 52
#define OF_MAX 31
#define LL_LOG 9
#define ML_LOG 9
#define OF_LOG 8

#define FAIL(rc, ...) dc_fail(err, errlen, rc, "zstd: " __VA_ARGS__)

/* Predefined distributions (3.1.1.3.2.2 "Default Distributions"). */
static const int16_t ll_default[36] = { 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
                                        2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
                                        -1, -1, -1, -1 };
static const int16_t ml_default[53] = { 1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1,
                                        -1, -1, -1, -1, -1 };
static const int16_t of_default[29] = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                                        1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1 };

/* Literals length and match length codes: baseline and extra bits (3.1.1.3.2.1). */
static const uint32_t ll_base[36] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                      16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512,
                                      1024, 2048, 4096, 8192, 16384, 32768, 65536 };
static const uint8_t ll_bits[36] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
                                     13, 14, 15, 16 };
static const uint32_t ml_base[53] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                      18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                      32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99,
                                      131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771,
                                      65539 };
static const uint8_t ml_bits[53] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11,
                                     12, 13, 14, 15, 16 };

/* Per-call state: tables that later blocks of a frame may repeat, and the literals. */
struct zstd {
    struct fse_table ll, of, ml, scratch;
    struct huf_table huf;
    bool have_huf, have_ll, have_of, have_ml;
    uint64_t rep[3];
    uint8_t lit[BLOCK_MAX];
};

struct frame {
    uint8_t *out;
    size_t outcap, op, start; /* start: where this frame's output began */
    size_t block_max;
    char *err;
    size_t errlen;
};

/* The literals section (3.1.1.3.1): sets *lit and *nlit, returns the bytes it took. */
static int literals(struct zstd *z, struct frame *f, const uint8_t *in, size_t len,
                    size_t off, const uint8_t **lit, size_t *nlit, size_t *used)
{
    char *err = f->err;
    size_t errlen = f->errlen;
    if (len < 1)
        return FAIL(-EINVAL, "truncated literals section at offset %zu", off);
    unsigned int type = in[0] & 3, sf = (in[0] >> 2) & 3;
    size_t hsize, regen, csize = 0;
    if (type < 2) { /* raw or RLE: 1, 2 or 3 header bytes */
        hsize = sf == 1 ? 2 : sf == 3 ? 3 : 1;
        if (len < hsize)
            return FAIL(-EINVAL, "truncated literals header at offset %zu", off);
        if (hsize == 1)
            regen = in[0] >> 3;
        else if (hsize == 2)
            regen = (in[0] >> 4) + ((size_t)in[1] << 4);
        else
            regen = (in[0] >> 4) + ((size_t)in[1] << 4) + ((size_t)in[2] << 12);
    } else { /* Huffman: sizes of 10, 10, 14 or 18 bits */
        static const uint8_t hs[4] = { 3, 3, 4, 5 }, bits[4] = { 10, 10, 14, 18 };
        hsize = hs[sf];
        if (len < hsize)
            return FAIL(-EINVAL, "truncated literals header at offset %zu", off);
        uint64_t v = 0;
        for (size_t i = 0; i < hsize; i++)
            v |= (uint64_t)in[i] << (8 * i);
        regen = (size_t)((v >> 4) & ((1u << bits[sf]) - 1));
        csize = (size_t)((v >> (4 + bits[sf])) & ((1u << bits[sf]) - 1));
    }
    if (regen > BLOCK_MAX)
        return FAIL(-EINVAL, "%zu literals at offset %zu exceed a block", regen, off);
    in += hsize;
    len -= hsize;
    if (type == 0) {
        if (regen > len)
            return FAIL(-EINVAL, "truncated raw literals at offset %zu", off);
        *lit = in;
        *nlit = regen;
        *used = hsize + regen;
        return 0;
    }
    if (type == 1) {
        if (len < 1)
            return FAIL(-EINVAL, "truncated RLE literals at offset %zu", off);
        memset(z->lit, in[0], regen);
        *lit = z->lit;
        *nlit = regen;
        *used = hsize + 1;
        return 0;
    }
    if (csize > len || csize == 0)
        return FAIL(-EINVAL, "truncated compressed literals at offset %zu", off);
    size_t tree = 0;
    if (type == 2) {
        tree = huf_read_table(&z->huf, in, csize, &z->scratch);
        if (!tree)
            return FAIL(-EINVAL, "bad Huffman tree at offset %zu", off + hsize);
        z->have_huf = true;
    } else if (!z->have_huf) {
        return FAIL(-EINVAL, "treeless literals at offset %zu without a previous tree", off);
    }
    const uint8_t *s = in + tree;
    size_t ssize = csize - tree;
    bool ok;
    if (sf == 0) {
        ok = huf_decode_stream(&z->huf, s, ssize, z->lit, regen);
    } else {
        /* Four streams: a jump table of three sizes, the fourth stream takes the rest. */
        if (ssize < 10)
            return FAIL(-EINVAL, "bad literal jump table at offset %zu", off);
        size_t n1 = dc_le16(s), n2 = dc_le16(s + 2), n3 = dc_le16(s + 4);
        size_t per = (regen + 3) / 4;
        if (n1 + n2 + n3 + 6 >= ssize || regen < 3 * per)
            return FAIL(-EINVAL, "bad literal jump table at offset %zu", off);
        const uint8_t *p = s + 6;
        size_t n4 = ssize - 6 - n1 - n2 - n3;
        ok = huf_decode_stream(&z->huf, p, n1, z->lit, per) &&
             huf_decode_stream(&z->huf, p + n1, n2, z->lit + per, per) &&
             huf_decode_stream(&z->huf, p + n1 + n2, n3, z->lit + 2 * per, per) &&
             huf_decode_stream(&z->huf, p + n1 + n2 + n3, n4, z->lit + 3 * per,
                               regen - 3 * per);
    }
    if (!ok)
        return FAIL(-EINVAL, "corrupt Huffman-coded literals at offset %zu", off);
    *lit = z->lit;
    *nlit = regen;
    *used = hsize + csize;
    return 0;
}

/* One of the three tables of a sequences section (3.1.1.3.2.1), by its mode. */
static size_t seq_table(struct fse_table *t, bool *have, unsigned int mode, const uint8_t *in,
                        size_t len, const int16_t *def, unsigned int ndef, unsigned int deflog,
                        unsigned int max_sym, unsigned int max_log, bool *ok)
{
    *ok = true;
    switch (mode) {
    case 0: /* predefined */
        *ok = fse_build(t, def, ndef, deflog);
        *have = true;
        return 0;
    case 1: /* RLE: one symbol byte */
        if (len < 1 || in[0] > max_sym) {
            *ok = false;
            return 0;
        }
        fse_build_rle(t, in[0]);
        *have = true;
        return 1;
    case 2: { /* FSE table description */
        size_t n = fse_read_table(t, in, len, max_sym, max_log);
        *ok = n != 0;
        *have = *ok;
        return n;
    }
    default: /* repeat: the previous block's table */
        *ok = *have;
        return 0;
    }
}

/* Copies a match of len bytes from offset back; the caller checked both. */
static void copy_match(uint8_t *dst, size_t offset, size_t len)
{
    const uint8_t *src = dst - offset;
    if (offset >= len) {
        memcpy(dst, src, len);
    } else {
        for (size_t i = 0; i < len; i++)
            dst[i] = src[i];
    }
}

/* The sequences section and the execution of the block (3.1.1.3.2, 3.1.1.4). */
static int sequences(struct zstd *z, struct frame *f, const uint8_t *in, size_t len,
                     size_t off, const uint8_t *lit, size_t nlit)
{
    char *err = f->err;
    size_t errlen = f->errlen;
    size_t p = 0, nseq, block_start = f->op;
    if (len < 1)
        return FAIL(-EINVAL, "truncated sequences section at offset %zu", off);
    if (in[0] < 128) {
        nseq = in[0];
        p = 1;
    } else if (in[0] < 255) {
        if (len < 2)
            return FAIL(-EINVAL, "truncated sequences header at offset %zu", off);
        nseq = ((size_t)(in[0] - 0x80) << 8) + in[1];
        p = 2;
    } else {
        if (len < 3)
            return FAIL(-EINVAL, "truncated sequences header at offset %zu", off);
        nseq = in[1] + ((size_t)in[2] << 8) + 0x7f00;
        p = 3;
    }
    if (nseq > 0) {
        if (p >= len || (in[p] & 3))
            return FAIL(-EINVAL, "bad sequence compression modes at offset %zu", off + p);
        unsigned int modes = in[p++];
        bool ok1, ok2 = false, ok3 = false;
        p += seq_table(&z->ll, &z->have_ll, modes >> 6, in + p, len - p, ll_default, 36, 6,
                       LL_MAX, LL_LOG, &ok1);
        if (ok1)
            p += seq_table(&z->of, &z->have_of, (modes >> 4) & 3, in + p, len - p,
                           of_default, 29, 5, OF_MAX, OF_LOG, &ok2);
        if (ok1 && ok2)
            p += seq_table(&z->ml, &z->have_ml, (modes >> 2) & 3, in + p, len - p,
                           ml_default, 53, 6, ML_MAX, ML_LOG, &ok3);
        if (!ok1 || !ok2 || !ok3)
            return FAIL(-EINVAL, "bad sequence table at offset %zu", off);
    } else if (p != len) {
        return FAIL(-EINVAL, "bytes after an empty sequences section at offset %zu", off);
    }

    struct zbits b;
    if (nseq && !zbits_init(&b, in + p, len - p))
        return FAIL(-EINVAL, "bad sequence bit stream at offset %zu", off + p);
    uint32_t sll = 0, sof = 0, sml = 0;
    if (nseq) {
        sll = (uint32_t)zbits_read(&b, z->ll.log);
        sof = (uint32_t)zbits_read(&b, z->of.log);
        sml = (uint32_t)zbits_read(&b, z->ml.log);
    }
    size_t lp = 0;
    for (size_t i = 0; i < nseq; i++) {
        /* Extra bits in the order offset, match length, literals length (3.1.1.3.2.2). */
        unsigned int ofc = z->of.e[sof].symbol, mlc = z->ml.e[sml].symbol;
        unsigned int llc = z->ll.e[sll].symbol;
        if (ofc > OF_MAX || mlc > ML_MAX || llc > LL_MAX)
            return FAIL(-EINVAL, "bad sequence code at offset %zu", off);
        uint64_t ofv = (1ull << ofc) + zbits_read(&b, ofc);
        size_t ml = ml_base[mlc] + (size_t)zbits_read(&b, ml_bits[mlc]);
        size_t ll = ll_base[llc] + (size_t)zbits_read(&b, ll_bits[llc]);
        if (i + 1 < nseq) { /* state updates: literals length, match length, offset */
            sll = z->ll.e[sll].base + (uint32_t)zbits_read(&b, z->ll.e[sll].nbits);
            sml = z->ml.e[sml].base + (uint32_t)zbits_read(&b, z->ml.e[sml].nbits);
            sof = z->of.e[sof].base + (uint32_t)zbits_read(&b, z->of.e[sof].nbits);
        }
        if (b.pos < 0)
            return FAIL(-EINVAL, "sequence bit stream overrun at offset %zu", off);
        /* Repeat offsets (3.1.1.5): values 1-3 pick a recent offset, shifted by one when
         * there are no literals; the value 3 then means the most recent minus one. */
        uint64_t offset;
        if (ofv > 3) {
            offset = ofv - 3;
            z->rep[2] = z->rep[1];
            z->rep[1] = z->rep[0];
            z->rep[0] = offset;
        } else {
            unsigned int idx = (unsigned int)ofv - 1 + (ll == 0);
            if (idx == 0) {
                offset = z->rep[0];
            } else {
                offset = idx == 3 ? z->rep[0] - 1 : z->rep[idx];
                if (idx != 1)
                    z->rep[2] = z->rep[1];
                z->rep[1] = z->rep[0];
                z->rep[0] = offset;
            }
        }
        if (ll > nlit - lp)
            return FAIL(-EINVAL, "sequence wants more literals than the block has (offset "
                        "%zu)", off);
        if (ll + ml > f->outcap - f->op)
            return FAIL(-ENOSPC, "output does not fit in %zu bytes", f->outcap);
        memcpy(f->out + f->op, lit + lp, ll);
        lp += ll;
        f->op += ll;
        if (offset == 0 || offset > f->op - f->start)
            return FAIL(-EINVAL, "match offset %llu reaches before the frame (offset %zu)",
                        (unsigned long long)offset, off);
        copy_match(f->out + f->op, (size_t)offset, ml);
        f->op += ml;
        if (f->op - block_start > BLOCK_MAX)
            return FAIL(-EINVAL, "block at offset %zu decodes to more than 128 KiB", off);
    }
    if (nseq && b.pos != 0)
        return FAIL(-EINVAL, "sequence bit stream not consumed exactly (offset %zu)", off);
    /* The literals no sequence took end the block. */
    size_t rest = nlit - lp;
    if (rest > f->outcap - f->op)
        return FAIL(-ENOSPC, "output does not fit in %zu bytes", f->outcap);
    memcpy(f->out + f->op, lit + lp, rest);
    f->op += rest;
    if (f->op - block_start > BLOCK_MAX)
        return FAIL(-EINVAL, "block at offset %zu decodes to more than 128 KiB", off);
    return 0;
}

/* A frame (3.1.1) at in[*ip], after its magic number. */
static int frame(struct zstd *z, const uint8_t *in, size_t inlen, size_t *ip, struct frame *f)
{
    char *err = f->err;
    size_t errlen = f->errlen;
    size_t p = *ip, fstart = p - 4;
    if (p >= inlen)
        return FAIL(-EINVAL, "truncated frame header at offset %zu", fstart);
    /* Frame_Header_Descriptor (3.1.1.1.1) */
    uint8_t fhd = in[p++];
    unsigned int fcs_flag = fhd >> 6, did_flag = fhd & 3;
    bool single = fhd & 0x20, checksum = fhd & 0x04;
    if (fhd & 0x08)
        return FAIL(-EINVAL, "reserved frame header bit set at offset %zu", fstart);
    static const uint8_t did_size[4] = { 0, 1, 2, 4 }, fcs_size[4] = { 0, 2, 4, 8 };
    size_t nfcs = fcs_flag == 0 && single ? 1 : fcs_size[fcs_flag];
    size_t need = (single ? 0 : 1) + did_size[did_flag] + nfcs;
    if (need > inlen - p)
        return FAIL(-EINVAL, "truncated frame header at offset %zu", fstart);
    uint64_t window = 0, fcs = 0;
    bool have_fcs = nfcs > 0;
    if (!single) { /* Window_Descriptor (3.1.1.1.2) */
        unsigned int exp = in[p] >> 3, mant = in[p] & 7;
        uint64_t base = 1ull << (10 + exp);
        window = base + (base / 8) * mant;
        p++;
    }
    uint32_t did = 0;
    for (size_t i = 0; i < did_size[did_flag]; i++)
        did |= (uint32_t)in[p + i] << (8 * i);
    p += did_size[did_flag];
    if (did)
        return FAIL(-EOPNOTSUPP, "frame at offset %zu needs dictionary %u", fstart, did);
    for (size_t i = 0; i < nfcs; i++)
        fcs |= (uint64_t)in[p + i] << (8 * i);
    if (nfcs == 2)
        fcs += 256;
    p += nfcs;
    if (single)
        window = fcs;
    f->block_max = (size_t)MIN(window, (uint64_t)BLOCK_MAX);
    f->start = f->op;

    /* A frame's tables and offsets start afresh (no dictionary). */
    z->have_huf = z->have_ll = z->have_of = z->have_ml = false;
    z->rep[0] = 1;
    z->rep[1] = 4;
    z->rep[2] = 8;

    /* Blocks (3.1.1.2): each takes its 3-byte header at least. */
    bool last = false;
    while (!last) {
        if (inlen - p < 3)
            return FAIL(-EINVAL, "truncated block header at offset %zu", p);
        uint32_t bh = in[p] | (uint32_t)in[p + 1] << 8 | (uint32_t)in[p + 2] << 16;
        size_t boff = p, bsize = bh >> 3;
        unsigned int type = (bh >> 1) & 3;
        last = bh & 1;
        p += 3;
        if (type == 3)
            return FAIL(-EINVAL, "reserved block type at offset %zu", boff);
        if (bsize > f->block_max)
            return FAIL(-EINVAL, "block at offset %zu is larger than the maximum %zu", boff,
                        f->block_max);
        size_t csize = type == 1 ? 1 : bsize;
        if (csize > inlen - p)
            return FAIL(-EINVAL, "truncated block at offset %zu", boff);
        if (type == 0 || type == 1) {
            if (bsize > f->outcap - f->op)
                return FAIL(-ENOSPC, "output does not fit in %zu bytes", f->outcap);
            if (type == 0)
                memcpy(f->out + f->op, in + p, bsize);
            else
                memset(f->out + f->op, in[p], bsize);
            f->op += bsize;
        } else {
            const uint8_t *lit = NULL;
            size_t nlit = 0, used = 0;
            int rc = literals(z, f, in + p, bsize, p, &lit, &nlit, &used);
            if (!rc)
                rc = sequences(z, f, in + p + used, bsize - used, p + used, lit, nlit);
            if (rc)
                return rc;
        }
        p += csize;
    }
    size_t produced = f->op - f->start;
    if (have_fcs && fcs != produced)
        return FAIL(-EINVAL, "frame at offset %zu has %zu bytes, its header says %llu", fstart,
                    produced, (unsigned long long)fcs);
    if (checksum) { /* Content_Checksum: the low 32 bits of XXH64, seed 0 (3.1.1) */
        if (inlen - p < 4)
            return FAIL(-EINVAL, "truncated checksum at offset %zu", p);
        if ((uint32_t)dc_xxh64(f->out + f->start, produced, 0) != dc_le32(in + p))
            return FAIL(-EINVAL, "content checksum mismatch (frame at offset %zu)", fstart);
        p += 4;
    }
    *ip = p;
    return 0;
}

int dc_zstd(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap, size_t *outlen,
            char *err, size_t errlen)
{
    *outlen = 0; /* defined even when the stream is refused */
    struct frame f = { .out = out, .outcap = outcap, .err = err, .errlen = errlen };
    struct zstd *z = xmalloc_bytes(sizeof(*z));
    size_t p = 0;
    int rc = 0;
    if (!z)
        return FAIL(-ENOMEM, "no memory for the decoder");
    /* Frames and skippable frames (3.1.2) until the input ends. */
    while (!rc && p < inlen) {
        if (inlen - p < 4) {
            rc = FAIL(-EINVAL, "%zu stray bytes at offset %zu", inlen - p, p);
            break;
        }
        uint32_t magic = dc_le32(in + p);
        p += 4;
        if (magic == ZSTD_MAGIC) {
            rc = frame(z, in, inlen, &p, &f);
        } else if ((magic & SKIP_MASK) == SKIP_MAGIC) {
            if (inlen - p < 4 || dc_le32(in + p) > inlen - p - 4)
                rc = FAIL(-EINVAL, "truncated skippable frame at offset %zu", p - 4);
            else
                p += 4 + (size_t)dc_le32(in + p);
        } else {
            rc = FAIL(-EINVAL, "unknown frame magic %08x at offset %zu", magic, p - 4);
        }
    }
    xfree(z);
    *outlen = f.op;
    return rc;
}
