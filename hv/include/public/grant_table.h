/* SPDX-License-Identifier: MIT */
/* Grant tables: grant entries in guest memory and grant_table_op (hypercall 20). */
#ifndef TERN_PUBLIC_GRANT_TABLE_H
#define TERN_PUBLIC_GRANT_TABLE_H

/*
 * A domain (the granter) shares a page with another domain (the grantee) by filling a
 * grant entry in its grant table; the entry's index is the grant reference it passes to
 * the grantee (e.g. through xenstore). The grantee then maps or copies the page with
 * grant_table_op(cmd, ops_gva, count), which processes an array of count op structs.
 * The hypercall's return value reports whether the array could be processed (0, or a
 * negative errno such as -EFAULT or -ENOSYS); each op's own status field reports its
 * outcome as a GNTST_* code.
 *
 * The grant table lives in hypervisor-owned frames that a PVH/HVM guest maps into its
 * physical address space with XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx, gpfn).
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

/* Index of a grant entry in the granter's table. */
typedef uint32_t grant_ref_t;

/* Handle of a grant mapping, returned by map_grant_ref and given back to unmap. */
typedef uint32_t grant_handle_t;

/* ---- Version 1 grant entries ---------------------------------------------------------- */

/*
 * A v1 entry; a 4 KiB frame holds 512 of them. Protocol of the granter:
 *  - grant: write frame and domid, then a write barrier, then flags;
 *  - revoke: compare-and-swap flags to 0, which must fail while GTF_reading or
 *    GTF_writing is set.
 * The hypervisor sets GTF_reading / GTF_writing while the grantee maps or copies the
 * page, and checks type, domid and GTF_readonly on every map and copy.
 */
struct grant_entry_v1 {
    uint16_t flags;  /* GTF_* type and flags; granter writes, hypervisor sets in-use bits */
    domid_t domid;   /* the grantee domain */
    uint32_t frame;  /* permit_access: GFN of the granted page. accept_transfer: GFN that
                      * receives the page; after the transfer, its MFN (PV only). */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* Refs 0..7 are reserved for the toolstack: 0 is the console ring, 1 the xenstore ring. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* Type, in flags bits 1:0. */
#define GTF_invalid (0U << 0)         /* entry grants nothing */
#define GTF_permit_access (1U << 0)   /* domid may map / copy frame */
#define GTF_accept_transfer (2U << 0) /* domid may transfer a page into frame */
#define GTF_transitive (3U << 0)      /* v2 only: re-grant of another domain's grant */
#define GTF_type_mask (3U << 0)

/* Flags of GTF_permit_access entries. */
#define _GTF_readonly 2
#define GTF_readonly (1U << _GTF_readonly) /* grantee may only read */
#define _GTF_reading 3
#define GTF_reading (1U << _GTF_reading)   /* set by the hypervisor: in use for reading */
#define _GTF_writing 4
#define GTF_writing (1U << _GTF_writing)   /* set by the hypervisor: in use for writing */
#define _GTF_PWT 5
#define GTF_PWT (1U << _GTF_PWT)           /* cache attribute for the grantee's mapping */
#define _GTF_PCD 6
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT 7
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page 8
#define GTF_sub_page (1U << _GTF_sub_page) /* v2 only: grant covers part of the page */

/* Flags of GTF_accept_transfer entries (they reuse bits 2 and 3). */
#define _GTF_transfer_committed 2
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed 3
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/* ---- Version 2 grant entries (selected with GNTTABOP_set_version 2) ------------------- */

/* Common header of v2 entries; the status (reading/writing) is kept in status frames. */
struct grant_entry_header {
    uint16_t flags; /* GTF_* */
    domid_t domid;  /* the grantee */
};
typedef struct grant_entry_header grant_entry_header_t;

/* A v2 entry, 16 bytes. */
union grant_entry_v2 {
    grant_entry_header_t hdr;
    struct {
        grant_entry_header_t hdr;
        uint32_t pad0;
        uint64_t frame;    /* GFN of the whole granted page */
    } full_page;
    struct {
        grant_entry_header_t hdr;
        uint16_t page_off; /* first byte granted */
        uint16_t length;   /* number of bytes granted */
        uint64_t frame;    /* GFN of the page */
    } sub_page;
    struct {
        grant_entry_header_t hdr;
        domid_t trans_domid; /* domain that granted gref to us */
        uint16_t pad0;
        grant_ref_t gref;    /* that domain's grant reference */
    } transitive;
    uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;

/* v2 status word (GTF_reading / GTF_writing), one per entry, in separate status frames. */
typedef uint16_t grant_status_t;

/* ---- grant_table_op commands ---------------------------------------------------------- */

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* Flags of map_grant_ref (GNTMAP_*). */
#define _GNTMAP_device_map 0
#define GNTMAP_device_map (1 << _GNTMAP_device_map)   /* map for device (DMA) access */
#define _GNTMAP_host_map 1
#define GNTMAP_host_map (1 << _GNTMAP_host_map)       /* map for CPU access at host_addr */
#define _GNTMAP_readonly 2
#define GNTMAP_readonly (1 << _GNTMAP_readonly)       /* map read-only */
#define _GNTMAP_application_map 3
#define GNTMAP_application_map (1 << _GNTMAP_application_map) /* PV: user-accessible */
#define _GNTMAP_contains_pte 4
#define GNTMAP_contains_pte (1 << _GNTMAP_contains_pte) /* PV: host_addr is a PTE address */
/* PV: bits 16..31 are copied into the PTE's available bits (XENFEAT_gnttab_map_avail_bits) */
#define _GNTMAP_guest_avail0 16
#define GNTMAP_guest_avail_mask ((uint32_t)~0U << _GNTMAP_guest_avail0)

/* Status codes of the op structs' status fields. */
#define GNTST_okay 0
#define GNTST_general_error (-1)     /* unspecified error */
#define GNTST_bad_domain (-2)        /* unknown domain */
#define GNTST_bad_gntref (-3)        /* ref out of range, or entry does not grant this */
#define GNTST_bad_handle (-4)        /* unknown mapping handle */
#define GNTST_bad_virt_addr (-5)     /* host_addr unusable for the mapping */
#define GNTST_bad_dev_addr (-6)      /* dev_bus_addr does not match the mapping */
#define GNTST_no_device_space (-7)   /* no room in the IOMMU */
#define GNTST_permission_denied (-8) /* e.g. write access to a read-only grant */
#define GNTST_bad_page (-9)          /* the granted frame is not a valid page */
#define GNTST_bad_copy_arg (-10)     /* copy crosses a page boundary */
#define GNTST_address_too_big (-11)  /* transfer: page address too large */
#define GNTST_eagain (-12)           /* not done; retry (e.g. page paged out) */
#define GNTST_no_space (-13)         /* out of space (e.g. mapping handles) */

/*
 * GNTTABOP_map_grant_ref: map granted page ref of domain dom. For a PVH/HVM grantee,
 * host_addr is the guest-physical address at which the page appears (GNTMAP_host_map).
 * The hypervisor checks: dom exists, ref < table size, entry type permit_access with
 * domid == caller, GTF_readonly against GNTMAP_readonly; then sets GTF_reading/writing.
 */
struct gnttab_map_grant_ref {
    uint64_t host_addr;      /* IN: where to map (GPA for PVH/HVM) */
    uint32_t flags;          /* IN: GNTMAP_* */
    grant_ref_t ref;         /* IN: grant reference in dom's table */
    domid_t dom;             /* IN: granting domain */
    int16_t status;          /* OUT: GNTST_* */
    grant_handle_t handle;   /* OUT: handle for unmap */
    uint64_t dev_bus_addr;   /* OUT: bus address, with GNTMAP_device_map */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;

/*
 * GNTTABOP_unmap_grant_ref: undo a mapping. host_addr (if GNTMAP_host_map was used) and
 * dev_bus_addr (if device_map, else 0) must match what the map returned.
 */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;    /* IN: address given to map, or 0 */
    uint64_t dev_bus_addr; /* IN: bus address returned by map, or 0 */
    grant_handle_t handle; /* IN: handle returned by map */
    int16_t status;        /* OUT: GNTST_* */
    uint16_t pad; /* IN: padding, ignored */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;

/*
 * GNTTABOP_setup_table: grow dom's table to nr_frames frames and return their frame
 * numbers. PV interface; PVH/HVM guests map frames with XENMEM_add_to_physmap instead.
 */
struct gnttab_setup_table {
    domid_t dom;              /* IN: DOMID_SELF, or any domain if privileged */
    uint16_t pad0; /* IN: padding, ignored */
    uint32_t nr_frames;       /* IN: number of frames wanted */
    int16_t status;           /* OUT: GNTST_* */
    uint16_t pad1[3]; /* IN: padding, ignored */
    uint64_t frame_list_gva;  /* IN: array of nr_frames xen_pfn_t that receives frames */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

/* GNTTABOP_dump_table: print dom's table on the hypervisor console (debugging). */
struct gnttab_dump_table {
    domid_t dom;    /* IN: domain */
    int16_t status; /* OUT: GNTST_* */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;

/* GNTTABOP_transfer: give page mfn to domid through its accept_transfer grant ref. PV. */
struct gnttab_transfer {
    xen_pfn_t mfn;     /* IN: frame to give away */
    domid_t domid;     /* IN: receiving domain */
    uint16_t pad0; /* IN: padding, ignored */
    grant_ref_t ref;   /* IN: receiver's accept_transfer grant */
    int16_t status;    /* OUT: GNTST_* */
    uint16_t pad1[3]; /* IN: padding, ignored */
};
typedef struct gnttab_transfer gnttab_transfer_t;

/*
 * GNTTABOP_copy: copy len bytes between two pages, each named either by a grant ref of
 * a domain (GNTCOPY_*_gref set) or by a GFN of the caller. Neither side may cross a page
 * boundary (offset + len <= 4096, else GNTST_bad_copy_arg). The hypervisor holds
 * GTF_reading (source) / GTF_writing (dest) on the grants for the duration of the copy.
 */
#define _GNTCOPY_source_gref 0
#define GNTCOPY_source_gref (1 << _GNTCOPY_source_gref) /* source.u is a grant ref */
#define _GNTCOPY_dest_gref 1
#define GNTCOPY_dest_gref (1 << _GNTCOPY_dest_gref)     /* dest.u is a grant ref */

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref; /* IN: grant ref in domid's table (with GNTCOPY_*_gref) */
        xen_pfn_t gmfn;  /* IN: GFN of the caller's page (without) */
    } u;
    domid_t domid;       /* IN: granting domain for ref; DOMID_SELF for gmfn */
    uint16_t offset;     /* IN: byte offset in the page */
    uint32_t pad; /* IN: padding, ignored */
};

struct gnttab_copy {
    struct gnttab_copy_ptr source; /* IN: where to copy from */
    struct gnttab_copy_ptr dest;   /* IN: where to copy to */
    uint16_t len;                  /* IN: number of bytes */
    uint16_t flags;                /* IN: GNTCOPY_* */
    int16_t status;                /* OUT: GNTST_* */
    uint16_t pad; /* IN: padding, ignored */
};
typedef struct gnttab_copy gnttab_copy_t;

/* GNTTABOP_query_size: current and maximum size of dom's table, in frames. */
struct gnttab_query_size {
    domid_t dom;            /* IN: DOMID_SELF, or any domain if privileged */
    uint16_t pad; /* IN: padding, ignored */
    uint32_t nr_frames;     /* OUT: frames in use */
    uint32_t max_nr_frames; /* OUT: limit for this domain */
    int16_t status;         /* OUT: GNTST_* */
    uint16_t pad1; /* IN: padding, ignored */
};
typedef struct gnttab_query_size gnttab_query_size_t;

/*
 * GNTTABOP_unmap_and_replace: unmap host_addr and move new_addr's PTE there. For a PVH/HVM
 * caller there is no PTE to move: new_addr must be 0 (else GNTST_general_error), and the op
 * is an unmap without dev_bus_addr.
 */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;    /* IN: mapping to remove */
    uint64_t new_addr;     /* IN: PV address whose mapping replaces it */
    grant_handle_t handle; /* IN: handle of the mapping */
    int16_t status;        /* OUT: GNTST_* */
    uint16_t pad; /* IN: padding, ignored */
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;

/*
 * GNTTABOP_set_version: select the entry format (1 or 2) of the caller's table. Only
 * allowed while no grant is in use. On return, version holds the version in force.
 */
struct gnttab_set_version {
    uint32_t version; /* IN/OUT: wanted version / version now in force */
};
typedef struct gnttab_set_version gnttab_set_version_t;

/* GNTTABOP_get_status_frames: frames of the v2 status array. PV interface. */
struct gnttab_get_status_frames {
    uint32_t nr_frames;      /* IN: number of frames wanted */
    domid_t dom;             /* IN: DOMID_SELF, or any domain if privileged */
    int16_t status;          /* OUT: GNTST_* */
    uint64_t frame_list_gva; /* IN: array of nr_frames uint64_t that receives frames */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;

/* GNTTABOP_get_version: entry format of dom's table. */
struct gnttab_get_version {
    domid_t dom;      /* IN: DOMID_SELF, or any domain if privileged */
    uint16_t pad; /* IN: padding, ignored */
    uint32_t version; /* OUT: 1 or 2 */
};
typedef struct gnttab_get_version gnttab_get_version_t;

/* GNTTABOP_swap_grant_ref: exchange two entries of the caller's table (v2 only). */
struct gnttab_swap_grant_ref {
    grant_ref_t ref_a; /* IN */
    grant_ref_t ref_b; /* IN */
    int16_t status;    /* OUT: GNTST_* */
    uint16_t pad; /* IN: padding, ignored */
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;

/* GNTTABOP_cache_flush: clean/invalidate caches over part of a granted page (Arm). */
#define GNTTAB_CACHE_CLEAN (1U << 0)
#define GNTTAB_CACHE_INVAL (1U << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1U << 31) /* a.ref is a grant ref, else a.dev_bus_addr */
struct gnttab_cache_flush {
    union {
        uint64_t dev_bus_addr; /* IN: bus address of the page */
        grant_ref_t ref;       /* IN: grant ref (with GNTTAB_CACHE_SOURCE_GREF) */
    } a;
    uint16_t offset;           /* IN: first byte, from the start of the grant */
    uint16_t length;           /* IN: number of bytes */
    uint32_t op;               /* IN: GNTTAB_CACHE_* */
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;

/* ---- Layout checks -------------------------------------------------------------------- */

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 size");
_Static_assert(offsetof(struct grant_entry_v1, domid) == 2, "grant_entry_v1.domid");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4, "grant_entry_v1.frame");
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2 size");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "gnttab_map_grant_ref size");
_Static_assert(offsetof(struct gnttab_map_grant_ref, flags) == 8, "map.flags");
_Static_assert(offsetof(struct gnttab_map_grant_ref, ref) == 12, "map.ref");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dom) == 16, "map.dom");
_Static_assert(offsetof(struct gnttab_map_grant_ref, status) == 18, "map.status");
_Static_assert(offsetof(struct gnttab_map_grant_ref, handle) == 20, "map.handle");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24, "map.dev_bus_addr");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "gnttab_unmap_grant_ref size");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, dev_bus_addr) == 8, "unmap.bus");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, handle) == 16, "unmap.handle");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, status) == 20, "unmap.status");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table size");
_Static_assert(offsetof(struct gnttab_setup_table, nr_frames) == 4, "setup.nr_frames");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8, "setup.status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list_gva) == 16, "setup.frame_list");
_Static_assert(sizeof(struct gnttab_dump_table) == 4, "gnttab_dump_table size");
_Static_assert(sizeof(struct gnttab_transfer) == 24, "gnttab_transfer size");
_Static_assert(offsetof(struct gnttab_transfer, ref) == 12, "transfer.ref");
_Static_assert(offsetof(struct gnttab_transfer, status) == 16, "transfer.status");
_Static_assert(sizeof(struct gnttab_copy_ptr) == 16, "gnttab_copy_ptr size");
_Static_assert(offsetof(struct gnttab_copy_ptr, domid) == 8, "copy_ptr.domid");
_Static_assert(offsetof(struct gnttab_copy_ptr, offset) == 10, "copy_ptr.offset");
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy size");
_Static_assert(offsetof(struct gnttab_copy, dest) == 16, "copy.dest");
_Static_assert(offsetof(struct gnttab_copy, len) == 32, "copy.len");
_Static_assert(offsetof(struct gnttab_copy, flags) == 34, "copy.flags");
_Static_assert(offsetof(struct gnttab_copy, status) == 36, "copy.status");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size size");
_Static_assert(offsetof(struct gnttab_query_size, nr_frames) == 4, "query.nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, max_nr_frames) == 8, "query.max_nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, status) == 12, "query.status");
_Static_assert(sizeof(struct gnttab_unmap_and_replace) == 24, "unmap_and_replace size");
_Static_assert(sizeof(struct gnttab_set_version) == 4, "gnttab_set_version size");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "get_status_frames size");
_Static_assert(offsetof(struct gnttab_get_status_frames, frame_list_gva) == 8, "gsf.list");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version size");
_Static_assert(offsetof(struct gnttab_get_version, version) == 4, "get_version.version");
_Static_assert(sizeof(struct gnttab_swap_grant_ref) == 12, "gnttab_swap_grant_ref size");
_Static_assert(sizeof(struct gnttab_cache_flush) == 16, "gnttab_cache_flush size");

#endif /* TERN_PUBLIC_GRANT_TABLE_H */
