// SPDX-License-Identifier: MIT
// Multiboot (v1) and Multiboot2 boot information parser, filling struct boot_info.
#include <tern/bootinfo.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/types.h>

struct boot_info boot_info;

/* Multiboot v1 information structure: flag bits and field offsets. */
#define MB1_FLAG_MEM (1u << 0)
#define MB1_FLAG_CMDLINE (1u << 2)
#define MB1_FLAG_MODS (1u << 3)
#define MB1_FLAG_MMAP (1u << 6)
#define MB1_FLAG_LOADER (1u << 9)

#define MB1_OFF_FLAGS 0
#define MB1_OFF_MEM_LOWER 4
#define MB1_OFF_MEM_UPPER 8
#define MB1_OFF_CMDLINE 16
#define MB1_OFF_MODS_COUNT 20
#define MB1_OFF_MODS_ADDR 24
#define MB1_OFF_MMAP_LENGTH 44
#define MB1_OFF_MMAP_ADDR 48
#define MB1_OFF_LOADER 64
#define MB1_READ_SIZE 88  /* everything up to the framebuffer fields, which are not used */
#define MB1_INFO_SIZE 116 /* the whole structure, reserved while it is parsed */

#define MB1_MOD_SIZE 16        /* mod_start, mod_end, string, reserved */
#define MB1_MMAP_MIN_SIZE 20   /* the size field's value for addr, len, type */

/* Multiboot2: the fixed header, then 8-byte aligned tags ending with type 0. */
#define MB2_HEADER_SIZE 8
#define MB2_TAG_ALIGN 8
#define MB2_TAG_HDR 8
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEM 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_MODULE_HDR 16 /* type, size, mod_start, mod_end */
#define MB2_BASIC_MEM_SIZE 16
#define MB2_MMAP_HDR 16   /* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* Strings are scanned through map() in pieces no larger than this. */
#define STR_CHUNK 64

/* Little-endian loads byte by byte: the loader's structures need not be aligned. */
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* map() with the range checked for wrap-around first. */
static const uint8_t *map_range(phys_map_fn map, paddr_t pa, size_t len)
{
    if (len == 0 || pa + len < pa)
        return NULL;
    return map(pa, len);
}

/* Keeps the first error seen, except that -EINVAL (malformed) outranks -E2BIG (full). */
static void note_error(int *rc, int err)
{
    if (*rc == 0 || (err == -EINVAL && *rc == -E2BIG))
        *rc = err;
}

/*
 * Appends the bytes [p, p + len) of a string to dst[size], of which *n are filled. Returns
 * true once the string is complete: its NUL was seen, or dst is full (then it is truncated,
 * with a warning). dst is NUL-terminated either way.
 */
static bool scan_string(const uint8_t *p, size_t len, char *dst, size_t size, size_t *n,
                        const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\0') {
            dst[*n] = '\0';
            return true;
        }
        if (*n == size - 1) {
            dst[*n] = '\0';
            printk(XENLOG_WARNING "bootinfo: %s truncated to %zu characters\n", what, *n);
            return true;
        }
        dst[(*n)++] = (char)p[i];
    }
    dst[*n] = '\0';
    return false;
}

static int warn_unterminated(const char *what, paddr_t pa)
{
    printk(XENLOG_WARNING "bootinfo: %s at %#llx is not NUL-terminated\n", what,
           (unsigned long long)pa);
    return -EINVAL;
}

/*
 * Copies the NUL-terminated string at pa into dst[size]. Returns 0, or -EINVAL when it cannot
 * be read up to its NUL (what was read is kept).
 */
static int copy_string(phys_map_fn map, paddr_t pa, char *dst, size_t size, const char *what)
{
    size_t n = 0;

    dst[0] = '\0';
    /* At most size - 1 characters are kept: that many plus the NUL are looked at. */
    while (n < size) {
        size_t chunk = MIN(size - n, STR_CHUNK - (size_t)((pa + n) % STR_CHUNK));
        const uint8_t *p = map_range(map, pa + n, chunk);
        if (!p && chunk > 1) {
            /* The readable range may end inside the chunk, with the NUL before its end. */
            chunk = 1;
            p = map_range(map, pa + n, chunk);
        }
        if (!p)
            break;
        if (scan_string(p, chunk, dst, size, &n, what))
            return 0;
    }
    return warn_unterminated(what, pa);
}

/* Appends a module unless it is empty or inverted. Returns 0, 1 skipped, -E2BIG full. */
static int add_module(struct boot_info *bi, paddr_t start, paddr_t end)
{
    if (end <= start) {
        printk(XENLOG_WARNING "bootinfo: module [%#llx, %#llx) is empty or inverted, skipped\n",
               (unsigned long long)start, (unsigned long long)end);
        return 1;
    }
    if (bi->nr_mods == BOOT_MAX_MODULES) {
        printk(XENLOG_WARNING "bootinfo: more than %u modules, the rest are dropped\n",
               BOOT_MAX_MODULES);
        return -E2BIG;
    }
    struct boot_module *m = &bi->mods[bi->nr_mods++];
    m->start = start;
    m->end = end;
    m->cmdline[0] = '\0';
    return 0;
}

static int add_mem_range(struct boot_info *bi, uint64_t addr, uint64_t len, uint32_t type)
{
    if (bi->nr_mmap == BOOT_MAX_MMAP) {
        printk(XENLOG_WARNING "bootinfo: more than %u memory ranges, the rest are dropped\n",
               BOOT_MAX_MMAP);
        return -E2BIG;
    }
    struct boot_mem_range *r = &bi->mmap[bi->nr_mmap++];
    r->addr = addr;
    r->len = len;
    r->type = type;
    return 0;
}

/* ---- Multiboot v1 ------------------------------------------------------------------------ */

/* A pointer-to-string field; 0 is taken as "no string". */
static int mb1_string(phys_map_fn map, uint32_t pa, char *dst, size_t size, const char *what)
{
    dst[0] = '\0';
    if (pa == 0)
        return 0;
    return copy_string(map, pa, dst, size, what);
}

static int mb1_modules(phys_map_fn map, uint32_t count, uint32_t addr, struct boot_info *bi)
{
    int rc = 0;

    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = map_range(map, (paddr_t)addr + (paddr_t)i * MB1_MOD_SIZE,
                                     MB1_MOD_SIZE);
        if (!e) {
            printk(XENLOG_WARNING "bootinfo: module list at %#x unreadable\n", addr);
            return -EINVAL;
        }
        int added = add_module(bi, rd32(e), rd32(e + 4));
        if (added < 0)
            return added;
        if (added > 0)
            continue;
        struct boot_module *m = &bi->mods[bi->nr_mods - 1];
        int err = mb1_string(map, rd32(e + 8), m->cmdline, sizeof(m->cmdline),
                             "module command line");
        if (err)
            note_error(&rc, err);
    }
    return rc;
}

static int mb1_mmap(phys_map_fn map, uint32_t length, uint32_t addr, struct boot_info *bi)
{
    uint64_t off = 0;

    /* Each entry: u32 size (not counting itself), u64 addr, u64 len, u32 type, maybe more. */
    while (off < length) {
        paddr_t pa = (paddr_t)addr + off;
        if (length - off < 4 + MB1_MMAP_MIN_SIZE) {
            printk(XENLOG_WARNING "bootinfo: memory map ends inside an entry\n");
            return -EINVAL;
        }
        const uint8_t *e = map_range(map, pa, 4);
        if (!e)
            goto unreadable;
        uint32_t size = rd32(e);
        if (size < MB1_MMAP_MIN_SIZE || size > length - off - 4) {
            printk(XENLOG_WARNING "bootinfo: memory map entry size %u is invalid\n", size);
            return -EINVAL;
        }
        e = map_range(map, pa, 4 + MB1_MMAP_MIN_SIZE);
        if (!e)
            goto unreadable;
        int err = add_mem_range(bi, rd64(e + 4), rd64(e + 12), rd32(e + 20));
        if (err)
            return err;
        off += 4 + (uint64_t)size;
    }
    return 0;

unreadable:
    printk(XENLOG_WARNING "bootinfo: memory map at %#x unreadable\n", addr);
    return -EINVAL;
}

static int mb1_parse(paddr_t info_pa, phys_map_fn map, struct boot_info *bi)
{
    const uint8_t *mbi = map_range(map, info_pa, MB1_READ_SIZE);
    int rc = 0, err;

    bi->version = 1;
    bi->info_start = info_pa;
    bi->info_end = info_pa + MB1_INFO_SIZE;
    if (!mbi) {
        printk(XENLOG_WARNING "bootinfo: Multiboot information at %#llx unreadable\n",
               (unsigned long long)info_pa);
        return -EINVAL;
    }

    /* Copy out the fields first: the strings and lists are mapped separately. */
    uint32_t flags = rd32(mbi + MB1_OFF_FLAGS);
    uint32_t mem_lower = rd32(mbi + MB1_OFF_MEM_LOWER), mem_upper = rd32(mbi + MB1_OFF_MEM_UPPER);
    uint32_t cmdline = rd32(mbi + MB1_OFF_CMDLINE), loader = rd32(mbi + MB1_OFF_LOADER);
    uint32_t mods_count = rd32(mbi + MB1_OFF_MODS_COUNT);
    uint32_t mods_addr = rd32(mbi + MB1_OFF_MODS_ADDR);
    uint32_t mmap_length = rd32(mbi + MB1_OFF_MMAP_LENGTH);
    uint32_t mmap_addr = rd32(mbi + MB1_OFF_MMAP_ADDR);

    if (flags & MB1_FLAG_MEM) {
        bi->has_basic_mem = true;
        bi->mem_lower_kb = mem_lower;
        bi->mem_upper_kb = mem_upper;
    }
    if (flags & MB1_FLAG_CMDLINE) {
        err = mb1_string(map, cmdline, bi->cmdline, sizeof(bi->cmdline), "command line");
        if (err)
            note_error(&rc, err);
    }
    if (flags & MB1_FLAG_LOADER) {
        err = mb1_string(map, loader, bi->loader, sizeof(bi->loader), "loader name");
        if (err)
            note_error(&rc, err);
    }
    if (flags & MB1_FLAG_MODS) {
        err = mb1_modules(map, mods_count, mods_addr, bi);
        if (err)
            note_error(&rc, err);
    }
    if (flags & MB1_FLAG_MMAP) {
        err = mb1_mmap(map, mmap_length, mmap_addr, bi);
        if (err)
            note_error(&rc, err);
    }
    return rc;
}

/* ---- Multiboot2 -------------------------------------------------------------------------- */

/* A string filling the rest of a tag (already mapped): its NUL must be inside the tag. */
static int mb2_string(paddr_t tag_pa, const uint8_t *tag, uint32_t size, uint32_t hdr,
                      char *dst, size_t dst_size, const char *what)
{
    size_t n = 0;

    dst[0] = '\0';
    if (scan_string(tag + hdr, size - hdr, dst, dst_size, &n, what))
        return 0;
    return warn_unterminated(what, tag_pa + hdr);
}

static int mb2_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
    uint32_t entry_size = rd32(tag + 8);

    /* entry_size may grow in later versions: step by it, read only the fields known. */
    if (entry_size < MB2_MMAP_ENTRY_MIN) {
        printk(XENLOG_WARNING "bootinfo: memory map entry size %u too small\n", entry_size);
        return -EINVAL;
    }
    for (uint32_t off = MB2_MMAP_HDR; size - off >= entry_size; off += entry_size) {
        const uint8_t *e = tag + off;
        int err = add_mem_range(bi, rd64(e), rd64(e + 8), rd32(e + 16));
        if (err)
            return err;
    }
    return 0;
}

static int mb2_rsdp(const uint8_t *tag, uint32_t size, size_t len, struct boot_info *bi)
{
    if (size - MB2_TAG_HDR < len) {
        printk(XENLOG_WARNING "bootinfo: ACPI RSDP tag too short (%u bytes)\n", size);
        return -EINVAL;
    }
    memcpy(bi->rsdp, tag + MB2_TAG_HDR, len);
    bi->rsdp_len = len;
    bi->has_rsdp = true;
    return 0;
}

/* Handles one tag, already checked to lie within the information. */
static int mb2_tag(paddr_t pa, const uint8_t *tag, uint32_t type,
                   uint32_t size, struct boot_info *bi)
{
    int added;

    switch (type) {
    case MB2_TAG_CMDLINE:
        return mb2_string(pa, tag, size, MB2_TAG_HDR, bi->cmdline, sizeof(bi->cmdline),
                          "command line");
    case MB2_TAG_LOADER:
        return mb2_string(pa, tag, size, MB2_TAG_HDR, bi->loader, sizeof(bi->loader),
                          "loader name");
    case MB2_TAG_MODULE:
        if (size < MB2_MODULE_HDR)
            break;
        added = add_module(bi, rd32(tag + 8), rd32(tag + 12));
        if (added != 0)
            return added < 0 ? added : 0;
        return mb2_string(pa, tag, size, MB2_MODULE_HDR, bi->mods[bi->nr_mods - 1].cmdline,
                          BOOT_MODCMD_MAX, "module command line");
    case MB2_TAG_BASIC_MEM:
        if (size < MB2_BASIC_MEM_SIZE)
            break;
        bi->has_basic_mem = true;
        bi->mem_lower_kb = rd32(tag + 8);
        bi->mem_upper_kb = rd32(tag + 12);
        return 0;
    case MB2_TAG_MMAP:
        if (size < MB2_MMAP_HDR)
            break;
        return mb2_mmap(tag, size, bi);
    case MB2_TAG_ACPI_OLD:
        /* The new RSDP, when given, is preferred whatever the tag order. */
        if (bi->has_rsdp && bi->rsdp_len == RSDP_V2_LEN)
            return 0;
        return mb2_rsdp(tag, size, RSDP_V1_LEN, bi);
    case MB2_TAG_ACPI_NEW:
        return mb2_rsdp(tag, size, RSDP_V2_LEN, bi);
    default:
        return 0; /* unknown tags are skipped */
    }
    printk(XENLOG_WARNING "bootinfo: Multiboot2 tag %u too short (%u bytes)\n", type, size);
    return -EINVAL;
}

static int mb2_parse(paddr_t info_pa, phys_map_fn map, struct boot_info *bi)
{
    const uint8_t *hdr = map_range(map, info_pa, MB2_HEADER_SIZE);
    int rc = 0;

    bi->version = 2;
    if (!hdr) {
        printk(XENLOG_WARNING "bootinfo: Multiboot2 information at %#llx unreadable\n",
               (unsigned long long)info_pa);
        return -EINVAL;
    }
    uint32_t total = rd32(hdr);
    bi->info_start = info_pa;
    bi->info_end = info_pa + total;

    const uint8_t *info = map_range(map, info_pa, total);
    if (total < MB2_HEADER_SIZE || !info) {
        printk(XENLOG_WARNING "bootinfo: Multiboot2 information of %u bytes unreadable\n",
               total);
        return -EINVAL;
    }

    for (uint32_t off = MB2_HEADER_SIZE;; ) {
        if (total - off < MB2_TAG_HDR) {
            printk(XENLOG_WARNING "bootinfo: Multiboot2 information has no end tag\n");
            return -EINVAL;
        }
        const uint8_t *tag = info + off;
        uint32_t type = rd32(tag), size = rd32(tag + 4);
        if (size < MB2_TAG_HDR || size > total - off) {
            printk(XENLOG_WARNING "bootinfo: Multiboot2 tag %u at offset %u has bad size %u\n",
                   type, off, size);
            return -EINVAL;
        }
        if (type == MB2_TAG_END)
            break;
        /* A bad tag is reported, but its size is sound, so the walk goes on. */
        int err = mb2_tag(info_pa + off, tag, type, size, bi);
        if (err)
            note_error(&rc, err);
        /* The next tag starts 8-byte aligned; past the end is caught on the next round. */
        uint64_t next = (uint64_t)off + ROUNDUP((uint64_t)size, MB2_TAG_ALIGN);
        if (next > total) {
            printk(XENLOG_WARNING "bootinfo: Multiboot2 information has no end tag\n");
            return -EINVAL;
        }
        off = (uint32_t)next;
    }
    return rc;
}

int bootinfo_parse(uint32_t magic, paddr_t info_pa, phys_map_fn map, struct boot_info *bi)
{
    memset(bi, 0, sizeof(*bi));
    switch (magic) {
    case MULTIBOOT1_BOOTLOADER_MAGIC:
        return mb1_parse(info_pa, map, bi);
    case MULTIBOOT2_BOOTLOADER_MAGIC:
        return mb2_parse(info_pa, map, bi);
    default:
        printk(XENLOG_WARNING "bootinfo: unknown boot loader magic %#x\n", magic);
        return -EINVAL;
    }
}
