// SPDX-License-Identifier: MIT
/* Per-CPU descriptor tables: GDT with the TSS, IST stacks for NMI/#DF/#MC, and the GS base. */
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/lib.h>
#include <tern/mce.h>
#include <tern/mm.h>
#include <tern/xmalloc.h>

struct cpu_info *cpu_info_of[NR_CPUS];
unsigned int nr_cpus_online;

static struct cpu_info bsp_info;
static uint8_t bsp_ist_stacks[3][IST_STACK_SIZE] __aligned(16);

struct cpu_info *cpu_bsp_info(void)
{
    return &bsp_info;
}

static void gdt_fill(struct cpu_info *ci)
{
    uint64_t base = (uint64_t)&ci->tss;
    uint64_t limit = sizeof(ci->tss) - 1;

    ci->gdt[0] = 0;
    ci->gdt[1] = 0x00af9a000000ffffULL; /* __HYPERVISOR_CS: 64-bit code */
    ci->gdt[2] = 0x00cf92000000ffffULL; /* __HYPERVISOR_DS */
    ci->gdt[3] = 0x00cf9a000000ffffULL; /* __HYPERVISOR_CS32 */
    /* 64-bit available TSS: a 16-byte system descriptor (type 9, present). */
    ci->gdt[4] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
                 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    ci->gdt[5] = base >> 32;
}

static void tss_fill(struct cpu_info *ci)
{
    memset(&ci->tss, 0, sizeof(ci->tss));
    for (int i = 0; i < 3; i++)
        ci->tss.ist[i] = (uint64_t)(ci->ist_stack[i] + IST_STACK_SIZE);
    ci->tss.iomap_base = sizeof(ci->tss); /* no I/O bitmap: ring 3 gets no ports */
}

void cpu_load_descriptors(struct cpu_info *ci)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed gdtr = { sizeof(ci->gdt) - 1, (uint64_t)ci->gdt };

    gdt_fill(ci);
    tss_fill(ci);
    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "mov %2, %%ds\n\t"
                 "mov %2, %%es\n\t"
                 "mov %2, %%ss\n\t"
                 "ltr %w3\n\t"
                 :
                 : "m"(gdtr), "i"(__HYPERVISOR_CS), "r"(__HYPERVISOR_DS), "r"(TSS_SELECTOR)
                 : "rax", "memory");
    ci->self = ci;
    wrmsr(MSR_GS_BASE, (uint64_t)ci);
    idt_load();
    mce_cpu_init();
}

struct cpu_info *cpu_info_alloc(unsigned int cpu_id, uint32_t apic_id)
{
    struct cpu_info *ci;

    if (cpu_id == 0) {
        ci = &bsp_info;
        for (int i = 0; i < 3; i++)
            ci->ist_stack[i] = bsp_ist_stacks[i];
    } else {
        ci = xmalloc(struct cpu_info);
        if (!ci)
            return NULL;
        memset(ci, 0, sizeof(*ci));
        ci->cpu_id = cpu_id;
        if (cpu_stacks_alloc(ci))
            return NULL; /* boot-time only; the CPU is then just not started */
    }
    ci->self = ci;
    ci->cpu_id = cpu_id;
    ci->apic_id = apic_id;
    cpu_info_of[cpu_id] = ci;
    return ci;
}
