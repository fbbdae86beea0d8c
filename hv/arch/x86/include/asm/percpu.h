/* SPDX-License-Identifier: MIT */
/* Per-CPU state of a physical CPU, found through the GS base (first field: itself). */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <asm/config.h>
#include <tern/types.h>

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;
BUILD_BUG_ON(sizeof(struct tss64) != 104);

/* IST slots (1-based in the IDT gate) */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_STACK_SIZE 8192

struct cpu_info {
    struct cpu_info *self; /* %gs:0 */
    unsigned int cpu_id;   /* Tern's logical CPU number, 0 = boot CPU */
    uint32_t apic_id;
    uint32_t acpi_uid;
    volatile bool online;
    void *stack;           /* base of the STACK_SIZE stack */
    uint64_t gdt[GDT_ENTRIES] __aligned(16);
    struct tss64 tss __aligned(16);
    uint8_t *ist_stack[3];
    unsigned long irq_count; /* interrupts taken, for diagnostics */
    void *arch_vcpu_state;   /* later: the vCPU running here */
};

extern struct cpu_info *cpu_info_of[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu_info *this_cpu(void)
{
    struct cpu_info *c;
    asm volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->cpu_id;
}

/* Load GDT, TSS, IDT and GS base for this CPU's cpu_info (cpu.c). */
void cpu_load_descriptors(struct cpu_info *ci);
/* Boot CPU's statically allocated cpu_info, usable before any allocator. */
struct cpu_info *cpu_bsp_info(void);
/* Allocate and fill a cpu_info (stacks, TSS) for a secondary CPU. NULL on failure. */
struct cpu_info *cpu_info_alloc(unsigned int cpu_id, uint32_t apic_id);

/* stack.c: give ci its guarded stacks (main and IST, pointers and TSS). 0 or -ENOMEM. */
int cpu_stacks_alloc(struct cpu_info *ci);
/* The stack (main or IST, of any CPU) that holds addr: its bounds; false if none known. */
bool stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi);
/* Is addr in the guard page under a stack? Then which CPU's and which stack ("main", ...). */
bool stack_guard_hit(uint64_t addr, unsigned int *cpu, const char **name);

#endif
