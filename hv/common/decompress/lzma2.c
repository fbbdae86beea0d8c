// SPDX-License-Identifier: MIT
// LZMA2 decoder (the .xz filter 0x21): chunk parsing, range decoder, LZMA symbol decoding.
#include <tern/xmalloc.h>

#include "dc.h"

/*
 * References: the LZMA specification (lzma-specification.txt of the LZMA SDK) for the range
 * coder and the LZMA model, and the LZMA2 chunk format as the .xz format (section 5.3.1)
 * uses it. The dictionary is the output buffer itself: everything since the last dictionary
 * reset is in out[dict_start, op), so a match is valid when its distance reaches no further
 * back than dict_start (the encoder never goes beyond its dictionary size either).
 */
#define PROB_BITS 11
#define PROB_INIT (1u << (PROB_BITS - 1))
#define MOVE_BITS 5
#define RC_TOP (1u << 24)

#define STATES 12
#define LIT_STATES 7 /* states below this had a literal last */
#define POS_STATES_MAX 16
#define DIST_STATES 4
#define DIST_SLOT_BITS 6
#define DIST_MODEL_START 4
#define DIST_MODEL_END 14
#define FULL_DISTANCES 128
#define ALIGN_BITS 4
#define MATCH_LEN_MIN 2
#define LITERAL_CODER_SIZE 0x300
#define LC_LP_MAX 4 /* LZMA2 requires lc + lp <= 4 */

struct len_coder {
    uint16_t choice, choice2;
    uint16_t low[POS_STATES_MAX][1 << 3];
    uint16_t mid[POS_STATES_MAX][1 << 3];
    uint16_t high[1 << 8];
};

/* The probabilities come first so that a reset can treat them as one array. */
struct lzma {
    uint16_t is_match[STATES][POS_STATES_MAX];
    uint16_t is_rep[STATES], is_rep0[STATES], is_rep1[STATES], is_rep2[STATES];
    uint16_t is_rep0_long[STATES][POS_STATES_MAX];
    uint16_t dist_slot[DIST_STATES][1 << DIST_SLOT_BITS];
    uint16_t dist_special[1 + FULL_DISTANCES - DIST_MODEL_END];
    uint16_t dist_align[1 << ALIGN_BITS];
    struct len_coder match_len, rep_len;
    uint16_t literal[LITERAL_CODER_SIZE << LC_LP_MAX];
    /* end of probabilities */
    unsigned int lc, lp, pb;
    unsigned int state;
    uint32_t rep0, rep1, rep2, rep3;
};

struct rc {
    uint32_t range, code;
    const uint8_t *p, *end;
    bool over; /* read past the chunk: the data is corrupt, checked once per symbol */
};

static void lzma_reset(struct lzma *s)
{
    uint16_t *prob = (uint16_t *)s;
    size_t n = offsetof(struct lzma, lc) / sizeof(uint16_t);
    for (size_t i = 0; i < n; i++)
        prob[i] = PROB_INIT;
    s->state = 0;
    s->rep0 = s->rep1 = s->rep2 = s->rep3 = 0;
}

static inline void rc_normalize(struct rc *rc)
{
    if (rc->range < RC_TOP) {
        rc->range <<= 8;
        rc->code <<= 8;
        if (likely(rc->p < rc->end))
            rc->code |= *rc->p++;
        else
            rc->over = true;
    }
}

static inline unsigned int rc_bit(struct rc *rc, uint16_t *prob)
{
    rc_normalize(rc);
    uint32_t bound = (rc->range >> PROB_BITS) * *prob;
    if (rc->code < bound) {
        rc->range = bound;
        *prob = (uint16_t)(*prob + (((1u << PROB_BITS) - *prob) >> MOVE_BITS));
        return 0;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob = (uint16_t)(*prob - (*prob >> MOVE_BITS));
    return 1;
}

/* A bit tree of `bits` levels, most significant bit first (LZMA spec "BitTreeDecode"). */
static inline unsigned int rc_tree(struct rc *rc, uint16_t *probs, unsigned int bits)
{
    unsigned int m = 1;
    for (unsigned int i = 0; i < bits; i++)
        m = (m << 1) | rc_bit(rc, &probs[m]);
    return m - (1u << bits);
}

/* The same tree read least significant bit first ("BitTreeReverseDecode"). */
static inline unsigned int rc_tree_rev(struct rc *rc, uint16_t *probs, unsigned int bits)
{
    unsigned int m = 1, sym = 0;
    for (unsigned int i = 0; i < bits; i++) {
        unsigned int b = rc_bit(rc, &probs[m]);
        m = (m << 1) | b;
        sym |= b << i;
    }
    return sym;
}

/* Bits of probability one half ("DecodeDirectBits"). */
static inline uint32_t rc_direct(struct rc *rc, unsigned int bits)
{
    uint32_t v = 0;
    while (bits--) {
        rc_normalize(rc);
        rc->range >>= 1;
        uint32_t b = rc->code >= rc->range;
        rc->code -= rc->range & (0u - b);
        v = (v << 1) | b;
    }
    return v;
}

/* Forced inline: in the symbol loop they run once per match. */
#define HOT static inline __attribute__((always_inline))

/* A match length minus MATCH_LEN_MIN: 8 low, 8 mid or 256 high values. */
HOT unsigned int decode_len(struct rc *rc, struct len_coder *lc, unsigned int ps)
{
    if (!rc_bit(rc, &lc->choice))
        return rc_tree(rc, lc->low[ps], 3);
    if (!rc_bit(rc, &lc->choice2))
        return 8 + rc_tree(rc, lc->mid[ps], 3);
    return 16 + rc_tree(rc, lc->high, 8);
}

/* A match distance minus one, from its 6-bit slot and the extra bits the slot calls for. */
HOT uint32_t decode_dist(struct rc *rc, struct lzma *s, unsigned int len)
{
    unsigned int slot = rc_tree(rc, s->dist_slot[MIN(len, DIST_STATES - 1)], DIST_SLOT_BITS);
    if (slot < DIST_MODEL_START)
        return slot;
    unsigned int nb = (slot >> 1) - 1;
    uint32_t dist = (2u | (slot & 1)) << nb;
    if (slot < DIST_MODEL_END)
        return dist + rc_tree_rev(rc, s->dist_special + dist - slot, nb);
    dist += rc_direct(rc, nb - ALIGN_BITS) << ALIGN_BITS;
    return dist + rc_tree_rev(rc, s->dist_align, ALIGN_BITS);
}

/*
 * Decodes LZMA symbols into out[*pos, end) until exactly end. Returns false on corrupt data:
 * a distance before dict_start, a match running past the chunk, input overrun, end marker.
 */
static bool lzma_chunk(struct lzma *s, struct rc *rcp, uint8_t *out, size_t dict_start,
                       size_t *pos, size_t end)
{
    struct rc rc = *rcp; /* a local copy the compiler can keep in registers */
    size_t op = *pos;
    unsigned int st = s->state;
    uint32_t rep0 = s->rep0, rep1 = s->rep1, rep2 = s->rep2, rep3 = s->rep3;
    const unsigned int pb_mask = (1u << s->pb) - 1, lp_mask = (1u << s->lp) - 1;
    const unsigned int lc = s->lc;
    bool ok = false;

    while (op < end) {
        if (rc.over)
            goto out;
        size_t have = op - dict_start;
        unsigned int ps = (unsigned int)have & pb_mask;
        if (!rc_bit(&rc, &s->is_match[st][ps])) {
            unsigned int prev = have ? out[op - 1] : 0;
            uint16_t *probs = s->literal + LITERAL_CODER_SIZE *
                              ((((unsigned int)have & lp_mask) << lc) + (prev >> (8 - lc)));
            unsigned int sym = 1;
            if (st >= LIT_STATES) {
                /* After a match the byte at rep0 steers the probabilities until they differ. */
                if (rep0 >= have)
                    goto out;
                unsigned int mbyte = out[op - rep0 - 1];
                do {
                    unsigned int mbit = (mbyte >> 7) & 1;
                    mbyte <<= 1;
                    unsigned int bit = rc_bit(&rc, &probs[((1 + mbit) << 8) + sym]);
                    sym = (sym << 1) | bit;
                    if (bit != mbit)
                        break;
                } while (sym < 0x100);
            }
            while (sym < 0x100)
                sym = (sym << 1) | rc_bit(&rc, &probs[sym]);
            out[op++] = (uint8_t)sym;
            st = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
            continue;
        }
        unsigned int len;
        if (!rc_bit(&rc, &s->is_rep[st])) {
            len = decode_len(&rc, &s->match_len, ps);
            st = st < LIT_STATES ? 7 : 10;
            uint32_t d = decode_dist(&rc, s, len);
            if (d == 0xffffffffu)
                goto out; /* end marker: LZMA2 chunks have none */
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            rep0 = d;
        } else if (!rc_bit(&rc, &s->is_rep0[st])) {
            if (!rc_bit(&rc, &s->is_rep0_long[st][ps])) {
                /* short rep: one byte from distance rep0 */
                st = st < LIT_STATES ? 9 : 11;
                if (rep0 >= have)
                    goto out;
                out[op] = out[op - rep0 - 1];
                op++;
                continue;
            }
            len = decode_len(&rc, &s->rep_len, ps);
            st = st < LIT_STATES ? 8 : 11;
        } else {
            uint32_t d;
            if (!rc_bit(&rc, &s->is_rep1[st])) {
                d = rep1;
            } else {
                if (!rc_bit(&rc, &s->is_rep2[st])) {
                    d = rep2;
                } else {
                    d = rep3;
                    rep3 = rep2;
                }
                rep2 = rep1;
            }
            rep1 = rep0;
            rep0 = d;
            len = decode_len(&rc, &s->rep_len, ps);
            st = st < LIT_STATES ? 8 : 11;
        }
        len += MATCH_LEN_MIN;
        if (rep0 >= have || len > end - op)
            goto out;
        uint8_t *dst = out + op;
        const uint8_t *src = dst - rep0 - 1;
        if (rep0 + 1 >= len && len > 32) {
            memcpy(dst, src, len);
        } else { /* short or overlapping: a loop beats a call */
            for (unsigned int i = 0; i < len; i++)
                dst[i] = src[i];
        }
        op += len;
    }
    ok = !rc.over;
out:
    *rcp = rc;
    *pos = op;
    s->state = st;
    s->rep0 = rep0;
    s->rep1 = rep1;
    s->rep2 = rep2;
    s->rep3 = rep3;
    return ok;
}

static inline uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

int dc_lzma2(const uint8_t *in, size_t inlen, size_t *used, uint8_t *out, size_t limit,
             size_t *pos, size_t base_off, char *err, size_t errlen)
{
    struct lzma *s = xmalloc_bytes(sizeof(*s));
    size_t ip = 0, op = *pos, dict_start = op, chunk = 0;
    bool need_dict = true, need_props = true;
    int rc = 0;

    if (!s)
        return dc_fail(err, errlen, -ENOMEM, "xz: no memory for the LZMA decoder");
    /* Every chunk consumes at least one control byte: the loop ends with the input. */
    for (;;) {
        chunk = ip;
        if (ip >= inlen)
            goto truncated;
        unsigned int c = in[ip];
        if (c == 0x00) { /* end of the LZMA2 data */
            ip++;
            break;
        }
        /* Control bytes (.xz 5.3.1): 0x01 dict reset + stored, 0x02 stored, 0x80-0xff LZMA
         * with bits 5-6 saying what to reset (0xe0: dictionary too). */
        if (c >= 0xe0 || c == 0x01) {
            need_props = true;
            need_dict = false;
            dict_start = op;
        } else if (need_dict || (c > 0x02 && c < 0x80)) {
            goto bad;
        }
        if (c < 0x80) {
            if (inlen - ip < 3)
                goto truncated;
            size_t n = be16(in + ip + 1) + 1;
            ip += 3;
            if (n > inlen - ip)
                goto truncated;
            if (n > limit - op)
                goto nospace;
            memcpy(out + op, in + ip, n);
            ip += n;
            op += n;
            continue;
        }
        size_t hdr = c >= 0xc0 ? 6 : 5;
        if (inlen - ip < hdr)
            goto truncated;
        size_t usize = ((size_t)(c & 0x1f) << 16) + be16(in + ip + 1) + 1;
        size_t csize = be16(in + ip + 3) + 1;
        if (c >= 0xc0) {
            /* properties byte: (pb * 5 + lp) * 9 + lc */
            unsigned int p = in[ip + 5];
            if (p >= 9 * 5 * 5)
                goto bad;
            s->lc = p % 9;
            s->lp = (p / 9) % 5;
            s->pb = p / 45;
            if (s->lc + s->lp > LC_LP_MAX)
                goto bad;
            need_props = false;
        } else if (need_props) {
            goto bad;
        }
        if (c >= 0xa0)
            lzma_reset(s);
        ip += hdr;
        if (csize > inlen - ip)
            goto truncated;
        if (usize > limit - op)
            goto nospace;
        /* Each LZMA chunk is a whole range-coder stream: a zero byte, then the code. */
        if (csize < 5 || in[ip] != 0)
            goto bad;
        struct rc r = { .range = 0xffffffffu, .p = in + ip + 1, .end = in + ip + csize };
        for (int i = 0; i < 4; i++)
            r.code = (r.code << 8) | *r.p++;
        if (!lzma_chunk(s, &r, out, dict_start, &op, op + usize))
            goto bad;
        rc_normalize(&r);
        /* The encoder's flush leaves the code at zero and the chunk fully consumed. */
        if (r.over || r.p != r.end || r.code != 0)
            goto bad;
        ip += csize;
    }
    goto done;
truncated:
    rc = dc_fail(err, errlen, -EINVAL, "xz: truncated LZMA2 data at offset %zu",
                 base_off + chunk);
    goto done;
bad:
    rc = dc_fail(err, errlen, -EINVAL, "xz: bad LZMA2 chunk at offset %zu", base_off + chunk);
    goto done;
nospace:
    rc = dc_fail(err, errlen, -ENOSPC, "xz: output does not fit in %zu bytes", limit);
done:
    xfree(s);
    *used = ip;
    *pos = op;
    return rc;
}
