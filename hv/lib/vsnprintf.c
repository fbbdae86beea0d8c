// SPDX-License-Identifier: MIT
// Formatted output into a buffer: vsnprintf/snprintf with C99 semantics, no floating point.
#include <tern/lib.h>

/*
 * Supported: conversions d i u x X o c s p %, flags - 0 + space #, width and precision
 * (digits or '*'), length modifiers hh h l ll z t j. %p prints "0x" and 16 hex digits, %s of
 * NULL prints "(null)". An unknown conversion is copied to the output as it is written.
 */

#define F_LEFT 0x01  /* '-' */
#define F_ZERO 0x02  /* '0' */
#define F_PLUS 0x04  /* '+' */
#define F_SPACE 0x08 /* ' ' */
#define F_ALT 0x10   /* '#' */
#define F_UPPER 0x20 /* %X */
#define F_PTR 0x40   /* %p: the 0x prefix even for 0 */

struct out {
    char *buf;
    size_t size; /* capacity of buf, including the terminating NUL */
    size_t len;  /* characters produced so far, stored or not */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_rep(struct out *o, char c, long n)
{
    while (n-- > 0)
        put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
}

/* A string padded to width: used by %s and %c. */
static void put_padded(struct out *o, const char *s, size_t n, int flags, int width)
{
    long pad = width > 0 && (size_t)width > n ? width - (long)n : 0;
    if (!(flags & F_LEFT))
        put_rep(o, ' ', pad);
    put_str(o, s, n);
    if (flags & F_LEFT)
        put_rep(o, ' ', pad);
}

/*
 * An integer: val is the magnitude, neg its sign (signed conversions only); precision < 0
 * means none was given.
 */
static void put_num(struct out *o, unsigned long long val, bool neg, bool is_signed,
                    unsigned int base, int flags, int width, int precision)
{
    const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24]; /* 22 octal digits hold 64 bits */
    char prefix[3];
    int ndigits = 0, nprefix = 0, nzero;
    long pad;

    for (unsigned long long v = val; v; v /= base)
        tmp[ndigits++] = digits[v % base];
    if (ndigits == 0 && precision != 0)
        tmp[ndigits++] = '0';

    if (is_signed) {
        if (neg)
            prefix[nprefix++] = '-';
        else if (flags & F_PLUS)
            prefix[nprefix++] = '+';
        else if (flags & F_SPACE)
            prefix[nprefix++] = ' ';
    }
    if ((flags & F_ALT) && base == 16 && (val || (flags & F_PTR))) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = (flags & F_UPPER) ? 'X' : 'x';
    }

    nzero = precision > ndigits ? precision - ndigits : 0;
    /* '#' with %o: the first digit printed must be a 0. */
    if ((flags & F_ALT) && base == 8 && nzero == 0 && (ndigits == 0 || tmp[ndigits - 1] != '0'))
        nzero = 1;
    /* '0' pads with zeros after the sign and prefix, unless '-' or a precision is given. */
    if ((flags & F_ZERO) && !(flags & F_LEFT) && precision < 0 &&
        width > nprefix + nzero + ndigits)
        nzero = width - nprefix - ndigits;

    pad = (long)width - nprefix - nzero - ndigits;
    if (!(flags & F_LEFT))
        put_rep(o, ' ', pad);
    put_str(o, prefix, (size_t)nprefix);
    put_rep(o, '0', nzero);
    while (ndigits)
        put(o, tmp[--ndigits]);
    if (flags & F_LEFT)
        put_rep(o, ' ', pad);
}

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list args;

    va_copy(args, ap);
    while (*fmt) {
        const char *start = fmt;
        int flags = 0, width = 0, precision = -1;
        enum length len = LEN_NONE;
        unsigned int base = 10;
        bool is_signed = false;

        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;

        for (;; fmt++) {
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '0')
                flags |= F_ZERO;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '#')
                flags |= F_ALT;
            else
                break;
        }

        if (*fmt == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = width == -__INT_MAX__ - 1 ? __INT_MAX__ : -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                if (width < 100000000)
                    width = width * 10 + (*fmt - '0');
                fmt++;
            }
        }

        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(args, int);
                if (precision < 0)
                    precision = -1; /* as if none was given */
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    if (precision < 100000000)
                        precision = precision * 10 + (*fmt - '0');
                    fmt++;
                }
            }
        }

        switch (*fmt) {
        case 'h':
            len = fmt[1] == 'h' ? LEN_HH : LEN_H;
            fmt += len == LEN_HH ? 2 : 1;
            break;
        case 'l':
            len = fmt[1] == 'l' ? LEN_LL : LEN_L;
            fmt += len == LEN_LL ? 2 : 1;
            break;
        case 'z':
            len = LEN_Z;
            fmt++;
            break;
        case 't':
            len = LEN_T;
            fmt++;
            break;
        case 'j':
            len = LEN_J;
            fmt++;
            break;
        default:
            break;
        }

        switch (*fmt) {
        case '%':
            put(&o, '%');
            fmt++;
            continue;
        case 'c': {
            char c = (char)va_arg(args, int);
            put_padded(&o, &c, 1, flags, width);
            fmt++;
            continue;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s)
                s = "(null)";
            size_t n = precision >= 0 ? strnlen(s, (size_t)precision) : strlen(s);
            put_padded(&o, s, n, flags, width);
            fmt++;
            continue;
        }
        case 'p': {
            uintptr_t p = (uintptr_t)va_arg(args, void *);
            put_num(&o, p, false, false, 16, (flags & F_LEFT) | F_ALT | F_PTR, width,
                    (int)sizeof(p) * 2);
            fmt++;
            continue;
        }
        case 'd':
        case 'i':
            is_signed = true;
            break;
        case 'u':
            break;
        case 'x':
            base = 16;
            break;
        case 'X':
            base = 16;
            flags |= F_UPPER;
            break;
        case 'o':
            base = 8;
            break;
        default:
            /* Unknown or truncated conversion: copy it as it is. */
            if (*fmt)
                fmt++;
            put_str(&o, start, (size_t)(fmt - start));
            continue;
        }
        fmt++;

        if (is_signed) {
            long long v;
            switch (len) {
            case LEN_HH:
                v = (signed char)va_arg(args, int);
                break;
            case LEN_H:
                v = (short)va_arg(args, int);
                break;
            case LEN_L:
                v = va_arg(args, long);
                break;
            case LEN_LL:
                v = va_arg(args, long long);
                break;
            case LEN_Z:
                v = va_arg(args, ptrdiff_t); /* the signed type of size_t's size */
                break;
            case LEN_T:
                v = va_arg(args, ptrdiff_t);
                break;
            case LEN_J:
                v = va_arg(args, intmax_t);
                break;
            default:
                v = va_arg(args, int);
                break;
            }
            unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            put_num(&o, mag, v < 0, true, base, flags, width, precision);
        } else {
            unsigned long long v;
            switch (len) {
            case LEN_HH:
                v = (unsigned char)va_arg(args, unsigned int);
                break;
            case LEN_H:
                v = (unsigned short)va_arg(args, unsigned int);
                break;
            case LEN_L:
                v = va_arg(args, unsigned long);
                break;
            case LEN_LL:
                v = va_arg(args, unsigned long long);
                break;
            case LEN_Z:
                v = va_arg(args, size_t);
                break;
            case LEN_T:
                v = (size_t)va_arg(args, ptrdiff_t); /* same width, unsigned */
                break;
            case LEN_J:
                v = va_arg(args, uintmax_t);
                break;
            default:
                v = va_arg(args, unsigned int);
                break;
            }
            put_num(&o, v, false, false, base, flags, width, precision);
        }
    }
    va_end(args);

    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
