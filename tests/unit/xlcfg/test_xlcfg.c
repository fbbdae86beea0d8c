// SPDX-License-Identifier: MIT
// Unit tests of the xl.cfg parser (hv/common/xlcfg.c): syntax, keys, defaults, errors, fuzzing.
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tern/errno.h>
#include <tern/xlcfg.h>

static struct xl_config cfg;
static char err[256];

/* Parses from an exact-size heap copy (no NUL after it) so ASan sees any read past the end. */
static int parse_n(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    memset(err, 0x5a, sizeof(err));
    err[sizeof(err) - 1] = 0;
    int rc = xlcfg_parse(copy, len, &cfg, err, sizeof(err));
    free(copy);
    return rc;
}

static int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static bool logged(const char *s)
{
    return strstr(harness_log(), s) != NULL;
}

#define MINIMAL "name = \"g\"\nkernel = \"vmlinuz\"\n"

/* A PVH guest as in Xen's examples (xlexample.pvhlinux), with keys Tern does not support. */
static const char example[] =
    "# =====================================================================\n"
    "# Example PVH Linux guest configuration\n"
    "# =====================================================================\n"
    "\n"
    "# This is a PVH guest\n"
    "type = \"pvh\"\n"
    "\n"
    "# Guest name\n"
    "name = \"example.pvhlinux\"\n"
    "\n"
    "# Kernel image to boot\n"
    "kernel = \"/boot/vmlinuz\"\n"
    "\n"
    "# Ramdisk (optional)\n"
    "ramdisk = \"/boot/initrd.gz\"\n"
    "\n"
    "# Kernel command line options\n"
    "extra = \"console=hvc0 earlyprintk=xen\"\n"
    "root = \"/dev/xvda1\"\n"
    "\n"
    "# Initial memory allocation (MB)\n"
    "memory = 512\n"
    "maxmem = 1024\n"
    "\n"
    "# Number of VCPUS\n"
    "vcpus = 2\n"
    "maxvcpus = 4\n"
    "cpus = \"0-3,^2\"\n"
    "\n"
    "on_crash = 'preserve'\n"
    "\n"
    "# Network devices\n"
    "vif = [ '' ]\n"
    "\n"
    "# Disk Devices\n"
    "disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\n";

TEST(example_config)
{
    CHECK_EQ(parse(example), 0);
    CHECK(!strcmp(cfg.name, "example.pvhlinux"), "name %s", cfg.name);
    CHECK_EQ(cfg.type, XL_TYPE_PVH);
    CHECK(!strcmp(cfg.kernel, "/boot/vmlinuz"), "kernel %s", cfg.kernel);
    CHECK(!strcmp(cfg.ramdisk, "/boot/initrd.gz"), "ramdisk %s", cfg.ramdisk);
    CHECK(!strcmp(cfg.cmdline, "root=/dev/xvda1 console=hvc0 earlyprintk=xen"), "cmdline '%s'",
          cfg.cmdline);
    CHECK_EQ(cfg.memory_mib, 512);
    CHECK_EQ(cfg.maxmem_mib, 1024);
    CHECK_EQ(cfg.vcpus, 2);
    CHECK_EQ(cfg.maxvcpus, 4);
    CHECK_EQ(cfg.cpu_affinity, 0xb);
    CHECK_EQ(cfg.on_crash, XL_ACTION_PRESERVE);
    CHECK_EQ(cfg.on_poweroff, XL_ACTION_DESTROY);
    CHECK(logged("line 33: 'vif' is not supported yet, ignored"), "log: %s", harness_log());
    CHECK(logged("line 36: 'disk' is not supported yet, ignored"), "log: %s", harness_log());
}

TEST(defaults)
{
    CHECK_EQ(parse(MINIMAL), 0);
    CHECK(!strcmp(cfg.name, "g"), "name %s", cfg.name);
    CHECK(!strcmp(cfg.kernel, "vmlinuz"), "kernel %s", cfg.kernel);
    CHECK_EQ(cfg.type, XL_TYPE_PVH);
    CHECK_EQ(cfg.memory_mib, XL_DEFAULT_MEMORY_MIB);
    CHECK_EQ(cfg.maxmem_mib, XL_DEFAULT_MEMORY_MIB);
    CHECK_EQ(cfg.vcpus, 1);
    CHECK_EQ(cfg.maxvcpus, 1);
    CHECK_EQ(cfg.ramdisk[0], 0);
    CHECK_EQ(cfg.cmdline[0], 0);
    CHECK_EQ(cfg.on_poweroff, XL_ACTION_DESTROY);
    CHECK_EQ(cfg.on_reboot, XL_ACTION_RESTART);
    CHECK_EQ(cfg.on_crash, XL_ACTION_DESTROY);
    CHECK_EQ(cfg.on_watchdog, XL_ACTION_DESTROY);
    CHECK_EQ(cfg.on_soft_reset, XL_ACTION_SOFT_RESET);
    CHECK_EQ(cfg.cpu_affinity, XL_ALL_CPUS);
    CHECK_EQ(cfg.max_event_channels, 0);
    CHECK(harness_log()[0] == 0, "no warnings expected: %s", harness_log());
    /* maxmem and maxvcpus follow memory and vcpus */
    CHECK_EQ(parse(MINIMAL "memory = 256\nvcpus = 3\n"), 0);
    CHECK_EQ(cfg.maxmem_mib, 256);
    CHECK_EQ(cfg.maxvcpus, 3);
}

TEST(every_key)
{
    static const char text[] =
        "name='all'\n"
        "type='hvm'\n"
        "memory=0x100\n"
        "maxmem=0400\n" /* octal, as strtol(..., 0) reads it */
        "vcpus=\"2\"\n" /* a quoted number is a number, as in xl */
        "maxvcpus=128\n"
        "kernel='k'\n"
        "ramdisk='r'\n"
        "cmdline='console=hvc0 quiet'\n"
        "on_poweroff='preserve'\n"
        "on_reboot='rename-restart'\n"
        "on_crash='coredump-destroy'\n"
        "on_watchdog='coredump-restart'\n"
        "on_soft_reset='destroy'\n"
        "cpus='all'\n"
        "max_event_channels=200\n";
    CHECK_EQ(parse(text), 0);
    CHECK(!strcmp(cfg.name, "all"), "name %s", cfg.name);
    CHECK_EQ(cfg.type, XL_TYPE_HVM);
    CHECK_EQ(cfg.memory_mib, 256);
    CHECK_EQ(cfg.maxmem_mib, 256);
    CHECK_EQ(cfg.vcpus, 2);
    CHECK_EQ(cfg.maxvcpus, 128);
    CHECK(!strcmp(cfg.ramdisk, "r"), "ramdisk %s", cfg.ramdisk);
    CHECK(!strcmp(cfg.cmdline, "console=hvc0 quiet"), "cmdline %s", cfg.cmdline);
    CHECK_EQ(cfg.on_poweroff, XL_ACTION_PRESERVE);
    CHECK_EQ(cfg.on_reboot, XL_ACTION_RENAME_RESTART);
    CHECK_EQ(cfg.on_crash, XL_ACTION_COREDUMP_DESTROY);
    CHECK_EQ(cfg.on_watchdog, XL_ACTION_COREDUMP_RESTART);
    CHECK_EQ(cfg.on_soft_reset, XL_ACTION_DESTROY);
    CHECK_EQ(cfg.cpu_affinity, XL_ALL_CPUS);
    CHECK_EQ(cfg.max_event_channels, 200);
    CHECK(harness_log()[0] == 0, "max_event_channels is known: %s", harness_log());
    CHECK_EQ(parse(MINIMAL "max_event_channels = 0xffffffff\n"), 0);
    CHECK_EQ(cfg.max_event_channels, 0xffffffffu);
    CHECK_EQ(parse(MINIMAL "type = 'pv'\non_reboot = 'soft-reset'\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_PV);
    CHECK_EQ(cfg.on_reboot, XL_ACTION_SOFT_RESET);
}

TEST(action_and_type_names)
{
    CHECK(!strcmp(xl_action_name(XL_ACTION_DESTROY), "destroy"), "destroy");
    CHECK(!strcmp(xl_action_name(XL_ACTION_RESTART), "restart"), "restart");
    CHECK(!strcmp(xl_action_name(XL_ACTION_RENAME_RESTART), "rename-restart"), "rr");
    CHECK(!strcmp(xl_action_name(XL_ACTION_PRESERVE), "preserve"), "preserve");
    CHECK(!strcmp(xl_action_name(XL_ACTION_COREDUMP_DESTROY), "coredump-destroy"), "cd");
    CHECK(!strcmp(xl_action_name(XL_ACTION_COREDUMP_RESTART), "coredump-restart"), "cr");
    CHECK(!strcmp(xl_action_name(XL_ACTION_SOFT_RESET), "soft-reset"), "sr");
    CHECK(!strcmp(xl_action_name((enum xl_action)99), "unknown"), "out of range");
    CHECK(!strcmp(xl_type_name(XL_TYPE_PVH), "pvh"), "pvh");
    CHECK(!strcmp(xl_type_name(XL_TYPE_HVM), "hvm"), "hvm");
    CHECK(!strcmp(xl_type_name(XL_TYPE_PV), "pv"), "pv");
    CHECK(!strcmp(xl_type_name((enum xl_type)-1), "unknown"), "out of range");
}

TEST(lists_over_several_lines)
{
    static const char text[] =
        MINIMAL
        "disk = [\n"
        "    'format=raw, vdev=xvda, access=rw, target=/dev/vg/a', # first disk\n"
        "    # a comment between items\n"
        "\n"
        "    \"format=raw, vdev=xvdb, target=/dev/vg/b\",\n"
        "]\n"
        "vnuma = [ [ \"pnode=0\", \"size=512\", \"vcpus=0-1\", \"vdistances=10,20\" ],\n"
        "          [ \"pnode=1\", \"size=512\", \"vcpus=2-3\", \"vdistances=20,10\" ] ]\n"
        "vif = []\n"
        "cpus = [ \"0\",\n"
        "         \"2-3\", 5 ]\n"
        "memory = 64\n";
    CHECK_EQ(parse(text), 0);
    CHECK_EQ(cfg.cpu_affinity, 0x2d);
    CHECK_EQ(cfg.memory_mib, 64);
    CHECK(logged("line 3: 'disk' is not supported yet"), "log: %s", harness_log());
    CHECK(logged("line 9: 'vnuma' is not supported yet"), "log: %s", harness_log());
    CHECK(logged("line 11: 'vif' is not supported yet"), "log: %s", harness_log());
    CHECK(logged("line 12: per-vCPU cpus lists are merged"), "log: %s", harness_log());
}

TEST(comments_blanks_semicolons_crlf)
{
    CHECK_EQ(parse("# only a comment\n\n   \t\n" MINIMAL "# trailing comment without newline"),
             0);
    CHECK_EQ(parse("name=\"a\"; kernel='k';memory=48;; vcpus=2 # comment\n"), 0);
    CHECK(!strcmp(cfg.name, "a"), "name %s", cfg.name);
    CHECK_EQ(cfg.memory_mib, 48);
    CHECK_EQ(cfg.vcpus, 2);
    CHECK_EQ(parse("name = \"c\"\r\nkernel = \"k\"\r\nmemory = 96\r\n"), 0);
    CHECK_EQ(cfg.memory_mib, 96);
    CHECK(!strcmp(cfg.kernel, "k"), "CR must not stick to the value: %s", cfg.kernel);
    /* no newline at the end, value last */
    CHECK_EQ(parse("name = \"c\"\nkernel = \"k\"\nmemory = 80"), 0);
    CHECK_EQ(cfg.memory_mib, 80);
    CHECK_EQ(parse("name = \"c\"\nkernel = \"k\"\ncmdline = 'x'"), 0);
    CHECK(!strcmp(cfg.cmdline, "x"), "cmdline %s", cfg.cmdline);
    /* a '#' inside a string is not a comment */
    CHECK_EQ(parse(MINIMAL "cmdline = \"a#b\" # c\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "a#b"), "cmdline %s", cfg.cmdline);
}

TEST(quoting_and_escapes)
{
    CHECK_EQ(parse(MINIMAL "cmdline = \"say \\\"hi\\\" it's \\\\ \\x41\\101\\t!\"\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "say \"hi\" it's \\ AA\t!"), "cmdline '%s'", cfg.cmdline);
    CHECK_EQ(parse(MINIMAL "cmdline = 'a \"b\" \\'c\\''\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "a \"b\" 'c'"), "cmdline '%s'", cfg.cmdline);
    CHECK_EQ(parse(MINIMAL "cmdline = \"\"\n"), 0);
    CHECK_EQ(cfg.cmdline[0], 0);
    /* bytes above 0x7f pass through unchanged */
    CHECK_EQ(parse(MINIMAL "cmdline = \"\xc3\xa9\"\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "\xc3\xa9"), "cmdline '%s'", cfg.cmdline);
    /* a bare number is a string where a string is wanted, as in xl */
    CHECK_EQ(parse("name = 42\nkernel = 'k'\n"), 0);
    CHECK(!strcmp(cfg.name, "42"), "name %s", cfg.name);
}

TEST(cmdline_from_root_and_extra)
{
    CHECK_EQ(parse(MINIMAL "root = '/dev/xvda1 ro'\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "root=/dev/xvda1 ro"), "cmdline '%s'", cfg.cmdline);
    CHECK_EQ(parse(MINIMAL "extra = 'console=hvc0'\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "console=hvc0"), "cmdline '%s'", cfg.cmdline);
    CHECK_EQ(parse(MINIMAL "extra = 'e'\nroot = 'r'\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "root=r e"), "cmdline '%s'", cfg.cmdline);
    harness_log_clear();
    CHECK_EQ(parse(MINIMAL "extra = 'e'\ncmdline = 'c'\nroot = 'r'\n"), 0);
    CHECK(!strcmp(cfg.cmdline, "c"), "cmdline '%s'", cfg.cmdline);
    CHECK(logged("line 4: cmdline is set: root and extra are ignored"), "log: %s",
          harness_log());
}

TEST(legacy_type_keys)
{
    CHECK_EQ(parse(MINIMAL "builder = 'hvm'\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_HVM);
    CHECK(logged("line 3: builder is deprecated"), "log: %s", harness_log());
    CHECK_EQ(parse(MINIMAL "builder = 'generic'\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_PV);
    CHECK_EQ(parse(MINIMAL "builder = 'generic'\npvh = 1\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_PVH);
    CHECK(logged("line 4: pvh is deprecated"), "log: %s", harness_log());
    CHECK_EQ(parse(MINIMAL "builder = 'generic'\ntype = 'pvh'\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_PVH);
    CHECK_EQ(parse(MINIMAL "builder = 'hvm'\npvh = 0\n"), 0);
    CHECK_EQ(cfg.type, XL_TYPE_HVM);
}

TEST(cpus_forms)
{
    static const struct {
        const char *value;
        uint64_t mask;
    } cases[] = {
        { "'all'", XL_ALL_CPUS },
        { "'0'", 0x1 },
        { "3", 0x8 },
        { "'0-3'", 0xf },
        { "'0,2'", 0x5 },
        { "'0-63'", XL_ALL_CPUS },
        { "'63'", 1ull << 63 },
        { "'all,^0'", XL_ALL_CPUS & ~1ull },
        { "'0-7,^2-3,12'", 0x10f3 },
        { "'5-5'", 0x20 },
        { "['1', '4-5']", 0x32 },
        { "[ 7 ]", 0x80 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), MINIMAL "cpus = %s\n", cases[i].value);
        CHECK(parse(text) == 0, "cpus = %s: %s", cases[i].value, err);
        CHECK(cfg.cpu_affinity == cases[i].mask, "cpus = %s: 0x%llx", cases[i].value,
              (unsigned long long)cfg.cpu_affinity);
    }
}

TEST(duplicate_keys_last_wins)
{
    CHECK_EQ(parse(MINIMAL "memory = 64\nmemory = 128\n"), 0);
    CHECK_EQ(cfg.memory_mib, 128);
    CHECK(logged("line 4: 'memory' was already set on line 3; the last value wins"), "log: %s",
          harness_log());
    CHECK_EQ(parse("name = 'a'\nkernel = 'k'\nname = 'b'\n"), 0);
    CHECK(!strcmp(cfg.name, "b"), "name %s", cfg.name);
}

TEST(unknown_keys_warn)
{
    CHECK_EQ(parse(MINIMAL "frobnicate = [ 1, 'x' ]\nvtpm = ['backend=0']\n"), 0);
    CHECK(logged("line 3: unknown key 'frobnicate' ignored"), "log: %s", harness_log());
    CHECK(logged("line 4: 'vtpm' is not supported yet, ignored"), "log: %s", harness_log());
}

TEST(long_values)
{
    char text[2048];
    char big[1100];

    memset(big, 'a', sizeof(big));
    big[63] = 0;
    snprintf(text, sizeof(text), "name = '%s'\nkernel = 'k'\n", big);
    CHECK_EQ(parse(text), 0);
    CHECK_EQ(strlen(cfg.name), 63);
    big[63] = 'a';
    big[64] = 0;
    snprintf(text, sizeof(text), "name = '%s'\nkernel = 'k'\n", big);
    CHECK_EQ(parse(text), -EINVAL);
    CHECK(!strcmp(err, "line 1: name is too long (at most 63 characters)"), "err: %s", err);
    memset(big, 'a', sizeof(big));
    big[1023] = 0;
    snprintf(text, sizeof(text), MINIMAL "cmdline = '%s'\n", big);
    CHECK_EQ(parse(text), 0);
    CHECK_EQ(strlen(cfg.cmdline), 1023);
    big[1023] = 'a';
    big[1024] = 0;
    snprintf(text, sizeof(text), MINIMAL "cmdline = '%s'\n", big);
    CHECK_EQ(parse(text), -EINVAL);
    CHECK(!strcmp(err, "line 3: cmdline is too long (at most 1023 characters)"), "err: %s",
          err);
    /* root= and extra= together: "root=" + 500 + " " + 517 = 1023 fits, one more does not */
    big[500] = 0;
    char extra[600];
    memset(extra, 'e', sizeof(extra));
    extra[517] = 0;
    snprintf(text, sizeof(text), MINIMAL "root = '%s'\nextra = '%s'\n", big, extra);
    CHECK_EQ(parse(text), 0);
    CHECK_EQ(strlen(cfg.cmdline), 1023);
    extra[517] = 'e';
    extra[518] = 0;
    snprintf(text, sizeof(text), MINIMAL "root = '%s'\nextra = '%s'\n", big, extra);
    CHECK_EQ(parse(text), -EINVAL);
    CHECK(strstr(err, "line 4: root and extra make a command line longer than 1023"), "err: %s",
          err);
}

/* Each malformed text and the exact message it must produce. */
static const struct {
    const char *text;
    const char *message;
} errors[] = {
    { MINIMAL "memory 512\n", "line 3: expected '=' after 'memory'" },
    { MINIMAL "memory = '512M'\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = 512M\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = [512]\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = 0x\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = 099\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = 99999999999999999999999\n", "line 3: memory must be a number of MiB" },
    { MINIMAL "memory = 0\n", "line 3: memory must be between 1 and 16777216 MiB" },
    { MINIMAL "maxmem = 'lots'\n", "line 3: maxmem must be a number of MiB" },
    { MINIMAL "memory = 256\nmaxmem = 128\n",
      "line 4: maxmem smaller than memory (128 < 256 MiB)" },
    { MINIMAL "maxmem = 16\n", "line 3: maxmem smaller than memory (16 < 32 MiB)" },
    { MINIMAL "type = 'foo'\n", "line 3: unknown type 'foo' (expected pvh, hvm or pv)" },
    { MINIMAL "type = pvh\n", "line 3: the value of 'type' must be quoted: \"pvh\"" },
    { MINIMAL "type = ['pvh']\n", "line 3: type must be a single value, not a list" },
    { MINIMAL "builder = 'linux'\n", "line 3: unknown builder 'linux' (expected hvm or generic)" },
    { MINIMAL "pvh = 'yes'\n", "line 3: pvh must be a number (0 or 1)" },
    { MINIMAL "vcpus = 0\n", "line 3: vcpus must be between 1 and 128" },
    { MINIMAL "vcpus = 129\n", "line 3: vcpus must be between 1 and 128" },
    { MINIMAL "vcpus = 'two'\n", "line 3: vcpus must be a number" },
    { MINIMAL "max_event_channels = 'many'\n", "line 3: max_event_channels must be a number" },
    { MINIMAL "max_event_channels = 0x100000000\n",
      "line 3: max_event_channels must be at most 4294967295" },
    { MINIMAL "maxvcpus = 200\n", "line 3: maxvcpus must be between 1 and 128" },
    { MINIMAL "vcpus = 4\nmaxvcpus = 2\n", "line 4: maxvcpus smaller than vcpus (2 < 4)" },
    { "kernel = 'k'\n", "name is required" },
    { "name = 'n'\n", "kernel is required" },
    { "", "name is required" },
    { "name = ''\nkernel = 'k'\n", "line 1: name must not be empty" },
    { "name = 'a\\tb'\nkernel = 'k'\n", "line 1: name contains a control character" },
    { "name = 'n'\nkernel = ''\n", "line 2: kernel must not be empty" },
    { MINIMAL "on_crash = 'explode'\n",
      "line 3: unknown action 'explode' for on_crash (expected destroy, restart, "
      "rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset)" },
    { MINIMAL "on_reboot = [ 'restart' ]\n",
      "line 3: on_reboot must be a single value, not a list" },
    { MINIMAL "cmdline = \"abc\n", "line 3: unterminated string (missing closing \")" },
    { MINIMAL "cmdline = 'abc", "line 3: unterminated string (missing closing ')" },
    { MINIMAL "cmdline = 'abc\\", "line 3: unterminated string (missing closing ')" },
    { MINIMAL "cmdline = 'a\\'\n", "line 3: unterminated string (missing closing ')" },
    { MINIMAL "disk = [ 'a',\n 'b'\n", "line 3: the list of 'disk' is never closed with ']'" },
    { MINIMAL "disk = [ 'a' 'b' ]\n", "line 3: expected ',' or ']' in the list of 'disk'" },
    { MINIMAL "disk = [ , ]\n", "line 3: unexpected ',' in the list of 'disk'" },
    { MINIMAL "disk = [ 'a',, ]\n", "line 3: unexpected ',' in the list of 'disk'" },
    { MINIMAL "disk = [ a ]\n", "line 3: list items of 'disk' must be quoted: \"a\"" },
    { MINIMAL "disk = [ 'a'; ]\n", "line 3: unexpected ';' in the list of 'disk'" },
    { MINIMAL "x = [[[[[[[[[1]]]]]]]]]\n", "line 3: lists nested too deeply in 'x'" },
    { MINIMAL "memory =\n", "line 3: missing value for 'memory'" },
    { MINIMAL "memory = = 5\n", "line 3: expected a value for 'memory', found '='" },
    { MINIMAL "memory = 5 6\n",
      "line 3: expected the end of the line after the value of 'memory', found a number" },
    { MINIMAL "memory = 5,\n",
      "line 3: expected the end of the line after the value of 'memory', found ','" },
    { MINIMAL "= 5\n", "line 3: expected a key, found '='" },
    { MINIMAL "'memory' = 5\n", "line 3: expected a key, found a string" },
    { MINIMAL "Memory = 5\n", "line 3: invalid key 'Memory': keys are lower case" },
    { MINIMAL "_x = 5\n", "line 3: invalid key '_x': keys start with a lower-case letter" },
    { MINIMAL "disk += [ 'a' ]\n", "line 3: '+=' (append to 'disk') is not supported" },
    { MINIMAL "memory = -5\n", "line 3: unexpected character '-'" },
    { MINIMAL "memory + 5\n", "line 3: unexpected character '+'" },
    { MINIMAL "\x01\n", "line 3: unexpected byte 0x01" },
    { MINIMAL "cmdline = 'a\\qb'\n", "line 3: invalid escape '\\q' in a string" },
    { MINIMAL "cmdline = 'a\\xg'\n", "line 3: '\\x' without hex digits in a string" },
    { MINIMAL "cmdline = 'a\\0b'\n", "line 3: a string cannot contain a NUL character" },
    { MINIMAL "cmdline = 'a\\400'\n", "line 3: octal escape above \\377 in a string" },
    { MINIMAL "disk = [ 'a\\q' ]\n", "line 3: invalid escape '\\q' in a string" },
    { MINIMAL "cpus = '64'\n", "line 3: cpus: CPU 64 is beyond the 64 host CPUs Tern supports" },
    { MINIMAL "cpus = '3-1'\n", "line 3: cpus: range 3-1 is backwards" },
    { MINIMAL "cpus = '^1'\n", "line 3: cpus selects no CPU" },
    { MINIMAL "cpus = ''\n", "line 3: cpus: empty CPU list" },
    { MINIMAL "cpus = []\n", "line 3: cpus: empty list" },
    { MINIMAL "cpus = '1,'\n", "line 3: cpus: CPU list ends with ','" },
    { MINIMAL "cpus = '1;2'\n", "line 3: cpus: unexpected ';2' in the CPU list" },
    { MINIMAL "cpus = 'nodes:0'\n", "line 3: cpus: NUMA node affinity is not supported" },
    { MINIMAL "cpus = 'x'\n",
      "line 3: cpus: expected a CPU number, \"all\" or a range like \"0-3\"" },
    { MINIMAL "cpus = [ '1', [ '2' ] ]\n",
      "line 3: cpus: a list of CPU lists cannot contain lists" },
    { MINIMAL "cpus = [ '1',\n '99' ]\n",
      "line 4: cpus: CPU 99 is beyond the 64 host CPUs Tern supports" },
    { MINIMAL "root = [ 'a' ]\n", "line 3: root must be a single value, not a list" },
    /* errors in unknown keys' values are still errors: the file is malformed */
    { MINIMAL "bogus = 'unterminated\n", "line 3: unterminated string (missing closing ')" },
};

TEST(error_messages)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        int rc = parse(errors[i].text);
        CHECK(rc == -EINVAL, "case %zu (%s): rc %d", i, errors[i].text, rc);
        CHECK(!strcmp(err, errors[i].message), "case %zu: got '%s', want '%s'", i, err,
              errors[i].message);
    }
}

TEST(nul_bytes)
{
    static const char a[] = "name = 'a'\nkernel = 'k'\0\nmemory = 5\n";
    CHECK_EQ(parse_n(a, sizeof(a) - 1), -EINVAL);
    CHECK(!strcmp(err, "line 2: unexpected byte 0x00"), "err: %s", err);
    static const char b[] = "name = 'a\0b'\nkernel = 'k'\n";
    CHECK_EQ(parse_n(b, sizeof(b) - 1), -EINVAL);
    CHECK(!strcmp(err, "line 1: NUL byte in a string"), "err: %s", err);
    /* in a comment a NUL is harmless */
    static const char c[] = "# a\0b\nname = 'a'\nkernel = 'k'\n";
    CHECK_EQ(parse_n(c, sizeof(c) - 1), 0);
}

TEST(small_or_missing_error_buffer)
{
    char tiny[8];
    CHECK_EQ(xlcfg_parse("memory", 6, &cfg, tiny, sizeof(tiny)), -EINVAL);
    CHECK(!strcmp(tiny, "line 1:"), "tiny: %s", tiny);
    CHECK_EQ(xlcfg_parse("memory", 6, &cfg, tiny, 1), -EINVAL);
    CHECK_EQ(tiny[0], 0);
    CHECK_EQ(xlcfg_parse("memory", 6, &cfg, NULL, 0), -EINVAL);
    CHECK_EQ(xlcfg_parse(NULL, 0, &cfg, err, sizeof(err)), -EINVAL);
    CHECK(!strcmp(err, "name is required"), "err: %s", err);
}

/* Messages never carry the input's control bytes, and unknown keys are shown truncated. */
TEST(messages_are_sanitised)
{
    CHECK_EQ(parse(MINIMAL "type = 'a\x1b[2Jb'\n"), -EINVAL);
    CHECK(!strcmp(err, "line 3: unknown type 'a?[2Jb' (expected pvh, hvm or pv)"), "err: %s",
          err);
    char text[400];
    char key[201];
    memset(key, 'k', 200);
    key[200] = 0;
    snprintf(text, sizeof(text), MINIMAL "%s = 1\n", key);
    CHECK_EQ(parse(text), 0);
    CHECK(logged("unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' ignored"), "log: %s",
          harness_log());
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

TEST(fuzz_truncations)
{
    size_t len = strlen(example);
    for (size_t n = 0; n <= len; n++) {
        int rc = parse_n(example, n);
        CHECK(rc == 0 || rc == -EINVAL, "truncated at %zu: rc %d", n, rc);
        CHECK(rc == 0 || err[0], "truncated at %zu: no message", n);
        harness_log_clear();
    }
}

TEST(fuzz_random_bytes)
{
    static const char alphabet[] = "ab=[]'\",;#\n\r\\ 0x9-^+_\t";
    char buf[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rnd() % sizeof(buf);
        bool structured = iter & 1;
        for (size_t i = 0; i < n; i++)
            buf[i] = structured ? alphabet[rnd() % (sizeof(alphabet) - 1)] : (char)rnd();
        int rc = parse_n(buf, n);
        CHECK(rc == 0 || rc == -EINVAL, "iteration %d: rc %d", iter, rc);
        CHECK(rc == 0 || err[0], "iteration %d: no message", iter);
        CHECK(strlen(err) < sizeof(err), "iteration %d: message not terminated", iter);
        harness_log_clear();
    }
}

TEST(fuzz_mutations)
{
    size_t len = strlen(example);
    char *buf = malloc(len);
    int ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, example, len);
        for (int m = 1 + rnd() % 4; m > 0; m--) {
            size_t at = rnd() % len;
            switch (rnd() % 3) {
            case 0:
                buf[at] = (char)rnd();
                break;
            case 1:
                buf[at] = "'\"[]=,;#\n\\"[rnd() % 10];
                break;
            default:
                buf[at] = 0;
                break;
            }
        }
        int rc = parse_n(buf, rnd() % (len + 1));
        CHECK(rc == 0 || rc == -EINVAL, "iteration %d: rc %d", iter, rc);
        CHECK(rc == 0 || err[0], "iteration %d: no message", iter);
        ok += rc == 0;
        harness_log_clear();
    }
    free(buf);
    CHECK(ok > 0, "some mutations should still parse (%d)", ok);
}
