/* SPDX-License-Identifier: MIT */
/* x86_64 4-level page-table entries and Tern's own address space (image + direct map). */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <asm/config.h>
#include <tern/types.h>

#define _PAGE_PRESENT (1ULL << 0)
#define _PAGE_RW (1ULL << 1)
#define _PAGE_USER (1ULL << 2)
#define _PAGE_PWT (1ULL << 3)
#define _PAGE_PCD (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY (1ULL << 6)
#define _PAGE_PSE (1ULL << 7)
#define _PAGE_GLOBAL (1ULL << 8)
#define _PAGE_NX_BIT (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

typedef uint64_t pte_t;

/* NX when the CPU has it, else 0 (setting a reserved bit would fault). */
extern uint64_t _PAGE_NX;

#define PAGE_HYPERVISOR_RX (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL)
#define PAGE_HYPERVISOR_RO (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_HYPERVISOR_RW                                                                 \
    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)

static inline unsigned int l4_index(uint64_t va) { return (va >> 39) & 511; }
static inline unsigned int l3_index(uint64_t va) { return (va >> 30) & 511; }
static inline unsigned int l2_index(uint64_t va) { return (va >> 21) & 511; }
static inline unsigned int l1_index(uint64_t va) { return (va >> 12) & 511; }

/*
 * Build Tern's final page tables and switch to them: the image with per-section permissions
 * (text RX, rodata RO+NX, data RW+NX: no page is both writable and executable), the direct map
 * of [0, directmap_end) RW+NX, and the AP trampoline page identity-mapped RX.
 * Page-table pages come from the boot allocator.
 */
void paging_init(paddr_t directmap_end);

/* Map nr 4 KiB pages va -> pa with flags in the idle page tables (after paging_init()). */
int map_pages(uint64_t va, paddr_t pa, uint64_t nr, uint64_t flags);

/* Physical address of the page tables every CPU runs Tern on. */
extern paddr_t idle_pg_table_pa;

/* Device registers: PC MMIO (LAPIC, IO-APIC, HPET) is below 4 GiB, inside the direct map. */
#define maddr_to_virt_mmio(pa) ((volatile uint32_t *)((uint64_t)(pa) + DIRECTMAP_VIRT_START))

#define __va(pa) ((void *)((uint64_t)(pa) + DIRECTMAP_VIRT_START))
#define __pa(va) (virt_to_maddr((const void *)(va)))

#endif
