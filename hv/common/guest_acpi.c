// SPDX-License-Identifier: MIT
// Builds a PVH guest's ACPI tables (RSDP, XSDT, hardware-reduced FADT, DSDT, MADT).
#include <tern/errno.h>
#include <tern/guest_acpi.h>
#include <tern/lib.h>

/* Common table header (ACPI 6.5 5.2.6) */
#define HDR_LEN 36
#define HDR_LENGTH 4
#define HDR_REVISION 8
#define HDR_CHECKSUM 9
#define HDR_OEM_ID 10
#define HDR_OEM_TABLE_ID 16
#define HDR_OEM_REVISION 24
#define HDR_CREATOR_ID 28
#define HDR_CREATOR_REVISION 32

#define OEM_ID "TERN  "      /* 6 bytes */
#define OEM_TABLE_ID "TERNVM  " /* 8 bytes */
#define CREATOR_ID "TERN"    /* 4 bytes */
#define OEM_REVISION 1
#define CREATOR_REVISION 1

/* RSDP (ACPI 6.5 5.2.5.3): the 1.0 part is 20 bytes under its own checksum. */
#define RSDP_LEN 36
#define RSDP_V1_LEN 20
#define RSDP_CHECKSUM 8
#define RSDP_OEM_ID 9
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24
#define RSDP_EXT_CHECKSUM 32

/* XSDT (5.2.8): FADT and MADT. The DSDT is reached through the FADT, never listed. */
#define XSDT_REVISION 1
#define XSDT_ENTRIES 2
#define XSDT_LEN (HDR_LEN + 8 * XSDT_ENTRIES)

/*
 * FADT (5.2.9, table 5.9). Revision 6 (ACPI 6.0+) is the 276-byte layout that ends with
 * the Hypervisor Vendor Identity, exactly Linux 6.1 ACPICA's struct acpi_table_fadt, so
 * nothing is truncated or padded. Hardware-reduced needs revision >= 5 (ACPI 5.0 4.1).
 */
#define FADT_REVISION 6
#define FADT_MINOR_REVISION 5
#define FADT_LEN 276
#define FADT_DSDT 40
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256

/* IAPC_BOOT_ARCH (5.2.9.3, table 5.11); LEGACY_DEVICES (0) and 8042 (1) stay clear. */
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)

/* FADT Flags (table 5.10) */
#define FADT_F_WBINVD (1u << 0)      /* required to be set on IA-PC systems */
#define FADT_F_PWR_BUTTON (1u << 4)  /* 1: no fixed-feature power button */
#define FADT_F_SLP_BUTTON (1u << 5)  /* 1: no fixed-feature sleep button */
#define FADT_F_HW_REDUCED (1u << 20) /* HW_REDUCED_ACPI */

/* Latencies above these limits say "C2/C3 not supported" (table 5.9). */
#define P_LVL2_LAT_NONE 101
#define P_LVL3_LAT_NONE 1001

/* Generic Address Structure (5.2.3.2) */
#define GAS_SPACE_IO 1
#define GAS_ACCESS_BYTE 1

/* DSDT: compliance revision 2 makes AML integers 64-bit (5.2.11.1). */
#define DSDT_REVISION 2

/* AML encodings (ACPI 6.5 20.2) */
#define AML_ZERO_OP 0x00
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_SCOPE_OP 0x10
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR 0x5c

/* Scope (\_SB_) {}: a PkgLength of 6 counts itself, '\' and the 4-char name (20.2.5.1) */
static const uint8_t aml_sb_scope[] = {
    AML_SCOPE_OP, 6, AML_ROOT_CHAR, '_', 'S', 'B', '_',
};

/*
 * Name (\_S5_, Package () { SLP_TYPa, SLP_TYPb }) (7.4.2): a PkgLength of 5 counts itself,
 * NumElements and the two elements. Only SLP_TYPa matters in hardware-reduced mode.
 */
static const uint8_t aml_s5[] = {
    AML_NAME_OP, AML_ROOT_CHAR, '_', 'S', '5', '_',
    AML_PACKAGE_OP, 5, 2, AML_BYTE_PREFIX, GUEST_ACPI_S5_SLP_TYP, AML_ZERO_OP,
};

/* MADT (5.2.12) */
#define MADT_REVISION 5
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS 40
#define MADT_HDR_LEN 44
#define MADT_LAPIC 0
#define MADT_LAPIC_LEN 8
#define MADT_IOAPIC 1
#define MADT_IOAPIC_LEN 12
#define MADT_X2APIC 9
#define MADT_X2APIC_LEN 16
#define MADT_CPU_ENABLED 1u
#define LAPIC_ID_MAX_XAPIC 254 /* 0xff means "invalid" in a type 0 entry */

#define TABLE_ALIGN 8

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* The byte that makes the sum of p[0..len) zero. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return (uint8_t)-s;
}

/* Fills the header of a table whose body is already written, checksum last (5.2.6). */
static void finish_table(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
    memcpy(t, sig, 4);
    wr32(t + HDR_LENGTH, len);
    t[HDR_REVISION] = revision;
    memcpy(t + HDR_OEM_ID, OEM_ID, 6);
    memcpy(t + HDR_OEM_TABLE_ID, OEM_TABLE_ID, 8);
    wr32(t + HDR_OEM_REVISION, OEM_REVISION);
    memcpy(t + HDR_CREATOR_ID, CREATOR_ID, 4);
    wr32(t + HDR_CREATOR_REVISION, CREATOR_REVISION);
    t[HDR_CHECKSUM] = 0;
    t[HDR_CHECKSUM] = checksum(t, len);
}

/* An 8-bit I/O-port register (5.2.3.2). */
static void wr_gas_io8(uint8_t *p, uint16_t port)
{
    p[0] = GAS_SPACE_IO;
    p[1] = 8;     /* register bit width */
    p[2] = 0;     /* bit offset */
    p[3] = GAS_ACCESS_BYTE;
    wr64(p + 4, port);
}

static uint32_t lapic_id(const struct guest_acpi_config *cfg, unsigned int vcpu)
{
    return vcpu * cfg->lapic_id_stride;
}

static uint32_t madt_len(const struct guest_acpi_config *cfg)
{
    uint32_t len = MADT_HDR_LEN;

    for (unsigned int v = 0; v < cfg->nr_vcpus; v++)
        len += lapic_id(cfg, v) <= LAPIC_ID_MAX_XAPIC ? MADT_LAPIC_LEN : MADT_X2APIC_LEN;
    if (cfg->with_ioapic)
        len += MADT_IOAPIC_LEN;
    return len;
}

static uint32_t dsdt_len(const struct guest_acpi_config *cfg)
{
    return HDR_LEN + sizeof(aml_sb_scope) + (cfg->sleep_port ? sizeof(aml_s5) : 0);
}

static void build_rsdp(uint8_t *p, uint64_t xsdt_gpa)
{
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + RSDP_OEM_ID, OEM_ID, 6);
    p[RSDP_REVISION] = 2;
    /* No RSDT: OSPMs use the XSDT when the revision is >= 2 (5.2.5.3). */
    wr32(p + RSDP_RSDT, 0);
    wr32(p + RSDP_LENGTH, RSDP_LEN);
    wr64(p + RSDP_XSDT, xsdt_gpa);
    p[RSDP_CHECKSUM] = checksum(p, RSDP_V1_LEN);
    p[RSDP_EXT_CHECKSUM] = checksum(p, RSDP_LEN);
}

static void build_xsdt(uint8_t *t, uint64_t fadt_gpa, uint64_t madt_gpa)
{
    wr64(t + HDR_LEN, fadt_gpa);
    wr64(t + HDR_LEN + 8, madt_gpa);
    finish_table(t, "XSDT", XSDT_LEN, XSDT_REVISION);
}

static void build_fadt(const struct guest_acpi_config *cfg, uint8_t *t, uint64_t dsdt_gpa)
{
    /*
     * Hardware-reduced (4.1, 5.2.9): the PM1/PM2/GPE blocks, PM timer, SCI, SMI_CMD and
     * FIRMWARE_CTRL are all zero, which with HW_REDUCED_ACPI means "no FACS" (5.2.9).
     */
    if (dsdt_gpa <= 0xffffffffu) /* the 32-bit field must be 0 or equal X_DSDT */
        wr32(t + FADT_DSDT, (uint32_t)dsdt_gpa);
    wr64(t + FADT_X_DSDT, dsdt_gpa);
    wr16(t + FADT_P_LVL2_LAT, P_LVL2_LAT_NONE);
    wr16(t + FADT_P_LVL3_LAT, P_LVL3_LAT_NONE);
    /* Linux then registers no RTC device and never probes VGA or the 8042. */
    wr16(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
    wr32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
                             FADT_F_HW_REDUCED);
    t[FADT_MINOR_VERSION] = FADT_MINOR_REVISION;
    /*
     * Hardware-reduced sleep registers (4.8.3.7): Linux's acpi_sleep_state_supported() in
     * reduced mode wants both of them, besides \_S5, before it offers ACPI poweroff.
     */
    if (cfg->sleep_port) {
        wr_gas_io8(t + FADT_SLEEP_CONTROL, cfg->sleep_port);
        wr_gas_io8(t + FADT_SLEEP_STATUS, (uint16_t)(cfg->sleep_port + 1));
    }
    finish_table(t, "FACP", FADT_LEN, FADT_REVISION);
}

static void build_dsdt(const struct guest_acpi_config *cfg, uint8_t *t)
{
    /*
     * Linux needs no processor objects (the MADT enumerates the CPUs), so the definition
     * block only opens the \_SB_ scope and, on request, defines \_S5.
     */
    uint8_t *p = t + HDR_LEN;

    memcpy(p, aml_sb_scope, sizeof(aml_sb_scope));
    p += sizeof(aml_sb_scope);
    if (cfg->sleep_port)
        memcpy(p, aml_s5, sizeof(aml_s5));
    finish_table(t, "DSDT", dsdt_len(cfg), DSDT_REVISION);
}

static void build_madt(const struct guest_acpi_config *cfg, uint8_t *t)
{
    uint8_t *e = t + MADT_HDR_LEN;

    wr32(t + MADT_LAPIC_ADDR, GUEST_ACPI_LAPIC_ADDR);
    wr32(t + MADT_FLAGS, 0); /* no PCAT_COMPAT: there is no 8259 (5.2.12, table 5.20) */

    /* In vCPU order, so Linux's CPU n is vCPU n; the BSP (vCPU 0) comes first. */
    for (unsigned int v = 0; v < cfg->nr_vcpus; v++) {
        uint32_t id = lapic_id(cfg, v);

        if (id <= LAPIC_ID_MAX_XAPIC) { /* Processor Local APIC (5.2.12.2) */
            e[0] = MADT_LAPIC;
            e[1] = MADT_LAPIC_LEN;
            e[2] = (uint8_t)v; /* ACPI Processor UID: Linux's Xen vCPU id */
            e[3] = (uint8_t)id;
            wr32(e + 4, MADT_CPU_ENABLED);
            e += MADT_LAPIC_LEN;
        } else { /* Processor Local x2APIC (5.2.12.12), only for IDs >= 255 */
            e[0] = MADT_X2APIC;
            e[1] = MADT_X2APIC_LEN;
            wr16(e + 2, 0);
            wr32(e + 4, id);
            wr32(e + 8, MADT_CPU_ENABLED);
            wr32(e + 12, v);
            e += MADT_X2APIC_LEN;
        }
    }
    if (cfg->with_ioapic) { /* I/O APIC (5.2.12.3) */
        e[0] = MADT_IOAPIC;
        e[1] = MADT_IOAPIC_LEN;
        e[2] = GUEST_ACPI_IOAPIC_ID;
        e[3] = 0;
        wr32(e + 4, GUEST_ACPI_IOAPIC_ADDR);
        wr32(e + 8, 0); /* Global System Interrupt Base */
    }
    finish_table(t, "APIC", madt_len(cfg), MADT_REVISION);
}

static bool config_valid(const struct guest_acpi_config *cfg)
{
    if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > GUEST_ACPI_MAX_VCPUS)
        return false;
    /* Distinct IDs, none of them the all-ones "invalid" x2APIC ID. */
    if (cfg->lapic_id_stride == 0)
        return false;
    uint64_t last_id = (uint64_t)(cfg->nr_vcpus - 1) * cfg->lapic_id_stride;
    if (last_id >= 0xffffffffu)
        return false;
    /* The GPAs computed from base_gpa must not wrap around. */
    return cfg->base_gpa <= UINT64_MAX - GUEST_ACPI_MAX_SIZE;
}

int guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, size_t cap,
                     uint64_t *rsdp_gpa)
{
    if (!config_valid(cfg))
        return -EINVAL;

    /* Aligned as guest-physical addresses; buf holds base_gpa onwards. */
    uint64_t base = cfg->base_gpa;
    uint64_t rsdp = ROUNDUP(base, 16);
    uint64_t xsdt = ROUNDUP(rsdp + RSDP_LEN, TABLE_ALIGN);
    uint64_t fadt = ROUNDUP(xsdt + XSDT_LEN, TABLE_ALIGN);
    uint64_t dsdt = ROUNDUP(fadt + FADT_LEN, TABLE_ALIGN);
    uint64_t madt = ROUNDUP(dsdt + dsdt_len(cfg), TABLE_ALIGN);
    size_t end = (size_t)(madt + madt_len(cfg) - base);

    if (end > cap)
        return -ENOSPC;

    /* Zero first: every field not written below is reserved or "not present". */
    uint8_t *b = buf;
    memset(b, 0, end);
    build_rsdp(b + (rsdp - base), xsdt);
    build_xsdt(b + (xsdt - base), fadt, madt);
    build_fadt(cfg, b + (fadt - base), dsdt);
    build_dsdt(cfg, b + (dsdt - base));
    build_madt(cfg, b + (madt - base));

    *rsdp_gpa = rsdp;
    return (int)end;
}
