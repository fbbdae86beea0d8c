// SPDX-License-Identifier: MIT
/* Power-off through ACPI S5 and restart through the ACPI reset register or the 8042. */
#include <asm/page.h>
#include <asm/processor.h>
#include <tern/acpi.h>
#include <tern/lib.h>
#include <tern/param.h>
#include <tern/shutdown.h>
#include <tern/smp.h>
#include <tern/time.h>

#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

static char opt_reboot[16] = "";
string_param("reboot", opt_reboot);

static void gas_write(const struct acpi_gas *g, uint8_t v)
{
    if (g->space_id == ACPI_GAS_IO)
        outb(v, g->address);
    else if (g->space_id == ACPI_GAS_MEMORY && g->address < GB(4))
        *(volatile uint8_t *)maddr_to_virt_mmio(g->address) = v;
}

/* Firmware may leave the machine in legacy mode: ask for ACPI mode as the FADT describes. */
static void acpi_enable_mode(void)
{
    if (!acpi.pm1a_cnt || (inw(acpi.pm1a_cnt) & PM1_SCI_EN) || !acpi.smi_cmd ||
        !acpi.acpi_enable)
        return;
    outb(acpi.acpi_enable, acpi.smi_cmd);
    for (int i = 0; i < 300 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
        mdelay(10);
}

void machine_poweroff(void)
{
    /* Error level: power state changes reach the console whatever loglvl= says. */
    printk(XENLOG_ERR "Powering off.\n");
    smp_send_stop();
    local_irq_disable();
    if (acpi.hw_reduced && acpi.sleep_control.address) {
        /* Hardware-reduced ACPI: SLP_TYP in bits 2-4, SLP_EN bit 5 of the sleep control reg. */
        gas_write(&acpi.sleep_control, ((acpi.s5_slp_typa & 7) << 2) | (1 << 5));
    } else if (acpi.pm1a_cnt) {
        if (!acpi.s5_valid)
            printk(XENLOG_WARNING "ACPI: no \\_S5 found, trying SLP_TYP 0\n");
        acpi_enable_mode();
        uint16_t a = (inw(acpi.pm1a_cnt) & ~(7u << PM1_SLP_TYP_SHIFT)) |
                     (acpi.s5_slp_typa << PM1_SLP_TYP_SHIFT);
        if (acpi.pm1b_cnt) {
            uint16_t b = (inw(acpi.pm1b_cnt) & ~(7u << PM1_SLP_TYP_SHIFT)) |
                         (acpi.s5_slp_typb << PM1_SLP_TYP_SHIFT);
            outw(b | PM1_SLP_EN, acpi.pm1b_cnt);
        }
        outw(a | PM1_SLP_EN, acpi.pm1a_cnt);
    }
    mdelay(500);
    printk(XENLOG_ERR "Power-off through ACPI failed: halting. Switch the machine off by hand.\n");
    for (;;)
        halt();
}

static void reset_kbd(void)
{
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 100000 && (inb(0x64) & 0x02); j++) /* input buffer full */
            cpu_relax();
        outb(0xfe, 0x64); /* pulse the reset line */
        mdelay(50);
    }
}

static void reset_triple_fault(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed empty = { 0, 0 };
    asm volatile("lidt %0; int3" ::"m"(empty));
}

void machine_restart(void)
{
    bool any = !opt_reboot[0];

    printk(XENLOG_ERR "Restarting.\n");
    if (!any && strcmp(opt_reboot, "acpi") && strcmp(opt_reboot, "kbd") &&
        strcmp(opt_reboot, "triple"))
        printk(XENLOG_WARNING "reboot: unknown method '%s'; trying all\n", opt_reboot), any = true;
    smp_send_stop();
    local_irq_disable();
    if (!strcmp(opt_reboot, "acpi") && !acpi.reset_supported)
        printk(XENLOG_ERR "reboot=acpi: the FADT has no usable reset register\n");
    if ((any || !strcmp(opt_reboot, "acpi")) && acpi.reset_supported) {
        printk(XENLOG_ERR "Restarting through the ACPI reset register.\n");
        gas_write(&acpi.reset_reg, acpi.reset_value);
        mdelay(100);
    }
    if (any || !strcmp(opt_reboot, "kbd")) {
        printk(XENLOG_ERR "Restarting through the keyboard controller.\n");
        reset_kbd();
    }
    printk(XENLOG_ERR "Restarting through a triple fault.\n");
    reset_triple_fault();
    for (;;)
        halt();
}
