// SPDX-License-Identifier: MIT
// Unit tests for hv/lib/vsnprintf.c: conversions, flags, truncation and return values.
#include <limits.h>
#include <string.h>

#include "harness.h"
#include <tern/lib.h>

/* Formats into a large buffer; checks the text and the returned length. */
#define CHECK_FMT(expect, ...)                                                             \
    do {                                                                                   \
        char b_[256];                                                                      \
        memset(b_, 0x55, sizeof(b_));                                                      \
        int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__);                                    \
        bool same_ = strcmp(b_, expect) == 0;                                              \
        CHECK(same_, "got \"%s\", expected \"%s\"", b_, expect);                           \
        CHECK_EQ(n_, strlen(expect));                                                      \
    } while (0)

/*
 * The same with a format passed through a variable, for valid formats that the compiler's
 * format check warns about (e.g. flags that other flags override).
 */
#define CHECK_FMT_NOCHECK(expect, fmt, ...)                                                \
    do {                                                                                   \
        const char *f_ = (fmt);                                                            \
        CHECK_FMT(expect, f_, __VA_ARGS__);                                                \
    } while (0)

TEST(vsnprintf_basic)
{
    CHECK_FMT("0", "%d", 0);
    CHECK_FMT("42", "%d", 42);
    CHECK_FMT("-42", "%d", -42);
    CHECK_FMT("2147483647", "%d", INT_MAX);
    CHECK_FMT("-2147483648", "%d", INT_MIN);
    CHECK_FMT("-7", "%i", -7);
    CHECK_FMT("3000000000", "%u", 3000000000u);
    CHECK_FMT("0", "%u", 0u);
    CHECK_FMT("deadbeef", "%x", 0xdeadbeefu);
    CHECK_FMT("DEADBEEF", "%X", 0xdeadbeefu);
    CHECK_FMT("10", "%o", 8u);
    CHECK_FMT("0", "%o", 0u);
    CHECK_FMT("plain text", "plain text");
}

TEST(vsnprintf_flags_width_precision)
{
    CHECK_FMT("   42|", "%5d|", 42);
    CHECK_FMT("42   |", "%-5d|", 42);
    CHECK_FMT("00042", "%05d", 42);
    CHECK_FMT("-0042", "%05d", -42);
    CHECK_FMT("+42", "%+d", 42);
    CHECK_FMT("-42", "%+d", -42);
    CHECK_FMT(" 42", "% d", 42);
    CHECK_FMT("-42", "% d", -42);
    CHECK_FMT_NOCHECK("+5", "%+ d", 5);
    CHECK_FMT(" 0007", "% 05d", 7);
    CHECK_FMT("+0007", "%+05d", 7);
    CHECK_FMT("+7   |", "%-+5d|", 7);
    CHECK_FMT("007", "%.3d", 7);
    CHECK_FMT("-007", "%.3d", -7);
    CHECK_FMT("    -007|", "%8.3d|", -7);
    CHECK_FMT("007     |", "%-8.3d|", 7);
    CHECK_FMT_NOCHECK("     007|", "%08.3d|", 7);
    CHECK_FMT("|", "%.0d|", 0);
    CHECK_FMT("     |", "%5.0d|", 0);
    CHECK_FMT("|", "%.0x|", 0u);
    CHECK_FMT("|", "%.0u|", 0u);
    CHECK_FMT("+|", "%+.0d|", 0);
    CHECK_FMT("0xff", "%#x", 255u);
    CHECK_FMT("0XFF", "%#X", 255u);
    CHECK_FMT("0", "%#x", 0u);
    CHECK_FMT("010", "%#o", 8u);
    CHECK_FMT("0", "%#o", 0u);
    CHECK_FMT("010", "%#.3o", 8u);
    CHECK_FMT("0", "%#.0o", 0u);
    CHECK_FMT("0x000000ff", "%#010x", 255u);
    CHECK_FMT("      0xff|", "%#10x|", 255u);
    CHECK_FMT("0xff      |", "%-#10x|", 255u);
    CHECK_FMT("0x00ff", "%#.4x", 255u);
    CHECK_FMT("0000000abc", "%010x", 0xabcu);
    CHECK_FMT("    42|", "%*d|", 6, 42);
    CHECK_FMT("42    |", "%*d|", -6, 42);
    CHECK_FMT("42    |", "%-*d|", 6, 42);
    CHECK_FMT("0042", "%.*d", 4, 42);
    CHECK_FMT("42", "%.*d", -1, 42);
    CHECK_FMT("   -0042|", "%*.*d|", 8, 4, -42);
}

TEST(vsnprintf_length_modifiers)
{
    CHECK_FMT_NOCHECK("44", "%hhd", 300);
    CHECK_FMT_NOCHECK("-56", "%hhd", 200);
    CHECK_FMT_NOCHECK("44", "%hhu", 300);
    CHECK_FMT_NOCHECK("4464", "%hd", 70000);
    CHECK_FMT_NOCHECK("-25536", "%hd", 40000);
    CHECK_FMT_NOCHECK("4464", "%hu", 70000);
    CHECK_FMT_NOCHECK("5678", "%hx", 0x12345678);
    CHECK_FMT("-1234567890123", "%ld", -1234567890123L);
    CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
    CHECK_FMT("123456789abcdef", "%lx", 0x123456789abcdefUL);
    CHECK_FMT("-9223372036854775808", "%lld", LLONG_MIN);
    CHECK_FMT("9223372036854775807", "%lld", LLONG_MAX);
    CHECK_FMT("18446744073709551615", "%llu", ULLONG_MAX);
    CHECK_FMT("ffffffffffffffff", "%llx", ULLONG_MAX);
    CHECK_FMT("1777777777777777777777", "%llo", ULLONG_MAX);
    CHECK_FMT("01777777777777777777777", "%#llo", ULLONG_MAX);
    CHECK_FMT("123456789012", "%zu", (size_t)123456789012ULL);
    CHECK_FMT("ffffffffffffffff", "%zx", (size_t)-1);
    CHECK_FMT("-5", "%zd", (ptrdiff_t)-5);
    CHECK_FMT("-9", "%td", (ptrdiff_t)-9);
    CHECK_FMT("ffffffffffffffff", "%tx", (ptrdiff_t)-1);
    CHECK_FMT("-9223372036854775808", "%jd", (intmax_t)INT64_MIN);
    CHECK_FMT("18446744073709551615", "%ju", (uintmax_t)UINT64_MAX);
}

TEST(vsnprintf_chars_and_strings)
{
    CHECK_FMT("A", "%c", 'A');
    CHECK_FMT("  B|", "%3c|", 'B');
    CHECK_FMT("C  |", "%-3c|", 'C');
    CHECK_FMT("xyz", "%c%c%c", 'x', 'y', 'z');
    CHECK_FMT("hello", "%s", "hello");
    CHECK_FMT("        hi|", "%10s|", "hi");
    CHECK_FMT("hi        |", "%-10s|", "hi");
    CHECK_FMT("abc", "%.3s", "abcdef");
    CHECK_FMT("     abc|", "%8.3s|", "abcdef");
    CHECK_FMT("abc     |", "%-8.3s|", "abcdef");
    CHECK_FMT("ab", "%.*s", 2, "abcdef");
    CHECK_FMT("  ab|", "%*s|", 4, "ab");
    CHECK_FMT("ab", "%.10s", "ab");
    CHECK_FMT("", "%s", "");
}

TEST(vsnprintf_percent_and_mixed)
{
    CHECK_FMT("%", "%%");
    CHECK_FMT("100% sure", "100%% sure");
    CHECK_FMT("a%b%c", "a%%b%%c");
    CHECK_FMT("50%", "%d%%", 50);
    CHECK_FMT("[mix] -1 ff", "[%s] %d %x", "mix", -1, 255u);
    CHECK_FMT("01:ab:10", "%02x:%02x:%02x", 1u, 0xabu, 0x10u);
}

TEST(vsnprintf_pointer_and_null_string)
{
    CHECK_FMT("0x0000000000001234", "%p", (void *)0x1234);
    CHECK_FMT("0x0000000000000000", "%p", (void *)0);
    CHECK_FMT("0xffff82d080200000", "%p", (void *)0xffff82d080200000ULL);
    CHECK_FMT("  0x00000000000000ab|", "%20p|", (void *)0xab);
    CHECK_FMT("0x00000000000000ab  |", "%-20p|", (void *)0xab);
    /* volatile: the compiler warns about a NULL it can see. */
    const char *volatile null_str = NULL;
    CHECK_FMT("(null)", "%s", null_str);
    CHECK_FMT("  (null)|", "%8s|", null_str);
    CHECK_FMT("(nu", "%.3s", null_str);
}

TEST(vsnprintf_unknown_conversions)
{
    /* Through a variable: the compiler's format check would reject these literals. */
    const char *fmts[] = { "%y", "a%5yb", "abc%", "%-08", "%lq" };
    const char *expect[] = { "%y", "a%5yb", "abc%", "%-08", "%lq" };
    for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
        char b[64];
        int n = snprintf(b, sizeof(b), fmts[i], 0);
        CHECK(strcmp(b, expect[i]) == 0, "format %s gave \"%s\"", fmts[i], b);
        CHECK_EQ(n, strlen(expect[i]));
    }
}

TEST(vsnprintf_truncation)
{
    char b[16];

    memset(b, 'Z', sizeof(b));
    CHECK_EQ(snprintf(b, 5, "hello world"), 11);
    CHECK(strcmp(b, "hell") == 0, "got \"%s\"", b);
    CHECK_EQ(b[5], 'Z'); /* nothing written past size */

    memset(b, 'Z', sizeof(b));
    CHECK_EQ(snprintf(b, 6, "hello"), 5); /* exact fit */
    CHECK(strcmp(b, "hello") == 0, "got \"%s\"", b);
    CHECK_EQ(b[6], 'Z');

    memset(b, 'Z', sizeof(b));
    CHECK_EQ(snprintf(b, 1, "abc%d", 123), 6);
    CHECK_EQ(b[0], '\0');
    CHECK_EQ(b[1], 'Z');

    /* size 0: nothing written, the buffer may be NULL. */
    CHECK_EQ(snprintf(NULL, 0, "%d-%s", -12345, "xyz"), 10);
    memset(b, 'Z', sizeof(b));
    CHECK_EQ(snprintf(b, 0, "abc"), 3);
    CHECK_EQ(b[0], 'Z');

    /* Truncation inside a conversion, and padding wider than the buffer. */
    memset(b, 'Z', sizeof(b));
    CHECK_EQ(snprintf(b, 8, "%#018llx", 0x1234ULL), 18);
    CHECK(strcmp(b, "0x00000") == 0, "got \"%s\"", b);
    CHECK_EQ(snprintf(b, sizeof(b), "%1000d", 1), 1000);
    CHECK(strcmp(b, "               ") == 0, "got \"%s\"", b);
    CHECK_EQ(snprintf(b, sizeof(b), "%-1000d", 1), 1000);
    CHECK(strcmp(b, "1              ") == 0, "got \"%s\"", b);
    const char *empty = "";
    CHECK_EQ(snprintf(b, sizeof(b), empty, 0), 0);
    CHECK_EQ(b[0], '\0');
}

static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

TEST(vsnprintf_va_list)
{
    char b[64];
    CHECK_EQ(call_vsnprintf(b, sizeof(b), "%s=%d %*s|%lx", "x", 5, 3, "y", 0xabcUL), 11);
    CHECK(strcmp(b, "x=5   y|abc") == 0, "got \"%s\"", b);
    /* Many arguments: more than fit in registers, so some come from the stack. */
    CHECK_EQ(call_vsnprintf(b, sizeof(b), "%d %d %d %d %d %d %d %d %lld %s", 1, 2, 3, 4, 5,
                            6, 7, 8, -9LL, "ten"),
             22);
    CHECK(strcmp(b, "1 2 3 4 5 6 7 8 -9 ten") == 0, "got \"%s\"", b);
}
