/* SPDX-License-Identifier: MIT */
/*
 * ACPI static tables as Tern needs them: CPUs and interrupt controllers from the MADT, the
 * HPET, and the FADT's reset register and S5 sleep values (from the DSDT's \_S5 object).
 *
 * The parser reads firmware memory only through a phys_map_fn and checks every length and
 * checksum, so malformed tables give an error, never a fault (unit-tested on bad bytes).
 */
#ifndef TERN_ACPI_H
#define TERN_ACPI_H

#include <tern/types.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16

/* Generic Address Structure (ACPI 6.x 5.2.3.2) */
struct acpi_gas {
    uint8_t space_id; /* 0 = system memory, 1 = system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
};
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t acpi_uid;
    bool enabled;   /* "Enabled" or "Online Capable" flag */
    bool x2apic;    /* came from an x2APIC entry */
};

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;
    uint32_t gsi_base;
};

struct acpi_override {
    uint8_t bus;
    uint8_t source; /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags; /* MPS INTI flags: polarity, trigger mode */
};

struct acpi_info {
    paddr_t rsdp_addr;    /* where the RSDP was (0 if it came from a copy) */
    uint8_t revision;     /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
    char oem_id[7];       /* NUL-terminated */

    /* MADT */
    bool has_madt;
    paddr_t lapic_addr;
    bool pcat_compat;     /* dual 8259 present */
    unsigned int nr_cpus;
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned int nr_overrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];

    /* HPET */
    paddr_t hpet_addr;    /* 0 if absent */

    /* FADT */
    bool has_fadt;
    bool hw_reduced;
    bool reset_supported; /* RESET_REG_SUP flag and a usable reset register */
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint32_t pm1a_cnt;    /* I/O port of PM1a control block, 0 if absent */
    uint32_t pm1b_cnt;
    uint32_t pm_tmr;      /* I/O port of the PM timer, 0 if absent */
    uint16_t iapc_boot_arch;
    uint8_t century;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    struct acpi_gas sleep_control; /* hardware-reduced sleep registers (ACPI 5+) */
    paddr_t dsdt_addr;

    /* \_S5 from the DSDT */
    bool s5_valid;
    uint8_t s5_slp_typa;
    uint8_t s5_slp_typb;
};

/*
 * Find the RSDP in the BIOS areas: the first KiB of the EBDA (segment at 0x40E) and
 * 0xE0000-0xFFFFF, on 16-byte boundaries, checksum-verified. 0 or -ENOENT.
 */
int acpi_find_rsdp(phys_map_fn map, paddr_t *rsdp);

/*
 * Parse everything reachable from the RSDP. rsdp_copy (non-NULL) is an RSDP already copied
 * (Multiboot2 hands one over) of rsdp_len bytes; otherwise the RSDP is read at rsdp_addr.
 * Returns 0, or -EINVAL (bad RSDP/root table), and fills what it could. Bad individual tables
 * (checksum, truncated entries) are skipped with a warning and do not fail the whole parse.
 */
int acpi_parse(phys_map_fn map, paddr_t rsdp_addr, const void *rsdp_copy, size_t rsdp_len,
               struct acpi_info *info);

/* The parsed tables of this machine (filled at boot). */
extern struct acpi_info acpi;

#endif
