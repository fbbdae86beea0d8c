// SPDX-License-Identifier: MIT
// Unit tests for hv/lib/strtoul.c: bases, prefixes, end pointer and saturation.
#include <limits.h>

#include "harness.h"
#include <tern/lib.h>

/* Parses s in base; checks the value and how many characters were consumed. */
#define CHECK_ULL(s, base, value, consumed)                                                \
    do {                                                                                   \
        const char *s_ = (s), *e_ = NULL;                                                  \
        unsigned long long v_ = simple_strtoull(s_, &e_, (base));                          \
        CHECK(v_ == (unsigned long long)(value), "\"%s\" base %d: got %llu", s_, (base),   \
              v_);                                                                         \
        CHECK_EQ(e_ - s_, (consumed));                                                     \
    } while (0)

#define CHECK_LL(s, base, value, consumed)                                                 \
    do {                                                                                   \
        const char *s_ = (s), *e_ = NULL;                                                  \
        long long v_ = simple_strtoll(s_, &e_, (base));                                    \
        CHECK(v_ == (long long)(value), "\"%s\" base %d: got %lld", s_, (base), v_);       \
        CHECK_EQ(e_ - s_, (consumed));                                                     \
    } while (0)

TEST(strtoull_bases)
{
    CHECK_ULL("123", 10, 123, 3);
    CHECK_ULL("12abc", 10, 12, 2);
    CHECK_ULL("777", 8, 511, 3);
    CHECK_ULL("789", 8, 7, 1);
    CHECK_ULL("1010", 2, 10, 4);
    CHECK_ULL("1f", 16, 31, 2);
    CHECK_ULL("DeadBeef", 16, 0xdeadbeef, 8);
    CHECK_ULL("zZ", 36, 35 * 36 + 35, 2);
    CHECK_ULL("4096K", 10, 4096, 4);
}

TEST(strtoull_prefixes)
{
    CHECK_ULL("0x1f", 0, 31, 4);
    CHECK_ULL("0X1F", 0, 31, 4);
    CHECK_ULL("0x1f", 16, 31, 4);
    CHECK_ULL("0x1f", 10, 0, 1); /* base 10: stops at the x */
    CHECK_ULL("017", 0, 15, 3);
    CHECK_ULL("017", 10, 17, 3);
    CHECK_ULL("08", 0, 0, 1);
    CHECK_ULL("0", 0, 0, 1);
    CHECK_ULL("42", 0, 42, 2);
    CHECK_ULL("0x", 0, 0, 1);   /* "0" then an x that starts no number */
    CHECK_ULL("0xg", 16, 0, 1);
    CHECK_ULL("0x", 16, 0, 1);
}

TEST(strtoull_no_digits)
{
    CHECK_ULL("", 10, 0, 0);
    CHECK_ULL("abc", 10, 0, 0);
    CHECK_ULL(" 12", 10, 0, 0); /* no white space skipped */
    CHECK_ULL("-5", 10, 0, 0);  /* no sign for the unsigned one */
    CHECK_ULL("x", 0, 0, 0);
    CHECK_ULL("12", 1, 0, 0);   /* invalid bases */
    CHECK_ULL("12", 37, 0, 0);
    CHECK_EQ(simple_strtoull("99", NULL, 10), 99); /* end may be NULL */
}

TEST(strtoull_limits)
{
    CHECK_ULL("18446744073709551615", 10, ULLONG_MAX, 20);
    CHECK_ULL("18446744073709551616", 10, ULLONG_MAX, 20);
    CHECK_ULL("99999999999999999999999xyz", 10, ULLONG_MAX, 23);
    CHECK_ULL("0xffffffffffffffff", 0, ULLONG_MAX, 18);
    CHECK_ULL("0x10000000000000000", 0, ULLONG_MAX, 19);
    CHECK_ULL("1777777777777777777777", 0, ULLONG_MAX, 22);
    CHECK_ULL("2000000000000000000000", 0, ULLONG_MAX, 22);
    CHECK_ULL("18446744073709551614", 10, ULLONG_MAX - 1, 20);
}

TEST(strtoll_signs)
{
    CHECK_LL("-123", 10, -123, 4);
    CHECK_LL("+42", 10, 42, 3);
    CHECK_LL("42", 10, 42, 2);
    CHECK_LL("-0x10", 0, -16, 5);
    CHECK_LL("-010", 0, -8, 4);
    CHECK_LL("-", 10, 0, 0);
    CHECK_LL("-x", 10, 0, 0);
    CHECK_LL("+", 0, 0, 0);
    CHECK_LL("-0", 10, 0, 2);
}

TEST(strtoll_limits)
{
    CHECK_LL("9223372036854775807", 10, LLONG_MAX, 19);
    CHECK_LL("9223372036854775808", 10, LLONG_MAX, 19);
    CHECK_LL("-9223372036854775808", 10, LLONG_MIN, 20);
    CHECK_LL("-9223372036854775809", 10, LLONG_MIN, 20);
    CHECK_LL("-99999999999999999999999", 10, LLONG_MIN, 24);
    CHECK_LL("0x7fffffffffffffff", 0, LLONG_MAX, 18);
    CHECK_LL("-0x8000000000000000", 0, LLONG_MIN, 19);
}
