// SPDX-License-Identifier: MIT
// String to integer conversion (simple_strtoull/simple_strtoll), e.g. for command-line options.
#include <tern/lib.h>

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/*
 * Base 0 picks the base from the prefix: "0x"/"0X" hex, a leading "0" octal, else decimal.
 * Base 16 also accepts the "0x" prefix. A prefix "0x" not followed by a hex digit is read as
 * the number 0 with *end on the 'x'. No sign and no leading white space is accepted; when no
 * digit is found the result is 0 and *end is s. On overflow the result saturates at
 * ULLONG_MAX (and the remaining digits are still consumed).
 */
unsigned long long simple_strtoull(const char *s, const char **end, unsigned int base)
{
    const char *p = s;
    unsigned long long val = 0;
    bool overflow = false, any = false;

    if (base == 1 || base > 36) {
        if (end)
            *end = s;
        return 0;
    }
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }

    for (;; p++) {
        int d = digit_value(*p);
        if (d >= (int)base)
            break;
        any = true;
        if (val > (~0ULL - (unsigned int)d) / base)
            overflow = true;
        else
            val = val * base + (unsigned int)d;
    }
    if (end)
        *end = any ? p : s;
    if (!any)
        return 0;
    return overflow ? ~0ULL : val;
}

/* As simple_strtoull with an optional sign; saturates at LLONG_MIN and LLONG_MAX. */
long long simple_strtoll(const char *s, const char **end, unsigned int base)
{
    const char *p = s, *e;
    bool neg = false;
    unsigned long long mag;
    const unsigned long long max = (~0ULL) >> 1; /* LLONG_MAX */

    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    mag = simple_strtoull(p, &e, base);
    if (e == p) {
        /* No digits: nothing is consumed, not even the sign. */
        if (end)
            *end = s;
        return 0;
    }
    if (end)
        *end = e;
    if (neg) {
        if (mag > max)
            return -(long long)max - 1;
        return -(long long)mag;
    }
    return mag > max ? (long long)max : (long long)mag;
}
