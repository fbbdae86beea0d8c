// SPDX-License-Identifier: MIT
/* Tern's own page tables: the image with W^X permissions, the direct map, the trampoline. */
#include <asm/page.h>
#include <asm/processor.h>
#include <tern/bootmem.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>

uint64_t _PAGE_NX;
paddr_t idle_pg_table_pa;
static pte_t *idle_pml4;
static bool use_heap; /* page-table pages from the buddy allocator once it exists */

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __image_end[];

static pte_t *pt_alloc(void)
{
    if (use_heap)
        return alloc_xen_page();
    /* Below 4 GiB: reachable through the boot page tables' direct map while we build. */
    paddr_t pa = bootmem_alloc(1, PAGE_SIZE, GB(4));
    if (!pa)
        return NULL;
    pte_t *t = __va(pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

/* Walk to the table at the given level (3 = PDPT, 2 = PD, 1 = PT), allocating as needed. */
static pte_t *walk(uint64_t va, int level)
{
    pte_t *t = idle_pml4;
    unsigned int idx[4] = { l4_index(va), l3_index(va), l2_index(va), l1_index(va) };

    for (int l = 4, i = 0; l > level; l--, i++) {
        pte_t e = t[idx[i]];
        if (!(e & _PAGE_PRESENT)) {
            pte_t *n = pt_alloc();
            if (!n)
                return NULL;
            t[idx[i]] = virt_to_maddr(n) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
                        _PAGE_DIRTY;
            e = t[idx[i]];
        } else if (e & _PAGE_PSE) {
            return NULL; /* already covered by a large page */
        }
        t = __va(e & PTE_ADDR_MASK);
    }
    return t;
}

int map_pages(uint64_t va, paddr_t pa, uint64_t nr, uint64_t flags)
{
    for (uint64_t i = 0; i < nr; i++, va += PAGE_SIZE, pa += PAGE_SIZE) {
        pte_t *pt = walk(va, 1);
        if (!pt)
            return -ENOMEM;
        pt[l1_index(va)] = pa | flags;
        if (use_heap)
            invlpg((void *)va);
    }
    return 0;
}

static void map_image_range(const char *start, const char *end, uint64_t flags)
{
    uint64_t va = (uint64_t)start;
    uint64_t nr = ((uint64_t)end - va) >> PAGE_SHIFT;
    if (map_pages(va, va - TERN_VIRT_OFFSET, nr, flags))
        for (;;)
            halt(); /* out of memory building the first page tables: nothing can report it */
}

static void map_directmap(paddr_t end)
{
    bool gb_pages = cpuid_edx(0x80000001) & (1u << 26);
    uint64_t flags = PAGE_HYPERVISOR_RW | _PAGE_PSE;

    for (paddr_t pa = 0; pa < end;) {
        uint64_t va = DIRECTMAP_VIRT_START + pa;
        if (gb_pages) {
            pte_t *l3 = walk(va, 3);
            if (l3)
                l3[l3_index(va)] = pa | flags;
            pa += GB(1);
        } else {
            pte_t *l2 = walk(va, 2);
            if (l2)
                l2[l2_index(va)] = pa | flags;
            pa += MB(2);
        }
    }
}

void paging_init(paddr_t directmap_end)
{
    if (cpuid_edx(0x80000001) & (1u << 20))
        _PAGE_NX = _PAGE_NX_BIT;
    /* Global pages survive CR3 reloads: Tern's mappings are the same on every CPU. */
    write_cr4(read_cr4() | X86_CR4_PGE);

    idle_pml4 = pt_alloc();
    map_image_range(__text_start, __text_end, PAGE_HYPERVISOR_RX);
    map_image_range(__rodata_start, __rodata_end, PAGE_HYPERVISOR_RO);
    map_image_range(__data_start, __image_end, PAGE_HYPERVISOR_RW);
    map_directmap(ROUNDUP(MAX(directmap_end, GB(4)), GB(1)));
    /* The AP trampoline switches on paging while running at its physical address. */
    map_pages(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, 1, PAGE_HYPERVISOR_RX & ~_PAGE_GLOBAL);

    idle_pg_table_pa = virt_to_maddr(idle_pml4);
    write_cr3(idle_pg_table_pa);
    /* Flush global entries of the boot tables too (toggle PGE). */
    write_cr4(read_cr4() & ~X86_CR4_PGE);
    write_cr4(read_cr4() | X86_CR4_PGE);
}

void paging_use_heap(void);
void paging_use_heap(void)
{
    use_heap = true;
}

void *maddr_to_virt(paddr_t pa)
{
    return (void *)(DIRECTMAP_VIRT_START + pa);
}

paddr_t virt_to_maddr(const void *va)
{
    uint64_t v = (uint64_t)va;
    if (v >= TERN_VIRT_OFFSET)
        return v - TERN_VIRT_OFFSET; /* the image */
    return v - DIRECTMAP_VIRT_START;
}

void *page_to_virt(const struct page_info *pg)
{
    return maddr_to_virt(page_to_mfn(pg) << PAGE_SHIFT);
}

struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page(virt_to_maddr(va) >> PAGE_SHIFT);
}

void *alloc_xen_page(void)
{
    struct page_info *pg = alloc_pages(0);
    if (!pg)
        return NULL;
    void *va = page_to_virt(pg);
    memset(va, 0, PAGE_SIZE);
    return va;
}

void free_xen_page(void *va)
{
    if (va)
        free_pages(virt_to_page(va), 0);
}
