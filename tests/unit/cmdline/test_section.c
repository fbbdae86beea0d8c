// SPDX-License-Identifier: MIT
// Unit tests of cmdline_parse() over options declared with the *_param() macros.
#include "harness.h"

#include <stdbool.h>
#include <string.h>

#include <tern/param.h>

/*
 * One option of each type: the macros name their descriptor after the type and fn only
 * (__LINE__ is pasted, not expanded), so two of a type in one file would clash.
 */
static bool sec_bool;
static unsigned int sec_uint = 5;
static uint64_t sec_size;
static char sec_str[16] = "dflt";
static int sec_custom_calls;
static char sec_custom_val[32];

static int sec_custom(const char *v)
{
    sec_custom_calls++;
    strncpy(sec_custom_val, v ? v : "(null)", sizeof(sec_custom_val) - 1);
    return 0;
}

static int sec_custom_reject(const char *v)
{
    return -1;
}

boolean_param("sec-bool", sec_bool);
integer_param("sec_uint", sec_uint);
size_param("sec-size", sec_size);
string_param("sec-str", sec_str);
custom_param("sec-custom", sec_custom);
custom_param("sec-reject", sec_custom_reject);

extern const struct kernel_param __start_tern_params[], __stop_tern_params[];

TEST(section_holds_declared_options)
{
    int n = (int)(__stop_tern_params - __start_tern_params);
    CHECK(n == 6, "the tern_params section should hold the 6 declared options, holds %d", n);
}

TEST(section_cmdline_parse)
{
    int n = cmdline_parse("sec_bool sec-uint=0x30 sec_size=2M sec_str=hello sec-custom=x,y "
                          "sec-reject=1 unknown-thing");
    CHECK(n == 2, "expected 2 problems (sec-reject, unknown-thing), got %d; log: %s", n,
          harness_log());
    CHECK(sec_bool, "sec_bool should be set");
    CHECK_EQ(sec_uint, 0x30);
    CHECK_EQ(sec_size, 2u << 20);
    CHECK(strcmp(sec_str, "hello") == 0, "sec_str should be 'hello', got '%s'", sec_str);
    CHECK(sec_custom_calls == 1 && strcmp(sec_custom_val, "x,y") == 0,
          "sec-custom should get 'x,y' once, got '%s' (%d calls)", sec_custom_val,
          sec_custom_calls);
    CHECK(strstr(harness_log(), "unknown option 'unknown-thing'"), "log: %s", harness_log());
    CHECK(strstr(harness_log(), "sec-reject"), "log: %s", harness_log());

    CHECK_EQ(cmdline_parse("no-sec-bool sec-uint=4294967296"), 1);
    CHECK(!sec_bool, "no-sec-bool should clear sec_bool");
    CHECK_EQ(sec_uint, 0x30);
}
