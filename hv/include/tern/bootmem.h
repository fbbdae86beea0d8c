/* SPDX-License-Identifier: MIT */
/*
 * Boot-time memory: the firmware's RAM ranges minus what is in use (Tern's image, boot modules,
 * firmware data), from which early code takes page-aligned chunks before the buddy allocator
 * exists, and which is then handed to the buddy allocator whole.
 */
#ifndef TERN_BOOTMEM_H
#define TERN_BOOTMEM_H

#include <tern/types.h>

#define BOOTMEM_MAX_RANGES 128

/* Add a RAM range [start, end) (byte addresses, trimmed inward to page boundaries). */
void bootmem_add_ram(paddr_t start, paddr_t end);
/* Mark [start, end) as in use: it is never allocated nor handed to the buddy allocator. */
void bootmem_reserve(paddr_t start, paddr_t end);
/* Allocate nr_pages contiguous pages, aligned to align bytes (a power of two >= PAGE_SIZE),
 * below limit (exclusive). Returns the physical address or 0 when impossible. */
paddr_t bootmem_alloc(uint64_t nr_pages, uint64_t align, paddr_t limit);
/* Highest RAM frame + 1 ever added. */
mfn_t bootmem_max_mfn(void);
/* Total bytes of RAM added, and bytes still free. */
uint64_t bootmem_total_bytes(void);
uint64_t bootmem_free_bytes(void);
/* Call fn for every free range [start, end) in ascending order (used for the hand-over). */
void bootmem_for_each_free(void (*fn)(paddr_t start, paddr_t end, void *arg), void *arg);
/* Forget everything (used by unit tests). */
void bootmem_reset(void);

#endif
