// SPDX-License-Identifier: MIT
// ACPI static tables: find the RSDP, walk the RSDT/XSDT, parse MADT, HPET, FADT and \_S5.
#include <tern/acpi.h>
#include <tern/errno.h>
#include <tern/lib.h>

struct acpi_info acpi;

#define ACPI_HDR_LEN 36
#define ACPI_MAX_TABLE_LEN MB(1) /* anything bigger is a corrupt length field */
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_MAX_LEN 1024        /* sanity bound for the RSDP's own length field */

#define BIOS_EBDA_SEG_PTR 0x40e
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000

/* MADT entry types (ACPI 6.5 5.2.12) and their minimum lengths */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDR 5
#define MADT_X2APIC 9
#define MADT_FLAG_PCAT_COMPAT (1u << 0)
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* FADT field offsets (ACPI 6.5 table 5.9) */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_PM_TMR 76
#define FADT_CENTURY 108
#define FADT_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_X_PM_TMR 208
#define FADT_SLEEP_CONTROL 244
#define FADT_V1_LEN 116
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_FLAG_HW_REDUCED (1u << 20)

#define GAS_LEN 12

/* AML opcodes needed to read \_S5 */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_CHAR '^'

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

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static void rd_gas(const uint8_t *p, struct acpi_gas *gas)
{
    gas->space_id = p[0];
    gas->bit_width = p[1];
    gas->bit_offset = p[2];
    gas->access_size = p[3];
    gas->address = rd64(p + 4);
}

/* A printable copy of a 4-byte signature: firmware bytes may be anything. */
static void sig_str(const uint8_t *p, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[4] = 0;
}

static bool sig_valid(const uint8_t *p)
{
    for (int i = 0; i < 4; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return false;
    return true;
}

/*
 * Checks an RSDP of which avail bytes are readable; returns the bytes that hold valid data
 * (20 for ACPI 1.0, its length field for 2.0+) or 0 if invalid. With short_ok, a 2.0+ RSDP
 * of which only the first 20 bytes are available (a 1.0-sized copy) is used as a 1.0 one.
 */
static size_t rsdp_check(const uint8_t *p, size_t avail, bool short_ok)
{
    if (avail < RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) != 0 || sum8(p, RSDP_V1_LEN) != 0)
        return 0;
    if (p[15] < 2)
        return RSDP_V1_LEN;
    if (avail < RSDP_V2_LEN)
        return short_ok ? RSDP_V1_LEN : 0;

    uint32_t len = rd32(p + 20);
    if (len < RSDP_V2_LEN || len > avail || sum8(p, len) != 0)
        return 0;
    return len;
}

/* Maps an RSDP candidate at pa, as much of it as its revision says it has. */
static const uint8_t *rsdp_map(phys_map_fn map, paddr_t pa, size_t *avail)
{
    const uint8_t *p = map(pa, RSDP_V1_LEN);

    *avail = 0;
    if (!p)
        return NULL;
    *avail = RSDP_V1_LEN;
    if (p[15] < 2)
        return p;

    const uint8_t *p2 = map(pa, RSDP_V2_LEN);
    if (!p2)
        return p; /* rsdp_check rejects it: the extended part is unreadable */
    *avail = RSDP_V2_LEN;
    uint32_t len = rd32(p2 + 20);
    if (len > RSDP_V2_LEN && len <= RSDP_MAX_LEN) {
        const uint8_t *p3 = map(pa, len);
        if (p3) {
            *avail = len;
            return p3;
        }
    }
    return p2;
}

/* Scans [start, start + len) on 16-byte boundaries for a valid RSDP. */
static bool rsdp_scan(phys_map_fn map, paddr_t start, size_t len, paddr_t *found)
{
    const uint8_t *area = map(start, len);

    if (!area)
        return false;
    for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16) {
        if (memcmp(area + off, "RSD PTR ", 8) != 0)
            continue;
        size_t avail;
        const uint8_t *p = rsdp_map(map, start + off, &avail);
        if (p && rsdp_check(p, avail, false)) {
            *found = start + off;
            return true;
        }
        /* map() may reuse one window: get the area back before reading on. */
        area = map(start, len);
        if (!area)
            return false;
    }
    return false;
}

int acpi_find_rsdp(phys_map_fn map, paddr_t *rsdp)
{
    const uint8_t *segp = map(BIOS_EBDA_SEG_PTR, 2);

    if (segp) {
        paddr_t ebda = (paddr_t)rd16(segp) << 4;
        if (ebda && rsdp_scan(map, ebda, KB(1), rsdp))
            return 0;
    }
    if (rsdp_scan(map, BIOS_ROM_START, BIOS_ROM_END - BIOS_ROM_START, rsdp))
        return 0;
    return -ENOENT;
}

/*
 * Maps and validates the table at pa: mapping the header first (its length is unknown until
 * then), then all of it. Returns NULL, with a warning, if it is unusable.
 */
static const uint8_t *table_map(phys_map_fn map, paddr_t pa, uint32_t *lenp)
{
    const uint8_t *hdr = map(pa, ACPI_HDR_LEN);
    char sig[5];

    if (!hdr) {
        printk(XENLOG_WARNING "ACPI: table at %#llx is not accessible, skipped\n",
               (unsigned long long)pa);
        return NULL;
    }
    sig_str(hdr, sig);
    if (!sig_valid(hdr)) {
        printk(XENLOG_WARNING "ACPI: table at %#llx has an invalid signature '%s', skipped\n",
               (unsigned long long)pa, sig);
        return NULL;
    }

    uint32_t len = rd32(hdr + 4);
    if (len < ACPI_HDR_LEN || len >= ACPI_MAX_TABLE_LEN) {
        printk(XENLOG_WARNING "ACPI: %s at %#llx has a bad length %u, skipped\n", sig,
               (unsigned long long)pa, len);
        return NULL;
    }

    const uint8_t *t = map(pa, len);
    if (!t) {
        printk(XENLOG_WARNING "ACPI: %s at %#llx (%u bytes) is not accessible, skipped\n",
               sig, (unsigned long long)pa, len);
        return NULL;
    }
    if (sum8(t, len) != 0) {
        printk(XENLOG_WARNING "ACPI: %s at %#llx has a bad checksum, skipped\n", sig,
               (unsigned long long)pa);
        return NULL;
    }
    *lenp = len;
    return t;
}

static void madt_add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t uid, bool enabled,
                         bool x2apic, unsigned int *dropped)
{
    if (info->nr_cpus >= ACPI_MAX_CPUS) {
        (*dropped)++;
        return;
    }
    struct acpi_cpu *c = &info->cpus[info->nr_cpus++];
    c->apic_id = apic_id;
    c->acpi_uid = uid;
    c->enabled = enabled;
    c->x2apic = x2apic;
}

static unsigned int madt_min_len(uint8_t type)
{
    switch (type) {
    case MADT_LAPIC:
        return 8;
    case MADT_IOAPIC:
        return 12;
    case MADT_OVERRIDE:
        return 10;
    case MADT_LAPIC_ADDR:
        return 12;
    case MADT_X2APIC:
        return 16;
    default:
        return 2; /* types we skip only need a valid length byte */
    }
}

static void parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    unsigned int cpus_dropped = 0, ioapics_dropped = 0, overrides_dropped = 0;

    if (len < ACPI_HDR_LEN + 8) {
        printk(XENLOG_WARNING "ACPI: MADT too short (%u bytes), ignored\n", len);
        return;
    }
    info->has_madt = true;
    info->lapic_addr = rd32(t + 36);
    info->pcat_compat = rd32(t + 40) & MADT_FLAG_PCAT_COMPAT;

    /* "Online Capable" only exists from MADT revision 5; before, the bit is reserved. */
    uint32_t cpu_usable = MADT_CPU_ENABLED | (t[8] >= 5 ? MADT_CPU_ONLINE_CAPABLE : 0);

    for (uint32_t off = ACPI_HDR_LEN + 8; off < len;) {
        if (len - off < 2) {
            printk(XENLOG_WARNING "ACPI: MADT: truncated entry at offset %u, rest ignored\n",
                   off);
            break;
        }
        const uint8_t *e = t + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || elen > len - off || elen < madt_min_len(type)) {
            printk(XENLOG_WARNING
                   "ACPI: MADT: entry type %u at offset %u has bad length %u, rest ignored\n",
                   type, off, elen);
            break;
        }

        switch (type) {
        case MADT_LAPIC:
            if (e[3] == 0xff) /* an invalid APIC ID firmware uses for absent CPUs */
                break;
            madt_add_cpu(info, e[3], e[2], rd32(e + 4) & cpu_usable, false, &cpus_dropped);
            break;
        case MADT_X2APIC:
            madt_add_cpu(info, rd32(e + 4), rd32(e + 12), rd32(e + 8) & cpu_usable, true,
                         &cpus_dropped);
            break;
        case MADT_IOAPIC:
            if (info->nr_ioapics >= ACPI_MAX_IOAPICS) {
                ioapics_dropped++;
                break;
            }
            info->ioapics[info->nr_ioapics].id = e[2];
            info->ioapics[info->nr_ioapics].address = rd32(e + 4);
            info->ioapics[info->nr_ioapics].gsi_base = rd32(e + 8);
            info->nr_ioapics++;
            break;
        case MADT_OVERRIDE:
            if (info->nr_overrides >= ACPI_MAX_OVERRIDES) {
                overrides_dropped++;
                break;
            }
            info->overrides[info->nr_overrides].bus = e[2];
            info->overrides[info->nr_overrides].source = e[3];
            info->overrides[info->nr_overrides].gsi = rd32(e + 4);
            info->overrides[info->nr_overrides].flags = rd16(e + 8);
            info->nr_overrides++;
            break;
        case MADT_LAPIC_ADDR:
            info->lapic_addr = rd64(e + 4);
            break;
        default: /* NMI sources, LAPIC NMI and everything else: not needed */
            break;
        }
        off += elen;
    }

    if (cpus_dropped)
        printk(XENLOG_WARNING "ACPI: MADT: %u CPUs beyond the limit of %u ignored\n",
               cpus_dropped, ACPI_MAX_CPUS);
    if (ioapics_dropped)
        printk(XENLOG_WARNING "ACPI: MADT: %u IO-APICs beyond the limit of %u ignored\n",
               ioapics_dropped, ACPI_MAX_IOAPICS);
    if (overrides_dropped)
        printk(XENLOG_WARNING "ACPI: MADT: %u overrides beyond the limit of %u ignored\n",
               overrides_dropped, ACPI_MAX_OVERRIDES);
}

static void parse_hpet(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    struct acpi_gas base;

    if (len < 40 + GAS_LEN) {
        printk(XENLOG_WARNING "ACPI: HPET too short (%u bytes), ignored\n", len);
        return;
    }
    rd_gas(t + 40, &base);
    if (base.space_id != ACPI_GAS_MEMORY || !base.address) {
        printk(XENLOG_WARNING "ACPI: HPET base is not a memory address (space %u), ignored\n",
               base.space_id);
        return;
    }
    info->hpet_addr = base.address;
}

/* An X_ PM block if the FADT has it and it is a usable I/O port, else the legacy one. */
static uint32_t fadt_pm_port(const uint8_t *t, uint32_t len, unsigned int x_off,
                             unsigned int legacy_off)
{
    if (len >= x_off + GAS_LEN) {
        struct acpi_gas gas;
        rd_gas(t + x_off, &gas);
        if (gas.address && gas.address <= 0xffff && gas.space_id == ACPI_GAS_IO)
            return (uint32_t)gas.address;
    }
    return rd32(t + legacy_off);
}

static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    /* Every field read below lies inside the table: 1.0 FADTs end at FADT_V1_LEN. */
    if (len < FADT_V1_LEN) {
        printk(XENLOG_WARNING "ACPI: FADT too short (%u bytes), ignored\n", len);
        return;
    }
    info->has_fadt = true;
    uint8_t rev = t[8];
    uint32_t flags = rd32(t + FADT_FLAGS);

    info->dsdt_addr = rd32(t + FADT_DSDT);
    if (len >= FADT_X_DSDT + 8 && rd64(t + FADT_X_DSDT))
        info->dsdt_addr = rd64(t + FADT_X_DSDT);

    info->smi_cmd = rd32(t + FADT_SMI_CMD);
    info->acpi_enable = t[FADT_ACPI_ENABLE];
    info->pm1a_cnt = fadt_pm_port(t, len, FADT_X_PM1A_CNT, FADT_PM1A_CNT);
    info->pm1b_cnt = fadt_pm_port(t, len, FADT_X_PM1B_CNT, FADT_PM1B_CNT);
    info->pm_tmr = fadt_pm_port(t, len, FADT_X_PM_TMR, FADT_PM_TMR);
    info->century = t[FADT_CENTURY];
    /* IAPC_BOOT_ARCH was a reserved field in ACPI 1.0. */
    if (rev >= 2)
        info->iapc_boot_arch = rd16(t + FADT_BOOT_ARCH);
    info->hw_reduced = flags & FADT_FLAG_HW_REDUCED;

    if (len >= FADT_RESET_VALUE + 1) {
        rd_gas(t + FADT_RESET_REG, &info->reset_reg);
        info->reset_value = t[FADT_RESET_VALUE];
        info->reset_supported = (flags & FADT_FLAG_RESET_REG_SUP) &&
                                info->reset_reg.address &&
                                (info->reset_reg.space_id == ACPI_GAS_IO ||
                                 info->reset_reg.space_id == ACPI_GAS_MEMORY);
    }
    if (len >= FADT_SLEEP_CONTROL + GAS_LEN)
        rd_gas(t + FADT_SLEEP_CONTROL, &info->sleep_control);
}

/*
 * Decodes a PkgLength at aml[*pos] (ACPI 6.5 20.2.4): the lead byte's top two bits count the
 * bytes that follow; returns the length (which counts the PkgLength bytes themselves) and
 * advances *pos past the encoding, or returns 0 if it is malformed or runs past end.
 */
static uint32_t aml_pkg_length(const uint8_t *aml, uint32_t end, uint32_t *pos)
{
    uint32_t p = *pos;

    if (p >= end)
        return 0;
    uint8_t lead = aml[p++];
    unsigned int follow = lead >> 6;
    if (follow == 0) {
        *pos = p;
        return lead & 0x3f;
    }
    if (lead & 0x30) /* bits 5:4 are reserved when more bytes follow */
        return 0;
    if (end - p < follow)
        return 0;
    uint32_t len = lead & 0x0f;
    for (unsigned int i = 0; i < follow; i++)
        len |= (uint32_t)aml[p++] << (4 + 8 * i);
    *pos = p;
    return len;
}

/* Reads one integer element of a package: a constant opcode or a prefixed literal. */
static bool aml_small_int(const uint8_t *aml, uint32_t end, uint32_t *pos, uint8_t *val)
{
    uint32_t p = *pos, size;

    if (p >= end)
        return false;
    switch (aml[p++]) {
    case AML_ZERO_OP:
        *val = 0;
        *pos = p;
        return true;
    case AML_ONE_OP:
        *val = 1;
        *pos = p;
        return true;
    case AML_BYTE_PREFIX:
        size = 1;
        break;
    case AML_WORD_PREFIX:
        size = 2;
        break;
    case AML_DWORD_PREFIX:
        size = 4;
        break;
    case AML_QWORD_PREFIX:
        size = 8;
        break;
    default:
        return false;
    }
    if (end - p < size)
        return false;
    *val = aml[p]; /* SLP_TYP values are small: the low byte is the value */
    *pos = p + size;
    return true;
}

/*
 * Checks a \_S5 candidate whose PackageOp is at t[pos]: a package of at least two small
 * integers. Returns NULL and fills typa/typb, or says what is wrong with it.
 */
static const char *s5_package(const uint8_t *t, uint32_t len, uint32_t pos, uint8_t *typa,
                              uint8_t *typb)
{
    uint32_t pkg_start = ++pos;
    uint32_t pkg_len = aml_pkg_length(t, len, &pos);

    /* The PkgLength counts itself; what follows it must hold at least NumElements. */
    if (!pkg_len || pkg_len > len - pkg_start || pkg_start + pkg_len <= pos)
        return "package length is bad";
    uint32_t pkg_end = pkg_start + pkg_len;
    uint8_t nelem = t[pos++];
    if (nelem < 2 || !aml_small_int(t, pkg_end, &pos, typa) ||
        !aml_small_int(t, pkg_end, &pos, typb))
        return "package is malformed";
    return NULL;
}

/*
 * Finds Name(\_S5, Package() { SLP_TYPa, SLP_TYPb, ... }) in the DSDT's AML by pattern: a
 * full AML interpreter is not needed for a constant package in the root scope. A pattern
 * match can be a false one (bytes of other terms that happen to look alike), so a candidate
 * that does not decode is passed over; the warning is only for finding no good one.
 */
static void parse_s5(const uint8_t *t, uint32_t len, struct acpi_info *info)
{
    const char *err = NULL;

    for (uint32_t i = ACPI_HDR_LEN; len - i >= 4; i++) {
        if (memcmp(t + i, "_S5_", 4) != 0)
            continue;

        /* Preceded by NameOp, possibly with a root or parent prefix in between. */
        uint32_t b = i;
        while (b > ACPI_HDR_LEN && (t[b - 1] == AML_ROOT_CHAR || t[b - 1] == AML_PARENT_CHAR))
            b--;
        if (b <= ACPI_HDR_LEN || t[b - 1] != AML_NAME_OP)
            continue;
        if (len - i == 4) {
            err = "name is at the end of the table";
            break;
        }
        if (t[i + 4] != AML_PACKAGE_OP)
            continue; /* _S5 defined by other means, e.g. a method */

        uint8_t typa, typb;
        err = s5_package(t, len, i + 4, &typa, &typb);
        if (!err) {
            info->s5_valid = true;
            info->s5_slp_typa = typa;
            info->s5_slp_typb = typb;
            return;
        }
    }
    if (err)
        printk(XENLOG_WARNING "ACPI: DSDT: \\_S5 %s, no S5 values\n", err);
}

/* Handles one table from the root table; unknown signatures are ignored. */
static void parse_table(phys_map_fn map, paddr_t pa, struct acpi_info *info)
{
    uint32_t len;
    const uint8_t *t = table_map(map, pa, &len);

    if (!t)
        return;
    if (!memcmp(t, "APIC", 4)) {
        if (info->has_madt)
            printk(XENLOG_WARNING "ACPI: second MADT at %#llx ignored\n",
                   (unsigned long long)pa);
        else
            parse_madt(t, len, info);
    } else if (!memcmp(t, "FACP", 4)) {
        if (info->has_fadt)
            printk(XENLOG_WARNING "ACPI: second FADT at %#llx ignored\n",
                   (unsigned long long)pa);
        else
            parse_fadt(t, len, info);
    } else if (!memcmp(t, "HPET", 4)) {
        if (!info->hpet_addr)
            parse_hpet(t, len, info);
    }
}

static void parse_dsdt(phys_map_fn map, struct acpi_info *info)
{
    uint32_t len;
    const uint8_t *t;

    if (!info->dsdt_addr) {
        printk(XENLOG_WARNING "ACPI: no DSDT, no S5 values\n");
        return;
    }
    t = table_map(map, info->dsdt_addr, &len);
    if (!t)
        return;
    if (memcmp(t, "DSDT", 4) != 0) {
        char sig[5];
        sig_str(t, sig);
        printk(XENLOG_WARNING "ACPI: FADT's DSDT at %#llx is a '%s' table, ignored\n",
               (unsigned long long)info->dsdt_addr, sig);
        return;
    }
    parse_s5(t, len, info);
    if (!info->s5_valid)
        printk(XENLOG_INFO "ACPI: DSDT has no usable \\_S5 object\n");
}

/* Maps and validates the RSDT (entry_size 4) or XSDT (8); NULL with a warning if bad. */
static const uint8_t *root_map(phys_map_fn map, paddr_t pa, unsigned int entry_size,
                               uint32_t *len)
{
    const char *want = entry_size == 8 ? "XSDT" : "RSDT";
    const uint8_t *t;

    if (!pa) {
        printk(XENLOG_WARNING "ACPI: RSDP has no %s address\n", want);
        return NULL;
    }
    t = table_map(map, pa, len);
    if (!t)
        return NULL;
    if (memcmp(t, want, 4) != 0) {
        char sig[5];
        sig_str(t, sig);
        printk(XENLOG_WARNING "ACPI: %s at %#llx has signature '%s'\n", want,
               (unsigned long long)pa, sig);
        return NULL;
    }
    if ((*len - ACPI_HDR_LEN) % entry_size)
        printk(XENLOG_WARNING "ACPI: %s length %u is not a whole number of entries\n", want,
               *len);
    return t;
}

int acpi_parse(phys_map_fn map, paddr_t rsdp_addr, const void *rsdp_copy, size_t rsdp_len,
               struct acpi_info *info)
{
    const uint8_t *rsdp;
    size_t avail, rsdp_valid;

    memset(info, 0, sizeof(*info));
    if (rsdp_copy) {
        rsdp = rsdp_copy;
        rsdp_valid = rsdp_check(rsdp, rsdp_len, true);
    } else {
        rsdp = rsdp_map(map, rsdp_addr, &avail);
        rsdp_valid = rsdp ? rsdp_check(rsdp, avail, false) : 0;
        info->rsdp_addr = rsdp_addr;
    }
    if (!rsdp_valid) {
        printk(XENLOG_WARNING "ACPI: invalid RSDP (signature, checksum or length)\n");
        return -EINVAL;
    }
    info->revision = rsdp[15];
    memcpy(info->oem_id, rsdp + 9, 6);
    info->oem_id[6] = 0;

    /* The XSDT if the RSDP has one; a broken XSDT falls back to the RSDT when there is one. */
    paddr_t rsdt_pa = rd32(rsdp + 16), xsdt_pa = 0, root_pa;
    unsigned int entry_size;
    uint32_t root_len;
    const uint8_t *root = NULL;
    if (rsdp_valid >= RSDP_V2_LEN)
        xsdt_pa = rd64(rsdp + 24);
    if (xsdt_pa) {
        root_pa = xsdt_pa;
        entry_size = 8;
        root = root_map(map, root_pa, entry_size, &root_len);
        if (!root && rsdt_pa)
            printk(XENLOG_WARNING "ACPI: XSDT unusable, trying the RSDT\n");
    }
    if (!root && (!xsdt_pa || rsdt_pa)) {
        root_pa = rsdt_pa;
        entry_size = 4;
        root = root_map(map, root_pa, entry_size, &root_len);
    }
    if (!root)
        return -EINVAL;

    /* Each entry is re-mapped: parsing a table may have reused the root table's mapping. */
    uint32_t nr = (root_len - ACPI_HDR_LEN) / entry_size;
    for (uint32_t i = 0; i < nr; i++) {
        const uint8_t *e = map(root_pa + ACPI_HDR_LEN + i * entry_size, entry_size);
        if (!e)
            break;
        paddr_t pa = entry_size == 8 ? rd64(e) : rd32(e);
        if (!pa) {
            printk(XENLOG_WARNING "ACPI: root table entry %u is null, skipped\n", i);
            continue;
        }
        parse_table(map, pa, info);
    }

    if (info->has_fadt)
        parse_dsdt(map, info);
    return 0;
}
