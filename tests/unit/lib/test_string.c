// SPDX-License-Identifier: MIT
// Unit tests for hv/lib/string.c: memory and string functions.
#include <string.h>

#include "harness.h"
#include <tern/lib.h>

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

TEST(memcpy_memset)
{
    unsigned char a[64], b[64];
    for (int i = 0; i < 64; i++)
        a[i] = (unsigned char)(i * 7 + 1);
    memset(b, 0, sizeof(b));
    CHECK(memcpy(b + 3, a, 40) == b + 3, "memcpy returns dst");
    for (int i = 0; i < 64; i++)
        CHECK_EQ(b[i], (i >= 3 && i < 43) ? a[i - 3] : 0);
    CHECK(memcpy(b, a, 0) == b, "memcpy of 0 bytes returns dst");

    CHECK(memset(b, 0x1ab, 10) == b, "memset returns dst");
    for (int i = 0; i < 10; i++)
        CHECK_EQ(b[i], 0xab); /* only the low byte of c counts */
    CHECK_EQ(b[10], a[7]);
    memset(b + 10, 0, 0);
    CHECK_EQ(b[10], a[7]);
}

TEST(memmove_overlap)
{
    char buf[32];
    strlcpy(buf, "0123456789", sizeof(buf));
    CHECK(memmove(buf + 2, buf, 8) == buf + 2, "memmove returns dst");
    CHECK(memcmp(buf, "0101234567", 10) == 0, "forward overlap: %.10s", buf);

    strlcpy(buf, "0123456789", sizeof(buf));
    memmove(buf, buf + 3, 7);
    CHECK(memcmp(buf, "3456789789", 10) == 0, "backward overlap: %.10s", buf);

    strlcpy(buf, "abcdef", sizeof(buf));
    memmove(buf, buf, 6);
    CHECK(strcmp(buf, "abcdef") == 0, "same buffer: %s", buf);

    /* A large overlapping move one byte up. */
    unsigned char big[4097];
    for (int i = 0; i < 4096; i++)
        big[i] = (unsigned char)i;
    memmove(big + 1, big, 4096);
    for (int i = 1; i < 4097; i++)
        CHECK_EQ(big[i], (unsigned char)(i - 1));
}

TEST(memcmp_order)
{
    CHECK_EQ(memcmp("abc", "abc", 3), 0);
    CHECK_EQ(memcmp("abc", "abd", 0), 0);
    CHECK_EQ(sign(memcmp("abc", "abd", 3)), -1);
    CHECK_EQ(sign(memcmp("abd", "abc", 3)), 1);
    /* Bytes compare as unsigned char. */
    CHECK_EQ(sign(memcmp("\x80", "\x01", 1)), 1);
    CHECK_EQ(sign(memcmp("a\0b", "a\0c", 3)), -1);
}

TEST(strlen_strnlen)
{
    CHECK_EQ(strlen(""), 0);
    CHECK_EQ(strlen("hello"), 5);
    CHECK_EQ(strnlen("hello", 3), 3);
    CHECK_EQ(strnlen("hello", 5), 5);
    CHECK_EQ(strnlen("hello", 100), 5);
    CHECK_EQ(strnlen("hello", 0), 0);
    /* strnlen reads no further than max: no terminator here. */
    char raw[4] = { 'a', 'b', 'c', 'd' };
    CHECK_EQ(strnlen(raw, sizeof(raw)), 4);
}

TEST(strcmp_strncmp)
{
    CHECK_EQ(strcmp("", ""), 0);
    CHECK_EQ(strcmp("abc", "abc"), 0);
    CHECK_EQ(sign(strcmp("abc", "abd")), -1);
    CHECK_EQ(sign(strcmp("abc", "ab")), 1);
    CHECK_EQ(sign(strcmp("ab", "abc")), -1);
    CHECK_EQ(sign(strcmp("\xff", "a")), 1);
    CHECK_EQ(strncmp("abcdef", "abcxyz", 3), 0);
    CHECK_EQ(sign(strncmp("abcdef", "abcxyz", 4)), -1);
    CHECK_EQ(strncmp("abc", "abd", 0), 0);
    CHECK_EQ(strncmp("ab", "ab", 10), 0); /* stops at the terminator */
    CHECK_EQ(sign(strncmp("ab", "abc", 10)), -1);
    CHECK_EQ(sign(strncmp("\x80", "\x7f", 1)), 1);
}

TEST(strchr_find)
{
    const char *s = "console=com1";
    CHECK(strchr(s, '=') == s + 7, "first '='");
    CHECK(strchr(s, 'c') == s, "first character");
    CHECK(strchr(s, 'o') == s + 1, "first of several");
    CHECK(strchr(s, 'z') == NULL, "not found");
    CHECK(strchr(s, '\0') == s + 12, "the terminator is found");
    CHECK(strchr("a\xe9z", 0xe9) != NULL, "c is converted to char");
}

TEST(strlcpy_truncation)
{
    char b[8];
    memset(b, 'Z', sizeof(b));
    CHECK_EQ(strlcpy(b, "hi", sizeof(b)), 2);
    CHECK(strcmp(b, "hi") == 0, "got %s", b);
    CHECK_EQ(b[3], 'Z');

    CHECK_EQ(strlcpy(b, "overlong string", sizeof(b)), 15);
    CHECK(strcmp(b, "overlon") == 0, "got %s", b);

    CHECK_EQ(strlcpy(b, "1234567", sizeof(b)), 7);
    CHECK(strcmp(b, "1234567") == 0, "got %s", b);

    memset(b, 'Z', sizeof(b));
    CHECK_EQ(strlcpy(b, "abc", 1), 3);
    CHECK_EQ(b[0], '\0');
    CHECK_EQ(b[1], 'Z');
    CHECK_EQ(strlcpy(b, "abc", 0), 3);
    CHECK_EQ(b[0], '\0');
}
