/* SPDX-License-Identifier: MIT */
/* hvm_start_info: the start-of-day structure a PVH guest finds through EBX at entry. */
#ifndef TERN_PUBLIC_HVM_START_INFO_H
#define TERN_PUBLIC_HVM_START_INFO_H

/*
 * A PVH kernel is entered at its XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit protected
 * mode with paging off, flat CS/DS/ES/SS, and EBX = the guest-physical address of a
 * struct hvm_start_info. All addresses below are guest-physical, little-endian; 0 means
 * "absent" (nothing is ever placed at address 0). The structure and everything it points
 * to should sit below 4 GiB; Linux additionally needs the memmap and the modlist below
 * 1 GiB, and reads at most 127 memmap entries.
 *
 * Versions: 0 has the fields up to rsdp_paddr (40 bytes used); 1 adds memmap_paddr,
 * memmap_entries and reserved. A version-0 guest must get its map from XENMEM_memory_map,
 * as must a version-1 guest that finds memmap_entries == 0.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h> /* SIF_* flags */

/* "xEn3" with bit 7 of the 'E' set. Linux BUGs on any other value. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578U

/* Memory-map entry types: the ACPI address range types, equal to the e820 codes. */
#define XEN_HVM_MEMMAP_TYPE_RAM 1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI 3
#define XEN_HVM_MEMMAP_TYPE_NVS 4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM 7

struct hvm_start_info {
    uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 0 or 1 (see above) */
    uint32_t flags;          /* SIF_* (public/xen.h); SIF_PRIVILEGED|SIF_INITDOMAIN for dom0 */
    uint32_t nr_modules;     /* entries at modlist_paddr; Linux takes the first as initrd */
    uint64_t modlist_paddr;  /* array of struct hvm_modlist_entry */
    uint64_t cmdline_paddr;  /* NUL-terminated kernel command line */
    uint64_t rsdp_paddr;     /* ACPI RSDP, or 0: the guest then scans the BIOS areas */
    /* Version 1 and later: */
    uint64_t memmap_paddr;   /* array of struct hvm_memmap_table_entry */
    uint32_t memmap_entries; /* entries at memmap_paddr; 0 = no map provided */
    uint32_t reserved;       /* must be 0 */
};

/* One module (e.g. an initrd). */
struct hvm_modlist_entry {
    uint64_t paddr;         /* start of the module */
    uint64_t size;          /* length in bytes */
    uint64_t cmdline_paddr; /* NUL-terminated module command line, or 0 */
    uint64_t reserved;      /* must be 0 */
};

/* One memory-map entry. */
struct hvm_memmap_table_entry {
    uint64_t addr;     /* start address */
    uint64_t size;     /* length in bytes */
    uint32_t type;     /* XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved; /* must be 0 */
};

/* Size of the version-0 structure (through rsdp_paddr). Tern name. */
#define HVM_START_INFO_V0_SIZE 40

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
_Static_assert(offsetof(struct hvm_start_info, version) == 4, "version");
_Static_assert(offsetof(struct hvm_start_info, flags) == 8, "flags");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "nr_modules");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist_paddr");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline_paddr");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "memmap_entries");
_Static_assert(offsetof(struct hvm_start_info, reserved) == 52, "reserved");
_Static_assert(HVM_START_INFO_V0_SIZE == offsetof(struct hvm_start_info, memmap_paddr),
               "v0 size");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "modlist.size");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "modlist.cmdline");
_Static_assert(offsetof(struct hvm_modlist_entry, reserved) == 24, "modlist.reserved");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "memmap.size");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "memmap.type");
_Static_assert(offsetof(struct hvm_memmap_table_entry, reserved) == 20, "memmap.reserved");

#endif /* TERN_PUBLIC_HVM_START_INFO_H */
