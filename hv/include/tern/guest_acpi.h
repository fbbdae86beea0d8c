/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a PVH guest: RSDP, XSDT, FADT, DSDT and MADT, built into a buffer that the
 * domain builder copies to guest memory and points hvm_start_info.rsdp_paddr at.
 *
 * Linux needs them only with several vCPUs (CONFIG_X86_MPPARSE is off in Debian's kernels,
 * so the MADT is the only way to enumerate the APs), and the MADT's ACPI Processor UID is
 * what Linux uses as each AP's Xen vCPU id: UID = vCPU index, always.
 *
 * MADT entries: a Processor Local APIC entry (type 0) for every vCPU whose APIC ID is < 255,
 * a Processor Local x2APIC entry (type 9) only for IDs >= 255. This is what ACPI 6.5
 * 5.2.12.12 prescribes (x2APIC structures are for IDs >= 255) and what real firmware does,
 * so every Linux handles it: acpi_parse_lapic() registers type 0 entries whether or not the
 * guest runs its LAPIC in x2APIC mode, while x2APIC entries with IDs < 255 are dropped by
 * newer kernels (has_lapic_cpus) as soon as one type 0 entry exists. With the libxl stride
 * of 2, up to 128 vCPUs all fit in type 0 entries (the last ID is 254).
 *
 * The FADT is hardware-reduced (ACPI 6.5 4.1): no PM1 blocks, no SCI, no PM timer, no
 * FACS, no 8259 (MADT flags 0), and IAPC_BOOT_ARCH says no VGA, no 8042 and no CMOS RTC,
 * so Linux probes none of them. Like Xen's PVH DSDT, the DSDT has no \_S5 unless
 * sleep_port is set: then Linux's ACPI poweroff writes SLP_TYP(5) << 2 | SLP_EN (0x34) to
 * that I/O port, the FADT's SLEEP_CONTROL_REG, which the hypervisor can trap as poweroff.
 */
#ifndef TERN_GUEST_ACPI_H
#define TERN_GUEST_ACPI_H

#include <tern/types.h>

#define GUEST_ACPI_MAX_VCPUS 128
/*
 * The I/O port of the guests' ACPI sleep control register (status at +1): Linux 6.1 as a PVH
 * domU powers off only through ACPI S5, so Tern offers \_S5 and turns the S5 write into a
 * poweroff shutdown (arch/x86/hvm/hvm.c).
 */
#define GUEST_SLEEP_PORT 0xb000
#define GUEST_ACPI_LAPIC_ADDR 0xfee00000u
#define GUEST_ACPI_IOAPIC_ADDR 0xfec00000u
#define GUEST_ACPI_IOAPIC_ID 1 /* odd: free with the libxl LAPIC ID stride of 2 */

/* What Linux writes to SLEEP_CONTROL_REG to power off: SLP_TYP = 5, SLP_EN (ACPI 4.8.3.7) */
#define GUEST_ACPI_S5_SLP_TYP 5
#define GUEST_ACPI_SLEEP_CTL_SLP_EN 0x20
#define GUEST_ACPI_SLEEP_CTL_S5 ((GUEST_ACPI_S5_SLP_TYP << 2) | GUEST_ACPI_SLEEP_CTL_SLP_EN)

/* An upper bound of guest_acpi_build()'s size for any valid config, for sizing buffers. */
#define GUEST_ACPI_MAX_SIZE (1024 + 16 * GUEST_ACPI_MAX_VCPUS)

struct guest_acpi_config {
    unsigned int nr_vcpus;    /* 1..GUEST_ACPI_MAX_VCPUS; one MADT entry each, UID = index */
    uint32_t lapic_id_stride; /* 2, as libxl: LAPIC ID = vcpu * stride (nonzero) */
    bool with_ioapic;         /* false for PVH (no IO-APIC); else one at IOAPIC_ADDR, GSI 0 */
    uint64_t base_gpa;        /* guest-physical address where the tables will be placed */
    /*
     * 0 (the PVH default, as Xen): no \_S5, sleep registers zero, so Linux has no ACPI
     * poweroff. Else: \_S5 in the DSDT, SLEEP_CONTROL_REG at this I/O port and
     * SLEEP_STATUS_REG at port + 1 (8-bit registers, ACPI 6.5 4.8.3.7). After poweroff's
     * write to the control port Linux polls the status port until WAK_STS (bit 7) is set.
     */
    uint16_t sleep_port;
};

/*
 * Builds the tables into buf (capacity cap) as they will lie at cfg->base_gpa: the RSDP
 * first (at the first 16-byte aligned address, *rsdp_gpa), then XSDT, FADT, DSDT and MADT,
 * each 8-byte aligned, all padding zeroed. Returns the number of bytes used from buf's
 * start, -ENOSPC if cap is too small (nothing written), or -EINVAL for a bad config.
 */
int guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, size_t cap,
                     uint64_t *rsdp_gpa);

#endif
