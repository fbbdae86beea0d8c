/* SPDX-License-Identifier: MIT */
/* The fuzzer's memory: lanes behind unmapped pages, frame classes, our grant-table view. */
#include "fuzz.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_ADDR 0x000ffffffffff000ULL

/* Backing of the lanes (identity-mapped too, but only the lane window is handed out). */
static uint8_t lane_mem[MAX_VCPUS][FZ_LANES][FZ_LANE_BYTES] __page_aligned;
/* Page directory and table of the lane window (PDPT slot 4: 4 GiB .. 5 GiB). */
static uint64_t lane_pd[512] __page_aligned;
static uint64_t lane_pt[512] __page_aligned;

volatile struct grant_entry_v1 *fz_grant_view;
extern const char _end[];

static uint64_t ram_top_gfn(void)
{
    const struct hvm_memmap_table_entry *e;
    uint64_t top = 0;

    if (!start_info || start_info->version < 1 || !start_info->memmap_paddr)
        xtf_fatal("hcfuzz: start_info has no memory map");
    e = (const void *)(uintptr_t)start_info->memmap_paddr;
    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr == 0)
            top = e[i].size >> PAGE_SHIFT;
    return top;
}

void layout_init(void)
{
    uint64_t image_end = ((uintptr_t)_end + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & PTE_ADDR);

    cfg.ram_top_gfn = ram_top_gfn();
    cfg.arena_hi = cfg.ram_top_gfn;
    /* The image, then start_info's page, must stay below the pool. */
    if (image_end + 1 >= FZ_POOL_GFN)
        xtf_fatal("hcfuzz: the image ends at frame %#lx, into the pool at %#lx", image_end,
                  FZ_POOL_GFN);
    if (cfg.ram_top_gfn < FZ_ARENA_GFN + 4 * FZ_SLICE_PAGES ||
        cfg.ram_top_gfn > (1UL << 20))
        xtf_fatal("hcfuzz: needs 40 MiB to 4 GiB of RAM below 4 GiB (the arena starts at "
                  "32 MiB); RAM ends at frame %#lx", cfg.ram_top_gfn);
    if (pdpt[4] & PTE_P)
        xtf_fatal("hcfuzz: PDPT slot 4 is already in use");

    /*
     * vCPU i's window: lane 0 (2 pages), an unmapped page, lane 1 (2 pages), an unmapped
     * page. Tern's guest page walk must fault at the unmapped pages.
     */
    for (unsigned int v = 0; v < MAX_VCPUS; v++) {
        for (unsigned int l = 0; l < FZ_LANES; l++) {
            uint64_t va = FZ_LANE_VA + v * FZ_LANE_VA_STRIDE +
                          l * (FZ_LANE_PAGES + 1) * PAGE_SIZE;
            unsigned int slot = (unsigned int)((va - FZ_LANE_VA) >> PAGE_SHIFT);

            for (unsigned int p = 0; p < FZ_LANE_PAGES; p++)
                lane_pt[slot + p] = ((uintptr_t)lane_mem[v][l] + p * PAGE_SIZE) | PTE_P |
                                    PTE_W;
            fz_state[v].lane[l] = (uint8_t *)(uintptr_t)va;
        }
    }
    lane_pd[0] = (uintptr_t)lane_pt | PTE_P | PTE_W;
    pdpt[4] = (uintptr_t)lane_pd | PTE_P | PTE_W;
    asm volatile("mov %0, %%cr3" ::"r"(read_cr3()) : "memory");
}

bool gfn_is_protected(uint64_t gfn)
{
    if (gfn >= FZ_POOL_GFN && gfn < FZ_POOL_GFN + FZ_POOL_PAGES)
        return false;
    /* The image, start_info, the sink, the spare's vcpu_info, and unused RAM up to the
     * arena; our view of our own grant table. */
    /* And the console ring: the run's findings and its result line are read through it. */
    return (gfn >= FZ_PROTECT_LO && gfn < FZ_ARENA_GFN) ||
           (gfn >= FZ_SCRATCH_GFN && gfn < FZ_SCRATCH_FUZZ_LO) || gfn == cfg.shinfo_gfn ||
           gfn == FZ_CONSOLE_GFN;
}

/*
 * avoid_known=1: two vCPUs freeing the same frame at once was a Tern bug (fixed in issue
 * 7), and so was freeing two frames of one 2 MiB extent at once (both split the extent).
 * Each 2 MiB slice of frame numbers belongs to one vCPU, and only it frees there.
 */
bool gfn_owned(const struct fz *f, uint64_t gfn)
{
    return !cfg.avoid_known || (gfn / FZ_SLICE_PAGES) % cfg.nr_fz == f->id;
}

/* Our grant table's first frames at the start of the scratch window, for writing entries. */
void grant_view_init(void)
{
    for (unsigned int i = 0; i < FZ_VIEW_FRAMES; i++) {
        struct xen_add_to_physmap xatp = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_grant_table,
            .idx = i,
            .gpfn = FZ_SCRATCH_GFN + i,
        };
        long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

        if (rc)
            xtf_fatal("hcfuzz: XENMEM_add_to_physmap(grant_table frame %u at %#lx): %ld (%s)",
                      i, (unsigned long)xatp.gpfn, rc, errno_name(rc));
    }
    fz_grant_view = (volatile struct grant_entry_v1 *)GUEST_SCRATCH_GPA;
}
