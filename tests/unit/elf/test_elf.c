// SPDX-License-Identifier: MIT
// Unit tests of the ELF kernel loader (hv/common/elf_loader.c): parsing, Xen notes, loading.
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tern/elf_loader.h>
#include <tern/errno.h>

/*
 * Test images are built in memory: ELF header at 0, program headers at PHOFF (room for 20),
 * notes at NOTES, segment bytes from DATA on. Segment 0 is text at 16 MiB, segment 1 data with
 * a bss, segment 2 the PT_NOTE.
 */
#define IMG_SIZE 0x1000
#define PHOFF 0x40
#define NOTES 0x600
#define DATA 0x800
#define SHOFF 0xe00
#define TEXT_PADDR 0x1000000ull
#define DATA_PADDR 0x1001000ull
#define PVH_ENTRY 0x1000040ull

struct image {
    uint8_t b[IMG_SIZE];
    size_t len;
    bool e64;
    size_t notes_len;
};

static struct image im;
static struct elf_image img;
static char err[256];

static void put16(size_t off, uint64_t v)
{
    im.b[off] = (uint8_t)v;
    im.b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t off, uint64_t v)
{
    put16(off, v);
    put16(off + 2, v >> 16);
}

static void put64(size_t off, uint64_t v)
{
    put32(off, v);
    put32(off + 4, v >> 32);
}

/* Writes a field that is 32 bits in ELF32 and 64 bits in ELF64. */
static void put_word(size_t off, uint64_t v)
{
    if (im.e64)
        put64(off, v);
    else
        put32(off, v);
}

enum ehdr_field { E_TYPE, E_MACHINE, E_ENTRY, E_PHOFF, E_SHOFF, E_PHENTSIZE, E_PHNUM,
                  E_SHENTSIZE, E_SHNUM };

static void set_ehdr(enum ehdr_field f, uint64_t v)
{
    static const size_t off64[] = { 16, 18, 24, 32, 40, 54, 56, 58, 60 };
    static const size_t off32[] = { 16, 18, 24, 28, 32, 42, 44, 46, 48 };
    size_t off = im.e64 ? off64[f] : off32[f];
    if (f == E_ENTRY || f == E_PHOFF || f == E_SHOFF)
        put_word(off, v);
    else
        put16(off, v);
}

enum phdr_field { P_TYPE, P_FLAGS, P_OFFSET, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN };

static void set_phdr(unsigned int i, enum phdr_field f, uint64_t v)
{
    static const size_t off64[] = { 0, 4, 8, 24, 32, 40, 48 };
    static const size_t off32[] = { 0, 24, 4, 12, 16, 20, 28 };
    size_t base = PHOFF + i * (im.e64 ? 56 : 32);
    if (f == P_TYPE || f == P_FLAGS)
        put32(base + (im.e64 ? off64[f] : off32[f]), v);
    else
        put_word(base + (im.e64 ? off64[f] : off32[f]), v);
}

static void set_phdr_all(unsigned int i, uint32_t type, uint64_t offset, uint64_t paddr,
                         uint64_t filesz, uint64_t memsz, uint32_t flags, uint64_t align)
{
    set_phdr(i, P_TYPE, type);
    set_phdr(i, P_FLAGS, flags);
    set_phdr(i, P_OFFSET, offset);
    set_phdr(i, P_PADDR, paddr);
    set_phdr(i, P_FILESZ, filesz);
    set_phdr(i, P_MEMSZ, memsz);
    set_phdr(i, P_ALIGN, align);
}

/* Appends a note at NOTES + notes_len, padding name and descriptor to align bytes. */
static void add_note(const char *name, uint32_t namesz, uint32_t type, const void *desc,
                     uint32_t descsz, unsigned int align)
{
    size_t off = NOTES + im.notes_len;
    put32(off, namesz);
    put32(off + 4, descsz);
    put32(off + 8, type);
    off += 12;
    memcpy(im.b + off, name, namesz);
    off += (namesz + align - 1) / align * align;
    memcpy(im.b + off, desc, descsz);
    off += (descsz + align - 1) / align * align;
    im.notes_len = off - NOTES;
}

static void add_xen_note(uint32_t type, const void *desc, uint32_t descsz)
{
    add_note("Xen", 4, type, desc, descsz, 4);
}

static void add_xen_u64(uint32_t type, uint64_t v)
{
    add_xen_note(type, &v, 8);
}

static void add_xen_u32(uint32_t type, uint32_t v)
{
    add_xen_note(type, &v, 4);
}

/* Sets the PT_NOTE's size after notes were added. */
static void seal_notes(void)
{
    set_phdr(2, P_FILESZ, im.notes_len);
}

/* A valid kernel: text, data+bss, notes with a PVH entry among other Xen and GNU notes. */
static void build(bool e64)
{
    memset(&im, 0, sizeof(im));
    im.e64 = e64;
    im.len = IMG_SIZE;
    memcpy(im.b, "\x7f" "ELF", 4);
    im.b[4] = e64 ? 2 : 1;
    im.b[5] = 1;
    im.b[6] = 1;
    set_ehdr(E_TYPE, 2);
    set_ehdr(E_MACHINE, e64 ? 62 : 3);
    put32(20, 1);
    set_ehdr(E_ENTRY, 0xffffffff81000000ull & (e64 ? ~0ull : 0xffffffffull));
    set_ehdr(E_PHOFF, PHOFF);
    set_ehdr(E_PHENTSIZE, e64 ? 56 : 32);
    set_ehdr(E_PHNUM, 3);
    set_ehdr(E_SHENTSIZE, e64 ? 64 : 40);
    set_phdr_all(0, 1, DATA, TEXT_PADDR, 0x100, 0x100, 5, 0x1000);
    set_phdr_all(1, 1, DATA + 0x100, DATA_PADDR, 0x80, 0x2000, 6, 0x1000);
    set_phdr_all(2, 4, NOTES, 0, 0, 0, 4, 4);
    for (size_t i = 0; i < 0x180; i++)
        im.b[DATA + i] = (uint8_t)(i * 7 + 1);
    uint8_t build_id[20];
    memset(build_id, 0xab, sizeof(build_id));
    add_note("GNU", 4, 3, build_id, sizeof(build_id), 4);
    add_xen_note(6, "linux", 6);                 /* GUEST_OS */
    add_xen_note(5, "xen-3.0", 8);               /* XEN_VERSION */
    add_xen_note(8, "generic", 8);               /* LOADER */
    add_xen_u64(3, 0xffffffff80000000ull);       /* VIRT_BASE */
    add_xen_u64(2, 0xffffffff81001000ull);       /* HYPERCALL_PAGE */
    add_xen_u32(18, (uint32_t)PVH_ENTRY);        /* PHYS32_ENTRY */
    add_note("Linux", 6, 1, "\x01\x00\x00\x00", 4, 4);
    seal_notes();
}

/* Parses from an exact-size heap copy so that ASan catches any read past len. */
static int parse_len(size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, im.b, len);
    memset(err, 0x5a, sizeof(err));
    err[sizeof(err) - 1] = 0;
    int rc = elf_parse(copy, len, &img, err, sizeof(err));
    free(copy);
    return rc;
}

static int parse(void)
{
    return parse_len(im.len);
}

static void check_valid(bool e64)
{
    CHECK(parse() == 0, "parse: %s", err);
    CHECK_EQ(img.is_elf64, e64);
    CHECK_EQ(img.nr_segments, 2);
    CHECK_EQ(img.seg[0].paddr, TEXT_PADDR);
    CHECK_EQ(img.seg[0].filesz, 0x100);
    CHECK_EQ(img.seg[0].memsz, 0x100);
    CHECK_EQ(img.seg[0].file_offset, DATA);
    CHECK_EQ(img.seg[0].flags, 5);
    CHECK_EQ(img.seg[1].paddr, DATA_PADDR);
    CHECK_EQ(img.seg[1].filesz, 0x80);
    CHECK_EQ(img.seg[1].memsz, 0x2000);
    CHECK_EQ(img.seg[1].file_offset, DATA + 0x100);
    CHECK_EQ(img.seg[1].flags, 6);
    CHECK_EQ(img.lowest_paddr, TEXT_PADDR);
    CHECK_EQ(img.highest_paddr, DATA_PADDR + 0x2000);
    CHECK(img.has_pvh_entry, "PVH entry note not found");
    CHECK_EQ(img.pvh_entry, PVH_ENTRY);
    CHECK(!strcmp(img.guest_os, "linux"), "guest_os %s", img.guest_os);
    CHECK(!strcmp(img.xen_version, "xen-3.0"), "xen_version %s", img.xen_version);
    CHECK(!strcmp(img.loader, "generic"), "loader %s", img.loader);
    CHECK(img.has_hypercall_page_note, "hypercall page note not found");
    CHECK_EQ(img.hypercall_page_vaddr, 0xffffffff81001000ull);
    CHECK(img.has_virt_base, "virt base note not found");
    CHECK_EQ(img.virt_base, 0xffffffff80000000ull);
    CHECK_EQ(img.e_entry, 0xffffffff81000000ull & (e64 ? ~0ull : 0xffffffffull));
    CHECK(harness_log()[0] == 0, "no warnings expected: %s", harness_log());
}

TEST(elf64_parse)
{
    build(true);
    check_valid(true);
}

TEST(elf32_parse)
{
    build(false);
    check_valid(false);
}

/* A 32-bit container with EM_X86_64 and an ELF64 with EM_386 are both x86: accepted. */
TEST(machine_and_class_combinations)
{
    build(false);
    set_ehdr(E_MACHINE, 62);
    CHECK(parse() == 0, "ELF32 x86-64: %s", err);
    build(true);
    set_ehdr(E_MACHINE, 3);
    CHECK(parse() == 0, "ELF64 i386: %s", err);
}

/* Fake guest memory for elf_load: MEM_SIZE bytes from TEXT_PADDR. */
#define MEM_SIZE 0x4000
static uint8_t guest[MEM_SIZE];
static int writes, zeroes, fail_after = -1;

static int fake_write(void *ctx, uint64_t gpa, const void *src, size_t n)
{
    CHECK(ctx == guest, "ctx passed through");
    CHECK(gpa >= TEXT_PADDR && n <= MEM_SIZE && gpa - TEXT_PADDR <= MEM_SIZE - n,
          "write 0x%llx+0x%zx outside the guest", (unsigned long long)gpa, n);
    if (fail_after >= 0 && writes + zeroes >= fail_after)
        return -ENOMEM;
    writes++;
    memcpy(guest + (gpa - TEXT_PADDR), src, n);
    return 0;
}

static int fake_zero(void *ctx, uint64_t gpa, size_t n)
{
    CHECK(gpa >= TEXT_PADDR && n <= MEM_SIZE && gpa - TEXT_PADDR <= MEM_SIZE - n,
          "zero 0x%llx+0x%zx outside the guest", (unsigned long long)gpa, n);
    if (fail_after >= 0 && writes + zeroes >= fail_after)
        return -EFAULT;
    zeroes++;
    memset(guest + (gpa - TEXT_PADDR), 0, n);
    return 0;
}

static void check_load(bool e64)
{
    build(e64);
    CHECK(parse() == 0, "parse: %s", err);
    memset(guest, 0xcc, sizeof(guest));
    writes = zeroes = 0;
    fail_after = -1;
    CHECK_EQ(elf_load(im.b, im.len, &img, fake_write, fake_zero, guest), 0);
    CHECK_EQ(writes, 2);
    CHECK_EQ(zeroes, 1);
    CHECK(!memcmp(guest, im.b + DATA, 0x100), "text copied");
    CHECK_EQ(guest[0x100], 0xcc); /* the gap between segments is left alone */
    CHECK_EQ(guest[0xfff], 0xcc);
    CHECK(!memcmp(guest + 0x1000, im.b + DATA + 0x100, 0x80), "data copied");
    for (size_t i = 0x1080; i < 0x3000; i++)
        CHECK(guest[i] == 0, "bss byte 0x%zx is 0x%x", i, guest[i]);
    CHECK_EQ(guest[0x3000], 0xcc);
}

TEST(load_elf64)
{
    check_load(true);
}

TEST(load_elf32)
{
    check_load(false);
}

TEST(load_errors)
{
    build(true);
    CHECK(parse() == 0, "parse: %s", err);
    writes = zeroes = 0;
    fail_after = 0;
    CHECK_EQ(elf_load(im.b, im.len, &img, fake_write, fake_zero, guest), -ENOMEM);
    writes = zeroes = 0;
    fail_after = 2;
    CHECK_EQ(elf_load(im.b, im.len, &img, fake_write, fake_zero, guest), -EFAULT);
    fail_after = -1;
    CHECK_EQ(elf_load(im.b, im.len, &img, NULL, fake_zero, guest), -EINVAL);
    CHECK_EQ(elf_load(im.b, im.len, &img, fake_write, NULL, guest), -EINVAL);
    /* a description that does not fit the buffer it is used with */
    CHECK_EQ(elf_load(im.b, DATA + 0x10, &img, fake_write, fake_zero, guest), -EINVAL);
    struct elf_image bad = img;
    bad.seg[0].file_offset = ~0ull - 8;
    CHECK_EQ(elf_load(im.b, im.len, &bad, fake_write, fake_zero, guest), -EINVAL);
    bad = img;
    bad.nr_segments = 99;
    CHECK_EQ(elf_load(im.b, im.len, &bad, fake_write, fake_zero, guest), -EINVAL);
}

TEST(no_pvh_note)
{
    build(true);
    im.notes_len = 0;
    add_xen_note(6, "linux", 6);
    add_xen_u64(1, 0xffffffff81000000ull); /* a PV-only ENTRY note */
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_pvh_entry, "no PVH entry expected");
    CHECK(!strcmp(img.guest_os, "linux"), "guest_os %s", img.guest_os);
    /* no notes at all */
    build(false);
    set_ehdr(E_PHNUM, 2);
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_pvh_entry, "no PVH entry expected");
    CHECK_EQ(img.guest_os[0], 0);
}

TEST(pvh_entry_8_bytes_and_last_wins)
{
    build(true);
    add_xen_u64(18, 0x2000000);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK_EQ(img.pvh_entry, 0x2000000);
}

TEST(pvh_entry_bad_size_is_ignored)
{
    build(true);
    im.notes_len = 0;
    add_xen_note(18, "\x40\x00", 2);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_pvh_entry, "a 2-byte PHYS32_ENTRY must be ignored");
    CHECK(strstr(harness_log(), "PHYS32_ENTRY note has a 2-byte value (want 4 or 8), ignored"),
          "log: %s", harness_log());
    harness_log_clear();
    build(true);
    im.notes_len = 0;
    add_xen_u64(18, 0x100000000ull);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_pvh_entry, "an entry above 4 GiB must be ignored");
    CHECK(strstr(harness_log(), "PHYS32_ENTRY 0x100000000 is above 4 GiB"), "log: %s",
          harness_log());
    /* other numeric notes with odd sizes are ignored too */
    harness_log_clear();
    build(true);
    im.notes_len = 0;
    add_xen_note(2, "\x01\x02\x03", 3);
    add_xen_note(3, "", 0);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_hypercall_page_note && !img.has_virt_base, "odd sizes ignored");
    CHECK(strstr(harness_log(), "HYPERCALL_PAGE note has a 3-byte value"), "log: %s",
          harness_log());
}

TEST(note_strings_are_bounded_and_sanitised)
{
    char long_os[100];
    memset(long_os, 'x', sizeof(long_os));
    build(true);
    im.notes_len = 0;
    add_xen_note(6, long_os, sizeof(long_os)); /* no NUL at all */
    add_xen_note(8, "a\x1b[2Jb", 7);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK_EQ(strlen(img.guest_os), sizeof(img.guest_os) - 1);
    CHECK(!strcmp(img.loader, "a?[2Jb"), "loader %s", img.loader);
}

/* Notes whose name is not exactly "Xen\0" are someone else's. */
TEST(foreign_notes_ignored)
{
    uint32_t entry = 0x1234;
    build(true);
    im.notes_len = 0;
    add_note("Xen", 3, 18, &entry, 4, 4);
    add_note("XenX", 4, 18, &entry, 4, 4);
    add_note("GNU", 4, 18, &entry, 4, 4);
    seal_notes();
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!img.has_pvh_entry, "foreign notes must not set the entry");
}

/* GNU property notes and 8-aligned note segments pad name and descriptor to 8 bytes. */
TEST(notes_aligned_to_8)
{
    uint64_t prop[2] = { 0xc0000002ull | (4ull << 32), 3 };
    uint64_t entry = PVH_ENTRY;
    build(true);
    im.notes_len = 0;
    add_note("GNU", 4, 5, prop, sizeof(prop), 8);
    add_note("Xen", 4, 18, &entry, 8, 8);
    seal_notes();
    set_phdr(2, P_ALIGN, 8);
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(img.has_pvh_entry && img.pvh_entry == PVH_ENTRY, "8-aligned PVH note");
    /* the same bytes read with 4-byte alignment find the descriptor in the wrong place */
    set_phdr(2, P_ALIGN, 4);
    CHECK(parse() == 0 || err[0], "parse: %s", err);
}

/* The last note may lack its trailing padding. */
TEST(last_note_unpadded)
{
    build(false);
    im.notes_len = 0;
    add_xen_note(6, "linux", 5);
    seal_notes();
    set_phdr(2, P_FILESZ, im.notes_len - 3);
    CHECK(parse() == 0, "parse: %s", err);
    CHECK(!strcmp(img.guest_os, "linux"), "guest_os %s", img.guest_os);
}

/* Adds a section table at SHOFF: [0] null, [1] a SHT_NOTE over the notes, [2] progbits. */
static void add_sections(void)
{
    size_t sz = im.e64 ? 64 : 40;
    set_ehdr(E_SHOFF, SHOFF);
    set_ehdr(E_SHNUM, 3);
    size_t s = SHOFF + sz;
    put32(s + 4, 7);
    if (im.e64) {
        put64(s + 24, NOTES);
        put64(s + 32, im.notes_len);
        put64(s + 48, 4);
    } else {
        put32(s + 16, NOTES);
        put32(s + 20, im.notes_len);
        put32(s + 32, 4);
    }
    put32(s + sz + 4, 1);
}

static void set_note_section(unsigned int field_off64, unsigned int field_off32, uint64_t v)
{
    size_t s = SHOFF + (im.e64 ? 64 : 40);
    if (im.e64)
        put64(s + field_off64, v);
    else
        put32(s + field_off32, v);
}

TEST(notes_in_sections)
{
    for (int e64 = 0; e64 < 2; e64++) {
        build(e64);
        add_sections();
        set_phdr(2, P_TYPE, 0); /* no PT_NOTE: the loader falls back to sections */
        CHECK(parse() == 0, "parse: %s", err);
        CHECK(img.has_pvh_entry && img.pvh_entry == PVH_ENTRY, "entry from the section");
        CHECK(!strcmp(img.guest_os, "linux"), "guest_os %s", img.guest_os);

        /* with a PT_NOTE, the sections are not read (even broken ones) */
        build(e64);
        add_sections();
        set_note_section(24, 16, 0xfff0);
        CHECK(parse() == 0, "parse: %s", err);

        /* broken sections when they are needed */
        build(e64);
        add_sections();
        set_phdr(2, P_TYPE, 0);
        set_note_section(24, 16, 0xfff0);
        CHECK_EQ(parse(), -EINVAL);
        CHECK(!strcmp(err, "note section 1 extends past the end of the file"), "err: %s", err);
        build(e64);
        add_sections();
        set_phdr(2, P_TYPE, 0);
        set_ehdr(E_SHOFF, IMG_SIZE - 8);
        CHECK_EQ(parse(), -EINVAL);
        CHECK(!strcmp(err, "section headers extend past the end of the file"), "err: %s", err);
        build(e64);
        add_sections();
        set_phdr(2, P_TYPE, 0);
        set_ehdr(E_SHENTSIZE, 8);
        CHECK_EQ(parse(), -EINVAL);
        CHECK(strstr(err, "section header size 8 is smaller than"), "err: %s", err);
        /* no section table at all: fine, just no notes */
        build(e64);
        set_phdr(2, P_TYPE, 0);
        CHECK(parse() == 0, "parse: %s", err);
        CHECK(!img.has_pvh_entry, "no notes anywhere");
    }
}

TEST(not_elf)
{
    static const char text[] = "this is not an ELF file at all, just some text";
    CHECK_EQ(elf_parse(text, sizeof(text), &img, err, sizeof(err)), -ENOEXEC);
    CHECK(!strcmp(err, "not an ELF file"), "err: %s", err);
    CHECK_EQ(elf_parse(NULL, 100, &img, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(elf_parse("\x7f" "ELF", 4, &img, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(elf_parse("", 0, &img, NULL, 0), -ENOEXEC);
    /* a bzImage: the "HdrS" setup header, not ELF */
    build(true);
    memcpy(im.b, "\xeb\x3c\x90" "HdrS", 7);
    CHECK_EQ(parse(), -ENOEXEC);
}

typedef void (*mutator)(void);

static void m_class(void) { im.b[4] = 3; }
static void m_endian(void) { im.b[5] = 2; }
static void m_version(void) { im.b[6] = 0; }
static void m_type(void) { set_ehdr(E_TYPE, 3); }
static void m_machine(void) { set_ehdr(E_MACHINE, 40); }
static void m_truncated(void) { im.len = im.e64 ? 63 : 51; }
static void m_phnum0(void) { set_ehdr(E_PHNUM, 0); }
static void m_phxnum(void) { set_ehdr(E_PHNUM, 0xffff); }
static void m_phentsize(void) { set_ehdr(E_PHENTSIZE, 16); }
static void m_phoff_past_end(void) { set_ehdr(E_PHOFF, IMG_SIZE + 8); }
static void m_phoff_wraps(void) { set_ehdr(E_PHOFF, im.e64 ? ~0ull - 16 : 0xfffffff0u); }
static void m_ph_table_huge(void)
{
    set_ehdr(E_PHNUM, 0xfffe);
    set_ehdr(E_PHENTSIZE, 0xffff);
}
static void m_ph_table_tail(void) { im.len = PHOFF + (im.e64 ? 56 : 32) * 3 - 1; }
static void m_seg_past_end(void) { set_phdr(1, P_OFFSET, IMG_SIZE - 0x10); }
static void m_seg_offset_wraps(void) { set_phdr(1, P_OFFSET, im.e64 ? ~0ull - 0x10 : ~0u); }
static void m_filesz_gt_memsz(void) { set_phdr(0, P_MEMSZ, 0x80); }
static void m_overlap(void) { set_phdr(1, P_PADDR, TEXT_PADDR + 0x80); }
static void m_overlap_contained(void)
{
    set_phdr(0, P_PADDR, DATA_PADDR + 0x1000);
}
static void m_wraps(void)
{
    set_phdr(1, P_PADDR, im.e64 ? ~0ull - 0xfff : 0);
    if (!im.e64)
        set_phdr(1, P_PADDR, 0xfffff000u), set_phdr(1, P_MEMSZ, 0x2000);
}
static void m_huge_segment(void) { set_phdr(1, P_MEMSZ, im.e64 ? 0x100000001ull : 0); }
static void m_span(void) { set_phdr(1, P_PADDR, im.e64 ? 0x200000000ull : 0); }
static void m_no_load(void)
{
    set_phdr(0, P_TYPE, 6);
    set_phdr(1, P_TYPE, 0x6474e551);
}
static void m_too_many(void)
{
    set_ehdr(E_PHNUM, 18);
    for (unsigned int i = 0; i < 18; i++)
        set_phdr_all(i, 1, DATA, TEXT_PADDR + i * 0x1000, 0x100, 0x100, 4, 0x1000);
}
static void m_note_past_end(void) { set_phdr(2, P_FILESZ, IMG_SIZE - NOTES + 1); }
static void m_note_namesz(void) { put32(NOTES, 0xffffffffu); }
static void m_note_namesz_edge(void) { put32(NOTES, im.notes_len - 11); }
static void m_note_descsz(void) { put32(NOTES + 4, 0xfffffff0u); }
static void m_note_descsz_edge(void) { put32(NOTES + 4, im.notes_len - 12 - 4 + 1); }

static const struct {
    const char *name;
    mutator mutate;
    int rc;
    const char *message; /* elf64; NULL: same for elf32 */
    const char *message32;
} malformed[] = {
    { "class", m_class, -ENOEXEC, "unsupported ELF class 3", NULL },
    { "endian", m_endian, -ENOEXEC, "not a little-endian ELF file", NULL },
    { "version", m_version, -ENOEXEC, "unsupported ELF version 0", NULL },
    { "type", m_type, -ENOEXEC, "not an executable ELF file (type 3)", NULL },
    { "machine", m_machine, -ENOEXEC, "not an x86 ELF file (machine 40)", NULL },
    { "truncated header", m_truncated, -EINVAL, "truncated ELF header", NULL },
    { "phnum 0", m_phnum0, -EINVAL, "no program headers", NULL },
    { "PN_XNUM", m_phxnum, -EINVAL, "extended program header numbering is not supported",
      NULL },
    { "phentsize", m_phentsize, -EINVAL, "program header size 16 is smaller than 56",
      "program header size 16 is smaller than 32" },
    { "phoff past end", m_phoff_past_end, -EINVAL,
      "program headers extend past the end of the file", NULL },
    { "phoff wraps", m_phoff_wraps, -EINVAL, "program headers extend past the end of the file",
      NULL },
    { "phnum*phentsize", m_ph_table_huge, -EINVAL,
      "program headers extend past the end of the file", NULL },
    { "table tail", m_ph_table_tail, -EINVAL,
      "program headers extend past the end of the file", NULL },
    { "segment past end", m_seg_past_end, -EINVAL,
      "segment 1 extends past the end of the file", NULL },
    { "segment offset wraps", m_seg_offset_wraps, -EINVAL,
      "segment 1 extends past the end of the file", NULL },
    { "filesz > memsz", m_filesz_gt_memsz, -EINVAL,
      "segment 0: its file size 0x100 is larger than its memory size 0x80", NULL },
    { "overlap", m_overlap, -EINVAL, "segments 0 and 1 overlap", NULL },
    { "overlap contained", m_overlap_contained, -EINVAL, "segments 0 and 1 overlap", NULL },
    { "paddr wraps", m_wraps, -EINVAL, "segment 1 wraps around the end of the address space",
      "" /* ELF32: 0xfffff000 + 0x2000 fits in 64 bits */ },
    { "huge segment", m_huge_segment, -EINVAL, "segment 1 is larger than 4 GiB",
      "segment 1: its file size 0x80 is larger than its memory size 0x0" },
    { "span", m_span, -EINVAL, "segments span 0x1ff002000 bytes, more than 4 GiB",
      "" /* ELF32 addresses cannot be that far apart: segment at 0 is fine */ },
    { "no PT_LOAD", m_no_load, -EINVAL, "no loadable segment", NULL },
    { "17 segments", m_too_many, -EINVAL, "more than 16 loadable segments", NULL },
    { "PT_NOTE past end", m_note_past_end, -EINVAL,
      "note segment 2 extends past the end of the file", NULL },
    { "namesz overflow", m_note_namesz, -EINVAL,
      "segment 2: note at offset 0x0: its name (4294967295 bytes) overflows the notes", NULL },
    { "namesz just past", m_note_namesz_edge, -EINVAL, NULL, NULL },
    { "descsz overflow", m_note_descsz, -EINVAL,
      "segment 2: note at offset 0x0: its descriptor (4294967280 bytes) overflows the notes",
      NULL },
    { "descsz just past", m_note_descsz_edge, -EINVAL, NULL, NULL },
};

TEST(malformed_images)
{
    for (int e64 = 1; e64 >= 0; e64--) {
        for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
            const char *want = malformed[i].message;
            if (!e64 && malformed[i].message32)
                want = malformed[i].message32;
            build(e64);
            malformed[i].mutate();
            int rc = parse();
            if (want && !want[0]) {
                CHECK(rc == 0, "%s (elf%d): expected success: %s", malformed[i].name,
                      e64 ? 64 : 32, err);
                continue;
            }
            CHECK(rc == malformed[i].rc, "%s (elf%d): rc %d, want %d (%s)", malformed[i].name,
                  e64 ? 64 : 32, rc, malformed[i].rc, err);
            CHECK(want ? !strcmp(err, want) : err[0] != 0x5a && err[0] != 0,
                  "%s (elf%d): got '%s', want '%s'", malformed[i].name, e64 ? 64 : 32, err,
                  want ? want : "(any message)");
        }
    }
}

/* Exactly at the limits: 16 segments, a 4 GiB span, a segment ending at 2^64. */
TEST(limits_accepted)
{
    build(true);
    set_ehdr(E_PHNUM, 16);
    for (unsigned int i = 0; i < 16; i++)
        set_phdr_all(i, 1, DATA, TEXT_PADDR + i * 0x1000, 0x100, 0x100, 4, 0x1000);
    CHECK(parse() == 0, "16 segments: %s", err);
    CHECK_EQ(img.nr_segments, 16);
    build(true);
    set_phdr(1, P_PADDR, TEXT_PADDR + ELF_MAX_SPAN - 0x2000);
    CHECK(parse() == 0, "4 GiB span: %s", err);
    CHECK_EQ(img.highest_paddr - img.lowest_paddr, ELF_MAX_SPAN);
    build(true);
    set_phdr(1, P_PADDR, TEXT_PADDR + ELF_MAX_SPAN - 0x1fff);
    CHECK_EQ(parse(), -EINVAL);
    build(true);
    set_phdr(0, P_PADDR, ~0ull - 0xfff);
    set_phdr(1, P_PADDR, ~0ull - 0x3fff);
    CHECK(parse() == 0, "segment ending at 2^64: %s", err);
    /* segments with memsz 0 load nothing and do not count */
    build(true);
    set_phdr_all(2, 1, 0, 0, 0, 0, 4, 0);
    CHECK(parse() == 0, "empty PT_LOAD: %s", err);
    CHECK_EQ(img.nr_segments, 2);
    /* a bss-only segment has no file bytes to check */
    build(true);
    set_phdr_all(1, 1, ~0ull, DATA_PADDR, 0, 0x1000, 6, 0);
    CHECK(parse() == 0, "bss-only PT_LOAD: %s", err);
}

TEST(error_buffer_edges)
{
    char tiny[4];
    CHECK_EQ(elf_parse("nope", 4, &img, tiny, sizeof(tiny)), -ENOEXEC);
    CHECK(!strcmp(tiny, "not"), "tiny: %s", tiny);
    CHECK_EQ(elf_parse("nope", 4, &img, NULL, 0), -ENOEXEC);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Loading a fuzzed image that parsed: every write stays inside the span and the buffer. */
static const struct elf_image *fuzz_img;
static const uint8_t *fuzz_buf;
static size_t fuzz_len;

static int span_write(void *ctx, uint64_t gpa, const void *src, size_t n)
{
    const uint8_t *s = src;
    CHECK(gpa >= fuzz_img->lowest_paddr && gpa + n <= fuzz_img->highest_paddr,
          "write outside the span");
    CHECK(s >= fuzz_buf && s + n <= fuzz_buf + fuzz_len, "source outside the buffer");
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i]; /* ASan checks each byte */
    (void)sum;
    return 0;
}

static int span_zero(void *ctx, uint64_t gpa, size_t n)
{
    CHECK(gpa >= fuzz_img->lowest_paddr && gpa + n <= fuzz_img->highest_paddr,
          "zero outside the span");
    return 0;
}

static void fuzz_one(size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, im.b, len);
    int rc = elf_parse(copy, len, &img, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL || rc == -ENOEXEC, "rc %d", rc);
    CHECK(rc == 0 || err[0], "failure without a message");
    if (rc == 0) {
        CHECK(img.nr_segments >= 1 && img.nr_segments <= ELF_MAX_SEGMENTS, "segments %u",
              img.nr_segments);
        CHECK(img.highest_paddr - img.lowest_paddr <= ELF_MAX_SPAN, "span");
        fuzz_img = &img;
        fuzz_buf = copy;
        fuzz_len = len;
        CHECK_EQ(elf_load(copy, len, &img, span_write, span_zero, NULL), 0);
    }
    free(copy);
}

TEST(fuzz_truncations)
{
    for (int e64 = 0; e64 < 2; e64++) {
        build(e64);
        for (size_t n = 0; n <= IMG_SIZE; n++) {
            fuzz_one(n);
            harness_log_clear();
        }
    }
}

TEST(fuzz_mutations)
{
    static const size_t hot[] = { 4, 5, 16, 18, 24, 28, 32, 40, 42, 44, 48, 54, 56, 58, 60 };
    int parsed = 0;
    for (int iter = 0; iter < 30000; iter++) {
        build(iter & 1);
        if (iter & 2)
            add_sections();
        for (int m = 1 + rnd() % 4; m > 0; m--) {
            size_t at;
            switch (rnd() % 4) {
            case 0: /* the headers */
                at = rnd() % (NOTES + 0x100);
                break;
            case 1: /* the notes */
                at = NOTES + rnd() % (im.notes_len + 4);
                break;
            case 2: /* an ELF header field */
                at = hot[rnd() % (sizeof(hot) / sizeof(hot[0]))] + rnd() % 2;
                break;
            default:
                at = rnd() % IMG_SIZE;
                break;
            }
            uint32_t r = rnd();
            if (r & 0x100)
                im.b[at] = (uint8_t)r; /* any byte */
            else if (r & 0x200)
                im.b[at] = 0xff; /* pushes sizes and offsets to their maximum */
            else
                im.b[at] ^= (uint8_t)(1u << (r % 8)); /* one bit */
        }
        fuzz_one((iter & 4) ? rnd() % IMG_SIZE : IMG_SIZE);
        parsed += img.nr_segments > 0;
        harness_log_clear();
    }
    CHECK(parsed > 1000, "too few mutations parsed (%d): the fuzzer is not exercising much",
          parsed);
}
