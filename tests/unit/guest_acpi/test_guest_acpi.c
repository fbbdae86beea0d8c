// SPDX-License-Identifier: MIT
// Unit tests of the guest ACPI builder (hv/common/guest_acpi.c), read back with tables.c.
#include "harness.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tern/acpi.h>
#include <tern/errno.h>
#include <tern/guest_acpi.h>

/* ---- fake guest memory ------------------------------------------------------------------- */

/*
 * A window of guest-physical memory at mem_base where the tables are built. map() grants
 * only ranges inside it, as a fresh heap copy of exactly the bytes asked for (the previous
 * one freed), so ASan catches reads past a grant or through a stale one.
 */
#define MEM_SIZE 0x4000
#define BASE 0xfc000000ull
static uint8_t mem[MEM_SIZE];
static uint64_t mem_base;
static void *grant;

static const void *fake_map(paddr_t pa, size_t len)
{
    if (len == 0 || pa < mem_base || pa - mem_base >= MEM_SIZE ||
        len > MEM_SIZE - (pa - mem_base))
        return NULL;
    free(grant);
    grant = malloc(len);
    memcpy(grant, mem + (pa - mem_base), len);
    return grant;
}

static struct acpi_info info; /* large: keep it off the stack */

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

/* The bytes at guest-physical pa, which must lie in the window. */
static uint8_t *at(uint64_t pa)
{
    CHECK(pa >= mem_base && pa - mem_base < MEM_SIZE, "address %#llx outside the window",
          (unsigned long long)pa);
    return mem + (pa - mem_base);
}

/* Builds into the window (poisoned first) and checks the result's outline. */
static int build(const struct guest_acpi_config *cfg, uint64_t *rsdp)
{
    mem_base = cfg->base_gpa;
    memset(mem, 0xa5, sizeof(mem));
    *rsdp = 0;
    int n = guest_acpi_build(cfg, mem, sizeof(mem), rsdp);
    CHECK(n > 0, "guest_acpi_build failed: %d", n);
    CHECK(n <= GUEST_ACPI_MAX_SIZE, "size %d above GUEST_ACPI_MAX_SIZE", n);
    for (size_t i = (size_t)n; i < sizeof(mem); i++)
        CHECK(mem[i] == 0xa5, "byte %zu written, beyond the returned size %d", i, n);
    CHECK(*rsdp % 16 == 0, "RSDP at %#llx not 16-byte aligned", (unsigned long long)*rsdp);
    CHECK(*rsdp >= cfg->base_gpa && *rsdp < cfg->base_gpa + 16, "RSDP at %#llx not first",
          (unsigned long long)*rsdp);
    return n;
}

/* Every table's common header: length, checksum and Tern's ids (ACPI 6.5 5.2.6). */
static const uint8_t *check_table(uint64_t pa, const char *sig, uint8_t revision)
{
    const uint8_t *t = at(pa);
    CHECK(!memcmp(t, sig, 4), "table at %#llx is '%.4s', want %s", (unsigned long long)pa,
          (const char *)t, sig);
    uint32_t len = rd32(t + 4);
    CHECK(len >= 36 && pa - mem_base + len <= MEM_SIZE, "%s length %u", sig, len);
    CHECK(sum8(t, len) == 0, "%s checksum off by %u", sig, sum8(t, len));
    CHECK_EQ(t[8], revision);
    CHECK(!memcmp(t + 10, "TERN  ", 6), "%s OEM id '%.6s'", sig, (const char *)t + 10);
    CHECK(!memcmp(t + 16, "TERNVM  ", 8), "%s OEM table id '%.8s'", sig, (const char *)t + 16);
    CHECK(!memcmp(t + 28, "TERN", 4), "%s creator id '%.4s'", sig, (const char *)t + 28);
    return t;
}

struct layout {
    uint64_t xsdt, fadt, dsdt, madt;
};

/* Walks the tables by hand, independently of tables.c, and checks every raw field. */
static struct layout check_raw(const struct guest_acpi_config *cfg, uint64_t rsdp_pa)
{
    struct layout l;
    const uint8_t *r = at(rsdp_pa);

    CHECK(!memcmp(r, "RSD PTR ", 8), "no RSDP signature");
    CHECK(sum8(r, 20) == 0, "RSDP 1.0 checksum off by %u", sum8(r, 20));
    CHECK(sum8(r, 36) == 0, "RSDP extended checksum off by %u", sum8(r, 36));
    CHECK_EQ(r[15], 2);
    CHECK_EQ(rd32(r + 20), 36);
    CHECK_EQ(rd32(r + 16), 0); /* no RSDT */
    CHECK(!memcmp(r + 9, "TERN  ", 6), "RSDP OEM id");
    for (uint64_t pa = cfg->base_gpa; pa < rsdp_pa; pa++)
        CHECK(*at(pa) == 0, "padding before the RSDP at %#llx not zero", (unsigned long long)pa);

    l.xsdt = rd64(r + 24);
    const uint8_t *x = check_table(l.xsdt, "XSDT", 1);
    CHECK_EQ(rd32(x + 4), 36 + 2 * 8);
    l.fadt = rd64(x + 36);
    l.madt = rd64(x + 44);
    CHECK(l.xsdt % 8 == 0 && l.fadt % 8 == 0 && l.madt % 8 == 0, "tables not 8-byte aligned");

    const uint8_t *f = check_table(l.fadt, "FACP", 6);
    CHECK_EQ(rd32(f + 4), 276);
    CHECK_EQ(f[131], 5);                 /* FADT minor version: ACPI 6.5 */
    CHECK_EQ(rd16(f + 109), 0x24);       /* VGA Not Present | CMOS RTC Not Present */
    CHECK_EQ(rd32(f + 112), 0x100031);   /* HW_REDUCED | SLP_BUTTON | PWR_BUTTON | WBINVD */
    CHECK_EQ(rd32(f + 36), 0);           /* FIRMWARE_CTRL: no FACS */
    CHECK_EQ(rd64(f + 132), 0);          /* X_FIRMWARE_CTRL */
    CHECK_EQ(rd16(f + 46), 0);           /* SCI_INT */
    for (unsigned int off = 48; off < 96; off++) /* SMI_CMD .. GPE1_BASE, CST_CNT */
        CHECK(f[off] == 0, "FADT byte %u is %#x, want 0 (hardware-reduced)", off, f[off]);
    for (unsigned int off = 148; off < 244; off++) /* X_PM1a_EVT_BLK .. X_GPE1_BLK */
        CHECK(f[off] == 0, "FADT byte %u is %#x, want 0 (hardware-reduced)", off, f[off]);
    l.dsdt = rd64(f + 140);
    CHECK_EQ(rd32(f + 40), l.dsdt <= 0xffffffffu ? l.dsdt : 0);
    if (!cfg->sleep_port) {
        for (unsigned int off = 244; off < 268; off++)
            CHECK(f[off] == 0, "FADT sleep register byte %u is %#x", off, f[off]);
    } else {
        CHECK_EQ(f[256], 1);                    /* SLEEP_STATUS_REG: system I/O */
        CHECK_EQ(f[257], 8);
        CHECK_EQ(rd64(f + 260), cfg->sleep_port + 1u);
    }

    const uint8_t *d = check_table(l.dsdt, "DSDT", 2);
    static const uint8_t sb[] = { 0x10, 0x06, '\\', '_', 'S', 'B', '_' };
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 5, 2, 0x0a, 5, 0 };
    CHECK_EQ(rd32(d + 4), 36 + sizeof(sb) + (cfg->sleep_port ? sizeof(s5) : 0));
    CHECK(!memcmp(d + 36, sb, sizeof(sb)), "DSDT body is not Scope (\\_SB_) {}");
    if (cfg->sleep_port)
        CHECK(!memcmp(d + 36 + sizeof(sb), s5, sizeof(s5)), "DSDT \\_S5 bytes");

    const uint8_t *m = check_table(l.madt, "APIC", 5);
    CHECK_EQ(rd32(m + 36), 0xfee00000u);
    CHECK_EQ(rd32(m + 40), 0);

    /* Contiguous, in this order, with at most 7 bytes of zero padding between tables. */
    CHECK(l.xsdt - rsdp_pa < 36 + 8 && l.fadt - l.xsdt < 52 + 8 && l.dsdt - l.fadt < 276 + 8 &&
              l.madt - l.dsdt < rd32(d + 4) + 8,
          "tables not contiguous: xsdt %#llx fadt %#llx dsdt %#llx madt %#llx",
          (unsigned long long)l.xsdt, (unsigned long long)l.fadt, (unsigned long long)l.dsdt,
          (unsigned long long)l.madt);
    return l;
}

/* Builds, walks by hand, parses back with acpi_parse(), and checks what Linux will see. */
static void build_and_parse(const struct guest_acpi_config *cfg)
{
    uint64_t rsdp;
    int n = build(cfg, &rsdp);
    struct layout l = check_raw(cfg, rsdp);
    CHECK_EQ(n, l.madt - cfg->base_gpa + rd32(at(l.madt) + 4));

    harness_log_clear();
    int rc = acpi_parse(fake_map, rsdp, NULL, 0, &info);
    CHECK(rc == 0, "acpi_parse failed: %d, log: %s", rc, harness_log());
    CHECK(!strstr(harness_log(), "checksum"), "checksum warning: %s", harness_log());
    /* The only message allowed: tables.c's note that the DSDT has no \_S5. */
    const char *expect = cfg->sleep_port ? "" : "ACPI: DSDT has no usable \\_S5 object\n";
    CHECK(!strcmp(harness_log(), expect), "unexpected parser messages: %s", harness_log());

    CHECK_EQ(info.revision, 2); /* with no RSDT address, tables.c could only use the XSDT */
    CHECK(!strcmp(info.oem_id, "TERN  "), "OEM id '%s'", info.oem_id);

    CHECK(info.has_madt, "no MADT");
    CHECK_EQ(info.lapic_addr, 0xfee00000u);
    CHECK(!info.pcat_compat, "PCAT_COMPAT set: the guest has no 8259");
    CHECK_EQ(info.nr_cpus, cfg->nr_vcpus);
    for (unsigned int i = 0; i < info.nr_cpus; i++) {
        uint32_t id = i * cfg->lapic_id_stride;
        CHECK(info.cpus[i].acpi_uid == i, "CPU %u has UID %u", i, info.cpus[i].acpi_uid);
        CHECK(info.cpus[i].apic_id == id, "CPU %u has APIC id %u, want %u", i,
              info.cpus[i].apic_id, id);
        CHECK(info.cpus[i].enabled, "CPU %u not enabled", i);
        CHECK(info.cpus[i].x2apic == (id >= 255), "CPU %u (id %u) in a type %d entry", i, id,
              info.cpus[i].x2apic ? 9 : 0);
    }
    if (cfg->with_ioapic) {
        CHECK_EQ(info.nr_ioapics, 1);
        CHECK_EQ(info.ioapics[0].address, 0xfec00000u);
        CHECK_EQ(info.ioapics[0].id, GUEST_ACPI_IOAPIC_ID);
        CHECK_EQ(info.ioapics[0].gsi_base, 0);
    } else {
        CHECK(info.nr_ioapics == 0, "%u IO-APICs in a PVH MADT", info.nr_ioapics);
    }
    CHECK_EQ(info.nr_overrides, 0);
    CHECK_EQ(info.hpet_addr, 0);

    CHECK(info.has_fadt, "no FADT");
    CHECK(info.hw_reduced, "FADT not hardware-reduced");
    CHECK_EQ(info.iapc_boot_arch, 0x24);
    CHECK_EQ(info.dsdt_addr, l.dsdt);
    CHECK(!info.reset_supported, "reset register claimed");
    CHECK(!info.pm1a_cnt && !info.pm1b_cnt && !info.pm_tmr && !info.smi_cmd,
          "legacy PM blocks: pm1a %#x pm1b %#x tmr %#x smi %#x", info.pm1a_cnt, info.pm1b_cnt,
          info.pm_tmr, info.smi_cmd);
    if (cfg->sleep_port) {
        CHECK(info.s5_valid, "no \\_S5 found");
        CHECK_EQ(info.s5_slp_typa, GUEST_ACPI_S5_SLP_TYP);
        CHECK_EQ(info.s5_slp_typb, 0);
        CHECK_EQ(info.sleep_control.space_id, ACPI_GAS_IO);
        CHECK_EQ(info.sleep_control.bit_width, 8);
        CHECK_EQ(info.sleep_control.access_size, 1);
        CHECK_EQ(info.sleep_control.address, cfg->sleep_port);
    } else {
        CHECK(!info.s5_valid, "\\_S5 present: Xen's PVH DSDT has none");
        CHECK(!info.sleep_control.address, "sleep control register present");
    }
}

static struct guest_acpi_config pvh(unsigned int nr_vcpus)
{
    return (struct guest_acpi_config){
        .nr_vcpus = nr_vcpus, .lapic_id_stride = 2, .with_ioapic = false, .base_gpa = BASE,
    };
}

/* ---- tests --------------------------------------------------------------------------------- */

TEST(one_vcpu)
{
    struct guest_acpi_config cfg = pvh(1);
    build_and_parse(&cfg);
}

TEST(two_vcpus)
{
    struct guest_acpi_config cfg = pvh(2);
    build_and_parse(&cfg);
}

TEST(four_vcpus)
{
    struct guest_acpi_config cfg = pvh(4);
    build_and_parse(&cfg);
}

/* 128 vCPUs at stride 2 end at APIC ID 254, the largest a type 0 entry can hold. */
TEST(max_vcpus)
{
    struct guest_acpi_config cfg = pvh(GUEST_ACPI_MAX_VCPUS);
    build_and_parse(&cfg);
    CHECK_EQ(info.cpus[127].apic_id, 254);
    CHECK(!info.cpus[127].x2apic, "APIC ID 254 must use a Local APIC entry");
}

TEST(sizes)
{
    static const unsigned int nr[] = { 1, 2, 4, 128 };
    /* RSDP 36+4 padding, XSDT 52+4, FADT 276+4, DSDT 43+5, MADT 44 + 8 per vCPU */
    static const int want[] = { 476, 484, 500, 1492 };
    for (unsigned int i = 0; i < 4; i++) {
        struct guest_acpi_config cfg = pvh(nr[i]);
        uint64_t rsdp;
        int n = build(&cfg, &rsdp);
        printf("%u vCPUs: %d bytes\n", nr[i], n);
        CHECK(n == want[i], "%u vCPUs: %d bytes, want %d", nr[i], n, want[i]);
        CHECK_EQ(rsdp, BASE);
    }
}

/* IDs >= 255 need x2APIC entries (ACPI 6.5 5.2.12.12); smaller ones stay type 0. */
TEST(x2apic_entries_above_254)
{
    struct guest_acpi_config cfg = pvh(GUEST_ACPI_MAX_VCPUS);
    cfg.lapic_id_stride = 4;
    build_and_parse(&cfg);
    CHECK(!info.cpus[63].x2apic && info.cpus[64].x2apic, "the switch is at ID 256");
    CHECK_EQ(info.cpus[127].apic_id, 508);
    CHECK_EQ(info.cpus[127].acpi_uid, 127);
}

TEST(stride_one)
{
    struct guest_acpi_config cfg = pvh(8);
    cfg.lapic_id_stride = 1;
    build_and_parse(&cfg);
}

TEST(with_ioapic)
{
    struct guest_acpi_config cfg = pvh(4);
    cfg.with_ioapic = true;
    build_and_parse(&cfg);
}

TEST(s5_on_request)
{
    struct guest_acpi_config cfg = pvh(2);
    cfg.sleep_port = 0x600;
    build_and_parse(&cfg);
    CHECK_EQ(GUEST_ACPI_SLEEP_CTL_S5, 0x34);
}

/* A base that is not 16-byte aligned: the RSDP moves up to the next boundary. */
TEST(unaligned_base)
{
    struct guest_acpi_config cfg = pvh(2);
    cfg.base_gpa = BASE + 4;
    uint64_t rsdp;
    build(&cfg, &rsdp);
    CHECK_EQ(rsdp, BASE + 16);
    build_and_parse(&cfg);
}

/* Above 4 GiB the FADT's 32-bit DSDT field stays 0 and X_DSDT carries the address. */
TEST(base_above_4g)
{
    struct guest_acpi_config cfg = pvh(2);
    cfg.base_gpa = 0x100000000ull;
    build_and_parse(&cfg);
    CHECK(info.dsdt_addr > 0xffffffffu, "DSDT at %#llx", (unsigned long long)info.dsdt_addr);
}

TEST(bad_config)
{
    struct guest_acpi_config bad[5];
    for (unsigned int i = 0; i < 5; i++)
        bad[i] = pvh(2);
    bad[0].nr_vcpus = 0;
    bad[1].nr_vcpus = GUEST_ACPI_MAX_VCPUS + 1;
    bad[2].lapic_id_stride = 0;
    bad[3].nr_vcpus = 128;
    bad[3].lapic_id_stride = 0x3000000; /* last ID would not fit in 32 bits */
    bad[4].base_gpa = ~0ull - 64;
    for (unsigned int i = 0; i < 5; i++) {
        uint64_t rsdp = 0x1234;
        memset(mem, 0xa5, sizeof(mem));
        int rc = guest_acpi_build(&bad[i], mem, sizeof(mem), &rsdp);
        CHECK(rc == -EINVAL, "config %u: %d, want -EINVAL", i, rc);
        CHECK(rsdp == 0x1234 && mem[0] == 0xa5, "config %u: output written", i);
    }
}

/*
 * Every capacity short of the size fails with -ENOSPC and writes nothing, into a heap
 * buffer of exactly that capacity (ASan reports any write past it); the exact size works.
 */
TEST(enospc)
{
    static const unsigned int nr[] = { 1, 2, 128 };
    for (unsigned int i = 0; i < 3; i++) {
        struct guest_acpi_config cfg = pvh(nr[i]);
        uint64_t rsdp;
        int size = build(&cfg, &rsdp);
        for (int cap = 0; cap < size; cap++) {
            uint8_t *b = malloc((size_t)cap + 1);
            memset(b, 0x5a, (size_t)cap + 1);
            int rc = guest_acpi_build(&cfg, b, (size_t)cap, &rsdp);
            bool untouched = true;
            for (int j = 0; j <= cap; j++)
                untouched &= b[j] == 0x5a;
            free(b);
            CHECK(rc == -ENOSPC, "%u vCPUs, cap %d: %d, want -ENOSPC", nr[i], cap, rc);
            CHECK(untouched, "%u vCPUs, cap %d: buffer written", nr[i], cap);
        }
        uint8_t *b = malloc((size_t)size);
        int rc = guest_acpi_build(&cfg, b, (size_t)size, &rsdp);
        bool same = rc == size && !memcmp(b, mem, (size_t)size);
        free(b);
        CHECK(same, "%u vCPUs, exact cap %d: %d, or different bytes", nr[i], size, rc);
    }
}

/* ---- dump and disassemble ------------------------------------------------------------- */

/*
 * build/tests/guest_acpi (make clean wipes it), found from this binary's path
 * build/unit/guest_acpi; a binary elsewhere dumps nothing rather than litter.
 */
static bool dump_dir(char *dir, size_t size)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = 0;
    slash = strrchr(exe, '/');
    if (!slash || slash == exe || strcmp(slash, "/unit") != 0)
        return false;
    *slash = 0; /* exe is now the build directory */
    if (snprintf(dir, size, "%s/tests", exe) >= (int)size)
        return false;
    mkdir(dir, 0755);
    if (snprintf(dir, size, "%s/tests/guest_acpi", exe) >= (int)size)
        return false;
    mkdir(dir, 0755);
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static void write_file(const char *dir, const char *name, const void *p, size_t len)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f, "cannot create %s", path);
    size_t w = fwrite(p, 1, len, f);
    CHECK(fclose(f) == 0 && w == len, "cannot write %s", path);
}

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Runs a shell command in dir with its output in dir/log; true if it exited with 0. */
static bool run_in(const char *dir, const char *log, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool run_in(const char *dir, const char *log, const char *fmt, ...)
{
    char args[512], cmd[9000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "cd '%s' && %s >'%s' 2>&1", dir, args, log);
    return system(cmd) == 0;
}

/* True if file dir/name contains a line matching the extended regex re (case-insensitive). */
static bool file_has(const char *dir, const char *name, const char *re)
{
    char cmd[9000];
    snprintf(cmd, sizeof(cmd), "grep -Eiq '%s' '%s/%s'", re, dir, name);
    return system(cmd) == 0;
}

#define COMPLAINTS "error|warning|invalid|incorrect|mismatch|unknown|exception|failure"

static const char *const table_names[] = { "rsdp", "xsdt", "facp", "dsdt", "apic" };

/* Writes prefix-tables.bin (the blob as built) and one prefix-<sig>.dat per table. */
static void dump(const char *dir, const char *prefix, const struct guest_acpi_config *cfg)
{
    uint64_t rsdp;
    int n = build(cfg, &rsdp);
    struct layout l = check_raw(cfg, rsdp);
    uint64_t pa[5] = { rsdp, l.xsdt, l.fadt, l.dsdt, l.madt };
    char name[64];

    snprintf(name, sizeof(name), "%s-tables.bin", prefix);
    write_file(dir, name, mem, (size_t)n);
    for (unsigned int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "%s-%s.dat", prefix, table_names[i]);
        write_file(dir, name, at(pa[i]), i == 0 ? 36 : rd32(at(pa[i]) + 4));
    }
}

/*
 * Dumps the 2-vCPU tables, as PVH gets them and with \_S5, into build/tests/guest_acpi.
 * When acpica-tools is installed: iasl -d must decode every table without complaint (not
 * the RSDP: iasl 20200925 rejects any standalone RSDP file, QEMU's too, as "does not contain
 * a valid ACPI table"), and acpiexec, the ACPICA that Linux runs, must load the namespace
 * cleanly and, with \_S5, enter S5 through the hardware-reduced sleep register path.
 */
TEST(dump_and_acpica)
{
    struct guest_acpi_config cfg = pvh(2), s5 = pvh(2);
    char dir[4096];

    s5.sleep_port = 0x600;
    if (!dump_dir(dir, sizeof(dir))) {
        printf("guest_acpi: not run from build/unit, nothing dumped\n");
        return;
    }
    dump(dir, "pvh", &cfg);
    dump(dir, "s5", &s5);
    if (!have("iasl") || !have("acpiexec")) {
        printf("guest_acpi: acpica-tools not installed, tables in %s not checked\n", dir);
        return;
    }
    for (unsigned int v = 0; v < 2; v++) {
        const char *prefix = v ? "s5" : "pvh";
        for (unsigned int i = 1; i < 5; i++) {
            char log[64], dsl[64];
            snprintf(log, sizeof(log), "%s-%s.iasl.log", prefix, table_names[i]);
            snprintf(dsl, sizeof(dsl), "%s-%s.dsl", prefix, table_names[i]);
            CHECK(run_in(dir, log, "iasl -d %s-%s.dat", prefix, table_names[i]),
                  "iasl -d failed, see %s/%s", dir, log);
            /* iasl reports bad checksums and undecodable fields inside the .dsl */
            CHECK(!file_has(dir, dsl, COMPLAINTS), "iasl complained in %s/%s", dir, dsl);
        }
    }
    CHECK(file_has(dir, "s5-dsdt.dsl", "Name \\(\\\\_S5, Package \\(0x02\\)"),
          "iasl does not see \\_S5 in %s/s5-dsdt.dsl", dir);

    CHECK(run_in(dir, "pvh-acpiexec.log", "acpiexec -b namespace pvh-facp.dat pvh-dsdt.dat "
                                          "pvh-apic.dat"),
          "acpiexec failed, see %s/pvh-acpiexec.log", dir);
    CHECK(file_has(dir, "pvh-acpiexec.log", "1 ACPI AML tables successfully acquired"),
          "acpiexec did not load the DSDT, see %s/pvh-acpiexec.log", dir);
    CHECK(!file_has(dir, "pvh-acpiexec.log", COMPLAINTS), "acpiexec complained, see %s/%s",
          dir, "pvh-acpiexec.log");

    CHECK(run_in(dir, "s5-acpiexec.log", "acpiexec -b 'evaluate \\_S5; sleep 5' s5-facp.dat "
                                         "s5-dsdt.dat s5-apic.dat"),
          "acpiexec failed, see %s/s5-acpiexec.log", dir);
    CHECK(file_has(dir, "s5-acpiexec.log", "Sleep-A: 05"), "no SLP_TYPa 5 in s5-acpiexec.log");
    CHECK(file_has(dir, "s5-acpiexec.log", "HwExtendedSleep"),
          "S5 not through the hardware-reduced sleep registers, see %s/s5-acpiexec.log", dir);
    CHECK(!file_has(dir, "s5-acpiexec.log", COMPLAINTS), "acpiexec complained, see %s/%s",
          dir, "s5-acpiexec.log");
    printf("guest_acpi: iasl and acpiexec accept the tables, see %s\n", dir);
}
