// SPDX-License-Identifier: MIT
/*
 * The ACPI table parser (hv/arch/x86/acpi/tables.c) on arbitrary firmware memory.
 *
 * Physical memory is MEM_SIZE bytes of zeros with the input, after its first byte, at
 * IMAGE_PA in the BIOS area that acpi_find_rsdp scans: an image starting with an RSDP is
 * found there, and its tables point at each other inside the image. map() hands out a fresh
 * heap copy of exactly the bytes asked for and frees the previous one (as the unit tests'
 * does), so ASan reports a read beyond a grant or through a stale one.
 *
 * The first byte: bits 0-1 how the parse starts (0, 3: acpi_find_rsdp, then acpi_parse at
 * what it found; 1: acpi_parse at IMAGE_PA; 2: acpi_parse with a copy of the image's first
 * 20, 36 or 64 bytes, per bits 4-5, as a Multiboot2 RSDP tag hands it over); bit 2 set: the
 * map() copies get their checksums corrected, so that mutated tables pass the checksum test
 * and reach the table parsers; bit 3 set: the EBDA pointer at 0x40E points into the image.
 *
 * The parse must return 0 or -EINVAL, keep its counts within the arrays, terminate the OEM
 * ID, and only claim a reset register it can use; an RSDP found must be where it was looked
 * for, 16-byte aligned, with its signature.
 */
#include "fuzz.h"

#include <tern/acpi.h>
#include <tern/errno.h>

#define MEM_SIZE 0x200000u
#define IMAGE_PA 0xe0000u
#define EBDA_PTR 0x40eu
/* map() refuses to copy more than this per input: a root table of thousands of entries
 * naming one 1 MiB table is valid but would take minutes through a copying map(). */
#define MAP_BUDGET (64u << 20)

static uint8_t mem[MEM_SIZE];
static void *grant;
static bool fix_checksums;
static size_t mapped;

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Corrects the checksum(s) of an RSDP or a table of exactly len bytes at p, if it is one. */
static void fix(uint8_t *p, size_t len)
{
    if (len >= 20 && !memcmp(p, "RSD PTR ", 8) &&
        (len == 20 || len == 36 || len == rd32(p + 20))) {
        p[8] = (uint8_t)(p[8] - sum8(p, 20));
        if (len >= 36)
            p[32] = (uint8_t)(p[32] - sum8(p, len));
    } else if (len >= 36 && rd32(p + 4) == len) {
        p[9] = (uint8_t)(p[9] - sum8(p, len));
    }
}

static const void *fuzz_map(paddr_t pa, size_t len)
{
    if (len == 0 || pa >= MEM_SIZE || len > MEM_SIZE - pa || len > MAP_BUDGET - mapped)
        return NULL;
    mapped += len;
    free(grant);
    grant = malloc(len);
    memcpy(grant, mem + pa, len);
    if (fix_checksums)
        fix(grant, len);
    return grant;
}

static void check_info(const struct acpi_info *info)
{
    FUZZ_CHECK(info->nr_cpus <= ACPI_MAX_CPUS, "%u CPUs", info->nr_cpus);
    FUZZ_CHECK(info->nr_ioapics <= ACPI_MAX_IOAPICS, "%u IO-APICs", info->nr_ioapics);
    FUZZ_CHECK(info->nr_overrides <= ACPI_MAX_OVERRIDES, "%u overrides", info->nr_overrides);
    FUZZ_CHECK(fuzz_terminated(info->oem_id, sizeof(info->oem_id)), "OEM ID not terminated");
    FUZZ_CHECK(!info->reset_supported ||
                   (info->reset_reg.address && (info->reset_reg.space_id == ACPI_GAS_IO ||
                                                info->reset_reg.space_id == ACPI_GAS_MEMORY)),
               "an unusable reset register (space %u, address %#llx) claimed",
               info->reset_reg.space_id, (unsigned long long)info->reset_reg.address);
    FUZZ_CHECK(!info->s5_valid || info->has_fadt, "\\_S5 values without a FADT");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct acpi_info info;
    static const size_t copy_lens[4] = { 20, 36, 64, 20 };

    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    size_t n = size - 1 < MEM_SIZE - IMAGE_PA ? size - 1 : MEM_SIZE - IMAGE_PA;
    memcpy(mem + IMAGE_PA, data + 1, n);
    if (flags & 8) {
        mem[EBDA_PTR] = (uint8_t)((IMAGE_PA + 16) >> 4);
        mem[EBDA_PTR + 1] = (uint8_t)((IMAGE_PA + 16) >> 12);
    }
    fix_checksums = flags & 4;
    mapped = 0;
    harness_log_clear();

    int rc;
    paddr_t rsdp = 0;
    switch (flags & 3) {
    case 1:
        rc = acpi_parse(fuzz_map, IMAGE_PA, NULL, 0, &info);
        break;
    case 2: {
        size_t len = copy_lens[(flags >> 4) & 3];
        uint8_t *copy = malloc(len);
        memcpy(copy, mem + IMAGE_PA, len);
        if (fix_checksums)
            fix(copy, len);
        rc = acpi_parse(fuzz_map, 0, copy, len, &info);
        free(copy);
        break;
    }
    default:
        rc = acpi_find_rsdp(fuzz_map, &rsdp);
        FUZZ_CHECK(rc == 0 || rc == -ENOENT, "acpi_find_rsdp: rc %d", rc);
        if (rc)
            break;
        paddr_t ebda = (paddr_t)(mem[EBDA_PTR] | mem[EBDA_PTR + 1] << 8) << 4;
        FUZZ_CHECK(rsdp % 16 == 0 && ((ebda && rsdp >= ebda && rsdp + 20 <= ebda + 1024) ||
                                      (rsdp >= 0xe0000 && rsdp + 20 <= 0x100000)),
                   "RSDP found at %#llx", (unsigned long long)rsdp);
        FUZZ_CHECK(!memcmp(mem + rsdp, "RSD PTR ", 8), "no RSDP at %#llx",
                   (unsigned long long)rsdp);
        rc = acpi_parse(fuzz_map, rsdp, NULL, 0, &info);
        break;
    }
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT, "rc %d", rc);
    if (rc != -ENOENT)
        check_info(&info);
    FUZZ_CHECK_LOG();

    free(grant);
    grant = NULL;
    memset(mem + IMAGE_PA, 0, n);
    mem[EBDA_PTR] = mem[EBDA_PTR + 1] = 0;
    return 0;
}
