/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told Tern, in one loader-neutral form: Multiboot (v1, which QEMU's
 * -kernel speaks) and Multiboot2 (GRUB) are both parsed into struct boot_info, copying every
 * string so that the loader's memory can be reused afterwards.
 */
#ifndef TERN_BOOTINFO_H
#define TERN_BOOTINFO_H

#include <tern/types.h>

#define MULTIBOOT1_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289u

#define BOOT_MAX_MODULES 32
#define BOOT_MAX_MMAP 128
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODCMD_MAX 256

/* E820 / Multiboot memory types */
#define BOOT_MEM_RAM 1
#define BOOT_MEM_RESERVED 2
#define BOOT_MEM_ACPI 3
#define BOOT_MEM_NVS 4
#define BOOT_MEM_UNUSABLE 5

struct boot_mem_range {
    uint64_t addr;
    uint64_t len;
    uint32_t type;
};

struct boot_module {
    paddr_t start;
    paddr_t end; /* exclusive */
    char cmdline[BOOT_MODCMD_MAX];
};

struct boot_info {
    int version; /* 1 or 2 */
    char loader[64];
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned int nr_mods;
    struct boot_module mods[BOOT_MAX_MODULES];
    unsigned int nr_mmap;
    struct boot_mem_range mmap[BOOT_MAX_MMAP];
    uint64_t mem_lower_kb, mem_upper_kb; /* basic memory info, if given */
    bool has_basic_mem;
    /* Multiboot2 passes a copy of the RSDP (new tag preferred over old). */
    bool has_rsdp;
    uint8_t rsdp[36];
    size_t rsdp_len;
    /* Where the loader's info structure lives, to reserve while it is parsed. */
    paddr_t info_start, info_end;
};

/*
 * Parse the loader's information at physical address info_pa, given the magic found in EAX.
 * Returns 0, -EINVAL on an unknown magic or malformed structure (lengths past the end, tags
 * that overrun), or -E2BIG when more modules/ranges exist than fit (the rest are dropped,
 * with what fitted still filled in). Never reads outside what map() grants.
 */
int bootinfo_parse(uint32_t magic, paddr_t info_pa, phys_map_fn map, struct boot_info *bi);

extern struct boot_info boot_info;

#endif
