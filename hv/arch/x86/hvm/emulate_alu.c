// SPDX-License-Identifier: MIT
/*
 * Integer arithmetic and flags for the instruction emulator (emulate_alu.h). Everything is
 * computed on uint64_t values masked to the operand size; no host flags, no libgcc helpers
 * (Tern links without libgcc: the 128-by-64-bit division is done by hand).
 */
#include "emulate_alu.h"

uint64_t alu_mask(unsigned int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static uint64_t msb(unsigned int size)
{
    return 1ULL << (size * 8 - 1);
}

uint64_t alu_sext(uint64_t val, unsigned int size)
{
    uint64_t m = alu_mask(size);

    val &= m;
    return (val & msb(size)) ? val | ~m : val;
}

/* PF: set when the low byte of the result has an even number of one bits. */
static bool parity_even(uint64_t res)
{
    unsigned int b = (unsigned int)res & 0xff;

    b ^= b >> 4;
    return !((0x6996u >> (b & 0xf)) & 1);
}

/* SF, ZF and PF from a result; the other flags are kept. */
static void set_szp(uint64_t res, unsigned int size, uint64_t *flags)
{
    res &= alu_mask(size);
    *flags &= ~(uint64_t)(X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_PF);
    if (res & msb(size))
        *flags |= X86_EFLAGS_SF;
    if (!res)
        *flags |= X86_EFLAGS_ZF;
    if (parity_even(res))
        *flags |= X86_EFLAGS_PF;
}

static void set_flag(uint64_t *flags, uint64_t bit, bool on)
{
    if (on)
        *flags |= bit;
    else
        *flags &= ~bit;
}

/* dst + src + carry with every arithmetic flag. */
static uint64_t do_add(uint64_t dst, uint64_t src, bool carry, unsigned int size,
                       uint64_t *flags)
{
    uint64_t m = alu_mask(size), d = dst & m, s = src & m;
    uint64_t res = (d + s + carry) & m;
    bool cf = size >= 8 ? (res < d || (carry && res == d)) : (d + s + carry) > m;

    set_szp(res, size, flags);
    set_flag(flags, X86_EFLAGS_CF, cf);
    set_flag(flags, X86_EFLAGS_OF, (d ^ res) & (s ^ res) & msb(size));
    set_flag(flags, X86_EFLAGS_AF, (d ^ s ^ res) & 0x10);
    return res;
}

/* dst - src - borrow with every arithmetic flag. */
static uint64_t do_sub(uint64_t dst, uint64_t src, bool borrow, unsigned int size,
                       uint64_t *flags)
{
    uint64_t m = alu_mask(size), d = dst & m, s = src & m;
    uint64_t res = (d - s - borrow) & m;

    set_szp(res, size, flags);
    set_flag(flags, X86_EFLAGS_CF, d < s || (borrow && d == s));
    set_flag(flags, X86_EFLAGS_OF, (d ^ s) & (d ^ res) & msb(size));
    set_flag(flags, X86_EFLAGS_AF, (d ^ s ^ res) & 0x10);
    return res;
}

static uint64_t do_logic(uint64_t res, unsigned int size, uint64_t *flags)
{
    res &= alu_mask(size);
    set_szp(res, size, flags);
    *flags &= ~(uint64_t)(X86_EFLAGS_CF | X86_EFLAGS_OF | X86_EFLAGS_AF);
    return res;
}

uint64_t alu_arith(enum alu_op op, uint64_t dst, uint64_t src, unsigned int size,
                   uint64_t *flags)
{
    bool cf = *flags & X86_EFLAGS_CF;

    switch (op) {
    case ALU_ADD:
        return do_add(dst, src, false, size, flags);
    case ALU_ADC:
        return do_add(dst, src, cf, size, flags);
    case ALU_SUB:
    case ALU_CMP:
        return do_sub(dst, src, false, size, flags);
    case ALU_SBB:
        return do_sub(dst, src, cf, size, flags);
    case ALU_OR:
        return do_logic(dst | src, size, flags);
    case ALU_AND:
        return do_logic(dst & src, size, flags);
    default:
        return do_logic(dst ^ src, size, flags);
    }
}

void alu_test(uint64_t a, uint64_t b, unsigned int size, uint64_t *flags)
{
    do_logic(a & b, size, flags);
}

uint64_t alu_incdec(bool dec, uint64_t dst, unsigned int size, uint64_t *flags)
{
    uint64_t cf = *flags & X86_EFLAGS_CF;
    uint64_t res = dec ? do_sub(dst, 1, false, size, flags) : do_add(dst, 1, false, size, flags);

    *flags = (*flags & ~(uint64_t)X86_EFLAGS_CF) | cf;
    return res;
}

uint64_t alu_neg(uint64_t dst, unsigned int size, uint64_t *flags)
{
    return do_sub(0, dst, false, size, flags);
}

/* ---- shifts and rotates ---- */

static uint64_t rotate_left(uint64_t v, unsigned int r, unsigned int bits, uint64_t m)
{
    return r ? ((v << r) | (v >> (bits - r))) & m : v;
}

uint64_t alu_shift(enum shift_op op, uint64_t dst, unsigned int count, unsigned int size,
                   uint64_t *flags)
{
    unsigned int bits = size * 8, c = count & (size == 8 ? 63 : 31);
    uint64_t m = alu_mask(size), d = dst & m, res;
    bool cf = *flags & X86_EFLAGS_CF, of;

    if (!c)
        return d;
    switch (op) {
    case SH_ROL:
        res = rotate_left(d, c % bits, bits, m);
        cf = res & 1;
        of = !!(res & msb(size)) ^ cf;
        break;
    case SH_ROR:
        res = rotate_left(d, (bits - c % bits) % bits, bits, m);
        cf = res & msb(size);
        of = !!(res & msb(size)) ^ !!(res & (msb(size) >> 1));
        break;
    case SH_RCL:
    case SH_RCR: {
        /* Through CF: a (bits + 1)-bit rotation, one step at a time (at most 63 steps). */
        unsigned int r = c % (bits + 1);
        res = d;
        of = !!(d & msb(size)) ^ cf; /* RCR's count-1 OF, from the operand before */
        for (unsigned int i = 0; i < r; i++) {
            bool out;
            if (op == SH_RCL) {
                out = res & msb(size);
                res = ((res << 1) | cf) & m;
            } else {
                out = res & 1;
                res = (res >> 1) | (cf ? msb(size) : 0);
            }
            cf = out;
        }
        if (op == SH_RCL)
            of = !!(res & msb(size)) ^ cf;
        break;
    }
    case SH_SHL:
    case SH_SAL:
        res = c >= bits ? 0 : (d << c) & m;
        cf = c <= bits ? (d >> (bits - c)) & 1 : 0;
        of = !!(res & msb(size)) ^ cf;
        set_szp(res, size, flags);
        *flags &= ~(uint64_t)X86_EFLAGS_AF;
        break;
    case SH_SHR:
        res = c >= bits ? 0 : d >> c;
        cf = c <= bits ? (d >> (c - 1)) & 1 : 0;
        of = d & msb(size);
        set_szp(res, size, flags);
        *flags &= ~(uint64_t)X86_EFLAGS_AF;
        break;
    default: { /* SH_SAR */
        int64_t sd = (int64_t)alu_sext(d, size);
        unsigned int cc = c >= bits ? bits - 1 : c;
        res = (uint64_t)(sd >> cc) & m;
        cf = (uint64_t)(sd >> (cc - (c >= bits ? 0 : 1))) & 1;
        of = false;
        set_szp(res, size, flags);
        *flags &= ~(uint64_t)X86_EFLAGS_AF;
        break;
    }
    }
    set_flag(flags, X86_EFLAGS_CF, cf);
    set_flag(flags, X86_EFLAGS_OF, of);
    return res;
}

/* ---- multiplication and division ---- */

/* 64 x 64 -> 128 bits, unsigned. */
static void mul64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* The signed 128-bit product of two 64-bit signed values. */
static void imul64(int64_t a, int64_t b, uint64_t *lo, uint64_t *hi)
{
    mul64((uint64_t)a, (uint64_t)b, lo, hi);
    if (a < 0)
        *hi -= (uint64_t)b;
    if (b < 0)
        *hi -= (uint64_t)a;
}

void alu_mul(bool is_signed, uint64_t acc, uint64_t src, unsigned int size, uint64_t *lo,
             uint64_t *hi, uint64_t *flags)
{
    uint64_t m = alu_mask(size), l, h;
    bool significant;

    if (size == 8) {
        if (is_signed) {
            imul64((int64_t)acc, (int64_t)src, &l, &h);
            significant = h != (uint64_t)((int64_t)l >> 63);
        } else {
            mul64(acc, src, &l, &h);
            significant = h != 0;
        }
    } else {
        unsigned int bits = size * 8;
        uint64_t p;
        if (is_signed) {
            int64_t sp = (int64_t)alu_sext(acc, size) * (int64_t)alu_sext(src, size);
            p = (uint64_t)sp;
            significant = sp != (int64_t)alu_sext(p, size);
        } else {
            p = (acc & m) * (src & m);
            significant = (p >> bits) != 0;
        }
        l = p & m;
        h = (p >> bits) & m;
    }
    *lo = l;
    *hi = h;
    set_szp(l, size, flags);
    *flags &= ~(uint64_t)X86_EFLAGS_AF;
    set_flag(flags, X86_EFLAGS_CF, significant);
    set_flag(flags, X86_EFLAGS_OF, significant);
}

uint64_t alu_imul_trunc(uint64_t a, uint64_t b, unsigned int size, uint64_t *flags)
{
    uint64_t lo, hi;

    alu_mul(true, a, b, size, &lo, &hi, flags);
    return lo;
}

/* Unsigned hi:lo / d with hi < d (so the quotient fits in 64 bits): restoring division. */
static uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0;

    for (int i = 63; i >= 0; i--) {
        bool top = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        if (top || hi >= d) {
            hi -= d;
            q |= 1ULL << i;
        }
    }
    *rem = hi;
    return q;
}

bool alu_div(bool is_signed, uint64_t hi, uint64_t lo, uint64_t divisor, unsigned int size,
             uint64_t *quot, uint64_t *rem)
{
    uint64_t m = alu_mask(size);
    unsigned int bits = size * 8;

    divisor &= m;
    if (!divisor)
        return false;
    if (!is_signed) {
        uint64_t q, r;
        if (size == 8) {
            if (hi >= divisor)
                return false;
            q = udiv128(hi, lo, divisor, &r);
        } else {
            uint64_t n = ((hi & m) << bits) | (lo & m);
            q = n / divisor;
            r = n % divisor;
            if (q > m)
                return false;
        }
        *quot = q;
        *rem = r;
        return true;
    }

    /* Signed: divide the magnitudes, then fix the signs (quotient truncates toward 0). */
    bool nneg, dneg = alu_sext(divisor, size) >> 63;
    uint64_t dmag = dneg ? (0 - alu_sext(divisor, size)) & ~0ULL : alu_sext(divisor, size);
    uint64_t nhi, nlo, q, r;

    if (size == 8) {
        nhi = hi;
        nlo = lo;
    } else {
        /* The dividend has 2 * bits <= 64 bits: sign-extend it into nhi:nlo. */
        uint64_t n = ((hi & m) << bits) | (lo & m);
        if (bits == 32)
            nlo = n;
        else
            nlo = alu_sext(n, size * 2);
        nhi = (bits == 32) ? (uint64_t)((int64_t)n >> 63) : (uint64_t)((int64_t)nlo >> 63);
    }
    nneg = nhi >> 63;
    if (nneg) { /* negate the 128-bit dividend */
        nlo = ~nlo + 1;
        nhi = ~nhi + (nlo == 0);
    }
    if (nhi >= dmag)
        return false;
    q = udiv128(nhi, nlo, dmag, &r);
    /* The quotient must fit the signed range of size bytes. */
    if (nneg != dneg) {
        if (q > msb(size))
            return false;
        q = 0 - q;
    } else if (q >= msb(size)) {
        return false;
    }
    if (nneg)
        r = 0 - r;
    *quot = q & m;
    *rem = r & m;
    return true;
}

bool alu_cond(unsigned int cc, uint64_t flags)
{
    bool cf = flags & X86_EFLAGS_CF, zf = flags & X86_EFLAGS_ZF, sf = flags & X86_EFLAGS_SF;
    bool of = flags & X86_EFLAGS_OF, pf = flags & X86_EFLAGS_PF, r;

    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}
