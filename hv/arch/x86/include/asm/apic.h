/* SPDX-License-Identifier: MIT */
/* The physical local APIC (xAPIC MMIO or x2APIC MSRs), the IO-APICs and the legacy 8259s. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <tern/types.h>

#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xB0
#define APIC_LDR 0xD0
#define APIC_DFR 0xE0
#define APIC_SPIV 0xF0
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3E0

#define APIC_LVT_MASKED (1u << 16)
#define APIC_ICR_BUSY (1u << 12)
#define APIC_DM_FIXED 0x000
#define APIC_DM_NMI 0x400
#define APIC_DM_INIT 0x500
#define APIC_DM_STARTUP 0x600
#define APIC_INT_ASSERT 0x4000
#define APIC_INT_LEVELTRIG 0x8000

/* Boot CPU: map/enable the LAPIC (x2APIC when the CPU has it), mask the 8259s and IO-APICs. */
void apic_init_bsp(void);
/* Each secondary CPU: enable its LAPIC in the mode the BSP chose. */
void apic_init_ap(void);
bool apic_x2apic_mode(void);
uint32_t apic_read_id(void);
void apic_eoi(void);
/* Before halting: have the APIC signal anything pending in IRR (see apic.c). */
void apic_resync_pending(void);
/* Send an IPI (ICR low bits = delivery mode | vector) to a physical APIC ID. */
void apic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* One-shot LAPIC timer in bus ticks (divide-by-1), vector TIMER_VECTOR; 0 stops it. */
void apic_timer_set(uint32_t ticks);
uint32_t apic_timer_current(void);
void ioapic_mask_all(void);

#endif
