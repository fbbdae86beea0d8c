// SPDX-License-Identifier: MIT
// DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
#include <tern/xmalloc.h>

#include "dc.h"

#define MAX_BITS 15     /* longest code (RFC 1951 3.2.7) */
#define FAST_BITS 10    /* codes this short decode with one table look-up */
#define NUM_LITLEN 288  /* 286 used; 286 and 287 take part in the fixed code only */
#define NUM_DIST 32     /* 30 used */
#define NUM_CODELEN 19

/*
 * A canonical Huffman code (RFC 1951 3.2.2): count[len] codes of each length, the symbols
 * sorted by (length, value). fast[] maps the next FAST_BITS input bits (codes are sent most
 * significant bit first, so it is indexed by the bit-reversed code) to (symbol << 4 | length),
 * 0 for codes longer than FAST_BITS or not in the code; those go the slow, bit-by-bit way.
 */
struct huffman {
    uint16_t count[MAX_BITS + 1];
    uint16_t symbol[NUM_LITLEN];
    uint16_t fast[1 << FAST_BITS];
};

struct inflate {
    const uint8_t *in;
    size_t inlen, ip;   /* next byte to load into bits */
    uint64_t bits;      /* bit buffer, least significant first (RFC 1951 3.1.1) */
    unsigned int nbits;
    uint8_t *out;
    size_t outcap, op;
    struct huffman lit, dist, codelen;
    char *err;
    size_t errlen;
};

#define FAIL(rc, ...) dc_fail(s->err, s->errlen, rc, "gzip: " __VA_ARGS__)

static inline void refill(struct inflate *s)
{
    while (s->nbits <= 56 && s->ip < s->inlen) {
        s->bits |= (uint64_t)s->in[s->ip++] << s->nbits;
        s->nbits += 8;
    }
}

/* n (<= 32) bits, or -1 at the end of the input. */
static inline int64_t getbits(struct inflate *s, unsigned int n)
{
    if (s->nbits < n) {
        refill(s);
        if (s->nbits < n)
            return -1;
    }
    uint64_t v = s->bits & ((1ull << n) - 1);
    s->bits >>= n;
    s->nbits -= n;
    return (int64_t)v;
}

/* Builds h from code lengths; false when the lengths over-subscribe the code space. */
static bool build(struct huffman *h, const uint8_t *lens, unsigned int n)
{
    uint16_t offs[MAX_BITS + 2];
    memset(h->count, 0, sizeof(h->count));
    memset(h->fast, 0, sizeof(h->fast));
    for (unsigned int i = 0; i < n; i++)
        h->count[lens[i]]++;
    h->count[0] = 0;
    int left = 1;
    for (unsigned int len = 1; len <= MAX_BITS; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return false;
    }
    /* Incomplete codes are allowed (RFC 1951 3.2.7 permits one distance code); an unused
     * bit pattern is an error when it is met. */
    offs[1] = 0;
    for (unsigned int len = 1; len <= MAX_BITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    unsigned int code = 0, next[MAX_BITS + 1];
    for (unsigned int len = 1; len <= MAX_BITS; len++) {
        code = (code + h->count[len - 1] * (len > 1)) << 1;
        next[len] = code;
    }
    /* next[len] above is the first code of each length (3.2.2 step 2). */
    for (unsigned int sym = 0; sym < n; sym++) {
        unsigned int len = lens[sym];
        if (!len)
            continue;
        h->symbol[offs[len]++] = (uint16_t)sym;
        unsigned int c = next[len]++;
        if (len > FAST_BITS)
            continue;
        unsigned int rev = 0;
        for (unsigned int i = 0; i < len; i++)
            rev |= ((c >> i) & 1) << (len - 1 - i);
        for (unsigned int r = rev; r < (1u << FAST_BITS); r += 1u << len)
            h->fast[r] = (uint16_t)(sym << 4 | len);
    }
    return true;
}

/* The next symbol of code h, or -1 for the end of the input or a bit pattern not in h. */
static inline int decode(struct inflate *s, const struct huffman *h)
{
    if (s->nbits < MAX_BITS)
        refill(s);
    unsigned int e = h->fast[s->bits & ((1u << FAST_BITS) - 1)];
    if (e && (e & 15) <= s->nbits) {
        s->bits >>= e & 15;
        s->nbits -= e & 15;
        return e >> 4;
    }
    /* Canonical decoding a bit at a time: code - first is the index among its length. */
    int code = 0, first = 0, index = 0;
    for (unsigned int len = 1; len <= MAX_BITS; len++) {
        int64_t b = getbits(s, 1);
        if (b < 0)
            return -1;
        code |= (int)b;
        int count = h->count[len];
        if (code - first < count)
            return h->symbol[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* RFC 1951 3.2.5: base lengths and distances and their extra bits. */
static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                       35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                       3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
                                        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
                                        6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                        8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* The data of a Huffman block, to its end-of-block code. Each symbol consumes input bits. */
static int codes(struct inflate *s)
{
    for (;;) {
        int sym = decode(s, &s->lit);
        if (sym < 0)
            return FAIL(-EINVAL, "bad literal/length code at offset %zu", s->ip);
        if (sym < 256) {
            if (s->op >= s->outcap)
                return FAIL(-ENOSPC, "output does not fit in %zu bytes", s->outcap);
            s->out[s->op++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return FAIL(-EINVAL, "bad length code %d at offset %zu", sym + 257, s->ip);
        int64_t e = getbits(s, len_extra[sym]);
        if (e < 0)
            return FAIL(-EINVAL, "truncated deflate data");
        size_t len = len_base[sym] + (size_t)e;
        int d = decode(s, &s->dist);
        if (d < 0 || d >= 30)
            return FAIL(-EINVAL, "bad distance code at offset %zu", s->ip);
        e = getbits(s, dist_extra[d]);
        if (e < 0)
            return FAIL(-EINVAL, "truncated deflate data");
        size_t dist = dist_base[d] + (size_t)e;
        if (dist > s->op)
            return FAIL(-EINVAL, "distance %zu too far back at offset %zu", dist, s->ip);
        if (len > s->outcap - s->op)
            return FAIL(-ENOSPC, "output does not fit in %zu bytes", s->outcap);
        uint8_t *dst = s->out + s->op;
        const uint8_t *src = dst - dist;
        if (dist >= len) {
            memcpy(dst, src, len);
        } else {
            for (size_t i = 0; i < len; i++)
                dst[i] = src[i];
        }
        s->op += len;
    }
}

/* A stored block (3.2.4): to a byte boundary, LEN, NLEN, LEN bytes. */
static int stored(struct inflate *s)
{
    /* Drop the partial byte; the whole bytes still buffered go back to the input. */
    s->bits >>= s->nbits & 7;
    s->nbits -= s->nbits & 7;
    s->ip -= s->nbits / 8;
    s->bits = 0;
    s->nbits = 0;
    if (s->inlen - s->ip < 4)
        return FAIL(-EINVAL, "truncated stored block at offset %zu", s->ip);
    uint16_t len = dc_le16(s->in + s->ip), nlen = dc_le16(s->in + s->ip + 2);
    if ((len ^ nlen) != 0xffff)
        return FAIL(-EINVAL, "stored block length check failed at offset %zu", s->ip);
    s->ip += 4;
    if (len > s->inlen - s->ip)
        return FAIL(-EINVAL, "truncated stored block at offset %zu", s->ip);
    if (len > s->outcap - s->op)
        return FAIL(-ENOSPC, "output does not fit in %zu bytes", s->outcap);
    memcpy(s->out + s->op, s->in + s->ip, len);
    s->ip += len;
    s->op += len;
    return 0;
}

static int fixed(struct inflate *s)
{
    uint8_t lens[NUM_LITLEN];
    unsigned int i = 0;
    /* 3.2.6 */
    for (; i < 144; i++)
        lens[i] = 8;
    for (; i < 256; i++)
        lens[i] = 9;
    for (; i < 280; i++)
        lens[i] = 7;
    for (; i < NUM_LITLEN; i++)
        lens[i] = 8;
    build(&s->lit, lens, NUM_LITLEN);
    for (i = 0; i < NUM_DIST; i++)
        lens[i] = 5;
    build(&s->dist, lens, NUM_DIST);
    return codes(s);
}

/* A dynamic block (3.2.7): the code lengths, themselves Huffman-coded, then the data. */
static int dynamic(struct inflate *s)
{
    static const uint8_t order[NUM_CODELEN] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4,
                                                12, 3, 13, 2, 14, 1, 15 };
    uint8_t lens[NUM_LITLEN + NUM_DIST];
    int64_t hlit = getbits(s, 5), hdist = getbits(s, 5), hclen = getbits(s, 4);
    if (hclen < 0)
        return FAIL(-EINVAL, "truncated dynamic block header");
    unsigned int nlen = (unsigned int)hlit + 257, ndist = (unsigned int)hdist + 1;
    if (nlen > 286 || ndist > 30)
        return FAIL(-EINVAL, "bad dynamic block header at offset %zu", s->ip);
    memset(lens, 0, sizeof(lens));
    for (unsigned int i = 0; i < (unsigned int)hclen + 4; i++) {
        int64_t l = getbits(s, 3);
        if (l < 0)
            return FAIL(-EINVAL, "truncated dynamic block header");
        lens[order[i]] = (uint8_t)l;
    }
    if (!build(&s->codelen, lens, NUM_CODELEN))
        return FAIL(-EINVAL, "bad code length code at offset %zu", s->ip);
    unsigned int i = 0;
    while (i < nlen + ndist) {
        int sym = decode(s, &s->codelen);
        if (sym < 0)
            return FAIL(-EINVAL, "bad code length at offset %zu", s->ip);
        if (sym < 16) {
            lens[i++] = (uint8_t)sym;
            continue;
        }
        unsigned int rep, val = 0;
        int64_t e;
        if (sym == 16) {
            if (i == 0)
                return FAIL(-EINVAL, "code length repeat with no previous length");
            val = lens[i - 1];
            e = getbits(s, 2);
            rep = 3 + (unsigned int)e;
        } else if (sym == 17) {
            e = getbits(s, 3);
            rep = 3 + (unsigned int)e;
        } else {
            e = getbits(s, 7);
            rep = 11 + (unsigned int)e;
        }
        if (e < 0 || rep > nlen + ndist - i)
            return FAIL(-EINVAL, "bad code length repeat at offset %zu", s->ip);
        while (rep--)
            lens[i++] = (uint8_t)val;
    }
    if (lens[256] == 0)
        return FAIL(-EINVAL, "dynamic block without an end-of-block code");
    if (!build(&s->lit, lens, nlen) || !build(&s->dist, lens + nlen, ndist))
        return FAIL(-EINVAL, "over-subscribed Huffman code at offset %zu", s->ip);
    return codes(s);
}

int dc_inflate(const uint8_t *in, size_t inlen, size_t *used, uint8_t *out, size_t outcap,
               size_t *pos, char *err, size_t errlen)
{
    struct inflate *s = xmalloc_bytes(sizeof(*s));
    int rc = 0;
    int64_t last = 0;
    if (!s)
        return dc_fail(err, errlen, -ENOMEM, "gzip: no memory for the inflate state");
    s->in = in;
    s->inlen = inlen;
    s->out = out;
    s->outcap = outcap;
    s->op = *pos;
    s->err = err;
    s->errlen = errlen;
    /* Blocks until the one marked last; each takes at least 3 bits of input. */
    while (!rc && !last) {
        last = getbits(s, 1);
        int64_t type = getbits(s, 2);
        if (type < 0)
            rc = FAIL(-EINVAL, "truncated deflate data at offset %zu", s->ip);
        else if (type == 0)
            rc = stored(s);
        else if (type == 1)
            rc = fixed(s);
        else if (type == 2)
            rc = dynamic(s);
        else
            rc = FAIL(-EINVAL, "bad deflate block type 3 at offset %zu", s->ip);
    }
    /* Whole bytes still in the bit buffer were not part of the stream. */
    *used = s->ip - s->nbits / 8;
    *pos = s->op;
    xfree(s);
    return rc;
}
