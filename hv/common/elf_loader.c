// SPDX-License-Identifier: MIT
// ELF loader: validates a kernel image, reads its Xen notes (PVH entry) and loads its segments.
#include <tern/elf_loader.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/types.h>

#include <public/elfnote.h>

/* ELF constants of the System V ABI that the loader needs. */
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PN_XNUM 0xffff
#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7

#define EHDR32_SIZE 52
#define EHDR64_SIZE 64
#define PHDR32_SIZE 32
#define PHDR64_SIZE 56
#define SHDR32_SIZE 40
#define SHDR64_SIZE 64
#define NOTE_HDR_SIZE 12

struct reader {
    const uint8_t *buf;
    size_t len;
    bool elf64;
    char *err;
    size_t errlen;
    struct elf_image *img;
};

/* A program header with both classes' fields widened to 64 bits. */
struct phdr {
    uint32_t type, flags;
    uint64_t offset, paddr, filesz, memsz, align;
};

/* The loader reads fields byte by byte: the image may be unaligned, and x86 is little-endian. */
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int __printf(3, 4) fail(struct reader *r, int rc, const char *fmt, ...)
{
    va_list ap;

    if (r->err && r->errlen) {
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Whether [off, off + size) lies inside the file; written so that nothing can overflow. */
static bool in_file(const struct reader *r, uint64_t off, uint64_t size)
{
    return off <= r->len && size <= r->len - off;
}

static void read_phdr(const struct reader *r, const uint8_t *p, struct phdr *ph)
{
    ph->type = rd32(p);
    if (r->elf64) {
        ph->flags = rd32(p + 4);
        ph->offset = rd64(p + 8);
        ph->paddr = rd64(p + 24);
        ph->filesz = rd64(p + 32);
        ph->memsz = rd64(p + 40);
        ph->align = rd64(p + 48);
    } else {
        ph->offset = rd32(p + 4);
        ph->paddr = rd32(p + 12);
        ph->filesz = rd32(p + 16);
        ph->memsz = rd32(p + 20);
        ph->flags = rd32(p + 24);
        ph->align = rd32(p + 28);
    }
}

/* ---- notes ---------------------------------------------------------------------------------- */

/* Numeric Xen notes carry a 4- or 8-byte little-endian value. */
static bool note_number(const uint8_t *desc, uint32_t descsz, uint64_t *out)
{
    if (descsz == 4)
        *out = rd32(desc);
    else if (descsz == 8)
        *out = rd64(desc);
    else
        return false;
    return true;
}

/* String notes: up to the first NUL, cut to fit, non-printable bytes shown as '?'. */
static void note_string(char *dst, size_t size, const uint8_t *desc, uint32_t descsz)
{
    size_t i;

    for (i = 0; i < descsz && i + 1 < size && desc[i]; i++)
        dst[i] = (desc[i] >= 0x20 && desc[i] < 0x7f) ? (char)desc[i] : '?';
    dst[i] = 0;
}

static void xen_note(struct reader *r, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    struct elf_image *img = r->img;
    uint64_t v;

    switch (type) {
    case XEN_ELFNOTE_PHYS32_ENTRY:
        if (!note_number(desc, descsz, &v)) {
            printk(XENLOG_WARNING "elf: PHYS32_ENTRY note has a %u-byte value (want 4 or 8), "
                   "ignored\n", descsz);
        } else if (v > UINT32_MAX) {
            printk(XENLOG_WARNING "elf: PHYS32_ENTRY 0x%llx is above 4 GiB, ignored\n",
                   (unsigned long long)v);
        } else {
            img->pvh_entry = v;
            img->has_pvh_entry = true;
        }
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        if (note_number(desc, descsz, &v)) {
            img->hypercall_page_vaddr = v;
            img->has_hypercall_page_note = true;
        } else {
            printk(XENLOG_WARNING "elf: HYPERCALL_PAGE note has a %u-byte value, ignored\n",
                   descsz);
        }
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        if (note_number(desc, descsz, &v)) {
            img->virt_base = v;
            img->has_virt_base = true;
        } else {
            printk(XENLOG_WARNING "elf: VIRT_BASE note has a %u-byte value, ignored\n", descsz);
        }
        break;
    case XEN_ELFNOTE_GUEST_OS:
        note_string(img->guest_os, sizeof(img->guest_os), desc, descsz);
        break;
    case XEN_ELFNOTE_XEN_VERSION:
        note_string(img->xen_version, sizeof(img->xen_version), desc, descsz);
        break;
    case XEN_ELFNOTE_LOADER:
        note_string(img->loader, sizeof(img->loader), desc, descsz);
        break;
    default:
        break; /* PV-only and informational notes: nothing for a PVH loader */
    }
}

/*
 * Walks the notes in file bytes [off, off + size) (already checked to be in the file). Each
 * note is a 12-byte header, the name and the descriptor, both padded to the note alignment:
 * 4 bytes, or 8 when the segment or section says so (as GNU property notes do).
 */
static int parse_notes(struct reader *r, uint64_t off, uint64_t size, uint64_t align,
                       const char *what, unsigned int index)
{
    const uint8_t *base = r->buf + off;
    uint64_t a = align == 8 ? 8 : 4;
    uint64_t pos = 0;

    while (size - pos >= NOTE_HDR_SIZE) {
        const uint8_t *n = base + pos;
        uint32_t namesz = rd32(n), descsz = rd32(n + 4), type = rd32(n + 8);
        uint64_t rest = size - pos - NOTE_HDR_SIZE;
        uint64_t name_room = ROUNDUP((uint64_t)namesz, a);
        uint64_t desc_room = ROUNDUP((uint64_t)descsz, a);

        if (namesz > rest)
            return fail(r, -EINVAL, "%s %u: note at offset 0x%llx: its name (%u bytes) "
                        "overflows the notes", what, index, (unsigned long long)pos, namesz);
        /* The last note's padding may be missing: what is really needed is namesz/descsz. */
        if (name_room > rest)
            name_room = rest;
        if (descsz > rest - name_room)
            return fail(r, -EINVAL, "%s %u: note at offset 0x%llx: its descriptor (%u bytes) "
                        "overflows the notes", what, index, (unsigned long long)pos, descsz);
        if (desc_room > rest - name_room)
            desc_room = rest - name_room;

        if (namesz == 4 && !memcmp(n + NOTE_HDR_SIZE, "Xen", 4))
            xen_note(r, type, n + NOTE_HDR_SIZE + name_room, descsz);
        pos += NOTE_HDR_SIZE + name_room + desc_room;
    }
    return 0;
}

/* Kernels whose program headers carry no PT_NOTE may still have SHT_NOTE sections. */
static int section_notes(struct reader *r, uint64_t shoff, unsigned int shnum,
                         unsigned int shentsize)
{
    unsigned int want = r->elf64 ? SHDR64_SIZE : SHDR32_SIZE;

    if (shoff == 0 || shnum == 0)
        return 0;
    if (shentsize < want)
        return fail(r, -EINVAL, "section header size %u is smaller than %u", shentsize, want);
    if (!in_file(r, shoff, (uint64_t)shnum * shentsize))
        return fail(r, -EINVAL, "section headers extend past the end of the file");
    for (unsigned int i = 0; i < shnum; i++) {
        const uint8_t *s = r->buf + shoff + (uint64_t)i * shentsize;
        uint64_t off, size, align;
        int rc;

        if (rd32(s + 4) != SHT_NOTE)
            continue;
        if (r->elf64) {
            off = rd64(s + 24);
            size = rd64(s + 32);
            align = rd64(s + 48);
        } else {
            off = rd32(s + 16);
            size = rd32(s + 20);
            align = rd32(s + 32);
        }
        if (!in_file(r, off, size))
            return fail(r, -EINVAL, "note section %u extends past the end of the file", i);
        if ((rc = parse_notes(r, off, size, align, "section", i)))
            return rc;
    }
    return 0;
}

/* ---- segments ------------------------------------------------------------------------------- */

static int add_segment(struct reader *r, const struct phdr *ph, unsigned int index,
                       unsigned int *seg_index)
{
    struct elf_image *img = r->img;
    struct elf_segment *seg;

    if (ph->filesz > ph->memsz)
        return fail(r, -EINVAL, "segment %u: its file size 0x%llx is larger than its memory "
                    "size 0x%llx", index, (unsigned long long)ph->filesz,
                    (unsigned long long)ph->memsz);
    if (ph->filesz && !in_file(r, ph->offset, ph->filesz))
        return fail(r, -EINVAL, "segment %u extends past the end of the file", index);
    if (ph->memsz == 0)
        return 0; /* loads nothing */
    if (ph->memsz > ELF_MAX_SPAN)
        return fail(r, -EINVAL, "segment %u is larger than 4 GiB", index);
    if (ph->paddr > UINT64_MAX - ph->memsz)
        return fail(r, -EINVAL, "segment %u wraps around the end of the address space", index);
    if (img->nr_segments == ELF_MAX_SEGMENTS)
        return fail(r, -EINVAL, "more than %u loadable segments", ELF_MAX_SEGMENTS);
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *o = &img->seg[i];
        if (ph->paddr < o->paddr + o->memsz && o->paddr < ph->paddr + ph->memsz)
            return fail(r, -EINVAL, "segments %u and %u overlap", seg_index[i], index);
    }
    seg_index[img->nr_segments] = index;
    seg = &img->seg[img->nr_segments++];
    seg->paddr = ph->paddr;
    seg->filesz = ph->filesz;
    seg->memsz = ph->memsz;
    seg->file_offset = ph->offset;
    seg->flags = ph->flags;
    return 0;
}

int elf_parse(const void *buf, size_t len, struct elf_image *img, char *err, size_t errlen)
{
    struct reader r = { .buf = buf, .len = buf ? len : 0, .err = err, .errlen = errlen,
                        .img = img };
    const uint8_t *e = buf;
    unsigned int phnum, phentsize, shnum, shentsize, machine, want;
    unsigned int seg_index[ELF_MAX_SEGMENTS];
    uint64_t phoff, shoff;
    bool have_pt_note = false;
    int rc;

    memset(img, 0, sizeof(*img));
    if (err && errlen)
        err[0] = 0;
    if (r.len < EI_NIDENT || memcmp(e, "\x7f" "ELF", 4))
        return fail(&r, -ENOEXEC, "not an ELF file");
    if (e[EI_CLASS] != ELFCLASS32 && e[EI_CLASS] != ELFCLASS64)
        return fail(&r, -ENOEXEC, "unsupported ELF class %u", e[EI_CLASS]);
    r.elf64 = e[EI_CLASS] == ELFCLASS64;
    img->is_elf64 = r.elf64;
    if (e[EI_DATA] != ELFDATA2LSB)
        return fail(&r, -ENOEXEC, "not a little-endian ELF file");
    if (e[EI_VERSION] != EV_CURRENT)
        return fail(&r, -ENOEXEC, "unsupported ELF version %u", e[EI_VERSION]);
    if (r.len < (r.elf64 ? EHDR64_SIZE : EHDR32_SIZE))
        return fail(&r, -EINVAL, "truncated ELF header");
    if (rd16(e + 16) != ET_EXEC)
        return fail(&r, -ENOEXEC, "not an executable ELF file (type %u)", rd16(e + 16));
    machine = rd16(e + 18);
    if (machine != EM_X86_64 && machine != EM_386)
        return fail(&r, -ENOEXEC, "not an x86 ELF file (machine %u)", machine);

    if (r.elf64) {
        img->e_entry = rd64(e + 24);
        phoff = rd64(e + 32);
        shoff = rd64(e + 40);
        phentsize = rd16(e + 54);
        phnum = rd16(e + 56);
        shentsize = rd16(e + 58);
        shnum = rd16(e + 60);
    } else {
        img->e_entry = rd32(e + 24);
        phoff = rd32(e + 28);
        shoff = rd32(e + 32);
        phentsize = rd16(e + 42);
        phnum = rd16(e + 44);
        shentsize = rd16(e + 46);
        shnum = rd16(e + 48);
    }
    want = r.elf64 ? PHDR64_SIZE : PHDR32_SIZE;
    if (phnum == 0)
        return fail(&r, -EINVAL, "no program headers");
    if (phnum == PN_XNUM)
        return fail(&r, -EINVAL, "extended program header numbering is not supported");
    if (phentsize < want)
        return fail(&r, -EINVAL, "program header size %u is smaller than %u", phentsize, want);
    /* Both factors are 16-bit: the product cannot overflow 64 bits. */
    if (!in_file(&r, phoff, (uint64_t)phnum * phentsize))
        return fail(&r, -EINVAL, "program headers extend past the end of the file");

    for (unsigned int i = 0; i < phnum; i++) {
        struct phdr ph;

        read_phdr(&r, e + phoff + (uint64_t)i * phentsize, &ph);
        if (ph.type == PT_LOAD) {
            if ((rc = add_segment(&r, &ph, i, seg_index)))
                return rc;
        } else if (ph.type == PT_NOTE) {
            if (!in_file(&r, ph.offset, ph.filesz))
                return fail(&r, -EINVAL, "note segment %u extends past the end of the file",
                            i);
            have_pt_note = true;
            if ((rc = parse_notes(&r, ph.offset, ph.filesz, ph.align, "segment", i)))
                return rc;
        }
    }
    if (img->nr_segments == 0)
        return fail(&r, -EINVAL, "no loadable segment");

    img->lowest_paddr = UINT64_MAX;
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        img->lowest_paddr = MIN(img->lowest_paddr, img->seg[i].paddr);
        img->highest_paddr = MAX(img->highest_paddr, img->seg[i].paddr + img->seg[i].memsz);
    }
    if (img->highest_paddr - img->lowest_paddr > ELF_MAX_SPAN)
        return fail(&r, -EINVAL, "segments span 0x%llx bytes, more than 4 GiB",
                    (unsigned long long)(img->highest_paddr - img->lowest_paddr));

    if (!have_pt_note && (rc = section_notes(&r, shoff, shnum, shentsize)))
        return rc;
    return 0;
}

int elf_load(const void *buf, size_t len, const struct elf_image *img,
             int (*write_gpa)(void *ctx, uint64_t gpa, const void *src, size_t n),
             int (*zero_gpa)(void *ctx, uint64_t gpa, size_t n), void *ctx)
{
    const uint8_t *b = buf;

    if (!buf || !img || !write_gpa || !zero_gpa || img->nr_segments > ELF_MAX_SEGMENTS)
        return -EINVAL;
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        int rc;

        /* Cheap re-checks, so that an image description from elsewhere cannot misread buf.
         * A segment with nothing in the file (all .bss) may name any offset, as elf_parse
         * accepts: only bytes actually read must lie in buf. */
        if (s->filesz > s->memsz ||
            (s->filesz && (s->file_offset > len || s->filesz > len - s->file_offset)) ||
            s->paddr > UINT64_MAX - s->memsz)
            return -EINVAL;
        if (s->filesz && (rc = write_gpa(ctx, s->paddr, b + s->file_offset, s->filesz)))
            return rc;
        if (s->memsz > s->filesz &&
            (rc = zero_gpa(ctx, s->paddr + s->filesz, s->memsz - s->filesz)))
            return rc;
    }
    return 0;
}
