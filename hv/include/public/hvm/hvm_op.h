/* SPDX-License-Identifier: MIT */
/* hvm_op (hypercall 34): HVM parameters and other operations for PVH/HVM domains. */
#ifndef TERN_PUBLIC_HVM_HVM_OP_H
#define TERN_PUBLIC_HVM_HVM_OP_H

/*
 * hvm_op(cmd, arg_gva). Unknown cmds return -ENOSYS. Most ops take a domid and operate on
 * the caller (DOMID_SELF) or, for a privileged caller, another domain; an unprivileged
 * caller naming another domain gets -EPERM. The parameter indices are in
 * public/hvm/params.h.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

/*
 * Get or set an HVM parameter: arg = struct xen_hvm_param. The hypervisor checks
 * index < HVM_NR_PARAMS (else -EINVAL) and which parameters a guest may access for itself
 * (others give -EPERM). Xen 4.17 lets a guest set CALLBACK_IRQ, STORE_EVTCHN,
 * CONSOLE_EVTCHN, VM86_TSS(_SIZED), ACPI_IOPORTS_LOCATION, VM_GENERATION_ID_ADDR and
 * X87_FIP_WIDTH, and read those plus STORE_PFN, CONSOLE_PFN and ALTP2M.
 * Deprecated indices give -EINVAL.
 */
#define HVMOP_set_param 0
#define HVMOP_get_param 1

/* 2..4: interrupt-line control, moved to dm_op in Xen 4.9 (hvm_op returns -ENOSYS). */
#define HVMOP_set_pci_intx_level 2
#define HVMOP_set_isa_irq_level 3
#define HVMOP_set_pci_link_route 4

/* Flush the TLBs of all vCPUs of the calling domain. arg must be NULL. */
#define HVMOP_flush_tlbs 5

/* 6..8: retired (track_dirty_vram, modified_memory, set_mem_type; now dm_op). */

/*
 * Hint that a top-level page table is being destroyed: arg = struct
 * xen_hvm_pagetable_dying. Only useful to shadow paging; Linux probes it once at boot with
 * gpa 0 and stops using it if it fails, so Tern may return -ENOSYS.
 */
#define HVMOP_pagetable_dying 9

/* Current system time (ns since boot): arg = struct xen_hvm_get_time. */
#define HVMOP_get_time 10

/* Emit a trace record into the hypervisor's trace buffers (struct xen_hvm_xentrace). */
#define HVMOP_xentrace 11

/* 12, 13: set/get_mem_access (toolstack only, deprecated). 14: retired (inject_trap). */
#define HVMOP_set_mem_access 12
#define HVMOP_get_mem_access 13

/* Memory type of a GFN: arg = struct xen_hvm_get_mem_type. */
#define HVMOP_get_mem_type 15

/* 16..22: retired (inject_msi and the ioreq-server ops; now dm_op). */

/*
 * Per-vCPU event channel upcall vector: arg = struct xen_hvm_evtchn_upcall_vector.
 * Events of that vCPU are then injected through its LAPIC as this vector (edge, needs an
 * EOI), instead of through the domain-wide HVM_PARAM_CALLBACK_IRQ. The hypervisor checks
 * vector >= 0x10 (else -EINVAL) and the vCPU id (else -ENOENT). Linux uses it only if
 * CPUID base+4 sets XEN_HVM_CPUID_UPCALL_VECTOR.
 */
#define HVMOP_set_evtchn_upcall_vector 23

/* Send a vm_event to the domain's monitor (introspection). */
#define HVMOP_guest_request_vm_event 24

/* Alternate p2m views (struct xen_hvm_altp2m_op; not described here). */
#define HVMOP_altp2m 25

/* arg of HVMOP_set_param / HVMOP_get_param. */
struct xen_hvm_param {
    domid_t domid;  /* IN: DOMID_SELF, or the target domain if privileged */
    uint16_t pad; /* IN: padding, ignored */
    uint32_t index; /* IN: HVM_PARAM_* */
    uint64_t value; /* IN (set) / OUT (get): the value */
};
typedef struct xen_hvm_param xen_hvm_param_t;

/* arg of HVMOP_pagetable_dying. */
struct xen_hvm_pagetable_dying {
    domid_t domid;   /* IN: DOMID_SELF */
    uint16_t pad[3]; /* IN: padding, ignored */
    uint64_t gpa;    /* IN: guest-physical address of the dying top-level page table */
};
typedef struct xen_hvm_pagetable_dying xen_hvm_pagetable_dying_t;

/* arg of HVMOP_get_time. */
struct xen_hvm_get_time {
    uint64_t now; /* OUT: system time in ns */
};
typedef struct xen_hvm_get_time xen_hvm_get_time_t;

/* arg of HVMOP_xentrace. */
#define XEN_HVM_XENTRACE_EXTRA_MAX 28 /* 7 uint32_t words of extra data */
struct xen_hvm_xentrace {
    uint16_t event;                            /* IN: trace event id */
    uint16_t extra_bytes;                      /* IN: bytes of extra that are valid */
    uint8_t extra[XEN_HVM_XENTRACE_EXTRA_MAX]; /* IN: event data */
};
typedef struct xen_hvm_xentrace xen_hvm_xentrace_t;

/* Memory types returned by HVMOP_get_mem_type (hvmmem_type_t). */
#define HVMMEM_ram_rw 0       /* ordinary RAM */
#define HVMMEM_ram_ro 1       /* read-only; writes are discarded */
#define HVMMEM_mmio_dm 2      /* emulated by the device model */
#define HVMMEM_unused 3       /* placeholder */
#define HVMMEM_ioreq_server 4 /* claimed by an ioreq server */

/* arg of HVMOP_get_mem_type. */
struct xen_hvm_get_mem_type {
    domid_t domid;     /* IN: domain to query */
    uint16_t mem_type; /* OUT: HVMMEM_* */
    uint16_t pad[2]; /* IN: padding, ignored */
    uint64_t pfn;      /* IN: GFN to query */
};
typedef struct xen_hvm_get_mem_type xen_hvm_get_mem_type_t;

/* arg of HVMOP_set_evtchn_upcall_vector. */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;   /* IN: vCPU id of the caller's domain */
    uint8_t vector;  /* IN: LAPIC vector, >= 0x10 */
    uint8_t pad[3]; /* IN: padding, ignored */
};
typedef struct xen_hvm_evtchn_upcall_vector xen_hvm_evtchn_upcall_vector_t;

_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param size");
_Static_assert(offsetof(struct xen_hvm_param, index) == 4, "xen_hvm_param.index");
_Static_assert(offsetof(struct xen_hvm_param, value) == 8, "xen_hvm_param.value");
_Static_assert(sizeof(struct xen_hvm_pagetable_dying) == 16, "pagetable_dying size");
_Static_assert(offsetof(struct xen_hvm_pagetable_dying, gpa) == 8, "pagetable_dying.gpa");
_Static_assert(sizeof(struct xen_hvm_get_time) == 8, "xen_hvm_get_time size");
_Static_assert(sizeof(struct xen_hvm_xentrace) == 32, "xen_hvm_xentrace size");
_Static_assert(sizeof(struct xen_hvm_get_mem_type) == 16, "xen_hvm_get_mem_type size");
_Static_assert(offsetof(struct xen_hvm_get_mem_type, pfn) == 8, "get_mem_type.pfn");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector size");
_Static_assert(offsetof(struct xen_hvm_evtchn_upcall_vector, vector) == 4, "vector");

#endif /* TERN_PUBLIC_HVM_HVM_OP_H */
