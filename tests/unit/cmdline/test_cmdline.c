// SPDX-License-Identifier: MIT
// Unit tests of the hypervisor command-line parser (hv/common/cmdline.c).
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tern/param.h>

/* ---- a table of options built by hand, for cmdline_parse_table() ---------------------- */

static bool opt_flag, opt_other_flag;
static int opt_int_flag;
static uint8_t opt_u8;
static uint16_t opt_u16;
static uint32_t opt_u32;
static uint64_t opt_u64;
static uint64_t opt_size;
static uint32_t opt_size32;
static char opt_str[8];
static bool opt_dash, opt_under;

static int custom_calls;
static bool custom_got_null;
static char custom_got[64];

static int custom_fn(const char *v)
{
    custom_calls++;
    custom_got_null = v == NULL;
    if (v) {
        strncpy(custom_got, v, sizeof(custom_got) - 1);
        custom_got[sizeof(custom_got) - 1] = 0;
    }
    return v && strcmp(v, "bad") == 0 ? -22 : 0;
}

static const struct kernel_param table[] = {
    { "flag", PARAM_BOOL, &opt_flag, sizeof(opt_flag), NULL },
    { "other-flag", PARAM_BOOL, &opt_other_flag, sizeof(opt_other_flag), NULL },
    { "intflag", PARAM_BOOL, &opt_int_flag, sizeof(opt_int_flag), NULL },
    { "u8", PARAM_UINT, &opt_u8, sizeof(opt_u8), NULL },
    { "u16", PARAM_UINT, &opt_u16, sizeof(opt_u16), NULL },
    { "u32", PARAM_UINT, &opt_u32, sizeof(opt_u32), NULL },
    { "u64", PARAM_UINT, &opt_u64, sizeof(opt_u64), NULL },
    { "mem", PARAM_SIZE, &opt_size, sizeof(opt_size), NULL },
    { "mem32", PARAM_SIZE, &opt_size32, sizeof(opt_size32), NULL },
    { "str", PARAM_STRING, opt_str, sizeof(opt_str), NULL },
    { "cust", PARAM_CUSTOM, NULL, 0, custom_fn },
    { "dash-name", PARAM_BOOL, &opt_dash, sizeof(opt_dash), NULL },
    { "under_name", PARAM_BOOL, &opt_under, sizeof(opt_under), NULL },
};

static void reset(void)
{
    opt_flag = opt_other_flag = opt_dash = opt_under = false;
    opt_int_flag = 0;
    opt_u8 = 7;
    opt_u16 = 7;
    opt_u32 = 7;
    opt_u64 = 7;
    opt_size = 7;
    opt_size32 = 7;
    strcpy(opt_str, "init");
    custom_calls = 0;
    custom_got_null = false;
    custom_got[0] = 0;
    harness_log_clear();
}

static int parse(const char *s)
{
    return cmdline_parse_table(s, table, table + sizeof(table) / sizeof(table[0]));
}

static bool logged(const char *what)
{
    return strstr(harness_log(), what) != NULL;
}

/* Parses s, expecting one warning that names every string in the NULL-terminated list. */
#define EXPECT_ONE_WARNING(s, ...)                                                         \
    do {                                                                                   \
        harness_log_clear();                                                               \
        int _n = parse(s);                                                                 \
        CHECK(_n == 1, "'%s' should count 1 problem, got %d", s, _n);                      \
        const char *_w[] = { __VA_ARGS__, NULL };                                          \
        for (int _i = 0; _w[_i]; _i++)                                                     \
            CHECK(logged(_w[_i]), "warning for '%s' should mention '%s', log: %s", s,      \
                  _w[_i], harness_log());                                                  \
    } while (0)

/* ---- booleans ------------------------------------------------------------------------- */

TEST(bool_bare_and_no)
{
    reset();
    CHECK_EQ(parse("flag"), 0);
    CHECK(opt_flag, "'flag' should set flag to true");
    CHECK_EQ(parse("no-flag"), 0);
    CHECK(!opt_flag, "'no-flag' should set flag to false");
    CHECK_EQ(parse("flag no_flag"), 0);
    CHECK(!opt_flag, "'no_flag' should work like 'no-flag'");
    CHECK_EQ(parse("intflag"), 0);
    CHECK_EQ(opt_int_flag, 1);
    CHECK_EQ(parse("no-intflag"), 0);
    CHECK_EQ(opt_int_flag, 0);
    CHECK(harness_log()[0] == 0, "no warnings expected, got: %s", harness_log());
}

TEST(bool_words)
{
    static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
    static const char *const no[] = { "0", "no", "off", "false", "disable" };
    char buf[64];
    reset();
    for (int i = 0; i < 5; i++) {
        snprintf(buf, sizeof(buf), "flag=%s", yes[i]);
        opt_flag = false;
        CHECK(parse(buf) == 0 && opt_flag, "'%s' should set flag", buf);
        snprintf(buf, sizeof(buf), "flag=%s", no[i]);
        CHECK(parse(buf) == 0 && !opt_flag, "'%s' should clear flag", buf);
    }
}

TEST(bool_bad_values)
{
    reset();
    opt_flag = true;
    EXPECT_ONE_WARNING("flag=maybe", "flag", "maybe");
    CHECK(opt_flag, "flag should be unchanged after a bad value");
    EXPECT_ONE_WARNING("flag=", "flag");
    EXPECT_ONE_WARNING("flag=yess", "yess");
    EXPECT_ONE_WARNING("flag=YES", "YES");
    EXPECT_ONE_WARNING("no-flag=1", "flag");
    CHECK(opt_flag, "flag should be unchanged after 'no-flag=1'");
}

TEST(parse_bool_function)
{
    const char *s = "onx";
    CHECK_EQ(parse_bool("on", NULL), 1);
    CHECK_EQ(parse_bool("enable", NULL), 1);
    CHECK_EQ(parse_bool("off", NULL), 0);
    CHECK_EQ(parse_bool("0", NULL), 0);
    CHECK_EQ(parse_bool("onx", NULL), -1);
    CHECK_EQ(parse_bool(s, s + 2), 1);
    CHECK_EQ(parse_bool(s, s + 1), -1);
    CHECK_EQ(parse_bool("", NULL), -1);
    CHECK_EQ(parse_bool("2", NULL), -1);
    CHECK_EQ(parse_bool(NULL, NULL), -1);
}

/* ---- integers ------------------------------------------------------------------------- */

TEST(uint_values)
{
    reset();
    CHECK_EQ(parse("u8=255 u16=0xffff u32=4294967295 u64=18446744073709551615"), 0);
    CHECK_EQ(opt_u8, 255);
    CHECK_EQ(opt_u16, 0xffff);
    CHECK_EQ(opt_u32, 0xffffffffu);
    CHECK(opt_u64 == UINT64_MAX, "u64 should be UINT64_MAX, got %llu",
          (unsigned long long)opt_u64);
    CHECK_EQ(parse("u32=0x1F u64=0X10 u8=010"), 0);
    CHECK_EQ(opt_u32, 0x1f);
    CHECK_EQ(opt_u64, 16);
    CHECK_EQ(opt_u8, 10);
    CHECK(harness_log()[0] == 0, "no warnings expected, got: %s", harness_log());
}

TEST(uint_bad_values)
{
    reset();
    EXPECT_ONE_WARNING("u8=256", "u8", "256");
    CHECK_EQ(opt_u8, 7);
    EXPECT_ONE_WARNING("u16=65536", "u16", "65536");
    CHECK_EQ(opt_u16, 7);
    EXPECT_ONE_WARNING("u32=0x100000000", "u32");
    CHECK_EQ(opt_u32, 7);
    EXPECT_ONE_WARNING("u64=18446744073709551616", "u64");
    CHECK_EQ(opt_u64, 7);
    EXPECT_ONE_WARNING("u64=99999999999999999999999999", "u64");
    CHECK_EQ(opt_u64, 7);
    EXPECT_ONE_WARNING("u32=abc", "u32", "abc");
    EXPECT_ONE_WARNING("u32=12abc", "12abc");
    EXPECT_ONE_WARNING("u32=-1", "-1");
    EXPECT_ONE_WARNING("u32=0x", "u32");
    EXPECT_ONE_WARNING("u32=", "u32");
    EXPECT_ONE_WARNING("u32", "u32");
    EXPECT_ONE_WARNING("no-u32", "u32");
    CHECK_EQ(opt_u32, 7);
}

/* ---- sizes ---------------------------------------------------------------------------- */

TEST(size_values)
{
    reset();
    CHECK_EQ(parse("mem=512M"), 0);
    CHECK_EQ(opt_size, 512ull << 20);
    CHECK_EQ(parse("mem=1g"), 0);
    CHECK_EQ(opt_size, 1ull << 30);
    CHECK_EQ(parse("mem=4KB"), 0);
    CHECK_EQ(opt_size, 4096);
    CHECK_EQ(parse("mem=2T"), 0);
    CHECK_EQ(opt_size, 2ull << 40);
    CHECK_EQ(parse("mem=100"), 0);
    CHECK_EQ(opt_size, 100);
    CHECK_EQ(parse("mem=100b"), 0);
    CHECK_EQ(opt_size, 100);
    CHECK_EQ(parse("mem=0x10k"), 0);
    CHECK_EQ(opt_size, 16 << 10);
    CHECK_EQ(parse("mem32=3G"), 0);
    CHECK_EQ(opt_size32, 3ull << 30);
    CHECK(harness_log()[0] == 0, "no warnings expected, got: %s", harness_log());
}

TEST(size_bad_values)
{
    reset();
    EXPECT_ONE_WARNING("mem=16777216T", "mem", "16777216T"); /* 2^64 */
    CHECK_EQ(opt_size, 7);
    EXPECT_ONE_WARNING("mem=99999999999999999999", "mem");
    EXPECT_ONE_WARNING("mem=5X", "5X");
    EXPECT_ONE_WARNING("mem=5MM", "5MM");
    EXPECT_ONE_WARNING("mem=M", "mem");
    EXPECT_ONE_WARNING("mem=", "mem");
    CHECK_EQ(opt_size, 7);
    EXPECT_ONE_WARNING("mem32=4G", "mem32", "4G"); /* does not fit in 32 bits */
    CHECK_EQ(opt_size32, 7);
}

TEST(parse_size_and_unit_function)
{
    const char *end;
    const char *s = "1536k rest";
    CHECK_EQ(parse_size_and_unit(s, &end), 1536ull << 10);
    CHECK(end == s + 5, "end should be after the suffix, at offset %td", end - s);
    s = "8MB,";
    CHECK_EQ(parse_size_and_unit(s, &end), 8ull << 20);
    CHECK(*end == ',', "end should point at ',', got '%s'", end);
    s = "3Mx";
    CHECK_EQ(parse_size_and_unit(s, &end), 3ull << 20);
    CHECK(*end == 'x', "end should point at 'x', got '%s'", end);
    CHECK_EQ(parse_size_and_unit("1t", NULL), 1ull << 40);
    CHECK_EQ(parse_size_and_unit("0", NULL), 0);
    CHECK(parse_size_and_unit("16777215T", NULL) == 16777215ull << 40, "largest T");
    s = "16777216T"; /* 2^64 */
    CHECK_EQ(parse_size_and_unit(s, &end), 0);
    CHECK(end == s, "an overflow should consume nothing, consumed %td", end - s);
    s = "18446744073709551616";
    CHECK_EQ(parse_size_and_unit(s, &end), 0);
    CHECK(end == s, "an overflow should consume nothing, consumed %td", end - s);
    s = "K";
    CHECK_EQ(parse_size_and_unit(s, &end), 0);
    CHECK(end == s, "no digits should consume nothing, consumed %td", end - s);
    s = "";
    CHECK_EQ(parse_size_and_unit(s, &end), 0);
    CHECK(end == s, "an empty string should consume nothing");
}

/* ---- strings and custom handlers ------------------------------------------------------ */

TEST(string_values)
{
    reset();
    CHECK_EQ(parse("str=abc"), 0);
    CHECK(strcmp(opt_str, "abc") == 0, "str should be 'abc', got '%s'", opt_str);
    CHECK_EQ(parse("str=1234567"), 0); /* exactly fills the 8-byte buffer */
    CHECK(strcmp(opt_str, "1234567") == 0, "str should be '1234567', got '%s'", opt_str);
    CHECK_EQ(parse("str=a=b"), 0);
    CHECK(strcmp(opt_str, "a=b") == 0, "only the first '=' splits, got '%s'", opt_str);
    CHECK_EQ(parse("str"), 0);
    CHECK(opt_str[0] == 0, "a bare string option sets the empty string, got '%s'", opt_str);
    CHECK(harness_log()[0] == 0, "no warnings expected, got: %s", harness_log());
}

TEST(string_truncated)
{
    reset();
    EXPECT_ONE_WARNING("str=123456789", "str", "truncated");
    CHECK(strcmp(opt_str, "1234567") == 0, "str should be truncated to '1234567', got '%s'",
          opt_str);
    EXPECT_ONE_WARNING("no-str", "str");
    CHECK(strcmp(opt_str, "1234567") == 0, "'no-str' should leave str unchanged");
}

TEST(custom_values)
{
    reset();
    CHECK_EQ(parse("cust"), 0);
    CHECK(custom_calls == 1 && custom_got_null, "bare 'cust' should call fn(NULL)");
    CHECK_EQ(parse("cust=a,b,c"), 0);
    CHECK(custom_calls == 2 && !custom_got_null && strcmp(custom_got, "a,b,c") == 0,
          "fn should get 'a,b,c', got '%s'", custom_got);
    CHECK_EQ(parse("cust= next"), 1); /* "next" is unknown; the empty value is passed */
    CHECK(custom_calls == 3 && !custom_got_null && custom_got[0] == 0,
          "'cust=' should pass an empty string, got '%s'", custom_got);
    EXPECT_ONE_WARNING("cust=bad", "cust", "bad");
    CHECK_EQ(custom_calls, 4);
    EXPECT_ONE_WARNING("no-cust", "cust");
    CHECK_EQ(custom_calls, 4);
}

/* ---- names ---------------------------------------------------------------------------- */

TEST(dash_underscore)
{
    reset();
    CHECK_EQ(parse("dash_name under-name"), 0);
    CHECK(opt_dash && opt_under, "'-' and '_' should be interchangeable (%d %d)", opt_dash,
          opt_under);
    CHECK_EQ(parse("no_dash-name no-under_name other_flag"), 0);
    CHECK(!opt_dash && !opt_under && opt_other_flag, "negated forms with mixed separators");
    EXPECT_ONE_WARNING("dashname", "dashname");
    EXPECT_ONE_WARNING("dash.name", "dash.name");
}

TEST(unknown_options)
{
    reset();
    EXPECT_ONE_WARNING("bogus", "unknown option 'bogus'");
    EXPECT_ONE_WARNING("bogus=1", "unknown option 'bogus'");
    EXPECT_ONE_WARNING("no-bogus", "unknown option 'no-bogus'");
    EXPECT_ONE_WARNING("fla", "fla");
    EXPECT_ONE_WARNING("flags", "flags");
    EXPECT_ONE_WARNING("FLAG", "FLAG");
    CHECK(!opt_flag, "no unknown option may set flag");
    harness_log_clear();
    CHECK_EQ(parse("x flag y=2 u8=3 z"), 3);
    CHECK(opt_flag && opt_u8 == 3, "known options around unknown ones still apply");
    CHECK(logged("'x'") && logged("'y'") && logged("'z'"), "each unknown is named: %s",
          harness_log());
}

TEST(odd_tokens)
{
    reset();
    EXPECT_ONE_WARNING("--flag", "--flag");
    EXPECT_ONE_WARNING("-flag", "-flag");
    EXPECT_ONE_WARNING("=1", "=1");
    EXPECT_ONE_WARNING("--", "--");
    EXPECT_ONE_WARNING("_flag", "_flag");
    CHECK(!opt_flag, "odd tokens must not set flag");
    EXPECT_ONE_WARNING("no-", "no-");
}

TEST(empty_and_whitespace)
{
    reset();
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(parse("   "), 0);
    CHECK_EQ(parse(" \t\n\r "), 0);
    CHECK_EQ(parse(NULL), 0);
    CHECK(harness_log()[0] == 0, "no warnings expected, got: %s", harness_log());
    CHECK_EQ(parse("\tflag\n  u8=9\r\nu16=0x20   "), 0);
    CHECK(opt_flag && opt_u8 == 9 && opt_u16 == 0x20, "tokens split on any whitespace");
    CHECK_EQ(cmdline_parse_table("flag", table, table), 1); /* empty table: all unknown */
}

TEST(repeated_option_last_wins)
{
    reset();
    CHECK_EQ(parse("u8=1 u8=2 flag no-flag flag"), 0);
    CHECK_EQ(opt_u8, 2);
    CHECK(opt_flag, "the last of 'flag no-flag flag' wins");
}

TEST(very_long_tokens)
{
    size_t n = 10000;
    char *s = malloc(n + 64);
    CHECK(s != NULL, "malloc");
    reset();

    /* A 10000-character unknown name. */
    memset(s, 'a', n);
    s[n] = 0;
    harness_log_clear();
    CHECK_EQ(parse(s), 1);
    CHECK(logged("unknown option 'aaaa"), "the long name should be warned about: %.100s",
          harness_log());

    /* A long string value is truncated into the 8-byte buffer. */
    memcpy(s, "str=", 4);
    harness_log_clear();
    CHECK_EQ(parse(s), 1);
    CHECK(strcmp(opt_str, "aaaaaaa") == 0, "str should hold 7 'a', got '%s'", opt_str);

    /* A long custom value is refused without calling the handler. */
    memcpy(s, "cust=", 5);
    harness_log_clear();
    CHECK_EQ(parse(s), 1);
    CHECK_EQ(custom_calls, 0);

    /* A long number overflows. */
    memcpy(s, "u64=", 4);
    memset(s + 4, '9', n - 4);
    harness_log_clear();
    CHECK_EQ(parse(s), 1);
    CHECK_EQ(opt_u64, 7);

    /* A long name followed by a normal option. */
    memset(s, 'b', n);
    strcpy(s + n, " u8=42");
    harness_log_clear();
    CHECK_EQ(parse(s), 1);
    CHECK_EQ(opt_u8, 42);
    free(s);
}
