/* SPDX-License-Identifier: MIT */
/* Zstandard entropy decoding (RFC 8878 section 4): bit streams, FSE and Huffman tables. */
#ifndef TERN_DECOMPRESS_ZSTD_H
#define TERN_DECOMPRESS_ZSTD_H

#include "dc.h"

#define ZSTD_FSE_LOG_MAX 9   /* literal and match lengths; offsets 8, Huffman weights 6 */
#define ZSTD_HUF_LOG_MAX 11  /* longest Huffman code (4.2.1) */

/*
 * A bit stream read backward (4.1, 4.2.2): bits are taken from the top; pos counts the bits
 * not yet read, from bit 0 of base[0]. Bits below the start read as zero and make pos
 * negative, which the callers treat as corruption (or, for Huffman weights, as the end).
 */
struct zbits {
    const uint8_t *base;
    size_t len;
    int64_t pos;
};

/* Starts a backward stream over buf[0, len): false when its last byte (the marker) is 0. */
bool zbits_init(struct zbits *b, const uint8_t *buf, size_t len);
uint64_t zbits_slow(const struct zbits *b, int64_t lo);

/* The n (<= 56) bits below pos, most recently written last; consumes them. */
static inline uint64_t zbits_read(struct zbits *b, unsigned int n)
{
    if (!n)
        return 0;
    int64_t lo = b->pos - (int64_t)n;
    uint64_t v;
    if (likely(lo >= 0 && (size_t)(lo >> 3) + 8 <= b->len))
        v = dc_le64(b->base + (lo >> 3)) >> (lo & 7);
    else
        v = zbits_slow(b, lo);
    b->pos = lo;
    return v & ((1ull << n) - 1);
}

/* The next n bits without consuming them. */
static inline uint64_t zbits_peek(struct zbits *b, unsigned int n)
{
    int64_t pos = b->pos;
    uint64_t v = zbits_read(b, n);
    b->pos = pos;
    return v;
}

/* An FSE decoding table entry (4.1.1): the symbol, and how to find the next state. */
struct fse_entry {
    uint8_t symbol;
    uint8_t nbits;
    uint16_t base;
};

struct fse_table {
    unsigned int log; /* Accuracy_Log: the table has 1 << log entries */
    struct fse_entry e[1 << ZSTD_FSE_LOG_MAX];
};

/*
 * Reads an FSE table description from buf[0, len) (4.1.1) for symbols up to max_symbol and
 * accuracy up to max_log, and builds t. Returns the bytes used, or 0 when corrupt.
 */
size_t fse_read_table(struct fse_table *t, const uint8_t *buf, size_t len,
                      unsigned int max_symbol, unsigned int max_log);
/* Builds t from a normalized distribution (-1 is "less than 1"); false when inconsistent. */
bool fse_build(struct fse_table *t, const int16_t *norm, unsigned int nsym, unsigned int log);
/* A table of one symbol (RLE mode). */
void fse_build_rle(struct fse_table *t, uint8_t symbol);

/* A Huffman decoding table (4.2): indexed by the next max_bits bits. */
struct huf_entry {
    uint8_t symbol;
    uint8_t nbits;
};

struct huf_table {
    unsigned int max_bits;
    struct huf_entry e[1 << ZSTD_HUF_LOG_MAX];
};

/*
 * Reads a Huffman tree description (4.2.1) from buf[0, len) and builds t. Returns the bytes
 * used, or 0 when corrupt. scratch is a work area for an FSE table.
 */
size_t huf_read_table(struct huf_table *t, const uint8_t *buf, size_t len,
                      struct fse_table *scratch);
/* Decodes a Huffman stream (4.2.2) buf[0, len) into exactly n bytes; false when corrupt. */
bool huf_decode_stream(const struct huf_table *t, const uint8_t *buf, size_t len,
                       uint8_t *out, size_t n);

#endif
