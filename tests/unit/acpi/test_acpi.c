// SPDX-License-Identifier: MIT
// Unit tests of the ACPI static-table parser (hv/arch/x86/acpi/tables.c).
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tern/acpi.h>
#include <tern/errno.h>

/* ---- captured tables (host_tables.c) --------------------------------------------------- */

#define CAPTURED(n)                                                                        \
    extern const unsigned char data_##n##_bin[];                                           \
    extern unsigned int data_##n##_bin_len
CAPTURED(host_APIC);
CAPTURED(host_FACP);
CAPTURED(host_DSDT);
CAPTURED(host_MCFG);
CAPTURED(qemu_pc_RSDP);
CAPTURED(qemu_pc_RSDT);
CAPTURED(qemu_pc_FACP);
CAPTURED(qemu_pc_APIC);
CAPTURED(qemu_pc_HPET);
CAPTURED(qemu_pc_WAET);
CAPTURED(qemu_pc_DSDT);
CAPTURED(qemu_q35_RSDP);
CAPTURED(qemu_q35_RSDT);
CAPTURED(qemu_q35_FACP);
CAPTURED(qemu_q35_APIC);
CAPTURED(qemu_q35_HPET);
CAPTURED(qemu_q35_MCFG);
CAPTURED(qemu_q35_WAET);
CAPTURED(qemu_q35_DSDT);

/* ---- fake physical memory ---------------------------------------------------------------- */

/*
 * 32 MiB, enough for QEMU's tables at their original addresses. map() hands out a fresh heap
 * copy of exactly the bytes asked for and frees the previous one, so ASan catches both reads
 * beyond a grant and use of a mapping after the next map() call.
 */
#define MEM_SIZE MB(32)
static uint8_t *mem;
static paddr_t hole_start, hole_end; /* map() refuses any range touching [start, end) */
static void *grant;
static unsigned int map_calls;

static const void *fake_map(paddr_t pa, size_t len)
{
    map_calls++;
    if (len == 0 || pa >= MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    if (pa < hole_end && pa + len > hole_start)
        return NULL;
    free(grant);
    grant = malloc(len);
    memcpy(grant, mem + pa, len);
    return grant;
}

static void mem_reset(void)
{
    free(grant);
    grant = NULL;
    if (!mem)
        mem = malloc(MEM_SIZE);
    memset(mem, 0, MEM_SIZE);
    hole_start = hole_end = 0;
    map_calls = 0;
}

static void put8(paddr_t pa, uint8_t v)
{
    mem[pa] = v;
}

static void put16(paddr_t pa, uint16_t v)
{
    mem[pa] = (uint8_t)v;
    mem[pa + 1] = (uint8_t)(v >> 8);
}

static void put32(paddr_t pa, uint32_t v)
{
    put16(pa, (uint16_t)v);
    put16(pa + 2, (uint16_t)(v >> 16));
}

static void put64(paddr_t pa, uint64_t v)
{
    put32(pa, (uint32_t)v);
    put32(pa + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(paddr_t pa)
{
    return mem[pa] | mem[pa + 1] << 8 | mem[pa + 2] << 16 | (uint32_t)mem[pa + 3] << 24;
}

static void put_bytes(paddr_t pa, const void *src, size_t len)
{
    if (len)
        memcpy(mem + pa, src, len);
}

static uint8_t sum(paddr_t pa, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + mem[pa + i]);
    return s;
}

/* Recomputes the checksum of the table at pa over its length field. */
static void fix_csum(paddr_t pa)
{
    mem[pa + 9] = 0;
    mem[pa + 9] = (uint8_t)-sum(pa, get32(pa + 4));
}

static void put_hdr(paddr_t pa, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(mem + pa, sig, 4);
    put32(pa + 4, len);
    put8(pa + 8, rev);
    put_bytes(pa + 10, "TERNTS", 6);
    put_bytes(pa + 16, "UNITTEST", 8);
}

/* An RSDP: revision 0 has only the RSDT, 2 also the XSDT; both checksums made valid. */
static void put_rsdp(paddr_t pa, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(mem + pa, 0, rev >= 2 ? 36 : 20);
    put_bytes(pa, "RSD PTR ", 8);
    put_bytes(pa + 9, "TERNOE", 6);
    put8(pa + 15, rev);
    put32(pa + 16, rsdt);
    put8(pa + 8, (uint8_t)-sum(pa, 20));
    if (rev >= 2) {
        put32(pa + 20, 36);
        put64(pa + 24, xsdt);
        put8(pa + 32, (uint8_t)-sum(pa, 36));
    }
}

/* The RSDT (entry size 4) or XSDT (8) at pa listing the n tables at ents. */
static void put_root(paddr_t pa, bool xsdt, const paddr_t *ents, unsigned int n)
{
    unsigned int es = xsdt ? 8 : 4;
    put_hdr(pa, xsdt ? "XSDT" : "RSDT", 36 + n * es, 1);
    for (unsigned int i = 0; i < n; i++) {
        if (xsdt)
            put64(pa + 36 + i * es, ents[i]);
        else
            put32(pa + 36 + i * es, (uint32_t)ents[i]);
    }
    fix_csum(pa);
}

#define RSDP_PA 0xf0000      /* in the BIOS ROM area, as firmware puts it */
#define ROOT_PA 0x100000
#define ROOT2_PA 0x100800
#define TABLE_PA(i) (0x110000 + (paddr_t)(i) * 0x10000)
#define DSDT_PA 0x200000

static struct acpi_info info;

/* An RSDP (rev 0 with RSDT, or rev 2 with XSDT) listing n tables. */
static void setup_root(bool xsdt, const paddr_t *ents, unsigned int n)
{
    put_root(ROOT_PA, xsdt, ents, n);
    if (xsdt)
        put_rsdp(RSDP_PA, 2, 0, ROOT_PA);
    else
        put_rsdp(RSDP_PA, 0, ROOT_PA, 0);
}

static int parse(void)
{
    return acpi_parse(fake_map, RSDP_PA, NULL, 0, &info);
}

static bool logged(const char *s)
{
    return strstr(harness_log(), s) != NULL;
}

#define CHECK_LOGGED(s)                                                                    \
    CHECK(logged(s), "expected a message with \"%s\", log: %s", s, harness_log())
#define CHECK_NO_WARNINGS()                                                                \
    CHECK(!logged("skipped") && !logged("ignored") && !logged("bad") && !logged("invalid"),  \
          "expected no warnings, log: %s", harness_log())

/* ---- MADT builder ------------------------------------------------------------------------ */

static paddr_t madt_pa, madt_end;

static void madt_begin(paddr_t pa, uint8_t rev, uint32_t lapic, uint32_t flags)
{
    madt_pa = pa;
    put_hdr(pa, "APIC", 44, rev);
    put32(pa + 36, lapic);
    put32(pa + 40, flags);
    madt_end = pa + 44;
}

static void madt_raw(const uint8_t *e, size_t len)
{
    put_bytes(madt_end, e, len);
    madt_end += len;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, id, (uint8_t)flags, (uint8_t)(flags >> 8) };
    madt_raw(e, sizeof(e));
}

static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t e[16] = { 9, 16 };
    madt_raw(e, sizeof(e));
    put32(madt_end - 12, id);
    put32(madt_end - 8, flags);
    put32(madt_end - 4, uid);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t e[12] = { 1, 12, id };
    madt_raw(e, sizeof(e));
    put32(madt_end - 8, addr);
    put32(madt_end - 4, gsi_base);
}

static void madt_override(uint8_t src, uint32_t gsi, uint16_t flags)
{
    uint8_t e[10] = { 2, 10, 0, src };
    madt_raw(e, sizeof(e));
    put32(madt_end - 6, gsi);
    put16(madt_end - 2, flags);
}

static void madt_finish(void)
{
    put32(madt_pa + 4, (uint32_t)(madt_end - madt_pa));
    fix_csum(madt_pa);
}

/* A MADT alone in an RSDT. */
static int parse_madt_only(void)
{
    paddr_t ents[] = { madt_pa };
    madt_finish();
    setup_root(false, ents, 1);
    return parse();
}

/* ---- FADT and DSDT builders -------------------------------------------------------------- */

static void put_gas(paddr_t pa, uint8_t space, uint8_t width, uint64_t addr)
{
    put8(pa, space);
    put8(pa + 1, width);
    put8(pa + 2, 0);
    put8(pa + 3, 0);
    put64(pa + 4, addr);
}

static void put_dsdt(paddr_t pa, const void *aml, size_t len)
{
    put_hdr(pa, "DSDT", (uint32_t)(36 + len), 2);
    put_bytes(pa + 36, aml, len);
    fix_csum(pa);
}

/* A 1.0 FADT pointing at a DSDT with the given AML, alone in an RSDT; parsed. */
static int parse_dsdt_aml(const void *aml, size_t len)
{
    paddr_t ents[] = { TABLE_PA(0) };
    put_hdr(TABLE_PA(0), "FACP", 116, 1);
    put32(TABLE_PA(0) + 40, DSDT_PA);
    fix_csum(TABLE_PA(0));
    put_dsdt(DSDT_PA, aml, len);
    setup_root(false, ents, 1);
    return parse();
}

/* ---- tables captured from real machines -------------------------------------------------- */

/*
 * This machine's own tables (Firecracker, hardware-reduced ACPI). By hand from the hexdumps:
 * MADT rev 6, LAPIC 0xfee00000, flags 0; IO-APIC id 0 at 0xfec00000 GSI 0; two local APICs
 * (uid 0/id 0, uid 1/id 1, enabled). FADT rev 6, 276 bytes: DSDT 0, X_DSDT 0x9fd44,
 * IAPC_BOOT_ARCH 0x0004, flags 0x00100030 (HW_REDUCED_ACPI), no PM blocks, no reset register.
 * The DSDT (3923 bytes) has no \_S5 (Firecracker powers off through other means).
 */
TEST(host_firecracker_tables)
{
    mem_reset();
    paddr_t ents[] = { TABLE_PA(0), TABLE_PA(1), TABLE_PA(2) };
    put_bytes(TABLE_PA(0), data_host_FACP_bin, data_host_FACP_bin_len);
    put_bytes(TABLE_PA(1), data_host_APIC_bin, data_host_APIC_bin_len);
    put_bytes(TABLE_PA(2), data_host_MCFG_bin, data_host_MCFG_bin_len);
    /* The DSDT moves: point X_DSDT (offset 140) at it and fix the FADT's checksum. */
    put_bytes(DSDT_PA, data_host_DSDT_bin, data_host_DSDT_bin_len);
    CHECK_EQ(get32(TABLE_PA(0) + 140), 0x9fd44);
    put64(TABLE_PA(0) + 140, DSDT_PA);
    fix_csum(TABLE_PA(0));
    setup_root(true, ents, 3);

    CHECK_EQ(parse(), 0);
    CHECK_NO_WARNINGS();
    CHECK_EQ(info.revision, 2);
    CHECK_EQ(info.rsdp_addr, RSDP_PA);
    CHECK(info.has_madt, "expected the host MADT to be parsed");
    CHECK_EQ(info.lapic_addr, 0xfee00000);
    CHECK(!info.pcat_compat, "expected no PCAT_COMPAT flag in the Firecracker MADT");
    CHECK_EQ(info.nr_cpus, 2);
    for (unsigned int i = 0; i < 2; i++) {
        CHECK_EQ(info.cpus[i].apic_id, i);
        CHECK_EQ(info.cpus[i].acpi_uid, i);
        CHECK(info.cpus[i].enabled && !info.cpus[i].x2apic, "cpu %u: enabled xAPIC", i);
    }
    CHECK_EQ(info.nr_ioapics, 1);
    CHECK_EQ(info.ioapics[0].id, 0);
    CHECK_EQ(info.ioapics[0].address, 0xfec00000);
    CHECK_EQ(info.ioapics[0].gsi_base, 0);
    CHECK_EQ(info.nr_overrides, 0);
    CHECK_EQ(info.hpet_addr, 0);

    CHECK(info.has_fadt, "expected the host FADT to be parsed");
    CHECK(info.hw_reduced, "expected HW_REDUCED_ACPI (flags 0x00100030)");
    CHECK(!info.reset_supported, "expected no reset register");
    CHECK_EQ(info.dsdt_addr, DSDT_PA);
    CHECK_EQ(info.iapc_boot_arch, 0x0004);
    CHECK_EQ(info.pm1a_cnt, 0);
    CHECK_EQ(info.pm_tmr, 0);
    CHECK_EQ(info.smi_cmd, 0);
    CHECK_EQ(info.century, 0);
    CHECK_EQ(info.sleep_control.address, 0);
    CHECK(!info.s5_valid, "the Firecracker DSDT has no _S5, but s5_valid is set");
}

/*
 * QEMU's i440FX machine, replayed at the captured addresses: the RSDP at 0xf59d0 (rev 0),
 * EBDA segment 0x9fc0, RSDT at 0x1fe1b60 listing FACP 0x1fe19fc, APIC 0x1fe1a70,
 * HPET 0x1fe1b00, WAET 0x1fe1b38; DSDT at 0x1fe0040. Nothing is fixed up.
 */
static void place_qemu_pc(void)
{
    put16(0x40e, 0x9fc0);
    put_bytes(0xf59d0, data_qemu_pc_RSDP_bin, data_qemu_pc_RSDP_bin_len);
    put_bytes(0x1fe1b60, data_qemu_pc_RSDT_bin, data_qemu_pc_RSDT_bin_len);
    put_bytes(0x1fe19fc, data_qemu_pc_FACP_bin, data_qemu_pc_FACP_bin_len);
    put_bytes(0x1fe1a70, data_qemu_pc_APIC_bin, data_qemu_pc_APIC_bin_len);
    put_bytes(0x1fe1b00, data_qemu_pc_HPET_bin, data_qemu_pc_HPET_bin_len);
    put_bytes(0x1fe1b38, data_qemu_pc_WAET_bin, data_qemu_pc_WAET_bin_len);
    put_bytes(0x1fe0040, data_qemu_pc_DSDT_bin, data_qemu_pc_DSDT_bin_len);
}

/* QEMU's MADT (same for pc and q35 with -smp 4), read by hand from its hexdump. */
static void check_qemu_madt(void)
{
    static const struct acpi_override want[] = {
        { 0, 0, 2, 0x0000 }, { 0, 5, 5, 0x000d }, { 0, 9, 9, 0x000d },
        { 0, 10, 10, 0x000d }, { 0, 11, 11, 0x000d },
    };

    CHECK(info.has_madt, "expected QEMU's MADT to be parsed");
    CHECK_EQ(info.lapic_addr, 0xfee00000);
    CHECK(info.pcat_compat, "expected PCAT_COMPAT in QEMU's MADT (flags 1)");
    CHECK_EQ(info.nr_cpus, 4);
    for (unsigned int i = 0; i < 4; i++) {
        CHECK_EQ(info.cpus[i].apic_id, i);
        CHECK_EQ(info.cpus[i].acpi_uid, i);
        CHECK(info.cpus[i].enabled, "cpu %u should be enabled", i);
    }
    CHECK_EQ(info.nr_ioapics, 1);
    CHECK_EQ(info.ioapics[0].address, 0xfec00000);
    CHECK_EQ(info.ioapics[0].gsi_base, 0);
    CHECK_EQ(info.nr_overrides, 5);
    for (unsigned int i = 0; i < 5; i++) {
        CHECK(info.overrides[i].source == want[i].source && info.overrides[i].gsi == want[i].gsi
                  && info.overrides[i].flags == want[i].flags && info.overrides[i].bus == 0,
              "override %u: expected IRQ %u -> GSI %u flags %#x, got IRQ %u -> GSI %u flags %#x",
              i, want[i].source, want[i].gsi, want[i].flags, info.overrides[i].source,
              info.overrides[i].gsi, info.overrides[i].flags);
    }
    CHECK_EQ(info.hpet_addr, 0xfed00000);
}

TEST(qemu_pc_replay)
{
    paddr_t rsdp = 0;

    mem_reset();
    place_qemu_pc();
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xf59d0);
    CHECK_EQ(acpi_parse(fake_map, rsdp, NULL, 0, &info), 0);
    CHECK_NO_WARNINGS();
    CHECK_EQ(info.revision, 0);
    CHECK(strcmp(info.oem_id, "BOCHS ") == 0, "expected OEM \"BOCHS \", got \"%s\"", info.oem_id);
    check_qemu_madt();

    /* A 1.0 FADT (rev 1, 116 bytes): only legacy fields exist. */
    CHECK(info.has_fadt, "expected QEMU's FADT to be parsed");
    CHECK(!info.hw_reduced, "QEMU pc is not hardware-reduced");
    CHECK_EQ(info.dsdt_addr, 0x1fe0040);
    CHECK_EQ(info.smi_cmd, 0xb2);
    CHECK_EQ(info.acpi_enable, 0xf1);
    CHECK_EQ(info.pm1a_cnt, 0x604);
    CHECK_EQ(info.pm1b_cnt, 0);
    CHECK_EQ(info.pm_tmr, 0x608);
    CHECK_EQ(info.century, 0x32);
    CHECK_EQ(info.iapc_boot_arch, 0);
    CHECK(!info.reset_supported, "a 1.0 FADT has no reset register");

    /* Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
    CHECK(info.s5_valid, "expected \\_S5 from QEMU's DSDT, log: %s", harness_log());
    CHECK_EQ(info.s5_slp_typa, 0);
    CHECK_EQ(info.s5_slp_typb, 0);
}

TEST(qemu_q35_replay)
{
    paddr_t rsdp = 0;

    mem_reset();
    put16(0x40e, 0x9fc0);
    put_bytes(0xf59e0, data_qemu_q35_RSDP_bin, data_qemu_q35_RSDP_bin_len);
    put_bytes(0x1fe2353, data_qemu_q35_RSDT_bin, data_qemu_q35_RSDT_bin_len);
    put_bytes(0x1fe2133, data_qemu_q35_FACP_bin, data_qemu_q35_FACP_bin_len);
    put_bytes(0x1fe2227, data_qemu_q35_APIC_bin, data_qemu_q35_APIC_bin_len);
    put_bytes(0x1fe22b7, data_qemu_q35_HPET_bin, data_qemu_q35_HPET_bin_len);
    put_bytes(0x1fe22ef, data_qemu_q35_MCFG_bin, data_qemu_q35_MCFG_bin_len);
    put_bytes(0x1fe232b, data_qemu_q35_WAET_bin, data_qemu_q35_WAET_bin_len);
    put_bytes(0x1fe0040, data_qemu_q35_DSDT_bin, data_qemu_q35_DSDT_bin_len);

    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xf59e0);
    CHECK_EQ(acpi_parse(fake_map, rsdp, NULL, 0, &info), 0);
    CHECK_NO_WARNINGS();
    check_qemu_madt();

    /* FADT rev 3, 244 bytes: the X_ blocks and the reset register (0xcf9 <- 0x0f). */
    CHECK(info.has_fadt, "expected QEMU's FADT to be parsed");
    CHECK_EQ(info.dsdt_addr, 0x1fe0040);
    CHECK_EQ(info.smi_cmd, 0xb2);
    CHECK_EQ(info.acpi_enable, 0x02);
    CHECK_EQ(info.pm1a_cnt, 0x604);
    CHECK_EQ(info.pm_tmr, 0x608);
    CHECK_EQ(info.century, 0x32);
    CHECK_EQ(info.iapc_boot_arch, 0x0002);
    CHECK(info.reset_supported, "expected RESET_REG_SUP with an I/O reset register");
    CHECK_EQ(info.reset_reg.space_id, ACPI_GAS_IO);
    CHECK_EQ(info.reset_reg.bit_width, 8);
    CHECK_EQ(info.reset_reg.address, 0xcf9);
    CHECK_EQ(info.reset_value, 0x0f);
    CHECK(info.s5_valid, "expected \\_S5 from QEMU's q35 DSDT, log: %s", harness_log());
    CHECK_EQ(info.s5_slp_typa, 0);
}

/* Multiboot2 hands over a copy of the RSDP: the same tables through rsdp_copy. */
TEST(qemu_pc_rsdp_copy)
{
    mem_reset();
    place_qemu_pc();
    CHECK_EQ(acpi_parse(fake_map, 0, data_qemu_pc_RSDP_bin, data_qemu_pc_RSDP_bin_len, &info),
             0);
    CHECK_EQ(info.rsdp_addr, 0);
    check_qemu_madt();
    CHECK(info.s5_valid, "expected \\_S5 through an RSDP copy");

    /* A copy too short to be an RSDP at all. */
    CHECK_EQ(acpi_parse(fake_map, 0, data_qemu_pc_RSDP_bin, 16, &info), -EINVAL);
    CHECK_LOGGED("invalid RSDP");
}

/* ---- finding the RSDP -------------------------------------------------------------------- */

TEST(find_rsdp_in_ebda)
{
    paddr_t rsdp = 0;

    mem_reset();
    put16(0x40e, 0x9fc0);
    put_rsdp(0x9fc00 + 0x40, 0, ROOT_PA, 0);
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0x9fc40);

    /* Both places: the EBDA is searched first. */
    put_rsdp(0xe0000, 0, ROOT_PA, 0);
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0x9fc40);

    /* Only the first KiB of the EBDA counts. */
    memset(mem + 0x9fc40, 0, 20);
    put_rsdp(0x9fc00 + 0x400, 0, ROOT_PA, 0);
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xe0000);
}

TEST(find_rsdp_in_bios_area)
{
    paddr_t rsdp = 0;

    mem_reset();
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), -ENOENT);

    /* EBDA segment 0: the area is skipped (an RSDP at 0 must not be found). */
    put_rsdp(0x0, 0, ROOT_PA, 0);
    put_rsdp(0xffff0 - 16, 2, 0, ROOT_PA); /* near the end of the area, rev 2 */
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xfffe0);

    /* EBDA pointing at memory map() refuses: skipped, the BIOS area still searched. */
    put16(0x40e, 0x9fc0);
    put_rsdp(0x9fc00, 0, ROOT_PA, 0);
    hole_start = 0x9f000;
    hole_end = 0xa0000;
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xfffe0);
}

TEST(find_rsdp_rejects_bad_candidates)
{
    paddr_t rsdp = 0;

    mem_reset();
    put_rsdp(0xe0000, 0, ROOT_PA, 0);
    mem[0xe0000 + 16] ^= 1; /* bad checksum */
    put_rsdp(0xe0108, 0, ROOT_PA, 0); /* valid but not on a 16-byte boundary */
    put_rsdp(0xe0200, 2, ROOT_PA, ROOT_PA);
    mem[0xe0200 + 24] ^= 1; /* bad extended checksum (the 20-byte one still holds) */
    put_bytes(0xe0300, "RSD PTR ", 8); /* signature only */
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), -ENOENT);

    put_rsdp(0xe0400, 2, ROOT_PA, ROOT_PA);
    CHECK_EQ(acpi_find_rsdp(fake_map, &rsdp), 0);
    CHECK_EQ(rsdp, 0xe0400);
}

/* ---- hand-built tables ------------------------------------------------------------------- */

/* The shape of QEMU's MADT: 4 CPUs, an IO-APIC, 2 overrides, a LAPIC NMI entry. */
TEST(madt_qemu_like)
{
    static const uint8_t lapic_nmi[6] = { 4, 6, 0xff, 0, 0, 1 };

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 1);
    for (uint8_t i = 0; i < 4; i++)
        madt_lapic(i, i, 1);
    madt_ioapic(0, 0xfec00000, 0);
    madt_override(0, 2, 0);
    madt_override(9, 9, 0x000d);
    madt_raw(lapic_nmi, sizeof(lapic_nmi));
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_NO_WARNINGS();

    CHECK(info.has_madt && info.pcat_compat, "expected a MADT with PCAT_COMPAT");
    CHECK_EQ(info.lapic_addr, 0xfee00000);
    CHECK_EQ(info.nr_cpus, 4);
    CHECK_EQ(info.cpus[3].apic_id, 3);
    CHECK_EQ(info.cpus[3].acpi_uid, 3);
    CHECK_EQ(info.nr_ioapics, 1);
    CHECK_EQ(info.ioapics[0].address, 0xfec00000);
    CHECK_EQ(info.nr_overrides, 2);
    CHECK_EQ(info.overrides[0].source, 0);
    CHECK_EQ(info.overrides[0].gsi, 2);
    CHECK_EQ(info.overrides[1].source, 9);
    CHECK_EQ(info.overrides[1].gsi, 9);
    CHECK_EQ(info.overrides[1].flags, 0x000d);
    CHECK(!info.has_fadt && !info.s5_valid, "no FADT, so no FADT data or S5");
}

TEST(madt_x2apic_and_address_override)
{
    mem_reset();
    madt_begin(TABLE_PA(0), 5, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_x2apic(0x100, 1, 0x1000);
    madt_x2apic(0x12345678, 0, 0x1001); /* disabled, not online capable */
    madt_x2apic(0x102, 2, 0x1002);      /* online capable (MADT rev >= 5) */
    madt_lapic(9, 0xff, 1);             /* APIC ID 0xff: no such CPU, dropped */
    madt_ioapic(2, 0xfec01000, 24);
    uint8_t ovr[12] = { 5, 12 };
    madt_raw(ovr, sizeof(ovr));
    put64(madt_end - 8, 0xfee0000000ull);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_NO_WARNINGS();

    CHECK_EQ(info.lapic_addr, 0xfee0000000ull);
    CHECK(!info.pcat_compat, "flags 0: no PCAT_COMPAT");
    CHECK_EQ(info.nr_cpus, 4);
    CHECK(!info.cpus[0].x2apic && info.cpus[1].x2apic, "expected xAPIC then x2APIC entries");
    CHECK_EQ(info.cpus[1].apic_id, 0x100);
    CHECK_EQ(info.cpus[1].acpi_uid, 0x1000);
    CHECK(info.cpus[1].enabled, "x2APIC cpu with flags 1 should be enabled");
    CHECK_EQ(info.cpus[2].apic_id, 0x12345678);
    CHECK(!info.cpus[2].enabled, "a disabled CPU must be recorded with enabled=false");
    CHECK_EQ(info.cpus[3].apic_id, 0x102);
    CHECK(info.cpus[3].enabled, "an online-capable CPU counts as enabled in a rev 5 MADT");
    CHECK_EQ(info.ioapics[0].id, 2);
    CHECK_EQ(info.ioapics[0].gsi_base, 24);
}

TEST(madt_online_capable_before_rev5)
{
    mem_reset();
    madt_begin(TABLE_PA(0), 4, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_lapic(1, 1, 2); /* bit 1 is reserved before MADT revision 5 */
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, 2);
    CHECK(info.cpus[0].enabled && !info.cpus[1].enabled,
          "expected cpu 1 (flags 2, MADT rev 4) to be disabled");
}

TEST(hpet)
{
    mem_reset();
    paddr_t ents[] = { TABLE_PA(0) };
    put_hdr(TABLE_PA(0), "HPET", 56, 1);
    put_gas(TABLE_PA(0) + 40, ACPI_GAS_MEMORY, 64, 0xfed00000);
    fix_csum(TABLE_PA(0));
    setup_root(true, ents, 1);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(info.hpet_addr, 0xfed00000);

    put_gas(TABLE_PA(0) + 40, ACPI_GAS_IO, 64, 0x400);
    fix_csum(TABLE_PA(0));
    CHECK_EQ(parse(), 0);
    CHECK_EQ(info.hpet_addr, 0);
    CHECK_LOGGED("HPET base is not a memory address");
}

/*
 * A 1.0 FADT is 116 bytes: the fields past it (X_DSDT, reset register...) must not be read.
 * The bytes after it in memory are set to values the parser would pick up if it did, and the
 * fake map() grants only the 116 bytes (ASan reports any read beyond).
 */
TEST(fadt_rev1)
{
    paddr_t f = TABLE_PA(0);
    paddr_t ents[] = { f };

    mem_reset();
    put_hdr(f, "FACP", 116, 1);
    put32(f + 40, DSDT_PA);
    put32(f + 48, 0xb2);
    put8(f + 52, 0xf1);
    put32(f + 64, 0x804);
    put32(f + 68, 0x844);
    put32(f + 76, 0x808);
    put8(f + 108, 0x32);
    put16(f + 109, 0x0003); /* reserved in 1.0: must read as 0 */
    put32(f + 112, (1u << 10) | (1u << 20));
    put_gas(f + 116, ACPI_GAS_IO, 8, 0xcf9);
    put8(f + 128, 6);
    put64(f + 140, 0x300000);
    fix_csum(f);
    setup_root(false, ents, 1);

    CHECK_EQ(parse(), 0);
    CHECK(info.has_fadt, "expected a 116-byte FADT to be accepted");
    CHECK_EQ(info.dsdt_addr, DSDT_PA);
    CHECK_EQ(info.smi_cmd, 0xb2);
    CHECK_EQ(info.acpi_enable, 0xf1);
    CHECK_EQ(info.pm1a_cnt, 0x804);
    CHECK_EQ(info.pm1b_cnt, 0x844);
    CHECK_EQ(info.pm_tmr, 0x808);
    CHECK_EQ(info.century, 0x32);
    CHECK_EQ(info.iapc_boot_arch, 0);
    CHECK(info.hw_reduced, "flags bit 20 is set");
    CHECK(!info.reset_supported, "the reset register lies beyond a 1.0 FADT");
    CHECK_EQ(info.reset_reg.address, 0);
    CHECK_EQ(info.reset_value, 0);
    CHECK_LOGGED("table at 0x200000 has an invalid signature"); /* no DSDT there */
    CHECK(!info.s5_valid, "no DSDT, no S5");
}

/* A full ACPI 6 FADT (276 bytes): X_ fields win over the legacy ones when usable. */
TEST(fadt_rev6)
{
    paddr_t f = TABLE_PA(0);
    paddr_t ents[] = { f };
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                   0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };

    mem_reset();
    put_hdr(f, "FACP", 276, 6);
    put32(f + 40, 0x300000); /* stale 32-bit DSDT: X_DSDT wins */
    put32(f + 64, 0x804);
    put32(f + 68, 0x844);
    put32(f + 76, 0x808);
    put16(f + 109, 0x0013);
    put32(f + 112, 1u << 10);
    put_gas(f + 116, ACPI_GAS_MEMORY, 8, 0xfe000cf9);
    put8(f + 128, 0x0e);
    put64(f + 140, DSDT_PA);
    put_gas(f + 172, ACPI_GAS_IO, 16, 0x1804);        /* X_PM1a_CNT: used */
    put_gas(f + 184, ACPI_GAS_MEMORY, 16, 0x1844);     /* X_PM1b_CNT in memory: legacy */
    put_gas(f + 208, ACPI_GAS_IO, 32, 0);              /* X_PM_TMR zero: legacy */
    put_gas(f + 244, ACPI_GAS_IO, 8, 0x1840);
    fix_csum(f);
    put_dsdt(DSDT_PA, aml, sizeof(aml));
    setup_root(true, ents, 1);

    CHECK_EQ(parse(), 0);
    CHECK_NO_WARNINGS();
    CHECK_EQ(info.dsdt_addr, DSDT_PA);
    CHECK_EQ(info.pm1a_cnt, 0x1804);
    CHECK_EQ(info.pm1b_cnt, 0x844);
    CHECK_EQ(info.pm_tmr, 0x808);
    CHECK_EQ(info.iapc_boot_arch, 0x0013);
    CHECK(!info.hw_reduced, "flags bit 20 is clear");
    CHECK(info.reset_supported, "a memory-space reset register with RESET_REG_SUP is usable");
    CHECK_EQ(info.reset_reg.space_id, ACPI_GAS_MEMORY);
    CHECK_EQ(info.reset_reg.address, 0xfe000cf9);
    CHECK_EQ(info.reset_value, 0x0e);
    CHECK_EQ(info.sleep_control.space_id, ACPI_GAS_IO);
    CHECK_EQ(info.sleep_control.address, 0x1840);
    CHECK(info.s5_valid, "expected \\_S5 = {5, 6}, log: %s", harness_log());
    CHECK_EQ(info.s5_slp_typa, 5);
    CHECK_EQ(info.s5_slp_typb, 6);
}

TEST(fadt_reset_register_requirements)
{
    paddr_t f = TABLE_PA(0);
    paddr_t ents[] = { f };

    mem_reset();
    put_hdr(f, "FACP", 244, 3);
    put32(f + 112, 1u << 10);
    put_gas(f + 116, ACPI_GAS_IO, 8, 0); /* flag set, address 0 */
    fix_csum(f);
    setup_root(false, ents, 1);
    CHECK_EQ(parse(), 0);
    CHECK(!info.reset_supported, "a zero reset address is not usable");

    put_gas(f + 116, 2 /* PCI config space */, 8, 0xcf9);
    fix_csum(f);
    CHECK_EQ(parse(), 0);
    CHECK(!info.reset_supported, "a PCI-config reset register is not usable here");

    put32(f + 112, 0);
    put_gas(f + 116, ACPI_GAS_IO, 8, 0xcf9);
    fix_csum(f);
    CHECK_EQ(parse(), 0);
    CHECK(!info.reset_supported, "without RESET_REG_SUP the register must not be used");
    CHECK_EQ(info.reset_reg.address, 0xcf9);
}

TEST(xsdt_preferred_over_rsdt)
{
    paddr_t xents[] = { TABLE_PA(0) };
    paddr_t rents[] = { TABLE_PA(1) };

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 7, 1);
    madt_finish();
    madt_begin(TABLE_PA(1), 3, 0xfee00000, 0);
    madt_lapic(0, 9, 1);
    madt_finish();
    put_root(ROOT_PA, true, xents, 1);
    put_root(ROOT2_PA, false, rents, 1);
    put_rsdp(RSDP_PA, 2, ROOT2_PA, ROOT_PA);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(info.nr_cpus, 1);
    CHECK(info.cpus[0].apic_id == 7, "expected the XSDT's MADT (APIC ID 7), got ID %u",
          info.cpus[0].apic_id);

    /* Revision 2 without an XSDT address: the RSDT. */
    put_rsdp(RSDP_PA, 2, ROOT2_PA, 0);
    CHECK_EQ(parse(), 0);
    CHECK(info.cpus[0].apic_id == 9, "expected the RSDT's MADT (APIC ID 9), got ID %u",
          info.cpus[0].apic_id);

    /* A broken XSDT: back to the RSDT, with a warning. */
    put_rsdp(RSDP_PA, 2, ROOT2_PA, ROOT_PA);
    mem[ROOT_PA + 20] ^= 0xff;
    CHECK_EQ(parse(), 0);
    CHECK(info.nr_cpus == 1 && info.cpus[0].apic_id == 9, "expected the RSDT's MADT");
    CHECK_LOGGED("trying the RSDT");
}

/* ---- \_S5 -------------------------------------------------------------------------------- */

static void check_s5(const uint8_t *aml, size_t len, uint8_t a, uint8_t b)
{
    harness_log_clear();
    mem_reset();
    CHECK_EQ(parse_dsdt_aml(aml, len), 0);
    CHECK(info.s5_valid, "expected a valid \\_S5 {%u, %u}, log: %s", a, b, harness_log());
    CHECK_EQ(info.s5_slp_typa, a);
    CHECK_EQ(info.s5_slp_typb, b);
}

static void check_no_s5(const uint8_t *aml, size_t len, const char *msg)
{
    harness_log_clear();
    mem_reset();
    CHECK_EQ(parse_dsdt_aml(aml, len), 0);
    CHECK(!info.s5_valid, "expected no \\_S5, got {%u, %u}", info.s5_slp_typa,
          info.s5_slp_typb);
    if (msg)
        CHECK_LOGGED(msg);
}

TEST(s5_element_encodings)
{
    /* BytePrefix, WordPrefix/OneOp, DWordPrefix/ZeroOp with a root prefix */
    static const uint8_t byte[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
                                    0x0a, 0x07, 0x0a, 0x03 };
    static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
                                    0x0b, 0x05, 0x02, 0x01 };
    static const uint8_t dword[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x02,
                                     0x0c, 0x04, 0x00, 0x00, 0x00, 0x00 };

    check_s5(byte, sizeof(byte), 7, 3);
    check_s5(word, sizeof(word), 5, 1);
    check_s5(dword, sizeof(dword), 4, 0);
}

TEST(s5_skips_references)
{
    /*
     * Method (_S5, 2, NotSerialized, 1) { Return (Zero) }: its PkgLength (8) looks like a
     * NameOp and its flags byte (0x12) like a PackageOp; the "package" does not decode.
     */
    static const uint8_t method[] = { 0x14, 0x08, '_', 'S', '5', '_', 0x12, 0xa4, 0x00,
                                      0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x00 };
    /* Return (_S5) followed by a package that does decode: not a definition of _S5. */
    static const uint8_t ret[] = { 0xa4, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x07,
                                   0x0a, 0x07, 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02,
                                   0x00, 0x01 };

    check_s5(method, sizeof(method), 1, 0);
    CHECK(!logged("ACPI: DSDT: \\_S5"), "a false match must not be warned about: %s",
          harness_log());
    check_s5(ret, sizeof(ret), 0, 1);

    /* A method mentions _S5_ (not a NameOp + PackageOp) before the real definition. */
    static const uint8_t aml[] = { 0x14, 0x08, 'F', 'O', 'O', '_', 0x00, 0xa4, '_', 'S', '5',
                                   '_', 0x08, '_', 'S', '5', '_', 0x70, 0x00,
                                   0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x02,
                                   0x0a, 0x04 };
    check_s5(aml, sizeof(aml), 2, 4);
}

/* PkgLength: lead byte bits 7:6 = number of following bytes, bits 3:0 the low nibble. */
TEST(s5_pkglength_multibyte)
{
    static uint8_t aml[5000];
    size_t n;

    /* Two bytes: a package of 200 bytes (4 elements then padding, as a long package has). */
    memset(aml, 0, sizeof(aml));
    memcpy(aml, "\x08_S5_\x12", 6);
    aml[6] = 0x40 | (200 & 0x0f);
    aml[7] = 200 >> 4;
    aml[8] = 4;
    memcpy(aml + 9, "\x0a\x05\x0a\x05", 4);
    n = 6 + 200;
    check_s5(aml, n, 5, 5);

    /* The same, but the second byte makes it run past the table: must be rejected. */
    aml[7] = (200 >> 4) + 1;
    check_no_s5(aml, n, "package length is bad");

    /* Three bytes: 4100 bytes. */
    aml[6] = 0x80 | (4100 & 0x0f);
    aml[7] = (4100 >> 4) & 0xff;
    aml[8] = 4100 >> 12;
    aml[9] = 4;
    memcpy(aml + 10, "\x0a\x03\x0b\x02\x00", 5);
    n = 6 + 4100;
    check_s5(aml, n, 3, 2);

    /* Four bytes (a non-minimal encoding of a short package). */
    memset(aml, 0, sizeof(aml));
    memcpy(aml, "\x08_S5_\x12\xc9\x00\x00\x00\x02\x0a\x01\x0a\x06", 15);
    check_s5(aml, 15, 1, 6);

    /* Reserved bits 5:4 set in a multi-byte lead byte: malformed. */
    aml[6] = 0xf9;
    check_no_s5(aml, 15, "package length is bad");
}

/* ---- malformed input ----------------------------------------------------------------------- */

TEST(bad_rsdp)
{
    mem_reset();
    put_rsdp(RSDP_PA, 0, ROOT_PA, 0);
    mem[RSDP_PA + 16] ^= 0x10;
    CHECK_EQ(parse(), -EINVAL);
    CHECK_LOGGED("invalid RSDP");

    mem_reset();
    put_rsdp(RSDP_PA, 0, ROOT_PA, 0);
    mem[RSDP_PA + 3] = 'X';
    CHECK_EQ(parse(), -EINVAL);

    /* Revision 2 with a bad extended checksum. */
    mem_reset();
    put_rsdp(RSDP_PA, 2, 0, ROOT_PA);
    mem[RSDP_PA + 33] = 1;
    CHECK_EQ(parse(), -EINVAL);

    /* Revision 2 claiming a length smaller than its own fields. */
    mem_reset();
    put_rsdp(RSDP_PA, 2, 0, ROOT_PA);
    put32(RSDP_PA + 20, 24);
    CHECK_EQ(parse(), -EINVAL);

    /* Not mappable at all. */
    mem_reset();
    CHECK_EQ(acpi_parse(fake_map, MEM_SIZE - 8, NULL, 0, &info), -EINVAL);
}

TEST(bad_root_table)
{
    mem_reset();
    put_rsdp(RSDP_PA, 0, ROOT_PA, 0);
    put_root(ROOT_PA, false, NULL, 0);
    CHECK_EQ(parse(), 0); /* an empty RSDT is valid */
    CHECK(!info.has_madt && !info.has_fadt, "an empty RSDT lists nothing");

    put32(ROOT_PA + 4, 20); /* shorter than a header */
    fix_csum(ROOT_PA);
    harness_log_clear();
    CHECK_EQ(parse(), -EINVAL);
    CHECK_LOGGED("bad length 20");

    put_root(ROOT_PA, false, NULL, 0);
    mem[ROOT_PA + 30] ^= 1;
    harness_log_clear();
    CHECK_EQ(parse(), -EINVAL);
    CHECK_LOGGED("RSDT at 0x100000 has a bad checksum");

    put_root(ROOT_PA, true, NULL, 0); /* an XSDT where the RSDT should be */
    harness_log_clear();
    CHECK_EQ(parse(), -EINVAL);
    CHECK_LOGGED("signature 'XSDT'");

    put_rsdp(RSDP_PA, 0, 0, 0);
    CHECK_EQ(parse(), -EINVAL);

    put_rsdp(RSDP_PA, 0, MEM_SIZE - 4, 0);
    harness_log_clear();
    CHECK_EQ(parse(), -EINVAL);
    CHECK_LOGGED("not accessible");

    /* A broken XSDT and no RSDT to fall back on. */
    put_root(ROOT_PA, true, NULL, 0);
    mem[ROOT_PA + 30] ^= 1;
    put_rsdp(RSDP_PA, 2, 0, ROOT_PA);
    CHECK_EQ(parse(), -EINVAL);
}

TEST(root_entries_outside_map)
{
    paddr_t ents[] = { 0xffffffff00000000ull, 0, MEM_SIZE - 16, TABLE_PA(3), TABLE_PA(0) };

    mem_reset();
    hole_start = TABLE_PA(3);
    hole_end = TABLE_PA(3) + 0x1000;
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_finish();
    setup_root(true, ents, 5);
    put32(ROOT_PA + 4, get32(ROOT_PA + 4) + 3); /* not a multiple of 8: warned, tail ignored */
    fix_csum(ROOT_PA);
    CHECK_EQ(parse(), 0);
    CHECK(info.has_madt && info.nr_cpus == 1, "expected the one good table to be parsed");
    CHECK_LOGGED("table at 0xffffffff00000000 is not accessible");
    CHECK_LOGGED("entry 1 is null");
    CHECK_LOGGED("table at 0x1fffff0 is not accessible");
    CHECK_LOGGED("table at 0x140000 is not accessible");
    CHECK_LOGGED("not a whole number of entries");
}

TEST(bad_table_lengths)
{
    paddr_t ents[] = { TABLE_PA(0), TABLE_PA(1), TABLE_PA(2), MEM_SIZE - 64 };

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_finish();
    put32(TABLE_PA(0) + 4, 0xffffffff);
    put_hdr(TABLE_PA(1), "HPET", 35, 1);
    put_hdr(TABLE_PA(2), "FACP", 0, 1);
    put_hdr(MEM_SIZE - 64, "SSDT", 200, 1); /* runs past the end of memory */
    setup_root(false, ents, 4);
    CHECK_EQ(parse(), 0);
    CHECK(!info.has_madt && !info.has_fadt, "tables with bad lengths must be skipped");
    CHECK_LOGGED("APIC at 0x110000 has a bad length 4294967295");
    CHECK_LOGGED("HPET at 0x120000 has a bad length 35");
    CHECK_LOGGED("FACP at 0x130000 has a bad length 0");
    CHECK_LOGGED("SSDT at 0x1ffffc0 (200 bytes) is not accessible");
}

TEST(bad_table_checksum_and_signature)
{
    paddr_t ents[] = { TABLE_PA(0), TABLE_PA(1), TABLE_PA(2) };

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_finish();
    mem[TABLE_PA(0) + 44 + 3] = 5; /* APIC ID changed after the checksum */
    put_hdr(TABLE_PA(1), "FACP", 116, 1);
    put32(TABLE_PA(1) + 48, 0xb2);
    fix_csum(TABLE_PA(1));
    put_hdr(TABLE_PA(2), "\x01\xff\x00Z", 36, 1);
    fix_csum(TABLE_PA(2));
    setup_root(false, ents, 3);

    CHECK_EQ(parse(), 0);
    CHECK(!info.has_madt && info.nr_cpus == 0, "a MADT with a bad checksum must be skipped");
    CHECK_LOGGED("APIC at 0x110000 has a bad checksum, skipped");
    CHECK(info.has_fadt && info.smi_cmd == 0xb2, "the good FADT must still be parsed");
    CHECK_LOGGED("invalid signature '???Z'");
}

TEST(madt_entry_length_zero)
{
    static const uint8_t zero[2] = { 0, 0 };

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_lapic(1, 1, 1);
    madt_raw(zero, sizeof(zero));
    madt_lapic(2, 2, 1);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK(info.has_madt, "the MADT itself is kept");
    CHECK_EQ(info.nr_cpus, 2);
    CHECK_LOGGED("entry type 0 at offset 60 has bad length 0");

    /* Types the parser does not know are skipped by length: lengths 0 and 1 still stop it. */
    for (uint8_t len = 0; len < 2; len++) {
        const uint8_t unknown[2] = { 0x7f, len };
        mem_reset();
        harness_log_clear();
        madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
        madt_raw(unknown, sizeof(unknown));
        madt_lapic(0, 0, 1);
        CHECK_EQ(parse_madt_only(), 0);
        CHECK_EQ(info.nr_cpus, 0);
        CHECK_LOGGED("entry type 127 at offset 44 has bad length");
    }
    /* ... and one of a sane length is skipped over. */
    static const uint8_t unknown_ok[4] = { 0x7f, 4, 0, 0 };
    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_raw(unknown_ok, sizeof(unknown_ok));
    madt_lapic(0, 3, 1);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, 1);
    CHECK_EQ(info.cpus[0].apic_id, 3);
}

TEST(madt_entry_overruns_table)
{
    static const uint8_t big[4] = { 1, 12, 0, 0 }; /* IO-APIC claiming 12 bytes, 4 left */

    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_raw(big, sizeof(big));
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, 1);
    CHECK_EQ(info.nr_ioapics, 0);
    CHECK_LOGGED("entry type 1 at offset 52 has bad length 12");

    /* One stray byte at the end. */
    mem_reset();
    harness_log_clear();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_lapic(0, 0, 1);
    madt_raw(big, 1);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, 1);
    CHECK_LOGGED("truncated entry at offset 52");

    /* Shorter than its type needs: an x2APIC entry of 8 bytes. */
    static const uint8_t short_x2[8] = { 9, 8, 0, 0, 1, 0, 0, 0 };
    mem_reset();
    harness_log_clear();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_raw(short_x2, sizeof(short_x2));
    madt_lapic(0, 0, 1);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, 0);
    CHECK_LOGGED("entry type 9 at offset 44 has bad length 8");

    /* A MADT without room for its fixed fields. */
    mem_reset();
    harness_log_clear();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    madt_end = madt_pa + 40;
    CHECK_EQ(parse_madt_only(), 0);
    CHECK(!info.has_madt, "a 40-byte MADT must be ignored");
    CHECK_LOGGED("MADT too short");
}

TEST(madt_too_many_entries)
{
    mem_reset();
    madt_begin(TABLE_PA(0), 3, 0xfee00000, 0);
    for (uint32_t i = 0; i < 300; i++)
        madt_x2apic(i, 1, i);
    for (uint8_t i = 0; i < 10; i++)
        madt_ioapic(i, 0xfec00000 + i * 0x1000u, i * 24u);
    for (uint8_t i = 0; i < 20; i++)
        madt_override(i, i, 0);
    CHECK_EQ(parse_madt_only(), 0);
    CHECK_EQ(info.nr_cpus, ACPI_MAX_CPUS);
    CHECK_EQ(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
    CHECK_EQ(info.nr_ioapics, ACPI_MAX_IOAPICS);
    CHECK_EQ(info.nr_overrides, ACPI_MAX_OVERRIDES);
    CHECK_LOGGED("44 CPUs beyond the limit of 256 ignored");
    CHECK_LOGGED("2 IO-APICs beyond the limit of 8 ignored");
    CHECK_LOGGED("4 overrides beyond the limit of 16 ignored");
}

TEST(fadt_too_short)
{
    paddr_t ents[] = { TABLE_PA(0) };

    mem_reset();
    put_hdr(TABLE_PA(0), "FACP", 100, 1);
    put32(TABLE_PA(0) + 40, DSDT_PA);
    fix_csum(TABLE_PA(0));
    setup_root(false, ents, 1);
    CHECK_EQ(parse(), 0);
    CHECK(!info.has_fadt && info.dsdt_addr == 0, "a 100-byte FADT must be ignored");
    CHECK_LOGGED("FADT too short (100 bytes)");
}

TEST(dsdt_absent_or_wrong)
{
    paddr_t f = TABLE_PA(0);
    paddr_t ents[] = { f };

    mem_reset();
    put_hdr(f, "FACP", 116, 1);
    fix_csum(f);
    setup_root(false, ents, 1);
    CHECK_EQ(parse(), 0);
    CHECK(info.has_fadt && !info.s5_valid, "no DSDT: FADT parsed, no S5");
    CHECK_LOGGED("no DSDT");

    /* The DSDT pointer leads to another table. */
    put32(f + 40, TABLE_PA(1));
    fix_csum(f);
    put_hdr(TABLE_PA(1), "SSDT", 36, 1);
    fix_csum(TABLE_PA(1));
    CHECK_EQ(parse(), 0);
    CHECK_LOGGED("is a 'SSDT' table");

    /* A DSDT with a bad checksum. */
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01 };
    put32(f + 40, DSDT_PA);
    fix_csum(f);
    put_dsdt(DSDT_PA, aml, sizeof(aml));
    mem[DSDT_PA + 40] ^= 0xff;
    CHECK_EQ(parse(), 0);
    CHECK(!info.s5_valid, "a DSDT with a bad checksum must not be used");
    CHECK_LOGGED("DSDT at 0x200000 has a bad checksum");
}

TEST(s5_malformed)
{
    /* Package says 6 bytes, the table ends 2 bytes in. */
    static const uint8_t trunc_pkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a };
    /* The package ends inside the second element's BytePrefix operand. */
    static const uint8_t trunc_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a,
                                          0x05, 0x0a, 0x06 };
    /* A single element. */
    static const uint8_t one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    /* A string element. */
    static const uint8_t str[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0d, 'x',
                                   0x00, 0x01 };
    /* PkgLength 0 and a PkgLength that does not even cover itself. */
    static const uint8_t zero_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x00, 0x02, 0x01,
                                        0x01 };
    static const uint8_t self_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x02,
                                        0x01, 0x01 };
    /* The multi-byte PkgLength itself cut off by the end of the table. */
    static const uint8_t cut_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0x01 };

    check_no_s5(trunc_pkg, sizeof(trunc_pkg), "package length is bad");
    check_no_s5(trunc_elem, sizeof(trunc_elem), "package is malformed");
    check_no_s5(one, sizeof(one), "package is malformed");
    check_no_s5(str, sizeof(str), "package is malformed");
    check_no_s5(zero_len, sizeof(zero_len), "package length is bad");
    check_no_s5(self_len, sizeof(self_len), "package length is bad");
    check_no_s5(cut_len, sizeof(cut_len), "package length is bad");
}

TEST(s5_at_end_of_dsdt)
{
    static const uint8_t name_last[] = { 0x00, 0x08, '_', 'S', '5', '_' };
    static const uint8_t partial[] = { 0x00, 0x08, '_', 'S', '5' };
    static const uint8_t pkgop_last[] = { 0x00, 0x08, '_', 'S', '5', '_', 0x12 };
    static const uint8_t len_last[] = { 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x04 };

    check_no_s5(name_last, sizeof(name_last), "name is at the end of the table");
    check_no_s5(partial, sizeof(partial), NULL);
    check_no_s5(pkgop_last, sizeof(pkgop_last), "package length is bad");
    check_no_s5(len_last, sizeof(len_last), "package length is bad");
    /* An empty DSDT (header only). */
    check_no_s5(NULL, 0, NULL);
}
