// SPDX-License-Identifier: MIT
/* IO-APICs: found in the MADT, every redirection entry masked until a driver claims a line. */
#include <asm/apic.h>
#include <asm/page.h>
#include <tern/acpi.h>
#include <tern/lib.h>

#define IOAPIC_REGSEL 0
#define IOAPIC_WINDOW 4 /* in 32-bit words: offset 0x10 */
#define IOAPIC_VER 1
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
    base[IOAPIC_REGSEL] = reg;
    return base[IOAPIC_WINDOW];
}

static void ioapic_write(volatile uint32_t *base, uint32_t reg, uint32_t v)
{
    base[IOAPIC_REGSEL] = reg;
    base[IOAPIC_WINDOW] = v;
}

void ioapic_mask_all(void)
{
    for (unsigned int i = 0; i < acpi.nr_ioapics; i++) {
        volatile uint32_t *base = maddr_to_virt_mmio(acpi.ioapics[i].address);
        unsigned int pins = ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xff) + 1;
        for (unsigned int p = 0; p < pins; p++) {
            ioapic_write(base, IOAPIC_REDTBL(p) + 1, 0);
            ioapic_write(base, IOAPIC_REDTBL(p), 1u << 16); /* masked */
        }
        printk("IO-APIC %u at %#x: %u pins, GSI base %u, all masked\n", acpi.ioapics[i].id,
               acpi.ioapics[i].address, pins, acpi.ioapics[i].gsi_base);
    }
}
