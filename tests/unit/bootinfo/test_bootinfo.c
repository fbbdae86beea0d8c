// SPDX-License-Identifier: MIT
// Unit tests of the Multiboot/Multiboot2 information parser (hv/arch/x86/boot/bootinfo.c).
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tern/bootinfo.h>
#include <tern/errno.h>

/*
 * Fake physical memory: MEM_SIZE bytes at MEM_BASE. map() hands out a fresh heap copy of
 * exactly the bytes asked for, so AddressSanitizer catches any read past what was granted.
 */
#define MEM_BASE 0x100000ull
#define MEM_SIZE 0x20000ull

static uint8_t mem[MEM_SIZE];
static uint64_t grant_end = MEM_BASE + MEM_SIZE; /* map() refuses anything past this */
static uint64_t refuse_pa = ~0ull;               /* map() refuses a range starting here */
static void **grants;
static size_t nr_grants, max_grants;
static unsigned int map_calls;

static const void *fake_map(paddr_t pa, size_t len)
{
    map_calls++;
    if (pa == refuse_pa || pa < MEM_BASE || len > grant_end - MEM_BASE ||
        pa - MEM_BASE > grant_end - MEM_BASE - len)
        return NULL;
    if (nr_grants == max_grants) {
        max_grants = max_grants ? 2 * max_grants : 256;
        grants = realloc(grants, max_grants * sizeof(*grants));
    }
    void *copy = malloc(len);
    memcpy(copy, mem + (pa - MEM_BASE), len);
    grants[nr_grants++] = copy;
    return copy;
}

static struct boot_info bi;

/* Resets the fake memory; the previous test's grants are freed here and at the end. */
static void reset(void)
{
    for (size_t i = 0; i < nr_grants; i++)
        free(grants[i]);
    nr_grants = 0;
    memset(mem, 0, sizeof(mem));
    grant_end = MEM_BASE + MEM_SIZE;
    refuse_pa = ~0ull;
    map_calls = 0;
    memset(&bi, 0xa5, sizeof(bi)); /* the parser must clear it */
}

__attribute__((destructor)) static void free_grants(void)
{
    reset();
    free(grants);
}

static uint8_t *at(uint64_t pa)
{
    if (pa < MEM_BASE || pa >= MEM_BASE + MEM_SIZE)
        abort();
    return mem + (pa - MEM_BASE);
}

static void put32(uint64_t pa, uint32_t v)
{
    memcpy(at(pa), &v, 4);
}

static void put64(uint64_t pa, uint64_t v)
{
    memcpy(at(pa), &v, 8);
}

static void put_str(uint64_t pa, const char *s)
{
    memcpy(at(pa), s, strlen(s) + 1);
}

static bool logged(const char *what)
{
    return strstr(harness_log(), what) != NULL;
}

#define CHECK_STR(got, want)                                                               \
    CHECK(strcmp((got), (want)) == 0, "%s should be '%s', got '%s'", #got, (want), (got))

#define CHECK_RANGE(i, a, l, t)                                                            \
    do {                                                                                   \
        CHECK(bi.mmap[i].addr == (a) && bi.mmap[i].len == (l) && bi.mmap[i].type == (t),   \
              "mmap[%d] should be {%#llx, %#llx, %u}, got {%#llx, %#llx, %u}", (int)(i),   \
              (unsigned long long)(a), (unsigned long long)(l), (unsigned)(t),             \
              (unsigned long long)bi.mmap[i].addr, (unsigned long long)bi.mmap[i].len,     \
              bi.mmap[i].type);                                                            \
    } while (0)

/* ---- Multiboot v1 ------------------------------------------------------------------------ */

#define MB1_INFO (MEM_BASE + 0x1000)
#define MB1_STRS (MEM_BASE + 0x2000)
#define MB1_MODS (MEM_BASE + 0x3000)
#define MB1_MMAP (MEM_BASE + 0x4000)

static void mb1_info(uint32_t flags)
{
    put32(MB1_INFO + 0, flags);
}

static void mb1_module(unsigned int i, uint32_t start, uint32_t end, uint32_t str)
{
    put32(MB1_MODS + 16 * i, start);
    put32(MB1_MODS + 16 * i + 4, end);
    put32(MB1_MODS + 16 * i + 8, str);
    put32(MB1_MODS + 16 * i + 12, 0);
}

/* Appends an mmap entry whose size field is size (20 or more); returns the next offset. */
static uint32_t mb1_range(uint32_t off, uint32_t size, uint64_t addr, uint64_t len,
                          uint32_t type)
{
    put32(MB1_MMAP + off, size);
    put64(MB1_MMAP + off + 4, addr);
    put64(MB1_MMAP + off + 12, len);
    put32(MB1_MMAP + off + 20, type);
    for (uint32_t i = 20; i < size; i++)
        at(MB1_MMAP + off + 4 + i)[0] = 0xee; /* fields of a later version */
    return off + 4 + size;
}

static void mb1_full_setup(void)
{
    mb1_info((1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
    put32(MB1_INFO + 4, 639);
    put32(MB1_INFO + 8, 130048);
    put32(MB1_INFO + 16, MB1_STRS);
    put_str(MB1_STRS, "console=com1 loglvl=all");
    put32(MB1_INFO + 64, MB1_STRS + 0x100);
    put_str(MB1_STRS + 0x100, "qemu");
    put32(MB1_INFO + 20, 3);
    put32(MB1_INFO + 24, MB1_MODS);
    put_str(MB1_STRS + 0x200, "vmlinuz console=hvc0");
    put_str(MB1_STRS + 0x300, "initrd.img");
    put_str(MB1_STRS + 0x400, "");
    mb1_module(0, 0x800000, 0xa00000, MB1_STRS + 0x200);
    mb1_module(1, 0xa00000, 0xa12345, MB1_STRS + 0x300);
    mb1_module(2, 0xb00000, 0xb00001, MB1_STRS + 0x400);
    uint32_t off = 0;
    off = mb1_range(off, 20, 0, 0x9fc00, 1);
    off = mb1_range(off, 20, 0x9fc00, 0x400, 2);
    off = mb1_range(off, 20, 0x100000, 0x7ee0000, 1);
    off = mb1_range(off, 20, 0xfffc0000, 0x40000, 2);
    put32(MB1_INFO + 44, off);
    put32(MB1_INFO + 48, MB1_MMAP);
}

TEST(mb1_full)
{
    reset();
    mb1_full_setup();
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "a valid Multiboot info should parse, got %d; log: %s", rc, harness_log());
    CHECK_EQ(bi.version, 1);
    CHECK(bi.has_basic_mem, "flag bit 0 gives basic memory");
    CHECK_EQ(bi.mem_lower_kb, 639);
    CHECK_EQ(bi.mem_upper_kb, 130048);
    CHECK_STR(bi.cmdline, "console=com1 loglvl=all");
    CHECK_STR(bi.loader, "qemu");
    CHECK_EQ(bi.nr_mods, 3);
    CHECK_EQ(bi.mods[0].start, 0x800000);
    CHECK_EQ(bi.mods[0].end, 0xa00000);
    CHECK_STR(bi.mods[0].cmdline, "vmlinuz console=hvc0");
    CHECK_EQ(bi.mods[1].start, 0xa00000);
    CHECK_EQ(bi.mods[1].end, 0xa12345);
    CHECK_STR(bi.mods[1].cmdline, "initrd.img");
    CHECK_EQ(bi.mods[2].end, 0xb00001);
    CHECK_STR(bi.mods[2].cmdline, "");
    CHECK_EQ(bi.nr_mmap, 4);
    CHECK_RANGE(0, 0, 0x9fc00, 1);
    CHECK_RANGE(1, 0x9fc00, 0x400, 2);
    CHECK_RANGE(2, 0x100000, 0x7ee0000, 1);
    CHECK_RANGE(3, 0xfffc0000, 0x40000, 2);
    CHECK(!bi.has_rsdp && bi.rsdp_len == 0, "Multiboot v1 gives no RSDP");
    CHECK_EQ(bi.info_start, MB1_INFO);
    CHECK(bi.info_end >= MB1_INFO + 88 && bi.info_end <= MB1_INFO + 116,
          "info_end should cover the fixed structure, got %#llx",
          (unsigned long long)bi.info_end);
}

TEST(mb1_no_flags_reads_nothing_else)
{
    reset();
    mb1_full_setup();
    mb1_info(0);
    put32(MB1_INFO + 16, 0xdead0000); /* unmapped, but the flag is clear */
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "flags 0 should parse, got %d", rc);
    CHECK_EQ(bi.version, 1);
    CHECK(!bi.has_basic_mem && bi.nr_mods == 0 && bi.nr_mmap == 0,
          "nothing should be filled in (mem %d mods %u mmap %u)", bi.has_basic_mem,
          bi.nr_mods, bi.nr_mmap);
    CHECK(bi.cmdline[0] == 0 && bi.loader[0] == 0, "strings should be empty");
    CHECK_EQ(map_calls, 1);
}

TEST(mb1_mmap_size_20_and_24)
{
    reset();
    mb1_info(1u << 6);
    uint32_t off = 0;
    off = mb1_range(off, 20, 0x1000, 0x2000, 1);
    off = mb1_range(off, 24, 0x3000, 0x4000, 3);
    off = mb1_range(off, 20, 0x5000, 0x6000, 4);
    off = mb1_range(off, 24, 0x7000, 0x8000, 5);
    CHECK_EQ(off, 24 + 28 + 24 + 28);
    put32(MB1_INFO + 44, off);
    put32(MB1_INFO + 48, MB1_MMAP);
    /* The list ends exactly at the end of what map() grants. */
    memmove(at(MEM_BASE + MEM_SIZE - off), at(MB1_MMAP), off);
    put32(MB1_INFO + 48, (uint32_t)(MEM_BASE + MEM_SIZE - off));
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "entries with size 20 and 24 should parse, got %d; log: %s", rc,
          harness_log());
    CHECK_EQ(bi.nr_mmap, 4);
    CHECK_RANGE(0, 0x1000, 0x2000, 1);
    CHECK_RANGE(1, 0x3000, 0x4000, 3);
    CHECK_RANGE(2, 0x5000, 0x6000, 4);
    CHECK_RANGE(3, 0x7000, 0x8000, 5);
}

TEST(mb1_mmap_malformed)
{
    reset();
    mb1_info(1u << 6);
    uint32_t off = mb1_range(0, 20, 0x1000, 0x2000, 1);
    mb1_range(off, 16, 0x3000, 0x4000, 1); /* size too small for addr, len, type */
    put32(MB1_INFO + 44, off + 24);
    put32(MB1_INFO + 48, MB1_MMAP);
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    CHECK_EQ(bi.nr_mmap, 1);

    reset();
    mb1_info(1u << 6);
    off = mb1_range(0, 20, 0x1000, 0x2000, 1);
    off = mb1_range(off, 24, 0x3000, 0x4000, 1);
    put32(MB1_INFO + 44, off - 2); /* the last entry overruns mmap_length */
    put32(MB1_INFO + 48, MB1_MMAP);
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    CHECK_EQ(bi.nr_mmap, 1);

    reset();
    mb1_info(1u << 6);
    put32(MB1_INFO + 44, 24);
    put32(MB1_INFO + 48, 0x10); /* outside memory */
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    CHECK_EQ(bi.nr_mmap, 0);
}

TEST(mb1_too_many_modules)
{
    reset();
    mb1_info((1u << 3) | (1u << 6));
    for (unsigned int i = 0; i < 40; i++) {
        put_str(MB1_STRS + 16 * i, "m");
        at(MB1_STRS + 16 * i)[1] = (char)('A' + i);
        mb1_module(i, 0x1000000 + 0x1000 * i, 0x1000800 + 0x1000 * i, MB1_STRS + 16 * i);
    }
    put32(MB1_INFO + 20, 40);
    put32(MB1_INFO + 24, MB1_MODS);
    put32(MB1_INFO + 44, mb1_range(0, 20, 0, 0x1000, 1));
    put32(MB1_INFO + 48, MB1_MMAP);
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == -E2BIG, "40 modules should give -E2BIG, got %d", rc);
    CHECK_EQ(bi.nr_mods, BOOT_MAX_MODULES);
    for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++) {
        char want[3] = { 'm', (char)('A' + i), 0 };
        CHECK(bi.mods[i].start == 0x1000000 + 0x1000 * i, "module %u out of order", i);
        CHECK(strcmp(bi.mods[i].cmdline, want) == 0, "module %u: '%s'", i, bi.mods[i].cmdline);
    }
    CHECK(bi.nr_mmap == 1, "the memory map should still be parsed, got %u", bi.nr_mmap);
}

TEST(mb1_empty_and_inverted_modules_skipped)
{
    reset();
    mb1_info(1u << 3);
    mb1_module(0, 0x100000, 0x100000, 0);  /* empty */
    mb1_module(1, 0x200000, 0x201000, 0);  /* fine, no string */
    mb1_module(2, 0x300000, 0x2fffff, 0);  /* inverted */
    mb1_module(3, 0x400000, 0x400010, MB1_STRS);
    put_str(MB1_STRS, "last");
    put32(MB1_INFO + 20, 4);
    put32(MB1_INFO + 24, MB1_MODS);
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "skipped modules are not an error, got %d", rc);
    CHECK_EQ(bi.nr_mods, 2);
    CHECK_EQ(bi.mods[0].start, 0x200000);
    CHECK_STR(bi.mods[0].cmdline, "");
    CHECK_EQ(bi.mods[1].start, 0x400000);
    CHECK_STR(bi.mods[1].cmdline, "last");
    CHECK(logged("0x100000") && logged("0x300000"), "skips should be warned: %s",
          harness_log());
}

TEST(mb1_module_list_unreadable)
{
    reset();
    mb1_info(1u << 3);
    put32(MB1_INFO + 20, 2);
    put32(MB1_INFO + 24, (uint32_t)(MEM_BASE + MEM_SIZE - 16)); /* the second is outside */
    put32(MEM_BASE + MEM_SIZE - 16, 0x500000);
    put32(MEM_BASE + MEM_SIZE - 12, 0x600000);
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    CHECK_EQ(bi.nr_mods, 1);
}

TEST(mb1_string_without_nul)
{
    reset();
    mb1_info(1u << 2);
    /* "abcdef" runs into the end of what map() grants: no NUL can be found. */
    memcpy(at(MEM_BASE + MEM_SIZE - 6), "abcdef", 6);
    put32(MB1_INFO + 16, (uint32_t)(MEM_BASE + MEM_SIZE - 6));
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == -EINVAL, "an unterminated string should give -EINVAL, got %d", rc);
    CHECK_STR(bi.cmdline, "abcdef");
    CHECK(logged("not NUL-terminated"), "log: %s", harness_log());

    /* The same string, terminated just at the end, is fine. */
    reset();
    mb1_info(1u << 2);
    memcpy(at(MEM_BASE + MEM_SIZE - 7), "abcdef", 7);
    put32(MB1_INFO + 16, (uint32_t)(MEM_BASE + MEM_SIZE - 7));
    rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "a string ending at the end of memory should parse, got %d", rc);
    CHECK_STR(bi.cmdline, "abcdef");

    /* Readable memory ends 5 bytes into the string's 64-byte chunk, just after its NUL. */
    reset();
    mb1_info(1u << 2);
    put_str(MB1_STRS, "abcd");
    put32(MB1_INFO + 16, MB1_STRS);
    grant_end = MB1_STRS + 5;
    rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "a string ending just before unreadable memory should parse, got %d", rc);
    CHECK_STR(bi.cmdline, "abcd");

    /* A pointer to unmapped memory. */
    reset();
    mb1_info(1u << 9);
    put32(MB1_INFO + 64, 0x1000);
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    CHECK_STR(bi.loader, "");
}

TEST(mb1_long_strings_truncated)
{
    reset();
    mb1_info((1u << 2) | (1u << 9));
    memset(at(MB1_STRS), 'x', 5000);
    put32(MB1_INFO + 16, MB1_STRS);
    put32(MB1_INFO + 64, MB1_STRS);
    int rc = bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi);
    CHECK(rc == 0, "long strings are truncated, not an error, got %d", rc);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);
    CHECK(logged("truncated"), "truncation should be warned: %s", harness_log());
}

TEST(mb1_info_unmapped)
{
    reset();
    refuse_pa = MB1_INFO;
    mb1_full_setup();
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MB1_INFO, fake_map, &bi), -EINVAL);
    /* QEMU's structure is 88 bytes long: that much must be enough. */
    reset();
    put32(MEM_BASE + MEM_SIZE - 88, 1u << 0);
    put32(MEM_BASE + MEM_SIZE - 84, 640);
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MEM_BASE + MEM_SIZE - 88, fake_map,
                            &bi), 0);
    CHECK(bi.has_basic_mem && bi.mem_lower_kb == 640, "basic memory from an 88-byte info");
    /* Too close to the end of memory for the 88 bytes that are read. */
    reset();
    CHECK_EQ(bootinfo_parse(MULTIBOOT1_BOOTLOADER_MAGIC, MEM_BASE + MEM_SIZE - 80, fake_map,
                            &bi), -EINVAL);
}

/* ---- Multiboot2 -------------------------------------------------------------------------- */

#define MB2_INFO (MEM_BASE + 0x8000)

static uint32_t mb2_off;

static void mb2_begin(void)
{
    mb2_off = 8;
}

/* Adds a tag with payload; returns its offset. The next tag goes 8-byte aligned. */
static uint32_t mb2_tag(uint32_t type, const void *payload, uint32_t len)
{
    uint32_t off = mb2_off;
    put32(MB2_INFO + off, type);
    put32(MB2_INFO + off + 4, 8 + len);
    if (len)
        memcpy(at(MB2_INFO + off + 8), payload, len);
    mb2_off = (off + 8 + len + 7) & ~7u;
    return off;
}

static uint32_t mb2_str_tag(uint32_t type, const char *s)
{
    return mb2_tag(type, s, (uint32_t)strlen(s) + 1);
}

static void mb2_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t buf[256];
    memcpy(buf, &start, 4);
    memcpy(buf + 4, &end, 4);
    size_t n = strlen(s) + 1;
    memcpy(buf + 8, s, n);
    mb2_tag(3, buf, (uint32_t)(8 + n));
}

/* An mmap tag with entries of entry_size bytes (24 or more; the rest is filled with 0xee). */
static void mb2_mmap(uint32_t entry_size, unsigned int n, const uint64_t (*r)[3])
{
    uint8_t *buf = calloc(1, 8 + (size_t)n * entry_size);
    uint32_t version = 0;
    memcpy(buf, &entry_size, 4);
    memcpy(buf + 4, &version, 4);
    for (unsigned int i = 0; i < n; i++) {
        uint8_t *e = buf + 8 + (size_t)i * entry_size;
        uint32_t type = (uint32_t)r[i][2];
        memset(e, 0xee, entry_size);
        memcpy(e, &r[i][0], 8);
        memcpy(e + 8, &r[i][1], 8);
        memcpy(e + 16, &type, 4);
        memset(e + 20, 0, 4);
    }
    mb2_tag(6, buf, 8 + n * entry_size);
    free(buf);
}

/* Ends the list and writes total_size; returns it. */
static uint32_t mb2_end(void)
{
    mb2_tag(0, NULL, 0);
    put32(MB2_INFO, mb2_off);
    put32(MB2_INFO + 4, 0);
    return mb2_off;
}

static int mb2_parse(void)
{
    return bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MB2_INFO, fake_map, &bi);
}

static const uint64_t five_ranges[5][3] = {
    { 0, 0x9fc00, 1 },
    { 0x9fc00, 0x400, 2 },
    { 0xf0000, 0x10000, 2 },
    { 0x100000, 0x3ff00000, 1 },
    { 0xfee00000, 0x1000, 4 },
};

static void check_five_ranges(void)
{
    CHECK_EQ(bi.nr_mmap, 5);
    for (int i = 0; i < 5; i++)
        CHECK_RANGE(i, five_ranges[i][0], five_ranges[i][1], five_ranges[i][2]);
}

static void rsdp_bytes(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i);
}

TEST(mb2_full)
{
    uint8_t old_rsdp[20], new_rsdp[36];
    uint32_t basic[2] = { 639, 523264 };
    uint8_t fb[24] = { 0 };

    reset();
    mb2_begin();
    mb2_str_tag(1, "console=com1 dom0_mem=512M");
    mb2_str_tag(2, "GRUB 2.06");
    mb2_module(0x1000000, 0x1800000, "vmlinuz root=/dev/xvda");
    mb2_module(0x1800000, 0x1a00000, "initrd");
    mb2_module(0x1a00000, 0x1a00100, "");
    mb2_tag(4, basic, sizeof(basic));
    mb2_tag(8, fb, sizeof(fb)); /* framebuffer: not used, skipped */
    mb2_mmap(24, 5, five_ranges);
    rsdp_bytes(old_rsdp, sizeof(old_rsdp), 0x10);
    rsdp_bytes(new_rsdp, sizeof(new_rsdp), 0x80);
    mb2_tag(14, old_rsdp, sizeof(old_rsdp));
    mb2_tag(15, new_rsdp, sizeof(new_rsdp));
    mb2_tag(99, "future", 6); /* unknown: skipped */
    uint32_t total = mb2_end();

    int rc = mb2_parse();
    CHECK(rc == 0, "a valid Multiboot2 info should parse, got %d; log: %s", rc, harness_log());
    CHECK_EQ(bi.version, 2);
    CHECK_STR(bi.cmdline, "console=com1 dom0_mem=512M");
    CHECK_STR(bi.loader, "GRUB 2.06");
    CHECK_EQ(bi.nr_mods, 3);
    CHECK_EQ(bi.mods[0].start, 0x1000000);
    CHECK_EQ(bi.mods[0].end, 0x1800000);
    CHECK_STR(bi.mods[0].cmdline, "vmlinuz root=/dev/xvda");
    CHECK_EQ(bi.mods[1].start, 0x1800000);
    CHECK_STR(bi.mods[1].cmdline, "initrd");
    CHECK_EQ(bi.mods[2].end, 0x1a00100);
    CHECK_STR(bi.mods[2].cmdline, "");
    CHECK(bi.has_basic_mem && bi.mem_lower_kb == 639 && bi.mem_upper_kb == 523264,
          "basic memory should be 639/523264, got %d %llu/%llu", bi.has_basic_mem,
          (unsigned long long)bi.mem_lower_kb, (unsigned long long)bi.mem_upper_kb);
    check_five_ranges();
    CHECK(bi.has_rsdp && bi.rsdp_len == 36, "the new RSDP should be kept, len %zu",
          bi.rsdp_len);
    CHECK(memcmp(bi.rsdp, new_rsdp, 36) == 0, "the RSDP bytes should be the new tag's");
    CHECK_EQ(bi.info_start, MB2_INFO);
    CHECK_EQ(bi.info_end, MB2_INFO + total);
}

TEST(mb2_rsdp_old_and_new)
{
    uint8_t old_rsdp[20], new_rsdp[36];
    rsdp_bytes(old_rsdp, sizeof(old_rsdp), 0x10);
    rsdp_bytes(new_rsdp, sizeof(new_rsdp), 0x80);

    /* Old only. */
    reset();
    mb2_begin();
    mb2_tag(14, old_rsdp, sizeof(old_rsdp));
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    CHECK(bi.has_rsdp && bi.rsdp_len == 20, "the old RSDP should be kept, len %zu",
          bi.rsdp_len);
    CHECK(memcmp(bi.rsdp, old_rsdp, 20) == 0, "the RSDP bytes should be the old tag's");

    /* New before old: new still wins. */
    reset();
    mb2_begin();
    mb2_tag(15, new_rsdp, sizeof(new_rsdp));
    mb2_tag(14, old_rsdp, sizeof(old_rsdp));
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    CHECK(bi.has_rsdp && bi.rsdp_len == 36, "the new RSDP should win, len %zu", bi.rsdp_len);
    CHECK(memcmp(bi.rsdp, new_rsdp, 36) == 0, "the RSDP bytes should be the new tag's");

    /* None. */
    reset();
    mb2_begin();
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    CHECK(!bi.has_rsdp && bi.rsdp_len == 0, "no RSDP tag, no RSDP");

    /* A new-RSDP tag too short for one. */
    reset();
    mb2_begin();
    mb2_tag(15, new_rsdp, 20);
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
    CHECK(!bi.has_rsdp, "a short RSDP tag must not be used");
}

TEST(mb2_mmap_larger_entries)
{
    reset();
    mb2_begin();
    mb2_mmap(40, 5, five_ranges);
    mb2_end();
    int rc = mb2_parse();
    CHECK(rc == 0, "entry_size 40 should parse, got %d; log: %s", rc, harness_log());
    check_five_ranges();

    reset();
    mb2_begin();
    mb2_mmap(32, 5, five_ranges);
    mb2_str_tag(1, "after");
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    check_five_ranges();
    CHECK_STR(bi.cmdline, "after");
}

TEST(mb2_mmap_entry_size_too_small)
{
    reset();
    mb2_begin();
    uint32_t off = mb2_tag(6, (uint32_t[]){ 16, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 40);
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
    CHECK_EQ(bi.nr_mmap, 0);
    (void)off;

    reset();
    mb2_begin();
    mb2_tag(6, (uint32_t[]){ 0, 0 }, 8); /* entry_size 0 must not loop forever */
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
}

TEST(mb2_too_many_modules)
{
    char s[8];
    reset();
    mb2_begin();
    for (unsigned int i = 0; i < 40; i++) {
        snprintf(s, sizeof(s), "m%u", i);
        mb2_module(0x1000000 + 0x1000 * i, 0x1000800 + 0x1000 * i, s);
    }
    mb2_mmap(24, 5, five_ranges);
    mb2_end();
    int rc = mb2_parse();
    CHECK(rc == -E2BIG, "40 modules should give -E2BIG, got %d", rc);
    CHECK_EQ(bi.nr_mods, BOOT_MAX_MODULES);
    for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++) {
        snprintf(s, sizeof(s), "m%u", i);
        CHECK(bi.mods[i].start == 0x1000000 + 0x1000 * i && strcmp(bi.mods[i].cmdline, s) == 0,
              "module %u should be '%s' at %#x, got '%s' at %#llx", i, s, 0x1000000 + 0x1000 * i,
              bi.mods[i].cmdline, (unsigned long long)bi.mods[i].start);
    }
    check_five_ranges(); /* tags after the overflow are still parsed */
}

TEST(mb2_too_many_ranges)
{
    static uint64_t r[BOOT_MAX_MMAP + 10][3];
    reset();
    for (unsigned int i = 0; i < BOOT_MAX_MMAP + 10; i++) {
        r[i][0] = 0x1000ull * i;
        r[i][1] = 0x1000;
        r[i][2] = 1 + i % 5;
    }
    mb2_begin();
    mb2_mmap(24, BOOT_MAX_MMAP + 10, (const uint64_t (*)[3])r);
    mb2_end();
    CHECK_EQ(mb2_parse(), -E2BIG);
    CHECK_EQ(bi.nr_mmap, BOOT_MAX_MMAP);
    for (unsigned int i = 0; i < BOOT_MAX_MMAP; i++)
        CHECK_RANGE(i, r[i][0], r[i][1], r[i][2]);
}

TEST(mb2_empty_module_skipped)
{
    reset();
    mb2_begin();
    mb2_module(0x2000000, 0x2000000, "empty");
    mb2_module(0x3000000, 0x2000000, "inverted");
    mb2_module(0x4000000, 0x4001000, "good");
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    CHECK_EQ(bi.nr_mods, 1);
    CHECK_STR(bi.mods[0].cmdline, "good");
    CHECK(logged("skipped"), "skips should be warned: %s", harness_log());
}

TEST(mb2_truncated_total_size)
{
    reset();
    mb2_begin();
    mb2_str_tag(1, "console=com1");
    uint32_t total = mb2_end();
    put32(MB2_INFO, total - 8); /* the end tag is cut off */
    CHECK_EQ(mb2_parse(), -EINVAL);

    reset();
    mb2_begin();
    mb2_str_tag(1, "console=com1");
    mb2_end();
    put32(MB2_INFO, 12); /* the first tag is cut in half */
    CHECK_EQ(mb2_parse(), -EINVAL);

    for (uint32_t t = 0; t <= 8; t += 4) {
        reset();
        mb2_begin();
        mb2_end();
        put32(MB2_INFO, t); /* no room for any tag, or smaller than the header */
        int rc = mb2_parse();
        CHECK(rc == -EINVAL, "total_size %u should give -EINVAL, got %d", t, rc);
    }
}

TEST(mb2_tag_overruns_total_size)
{
    reset();
    mb2_begin();
    uint32_t off = mb2_str_tag(1, "console=com1");
    uint32_t total = mb2_end();
    put32(MB2_INFO + off + 4, total); /* reaches past the end */
    CHECK_EQ(mb2_parse(), -EINVAL);

    reset();
    mb2_begin();
    off = mb2_str_tag(1, "x");
    total = mb2_end();
    put32(MB2_INFO + off + 4, 0xfffffff8u); /* would wrap a 32-bit offset */
    CHECK_EQ(mb2_parse(), -EINVAL);
}

TEST(mb2_tag_size_below_8)
{
    for (uint32_t size = 0; size < 8; size++) {
        reset();
        mb2_begin();
        uint32_t off = mb2_str_tag(1, "console=com1");
        mb2_end();
        put32(MB2_INFO + off + 4, size);
        int rc = mb2_parse();
        CHECK(rc == -EINVAL, "tag size %u should give -EINVAL, got %d", size, rc);
    }
    /* The end tag with size 0 as well. */
    reset();
    mb2_begin();
    mb2_end();
    put32(MB2_INFO + 12, 0);
    CHECK_EQ(mb2_parse(), -EINVAL);
}

TEST(mb2_no_end_tag)
{
    reset();
    mb2_begin();
    mb2_str_tag(1, "console=com1");
    put32(MB2_INFO, mb2_off); /* total_size covers the tags, but there is no type 0 */
    CHECK_EQ(mb2_parse(), -EINVAL);
}

TEST(mb2_string_without_nul)
{
    reset();
    mb2_begin();
    uint32_t off = mb2_tag(1, "abcdefgh", 8); /* no NUL inside the tag */
    mb2_str_tag(2, "loader");
    mb2_end();
    int rc = mb2_parse();
    CHECK(rc == -EINVAL, "an unterminated string should give -EINVAL, got %d", rc);
    CHECK_STR(bi.cmdline, "abcdefgh");
    CHECK_STR(bi.loader, "loader"); /* the walk went on */
    CHECK(logged("not NUL-terminated"), "log: %s", harness_log());
    (void)off;

    /* A module tag whose string is cut off by the tag size. */
    reset();
    mb2_begin();
    uint32_t mod[4] = { 0x100000, 0x200000, 0x41414141, 0x41414141 };
    mb2_tag(3, mod, sizeof(mod));
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
    CHECK_EQ(bi.nr_mods, 1);
    CHECK_STR(bi.mods[0].cmdline, "AAAAAAAA");
}

TEST(mb2_short_tags)
{
    reset();
    mb2_begin();
    mb2_tag(3, (uint32_t[]){ 0x100000 }, 4); /* module tag without mod_end */
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
    CHECK_EQ(bi.nr_mods, 0);

    reset();
    mb2_begin();
    mb2_tag(4, (uint32_t[]){ 639 }, 4); /* basic memory without mem_upper */
    mb2_end();
    CHECK_EQ(mb2_parse(), -EINVAL);
    CHECK(!bi.has_basic_mem, "a short basic-memory tag must not be used");
}

TEST(mb2_long_cmdline_truncated)
{
    static char s[3000];
    reset();
    memset(s, 'y', sizeof(s) - 1);
    mb2_begin();
    mb2_str_tag(1, s);
    mb2_end();
    CHECK_EQ(mb2_parse(), 0);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK(logged("truncated"), "log: %s", harness_log());
}

TEST(mb2_info_unmapped)
{
    reset();
    mb2_begin();
    mb2_str_tag(1, "x");
    mb2_end();
    refuse_pa = MB2_INFO;
    CHECK_EQ(mb2_parse(), -EINVAL);

    /* The header is readable, but total_size runs past what map() grants. */
    reset();
    mb2_begin();
    mb2_str_tag(1, "x");
    uint32_t total = mb2_end();
    grant_end = MB2_INFO + total - 1;
    CHECK_EQ(mb2_parse(), -EINVAL);

    reset();
    put32(MEM_BASE + MEM_SIZE - 8, 0x1000);
    CHECK_EQ(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, MEM_BASE + MEM_SIZE - 8, fake_map,
                            &bi), -EINVAL);
}

TEST(wrong_magic)
{
    reset();
    mb2_begin();
    mb2_end();
    int rc = bootinfo_parse(0x1badb002, MB2_INFO, fake_map, &bi); /* the header magic */
    CHECK(rc == -EINVAL, "an unknown magic should give -EINVAL, got %d", rc);
    CHECK_EQ(map_calls, 0);
    CHECK(bi.version == 0 && bi.nr_mods == 0, "nothing should be filled in");
    CHECK(logged("magic"), "log: %s", harness_log());
}
