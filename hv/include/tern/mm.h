/* SPDX-License-Identifier: MIT */
/* Translation between frames, page_info and Tern's own virtual addresses (the direct map). */
#ifndef TERN_MM_H
#define TERN_MM_H

#include <tern/page_alloc.h>

void *page_to_virt(const struct page_info *pg);
struct page_info *virt_to_page(const void *va);
void *maddr_to_virt(paddr_t pa);
paddr_t virt_to_maddr(const void *va);

/* Single zeroed pages for Tern's own use (page tables, stacks); NULL on failure. */
void *alloc_xen_page(void);
void free_xen_page(void *va);

#endif
