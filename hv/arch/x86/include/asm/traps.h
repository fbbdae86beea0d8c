/* SPDX-License-Identifier: MIT */
/* The IDT, exception handling and interrupt dispatch. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/regs.h>

/* Fixed interrupt vectors (highest priority class last). */
#define SPURIOUS_APIC_VECTOR 0xff
#define ERROR_APIC_VECTOR 0xfe
#define CALL_FUNCTION_VECTOR 0xfb
#define EVENT_CHECK_VECTOR 0xfa
#define TIMER_VECTOR 0xf0

void idt_init(void); /* build the IDT once */
void idt_load(void); /* load it on this CPU */

typedef void (*irq_handler_t)(struct cpu_user_regs *regs);
/* Install the handler of an interrupt vector (32..255). */
void set_irq_handler(unsigned int vector, irq_handler_t fn);

void do_trap(struct cpu_user_regs *regs);
void do_irq(struct cpu_user_regs *regs);

/* Print the registers and a backtrace (used by fatal exceptions and panic()). */
void show_registers(const struct cpu_user_regs *regs);
void show_backtrace(uint64_t rbp, uint64_t rip);
/* Print where every other CPU is (an NMI asks each for its RIP and call chain). */
void show_all_cpus(void);

#endif
