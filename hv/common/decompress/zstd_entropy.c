// SPDX-License-Identifier: MIT
// Zstandard entropy coding (RFC 8878 section 4): backward bit streams, FSE and Huffman tables.
#include "zstd.h"

static unsigned int highbit32(uint32_t x) /* x != 0 */
{
    return 31u - (unsigned int)__builtin_clz(x);
}

bool zbits_init(struct zbits *b, const uint8_t *buf, size_t len)
{
    /* The last byte holds a 1 marking where the stream ends, then 0-7 zero bits (4.2.2). */
    if (!len || !buf[len - 1])
        return false;
    b->base = buf;
    b->len = len;
    b->pos = (int64_t)(len - 1) * 8 + highbit32(buf[len - 1]);
    return true;
}

/* 57 bits from bit lo on, the bits outside the stream reading as zero (near either end). */
uint64_t zbits_slow(const struct zbits *b, int64_t lo)
{
    int64_t first = lo >= 0 ? lo / 8 : -((-lo + 7) / 8); /* floor(lo / 8) */
    unsigned int shift = (unsigned int)(lo - first * 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        int64_t k = first + i;
        if (k >= 0 && (uint64_t)k < b->len)
            v |= (uint64_t)b->base[k] << (8 * i);
    }
    v >>= shift;
    int64_t k = first + 8;
    if (shift && k >= 0 && (uint64_t)k < b->len)
        v |= (uint64_t)b->base[k] << (64 - shift);
    return v;
}

/* A forward little-endian bit reader for table descriptions (4.1.1), zeros past the end. */
struct fbits {
    const uint8_t *buf;
    size_t len;
    size_t pos; /* bits consumed */
};

static uint32_t fbits_peek(const struct fbits *f, unsigned int n) /* n <= 24 */
{
    uint32_t v = 0;
    size_t byte = f->pos / 8;
    for (unsigned int i = 0; i < 4; i++)
        if (byte + i < f->len)
            v |= (uint32_t)f->buf[byte + i] << (8 * i);
    return (v >> (f->pos % 8)) & ((1u << n) - 1);
}

bool fse_build(struct fse_table *t, const int16_t *norm, unsigned int nsym, unsigned int log)
{
    uint32_t size = 1u << log, high = size - 1, mask = size - 1;
    uint16_t next[256];
    /* "Less than 1" symbols take one cell each from the end of the table. */
    for (unsigned int s = 0; s < nsym; s++) {
        if (norm[s] == -1) {
            t->e[high--].symbol = (uint8_t)s;
            next[s] = 1;
        } else {
            next[s] = (uint16_t)(norm[s] > 0 ? norm[s] : 0);
        }
    }
    /* The others are spread over the rest with a fixed step, skipping those cells. */
    uint32_t pos = 0, step = (size >> 1) + (size >> 3) + 3;
    for (unsigned int s = 0; s < nsym; s++) {
        for (int i = 0; i < norm[s]; i++) {
            t->e[pos].symbol = (uint8_t)s;
            do
                pos = (pos + step) & mask;
            while (pos > high);
        }
    }
    if (pos != 0)
        return false; /* the probabilities did not fill the table exactly */
    /*
     * The k-th cell of a symbol of probability p (in state order) decodes x = p + k: its
     * next state takes log - highbit(x) bits added to (x << nbits) - size, which gives the
     * lower cells twice the width of the higher ones (4.1.1 "From normalized distribution").
     */
    for (uint32_t u = 0; u < size; u++) {
        uint32_t x = next[t->e[u].symbol]++;
        unsigned int nb = log - highbit32(x);
        t->e[u].nbits = (uint8_t)nb;
        t->e[u].base = (uint16_t)((x << nb) - size);
    }
    t->log = log;
    return true;
}

void fse_build_rle(struct fse_table *t, uint8_t symbol)
{
    t->log = 0;
    t->e[0].symbol = symbol;
    t->e[0].nbits = 0;
    t->e[0].base = 0;
}

size_t fse_read_table(struct fse_table *t, const uint8_t *buf, size_t len,
                      unsigned int max_symbol, unsigned int max_log)
{
    struct fbits f = { buf, len, 0 };
    int16_t norm[256];
    if (!len)
        return 0;
    unsigned int log = fbits_peek(&f, 4) + 5;
    f.pos = 4;
    if (log > max_log)
        return 0;
    /*
     * remaining is the probability points left plus one: the values that can still occur.
     * A value needs nbits bits, but the lowest (2 * threshold - 1 - remaining) of them are
     * sent with one bit less (4.1.1).
     */
    int32_t remaining = (1 << log) + 1, threshold = 1 << log;
    unsigned int nbits = log + 1, sym = 0;
    while (remaining > 1) {
        if (sym > max_symbol)
            return 0;
        int32_t max = 2 * threshold - 1 - remaining;
        int32_t v = (int32_t)fbits_peek(&f, nbits), val;
        if ((v & (threshold - 1)) < max) {
            val = v & (threshold - 1);
            f.pos += nbits - 1;
        } else {
            val = v & (2 * threshold - 1);
            if (val >= threshold)
                val -= max;
            f.pos += nbits;
        }
        int32_t prob = val - 1; /* -1: "less than 1", counts as one */
        remaining -= prob < 0 ? -prob : prob;
        norm[sym++] = (int16_t)prob;
        if (prob == 0) {
            /* 2-bit repeat flags: that many more zero probabilities, 3 means more follow. */
            uint32_t r;
            do {
                r = fbits_peek(&f, 2);
                f.pos += 2;
                for (uint32_t i = 0; i < r; i++) {
                    if (sym > max_symbol)
                        return 0;
                    norm[sym++] = 0;
                }
            } while (r == 3);
        }
        while (remaining < threshold && threshold > 1) {
            nbits--;
            threshold >>= 1;
        }
    }
    if (remaining != 1 || f.pos > len * 8)
        return 0;
    if (!fse_build(t, norm, sym, log))
        return 0;
    return (f.pos + 7) / 8;
}

/* Huffman weights sent with FSE (4.2.1.2): two states taking turns on one backward stream. */
static size_t huf_fse_weights(const uint8_t *buf, size_t csize, uint8_t *w,
                              struct fse_table *ft)
{
    size_t used = fse_read_table(ft, buf, csize, 12, 6);
    struct zbits b;
    size_t n = 0;
    if (!used || used >= csize || !zbits_init(&b, buf + used, csize - used))
        return 0;
    uint32_t s1 = (uint32_t)zbits_read(&b, ft->log), s2 = (uint32_t)zbits_read(&b, ft->log);
    if (b.pos < 0)
        return 0;
    /* When a state update runs past the start, the other state gives the last weight. */
    for (;;) {
        if (n >= 255)
            return 0;
        w[n++] = ft->e[s1].symbol;
        s1 = ft->e[s1].base + (uint32_t)zbits_read(&b, ft->e[s1].nbits);
        if (b.pos < 0) {
            w[n++] = ft->e[s2].symbol;
            break;
        }
        if (n >= 255)
            return 0;
        w[n++] = ft->e[s2].symbol;
        s2 = ft->e[s2].base + (uint32_t)zbits_read(&b, ft->e[s2].nbits);
        if (b.pos < 0) {
            w[n++] = ft->e[s1].symbol;
            break;
        }
    }
    return n;
}

size_t huf_read_table(struct huf_table *t, const uint8_t *buf, size_t len,
                      struct fse_table *scratch)
{
    uint8_t w[256];
    size_t n, used;
    if (!len)
        return 0;
    unsigned int hb = buf[0];
    if (hb < 128) { /* FSE-compressed weights, hb bytes */
        if (hb == 0 || hb > len - 1)
            return 0;
        n = huf_fse_weights(buf + 1, hb, w, scratch);
        used = 1 + hb;
    } else { /* hb - 127 weights, 4 bits each, first in the high nibble */
        n = hb - 127;
        used = 1 + (n + 1) / 2;
        if (used > len)
            return 0;
        for (size_t i = 0; i < n; i++)
            w[i] = (uint8_t)(i & 1 ? buf[1 + i / 2] & 15 : buf[1 + i / 2] >> 4);
    }
    if (n == 0 || n > 255)
        return 0;
    /* The last symbol's weight completes the sum of 2^(w-1) to a power of two (4.2.1.1). */
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > ZSTD_HUF_LOG_MAX)
            return 0;
        if (w[i])
            total += 1u << (w[i] - 1);
    }
    if (!total)
        return 0;
    unsigned int max_bits = highbit32(total) + 1;
    uint32_t rest = (1u << max_bits) - total;
    if (max_bits > ZSTD_HUF_LOG_MAX || (rest & (rest - 1)))
        return 0;
    w[n++] = (uint8_t)(highbit32(rest) + 1);
    /* Codes go to the lightest weights first, symbols in order within a weight: a symbol of
     * weight x takes 2^(x-1) consecutive entries of the 2^max_bits table (4.2.1.3). */
    uint32_t pos = 0;
    for (unsigned int x = 1; x <= max_bits; x++)
        for (size_t s = 0; s < n; s++) {
            if (w[s] != x)
                continue;
            uint32_t cnt = 1u << (x - 1);
            for (uint32_t i = 0; i < cnt; i++) {
                t->e[pos + i].symbol = (uint8_t)s;
                t->e[pos + i].nbits = (uint8_t)(max_bits + 1 - x);
            }
            pos += cnt;
        }
    t->max_bits = max_bits;
    return used;
}

bool huf_decode_stream(const struct huf_table *t, const uint8_t *buf, size_t len,
                       uint8_t *out, size_t n)
{
    struct zbits b;
    if (!zbits_init(&b, buf, len))
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct huf_entry *e = &t->e[zbits_peek(&b, t->max_bits)];
        out[i] = e->symbol;
        b.pos -= e->nbits;
        if (b.pos < 0)
            return false;
    }
    return b.pos == 0; /* the stream must be consumed exactly */
}
