// SPDX-License-Identifier: MIT
/*
 * Per-CPU stacks with guard pages. Each CPU has a 64 KiB slot of virtual space at
 * STACKS_VIRT_START + cpu * STACK_SLOT_SIZE holding, from the bottom up, its three IST stacks
 * (NMI, double fault, machine check) and its main stack, each with one unmapped page below
 * it. A stack that overflows runs into that page: the page fault cannot be delivered on the
 * same stack, so the CPU raises a double fault, which has its own IST stack, and the report
 * names the stack (traps.c). Stack pages are mapped 4 KiB at a time; the direct map still
 * reaches the same frames, which is harmless (nothing uses those addresses).
 */
#include <asm/config.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>

enum { REGION_NMI, REGION_DF, REGION_MC, REGION_MAIN, NR_REGIONS };

static const char *const region_name[NR_REGIONS] = { "NMI", "double-fault", "machine-check",
                                                     "main" };
static const unsigned int region_pages[NR_REGIONS] = {
    IST_STACK_SIZE / PAGE_SIZE, IST_STACK_SIZE / PAGE_SIZE, IST_STACK_SIZE / PAGE_SIZE,
    STACK_SIZE / PAGE_SIZE,
};

BUILD_BUG_ON(3 * (IST_STACK_SIZE + PAGE_SIZE) + STACK_SIZE + PAGE_SIZE > STACK_SLOT_SIZE);
BUILD_BUG_ON(IST_NMI != 1 || IST_DF != 2 || IST_MC != 3); /* ist_stack[] order = regions */

/* First page (offset in pages within the slot) of a region; its guard page is just below. */
static unsigned int region_first_page(unsigned int r)
{
    unsigned int page = 0;
    for (unsigned int i = 0; i < r; i++)
        page += 1 + region_pages[i];
    return page + 1;
}

static uint64_t slot_base(unsigned int cpu)
{
    return STACKS_VIRT_START + (uint64_t)cpu * STACK_SLOT_SIZE;
}

int cpu_stacks_alloc(struct cpu_info *ci)
{
    uint64_t base = slot_base(ci->cpu_id);

    for (unsigned int r = 0; r < NR_REGIONS; r++) {
        uint64_t va = base + (uint64_t)region_first_page(r) * PAGE_SIZE;
        for (unsigned int p = 0; p < region_pages[r]; p++) {
            void *page = alloc_xen_page();
            if (!page || map_pages(va + p * PAGE_SIZE, virt_to_maddr(page), 1,
                                   PAGE_HYPERVISOR_RW))
                return -ENOMEM; /* boot time only: the CPU is then not started */
        }
        if (r == REGION_MAIN) {
            ci->stack = (void *)va;
        } else {
            ci->ist_stack[r] = (uint8_t *)va;
            ci->tss.ist[r] = va + IST_STACK_SIZE; /* IST slot r + 1 (1-based in the gate) */
        }
    }
    return 0;
}

/* Which slot and page within it addr falls in; false outside the stack area. */
static bool slot_page(uint64_t addr, unsigned int *cpu, unsigned int *page)
{
    if (addr < STACKS_VIRT_START || addr >= slot_base(NR_CPUS))
        return false;
    *cpu = (addr - STACKS_VIRT_START) / STACK_SLOT_SIZE;
    *page = ((addr - STACKS_VIRT_START) % STACK_SLOT_SIZE) / PAGE_SIZE;
    return true;
}

bool stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    extern const char boot_stack[], boot_stack_top[];
    unsigned int cpu, page;

    if (addr >= (uint64_t)boot_stack && addr < (uint64_t)boot_stack_top) {
        *lo = (uint64_t)boot_stack;
        *hi = (uint64_t)boot_stack_top;
        return true;
    }
    if (!slot_page(addr, &cpu, &page))
        return false;
    for (unsigned int r = 0; r < NR_REGIONS; r++) {
        unsigned int first = region_first_page(r);
        if (page >= first && page < first + region_pages[r]) {
            *lo = slot_base(cpu) + (uint64_t)first * PAGE_SIZE;
            *hi = *lo + (uint64_t)region_pages[r] * PAGE_SIZE;
            return true;
        }
    }
    return false;
}

bool stack_guard_hit(uint64_t addr, unsigned int *cpu, const char **name)
{
    unsigned int page;

    if (!slot_page(addr, cpu, &page))
        return false;
    for (unsigned int r = 0; r < NR_REGIONS; r++) {
        if (page + 1 == region_first_page(r)) {
            *name = region_name[r];
            return true;
        }
    }
    return false;
}
