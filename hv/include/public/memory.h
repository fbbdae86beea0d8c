/* SPDX-License-Identifier: MIT */
/* memory_op (hypercall 12): reservations, the physmap and memory maps. */
#ifndef TERN_PUBLIC_MEMORY_H
#define TERN_PUBLIC_MEMORY_H

/*
 * memory_op(cmd, arg_gva). Bits 0..5 of cmd are the XENMEM_* sub-op; the upper bits are a
 * continuation start index (MEMOP_EXTENT_SHIFT) that the hypervisor uses to restart long
 * operations, and that a guest passes as 0.
 *
 * Terms: a GFN (or GPFN/GMFN) is a guest frame number in the domain's physical address
 * space; an MFN a machine (host) frame. A PVH/HVM guest only ever sees GFNs.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

/* (Xen keeps these two names internal; the split of cmd is part of the ABI.) */
#define MEMOP_EXTENT_SHIFT 6 /* cmd bits 6.. : start extent of a continuation */
#define MEMOP_CMD_MASK ((1 << MEMOP_EXTENT_SHIFT) - 1)

/* ---- Sub-op numbers ------------------------------------------------------------------- */

#define XENMEM_increase_reservation 0  /* struct xen_memory_reservation */
#define XENMEM_decrease_reservation 1  /* struct xen_memory_reservation */
#define XENMEM_maximum_ram_page 2      /* arg unused; returns the highest machine frame */
#define XENMEM_current_reservation 3   /* arg = domid_t gva; returns pages allocated */
#define XENMEM_maximum_reservation 4   /* arg = domid_t gva; returns the page limit */
#define XENMEM_machphys_mfn_list 5     /* struct xen_machphys_mfn_list (PV) */
#define XENMEM_populate_physmap 6      /* struct xen_memory_reservation */
#define XENMEM_add_to_physmap 7        /* struct xen_add_to_physmap */
/* 8 was translate_gpfn_list (removed). */
#define XENMEM_memory_map 9            /* struct xen_memory_map: the caller's e820 map */
#define XENMEM_machine_memory_map 10   /* struct xen_memory_map: the host's map (dom0) */
#define XENMEM_exchange 11             /* struct xen_memory_exchange */
#define XENMEM_machphys_mapping 12     /* PV: where the M2P table is mapped */
#define XENMEM_set_memory_map 13       /* struct xen_foreign_memory_map (toolstack) */
#define XENMEM_maximum_gpfn 14         /* arg = domid_t gva; returns the highest GFN */
#define XENMEM_remove_from_physmap 15  /* struct xen_remove_from_physmap */
#define XENMEM_set_pod_target 16       /* populate-on-demand (toolstack) */
#define XENMEM_get_pod_target 17
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19
#define XENMEM_paging_op 20
#define XENMEM_access_op 21
#define XENMEM_sharing_op 22
#define XENMEM_add_to_physmap_batch 23 /* struct xen_add_to_physmap_batch */
#define XENMEM_claim_pages 24          /* struct xen_memory_reservation (toolstack) */
#define XENMEM_machphys_compat_mfn_list 25
#define XENMEM_get_vnumainfo 26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource 28     /* struct xen_mem_acquire_resource (toolstack) */

/* ---- Reservations --------------------------------------------------------------------- */

/* mem_flags of struct xen_memory_reservation (XENMEMF_*). */
#define XENMEMF_address_bits(x) (x)                       /* bits 0..7: max address width */
#define XENMEMF_get_address_bits(x) ((x) & 0xffU)
#define XENMEMF_node(x) (((x) + 1) << 8)                  /* bits 8..15: NUMA node + 1 */
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand (1 << 16)              /* populate with PoD entries */
#define XENMEMF_exact_node_request (1 << 17)              /* only from the given node */
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)                           /* node is a virtual node */

/*
 * increase_reservation / decrease_reservation / populate_physmap / claim_pages.
 * nr_extents extents of 2^extent_order pages each, listed at extent_start_gva:
 *   increase_reservation: OUT machine frames allocated (PV);
 *   decrease_reservation: IN GFNs to release (balloon out);
 *   populate_physmap:     IN GFNs to back with fresh memory; OUT the same GFNs for
 *                         translated guests;
 *   claim_pages:          extent_start_gva must be 0; nr_extents pages are claimed.
 * Returns the number of extents processed (which may be less than nr_extents on
 * failure), or a negative errno. Unprivileged callers may only name DOMID_SELF.
 */
struct xen_memory_reservation {
    uint64_t extent_start_gva; /* IN/OUT: array of nr_extents xen_pfn_t (see above) */
    uint64_t nr_extents;       /* IN: number of extents */
    uint32_t extent_order;     /* IN: log2 of pages per extent */
    uint32_t mem_flags;        /* IN: XENMEMF_* */
    domid_t domid;             /* IN: domain whose memory changes */
    uint16_t pad[3]; /* IN: padding, ignored */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

/*
 * XENMEM_exchange: trade the extents of in for fresh extents described by out. Both must
 * name the same domain and the same total number of pages.
 */
struct xen_memory_exchange {
    struct xen_memory_reservation in;  /* IN: GFN extents to give back */
    struct xen_memory_reservation out; /* IN/OUT: GFNs to populate / frames allocated */
    uint64_t nr_exchanged;             /* OUT: input extents done; caller sets it to 0 */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;

/* XENMEM_machphys_mfn_list (PV): machine frames that hold the M2P table. */
struct xen_machphys_mfn_list {
    uint32_t max_extents;      /* IN: capacity of extent_start_gva */
    uint32_t pad0; /* IN: padding, ignored */
    uint64_t extent_start_gva; /* IN: array of xen_pfn_t that receives the frames */
    uint32_t nr_extents;       /* OUT: entries written */
    uint32_t pad1; /* IN: padding, ignored */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;

/* ---- Physmap -------------------------------------------------------------------------- */

/* Spaces that XENMEM_add_to_physmap(_batch) maps pages from (XENMAPSPACE_*). */
#define XENMAPSPACE_shared_info 0  /* the domain's shared_info page; idx must be 0 */
#define XENMAPSPACE_grant_table 1  /* grant-table frame idx (| XENMAPIDX_grant_table_status) */
#define XENMAPSPACE_gmfn 2         /* move the page at GFN idx to gpfn */
#define XENMAPSPACE_gmfn_range 3   /* move size pages from GFN idx; add_to_physmap only */
#define XENMAPSPACE_gmfn_foreign 4 /* page idx of foreign_domid; add_to_physmap_batch only */
#define XENMAPSPACE_dev_mmio 5     /* device MMIO; Arm only */

/* In idx for XENMAPSPACE_grant_table: map v2 status frame (idx & ~bit) instead. */
#define XENMAPIDX_grant_table_status 0x80000000U

/*
 * XENMEM_add_to_physmap: make page idx of space appear at GFN gpfn of domain domid.
 * Whatever was at gpfn before (e.g. RAM) is removed first; the hypervisor then updates
 * the nested page tables and flushes TLBs. gpfn may be any frame below the guest's
 * physical address limit, RAM or not: Linux maps grant frames into unused address space.
 * Grant-table frames grow the table up to idx if needed (-EINVAL beyond the maximum).
 */
struct xen_add_to_physmap {
    domid_t domid; /* IN: DOMID_SELF, or the target domain if privileged */
    uint16_t size; /* IN: number of pages, for XENMAPSPACE_gmfn_range only */
    uint32_t space; /* IN: XENMAPSPACE_* */
    uint64_t idx;  /* IN: index in space (see XENMAPSPACE_*) */
    xen_pfn_t gpfn; /* IN: GFN where the page should appear */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

/*
 * XENMEM_add_to_physmap_batch: size pages at once, with per-page error codes. Used by the
 * toolstack and backends to map foreign pages (XENMAPSPACE_gmfn_foreign).
 */
struct xen_add_to_physmap_batch {
    domid_t domid;    /* IN: domain whose physmap changes */
    uint16_t space;   /* IN: XENMAPSPACE_* */
    uint16_t size;    /* IN: number of entries in idxs, gpfns and errs */
    union {
        domid_t foreign_domid; /* IN: owner of the pages, for XENMAPSPACE_gmfn_foreign */
        uint16_t res0;         /* IN: 0 for all other spaces */
    } u;
    uint64_t idxs_gva;  /* IN: array of size xen_ulong_t: indexes in space */
    uint64_t gpfns_gva; /* IN: array of size xen_pfn_t: GFNs where pages should appear */
    uint64_t errs_gva;  /* OUT: array of size int32_t: 0 or a negative errno per page */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;

/*
 * XENMEM_remove_from_physmap: unmap whatever page is at gpfn (e.g. a grant frame or a
 * foreign page mapped earlier); the GFN becomes a hole.
 */
struct xen_remove_from_physmap {
    domid_t domid;  /* IN: DOMID_SELF, or the target domain if privileged */
    uint16_t pad[3]; /* IN: padding, ignored */
    xen_pfn_t gpfn; /* IN: GFN to unmap */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

/* ---- Memory maps ---------------------------------------------------------------------- */

/*
 * One entry of the buffer of XENMEM_memory_map / machine_memory_map / set_memory_map:
 * the BIOS INT 15h E820 format, 20 bytes, packed (no padding between entries). type uses
 * the e820 codes, which equal XEN_HVM_MEMMAP_TYPE_* of public/hvm/start_info.h
 * (1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable, 6 disabled, 7 persistent memory).
 */
struct xen_e820_entry {
    uint64_t addr; /* start address */
    uint64_t size; /* length in bytes */
    uint32_t type; /* e820 type */
} __attribute__((packed));
typedef struct xen_e820_entry xen_e820_entry_t;

/*
 * XENMEM_memory_map: the caller's own memory map (a PVH guest asks for it when its
 * hvm_start_info has no memmap). XENMEM_machine_memory_map: the host's (privileged).
 * On entry nr_entries is the buffer's capacity; the hypervisor copies at most that many
 * entries and sets nr_entries to the number copied.
 */
struct xen_memory_map {
    uint32_t nr_entries; /* IN: capacity of buffer / OUT: entries written */
    uint32_t pad; /* IN: padding, ignored */
    uint64_t buffer_gva; /* IN: array of struct xen_e820_entry */
};
typedef struct xen_memory_map xen_memory_map_t;

/* XENMEM_set_memory_map: set domain domid's memory map (toolstack). */
struct xen_foreign_memory_map {
    domid_t domid;          /* IN: target domain */
    uint16_t pad[3]; /* IN: padding, ignored */
    struct xen_memory_map map; /* IN: entries to install (nr_entries is IN only here) */
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;

/* XENMEM_set_pod_target / get_pod_target (toolstack). */
struct xen_pod_target {
    uint64_t target_pages;   /* IN */
    uint64_t tot_pages;      /* OUT */
    uint64_t pod_cache_pages; /* OUT */
    uint64_t pod_entries;    /* OUT */
    domid_t domid;           /* IN */
    uint16_t pad[3];
};
_Static_assert(sizeof(struct xen_pod_target) == 40, "xen_pod_target size");

/* ---- Resources ------------------------------------------------------------------------ */

/*
 * XENMEM_acquire_resource: map frames of a domain's resource (ioreq server pages, grant
 * table) into the caller. A translated (PVH/HVM) caller lists the GFNs where the frames
 * should appear in frame_list_gva. With nr_frames == 0 and frame_list_gva == 0 the call
 * returns the resource's size in nr_frames.
 */
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2
#define XENMEM_resource_grant_table_id_shared 0 /* id for grant_table: shared frames */
#define XENMEM_resource_grant_table_id_status 1 /* id for grant_table: status frames */
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))

struct xen_mem_acquire_resource {
    domid_t domid;           /* IN: domain owning the resource */
    uint16_t type;           /* IN: XENMEM_resource_* */
    uint32_t id;             /* IN: type-specific id (ioreq server id, grant table id) */
    uint32_t nr_frames;      /* IN/OUT: frames to map / size of the resource */
    uint32_t pad;            /* IN: must be 0 */
    uint64_t frame;          /* IN: first frame of the resource to map */
    uint64_t frame_list_gva; /* IN/OUT: array of nr_frames xen_pfn_t: GFNs to map at */
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;

/* ---- Layout checks -------------------------------------------------------------------- */

_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation size");
_Static_assert(offsetof(struct xen_memory_reservation, nr_extents) == 8, "nr_extents");
_Static_assert(offsetof(struct xen_memory_reservation, extent_order) == 16, "extent_order");
_Static_assert(offsetof(struct xen_memory_reservation, mem_flags) == 20, "mem_flags");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24, "domid");
_Static_assert(sizeof(struct xen_memory_exchange) == 72, "xen_memory_exchange size");
_Static_assert(sizeof(struct xen_machphys_mfn_list) == 24, "xen_machphys_mfn_list size");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap size");
_Static_assert(offsetof(struct xen_add_to_physmap, size) == 2, "add_to_physmap.size");
_Static_assert(offsetof(struct xen_add_to_physmap, space) == 4, "add_to_physmap.space");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8, "add_to_physmap.idx");
_Static_assert(offsetof(struct xen_add_to_physmap, gpfn) == 16, "add_to_physmap.gpfn");
_Static_assert(sizeof(struct xen_add_to_physmap_batch) == 32, "add_to_physmap_batch size");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, idxs_gva) == 8, "batch.idxs");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, errs_gva) == 24, "batch.errs");
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16, "xen_remove_from_physmap size");
_Static_assert(sizeof(struct xen_e820_entry) == 20, "xen_e820_entry size");
_Static_assert(offsetof(struct xen_e820_entry, type) == 16, "e820.type");
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map size");
_Static_assert(offsetof(struct xen_memory_map, buffer_gva) == 8, "memory_map.buffer");
_Static_assert(sizeof(struct xen_foreign_memory_map) == 24, "xen_foreign_memory_map size");
_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32, "acquire_resource size");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame) == 16, "acquire.frame");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame_list_gva) == 24, "acq.list");

#endif /* TERN_PUBLIC_MEMORY_H */
