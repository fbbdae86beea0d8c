// SPDX-License-Identifier: MIT
/* The local APIC: xAPIC through the direct map or x2APIC through MSRs, chosen once at boot. */
#include <asm/apic.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/acpi.h>
#include <tern/lib.h>
#include <tern/param.h>

#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_X2APIC (1ULL << 10)
#define MSR_X2APIC_BASE 0x800

static bool x2apic;
static volatile uint32_t *xapic_mmio;
static bool opt_no_x2apic;
boolean_param("no-x2apic", opt_no_x2apic);

static uint32_t apic_read(uint32_t reg)
{
    if (x2apic)
        return rdmsr(MSR_X2APIC_BASE + (reg >> 4));
    return xapic_mmio[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
    else
        xapic_mmio[reg / 4] = v;
}

bool apic_x2apic_mode(void)
{
    return x2apic;
}

uint32_t apic_read_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return x2apic ? id : id >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

void apic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    if (x2apic) {
        /* x2APIC: one 64-bit ICR write, destination in the high half (SDM 10.12.9). */
        asm volatile("mfence" ::: "memory"); /* order earlier stores before the IPI */
        wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((uint64_t)apic_id << 32) | icr_low);
        return;
    }
    /* xAPIC: two writes, destination then command. An interrupt handler sending its own
     * IPI in between would redirect ours, so both go with interrupts off. */
    unsigned long flags = local_irq_save();
    while (xapic_mmio[APIC_ICR / 4] & APIC_ICR_BUSY)
        cpu_relax();
    xapic_mmio[APIC_ICR2 / 4] = apic_id << 24;
    xapic_mmio[APIC_ICR / 4] = icr_low;
    local_irq_restore(flags);
}

/*
 * Make the APIC re-evaluate what it signals to the CPU: writing TPR (with the value it holds)
 * recomputes the processor priority against IRR, as on hardware. Called before the idle HLT:
 * QEMU's emulated APIC has been seen under TCG to keep a vector in IRR without signalling it
 * (a timer vector pending, ISR, TPR and PPR clear, IF and GIF set, the CPU halted forever), and
 * only a later APIC event would deliver it. On hardware this is one harmless register write.
 */
void apic_resync_pending(void)
{
    apic_write(APIC_TPR, apic_read(APIC_TPR));
}

void apic_timer_set(uint32_t ticks)
{
    apic_write(APIC_TMICT, ticks);
}

uint32_t apic_timer_current(void)
{
    return apic_read(APIC_TMCCT);
}

static void spurious_irq(struct cpu_user_regs *regs)
{
    /* A spurious interrupt needs no EOI (SDM 10.9). */
}

static void error_irq(struct cpu_user_regs *regs)
{
    apic_write(APIC_ESR, 0);
    printk(XENLOG_WARNING "APIC error: ESR %#x\n", apic_read(APIC_ESR));
}

static void apic_enable_local(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
    if (x2apic)
        base |= APIC_BASE_X2APIC;
    wrmsr(MSR_APIC_BASE, base);

    apic_write(APIC_TPR, 0);
    apic_write(APIC_SPIV, 0x100 | SPURIOUS_APIC_VECTOR); /* software enable */
    apic_write(APIC_LVT0, APIC_LVT_MASKED);
    apic_write(APIC_LVT1, APIC_DM_NMI);                  /* LINT1 = NMI, as wired on PCs */
    apic_write(APIC_LVTERR, ERROR_APIC_VECTOR);
    apic_write(APIC_TDCR, 0xB);                          /* divide by 1 */
    apic_write(APIC_LVTT, TIMER_VECTOR);                 /* one-shot */
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_ESR, 0);
    apic_eoi();
}

/* Both 8259s: remap away from the exception vectors, then mask every line. */
static void pic_disable(void)
{
    outb(0x11, 0x20);
    outb(0x11, 0xA0);
    outb(0x20, 0x21);
    outb(0x28, 0xA1);
    outb(0x04, 0x21);
    outb(0x02, 0xA1);
    outb(0x01, 0x21);
    outb(0x01, 0xA1);
    outb(0xff, 0x21);
    outb(0xff, 0xA1);
}

void apic_init_bsp(void)
{
    paddr_t base = acpi.lapic_addr ? acpi.lapic_addr : 0xfee00000;

    x2apic = (cpuid_ecx(1) & (1u << 21)) && !opt_no_x2apic;
    xapic_mmio = maddr_to_virt_mmio(base);
    pic_disable();
    ioapic_mask_all();
    set_irq_handler(SPURIOUS_APIC_VECTOR, spurious_irq);
    set_irq_handler(ERROR_APIC_VECTOR, error_irq);
    apic_enable_local();
    printk("APIC: %s mode, boot CPU APIC ID %u\n", x2apic ? "x2APIC" : "xAPIC",
           apic_read_id());
}

void apic_init_ap(void)
{
    apic_enable_local();
}
