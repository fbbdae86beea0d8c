/* SPDX-License-Identifier: MIT */
/* Tern's x86_64 virtual memory layout and fixed limits (shared by C and assembly). */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

/* Physical address the boot loader places the image at (2 MiB keeps large-page alignment). */
#define TERN_LOAD_PHYS 0x200000
/* The image runs at TERN_VIRT_OFFSET + its physical address (top 2 GiB: -mcmodel=kernel). */
#define TERN_VIRT_OFFSET 0xffffffff80000000
/* All of RAM (and the low 4 GiB including MMIO) is mapped here, NX, at 1 GiB or 2 MiB pages. */
#define DIRECTMAP_VIRT_START 0xffff830000000000
#define DIRECTMAP_SIZE (1ULL << 42) /* 4 TiB */

/* Every CPU's stacks, mapped page by page with an unmapped guard page below each one, so
 * that an overflow faults instead of overwriting what lies below (arch/x86/stack.c). */
#define STACKS_VIRT_START 0xffff820000000000
#define STACK_SLOT_SIZE (64 * 1024) /* virtual space per CPU */

/* Low page the AP start-up trampoline is copied to (SIPI vector = this >> 12). */
#define TRAMPOLINE_PHYS 0x8000

#define NR_CPUS 64
#define STACK_ORDER 2 /* 16 KiB hypervisor stacks */
#define STACK_SIZE (4096 << STACK_ORDER)

/* GDT selectors */
#define __HYPERVISOR_CS 0x08
#define __HYPERVISOR_DS 0x10
#define __HYPERVISOR_CS32 0x18
#define TSS_SELECTOR 0x20 /* 16-byte system descriptor */
#define GDT_ENTRIES 6

#endif
