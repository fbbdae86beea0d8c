// SPDX-License-Identifier: MIT
/*
 * The boot information parser (hv/arch/x86/boot/bootinfo.c) on arbitrary loader memory.
 *
 * The input after its first byte is the loader's memory at INFO_PA, where the information
 * structure starts; its pointers (command lines, module list, memory map) lead back into
 * it. Nothing else is readable: map() grants only ranges inside the input, each as a heap
 * copy of exactly the bytes asked for, so ASan reports a read beyond a grant. The grants
 * stay valid until the parse is over, as the hypervisor's direct map does.
 *
 * First byte: bit 0 clear = Multiboot (v1) information, set = Multiboot2.
 *
 * The parse must return 0, -EINVAL or -E2BIG; keep its counts within the arrays; leave every
 * string NUL-terminated inside its buffer; list only non-empty modules; and keep an RSDP of
 * 20 or 36 bytes when it says it has one.
 */
#include "fuzz.h"

#include <tern/bootinfo.h>
#include <tern/errno.h>

#define INFO_PA 0x100000u

static const uint8_t *image;
static size_t image_len;
static void **grants;
static size_t nr_grants, max_grants;

static const void *fuzz_map(paddr_t pa, size_t len)
{
    if (pa < INFO_PA || len > image_len || pa - INFO_PA > image_len - len)
        return NULL;
    if (nr_grants == max_grants) {
        max_grants = max_grants ? 2 * max_grants : 64;
        grants = realloc(grants, max_grants * sizeof(*grants));
    }
    void *copy = malloc(len ? len : 1);
    memcpy(copy, image + (pa - INFO_PA), len);
    grants[nr_grants++] = copy;
    return copy;
}

static void check_info(const struct boot_info *bi, int version, int rc)
{
    FUZZ_CHECK(bi->version == version, "version %d, parsed as %d", bi->version, version);
    /* Unset only when not even the header could be read. */
    FUZZ_CHECK(bi->info_start == INFO_PA || (rc == -EINVAL && bi->info_start == 0),
               "info_start %#llx", (unsigned long long)bi->info_start);
    FUZZ_CHECK(fuzz_terminated(bi->loader, sizeof(bi->loader)), "loader not terminated");
    FUZZ_CHECK(fuzz_terminated(bi->cmdline, sizeof(bi->cmdline)), "cmdline not terminated");
    FUZZ_CHECK(bi->nr_mods <= BOOT_MAX_MODULES, "%u modules", bi->nr_mods);
    for (unsigned int i = 0; i < bi->nr_mods; i++) {
        const struct boot_module *m = &bi->mods[i];
        FUZZ_CHECK(m->end > m->start, "module %u is [%#llx, %#llx)", i,
                   (unsigned long long)m->start, (unsigned long long)m->end);
        FUZZ_CHECK(fuzz_terminated(m->cmdline, sizeof(m->cmdline)),
                   "module %u's command line not terminated", i);
    }
    FUZZ_CHECK(bi->nr_mmap <= BOOT_MAX_MMAP, "%u memory ranges", bi->nr_mmap);
    if (bi->has_rsdp)
        FUZZ_CHECK(bi->rsdp_len == 20 || bi->rsdp_len == 36, "RSDP of %zu bytes",
                   bi->rsdp_len);
    else
        FUZZ_CHECK(bi->rsdp_len == 0, "RSDP length %zu without an RSDP", bi->rsdp_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    uint8_t *block;

    if (size < 1)
        return 0;
    int version = data[0] & 1 ? 2 : 1;
    image = fuzz_copy(data + 1, size - 1, &block);
    image_len = size - 1;
    harness_log_clear();
    memset(&bi, 0xa5, sizeof(bi)); /* the parser must clear it */

    int rc = bootinfo_parse(version == 2 ? MULTIBOOT2_BOOTLOADER_MAGIC
                                         : MULTIBOOT1_BOOTLOADER_MAGIC,
                            INFO_PA, fuzz_map, &bi);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG, "rc %d", rc);
    check_info(&bi, version, rc);
    FUZZ_CHECK_LOG();

    for (size_t i = 0; i < nr_grants; i++)
        free(grants[i]);
    nr_grants = 0;
    free(block);
    return 0;
}
