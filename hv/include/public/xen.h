/* SPDX-License-Identifier: MIT */
/* Core of Xen's guest ABI (x86_64): hypercall numbers, domain ids, VIRQs, shared_info. */
#ifndef TERN_PUBLIC_XEN_H
#define TERN_PUBLIC_XEN_H

/*
 * This header, like every header under public/, describes the binary interface between
 * the hypervisor, its guests and the toolstack. Every number and layout here is the one of
 * Xen 4.17 on x86_64, because unmodified guests (Linux as a PVH domU or dom0) compile
 * against Xen's own headers. Only the 64-bit layouts are described; 32-bit guests are not
 * supported.
 *
 * Conventions of all public/ headers:
 *  - Only fixed-width types. Padding is written out as explicit fields; the hypervisor
 *    ignores padding on input unless a comment says it must be zero.
 *  - A field that holds a guest pointer ("guest handle" in Xen's terms) is a uint64_t whose
 *    name ends in _gva: a guest-virtual address, translated through the guest's current
 *    page tables (for a PVH/HVM guest) when the hypervisor copies from or to it.
 *  - IN fields are read by the hypervisor, OUT fields are written by it, IN/OUT both.
 *  - Hypercalls return 0 or a positive value on success, or a negative errno from
 *    public/errno.h.
 */

#include <stddef.h>
#include <stdint.h>

/* ---- Hypercall numbers ---------------------------------------------------------------- */

/*
 * The hypercall number goes in RAX, the arguments in RDI, RSI, RDX, R10, R8 (and R9).
 * The result comes back in RAX. A guest enters with VMMCALL (AMD) or VMCALL (Intel), either
 * directly or through a stub of the hypercall page. Numbers the hypervisor does not
 * implement return -ENOSYS. Many of the numbers below are PV-only and are listed so that
 * the table is complete.
 */
#define __HYPERVISOR_set_trap_table 0           /* PV only */
#define __HYPERVISOR_mmu_update 1               /* PV only */
#define __HYPERVISOR_set_gdt 2                  /* PV only */
#define __HYPERVISOR_stack_switch 3             /* PV only */
#define __HYPERVISOR_set_callbacks 4            /* PV only */
#define __HYPERVISOR_fpu_taskswitch 5           /* PV only */
#define __HYPERVISOR_sched_op_compat 6          /* old ABI of sched_op (29) */
#define __HYPERVISOR_platform_op 7              /* dom0: host platform control */
#define __HYPERVISOR_set_debugreg 8             /* PV only */
#define __HYPERVISOR_get_debugreg 9             /* PV only */
#define __HYPERVISOR_update_descriptor 10       /* PV only */
/* 11 is unused. */
#define __HYPERVISOR_memory_op 12               /* public/memory.h */
#define __HYPERVISOR_multicall 13               /* batch: array of multicall_entry */
#define __HYPERVISOR_update_va_mapping 14       /* PV only */
#define __HYPERVISOR_set_timer_op 15            /* (u64 absolute system time in ns) */
#define __HYPERVISOR_event_channel_op_compat 16 /* old ABI of event_channel_op (32) */
#define __HYPERVISOR_xen_version 17             /* public/version.h */
#define __HYPERVISOR_console_io 18              /* (cmd, count, buffer gva): CONSOLEIO_* */
#define __HYPERVISOR_physdev_op_compat 19       /* old ABI of physdev_op (33) */
#define __HYPERVISOR_grant_table_op 20          /* public/grant_table.h */
#define __HYPERVISOR_vm_assist 21               /* (cmd, type): VMASST_* */
#define __HYPERVISOR_update_va_mapping_otherdomain 22 /* PV only */
#define __HYPERVISOR_iret 23                    /* PV only; its page stub is ud2 for HVM */
#define __HYPERVISOR_vcpu_op 24                 /* public/vcpu.h */
#define __HYPERVISOR_set_segment_base 25        /* PV only */
#define __HYPERVISOR_mmuext_op 26               /* PV only */
#define __HYPERVISOR_xsm_op 27                  /* security module (FLASK) */
#define __HYPERVISOR_nmi_op 28                  /* PV only */
#define __HYPERVISOR_sched_op 29                /* public/sched.h */
#define __HYPERVISOR_callback_op 30             /* PV only */
#define __HYPERVISOR_xenoprof_op 31             /* profiling */
#define __HYPERVISOR_event_channel_op 32        /* public/event_channel.h */
#define __HYPERVISOR_physdev_op 33              /* physical devices, pirqs */
#define __HYPERVISOR_hvm_op 34                  /* public/hvm/hvm_op.h */
#define __HYPERVISOR_sysctl 35                  /* toolstack, version-locked */
#define __HYPERVISOR_domctl 36                  /* toolstack, version-locked */
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38                 /* removed from Xen; always -ENOSYS */
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41                   /* device-model operations (toolstack) */
#define __HYPERVISOR_hypfs_op 42

/* Architecture-specific hypercalls 48..55; none are defined for x86 guests. */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/*
 * Hypercall page (Tern names). When a guest writes a page-aligned GPA to the MSR that CPUID
 * leaf base+2 EBX names, the hypervisor fills that page with one stub per hypercall number:
 * stub n sits at offset n * XEN_HYPERCALL_STUB_SIZE and is `mov $n, %eax; vmmcall; ret`.
 */
#define XEN_HYPERCALL_STUB_SIZE 32
#define XEN_HYPERCALL_PAGE_STUBS 128

/* ---- Domain ids --------------------------------------------------------------------- */

typedef uint16_t domid_t;

/* Ids at or above DOMID_FIRST_RESERVED never name a real domain. */
#define DOMID_FIRST_RESERVED 0x7FF0U
/* "The calling domain", accepted wherever a domid_t argument is taken. */
#define DOMID_SELF 0x7FF0U
/* Owner of I/O memory (MMIO) pages. */
#define DOMID_IO 0x7FF1U
/* The hypervisor itself, as owner of its own pages (e.g. shared_info, grant frames). */
#define DOMID_XEN 0x7FF2U
/* Owner of shared copy-on-write pages (memory sharing). */
#define DOMID_COW 0x7FF3U
/* "No domain": e.g. an unbound event channel's remote end, an invalid grant. */
#define DOMID_INVALID 0x7FF4U
/* The idle domain (per-CPU idle vCPUs). */
#define DOMID_IDLE 0x7FFFU
/* Mask of the bits that make up a domain id. */
#define DOMID_MASK 0x7FFFU

/* Guest page frame numbers and "unsigned long"-sized values of the 64-bit ABI. */
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;

/* A 128-bit opaque handle (the domain's UUID), returned by XENVER_guest_handle. */
typedef uint8_t xen_domain_handle_t[16];

/* ---- Virtual IRQs (bound with EVTCHNOP_bind_virq) --------------------------------------- */

/* "per vCPU" VIRQs are bound once per vCPU; "global" ones once per domain, on any vCPU. */
#define VIRQ_TIMER 0       /* per vCPU: singleshot/periodic timer expired */
#define VIRQ_DEBUG 1       /* per vCPU: request to dump debug state */
#define VIRQ_CONSOLE 2     /* global, dom0: bytes arrived on the hypervisor console */
#define VIRQ_DOM_EXC 3     /* global, dom0: a domain crashed or shut down */
#define VIRQ_TBUF 4        /* global, dom0: trace buffer has records */
/* 5 is unused. */
#define VIRQ_DEBUGGER 6    /* global, dom0: a domain paused for a debugger */
#define VIRQ_XENOPROF 7    /* per vCPU: profiling sample available */
#define VIRQ_CON_RING 8    /* global, dom0: hypervisor console ring has new bytes */
#define VIRQ_PCPU_STATE 9  /* global, dom0: a physical CPU went on- or offline */
#define VIRQ_MEM_EVENT 10  /* global, dom0: a memory event occurred */
#define VIRQ_ARGO 11       /* global: Argo message notification */
#define VIRQ_ENOMEM 12     /* global, dom0: hypervisor heap is low */
#define VIRQ_XENPMU 13     /* per vCPU: PMU counter interrupt */
/* 16..23 are reserved for architecture-specific VIRQs (none on x86). */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

/* ---- console_io (hypercall 18) ------------------------------------------------------- */

/*
 * console_io(cmd, count, buffer_gva) works on the hypervisor's own console.
 *   CONSOLEIO_write: writes count bytes from the guest buffer; returns >= 0 on success.
 *   CONSOLEIO_read:  reads up to count bytes of pending input; returns the number read.
 * Xen allows it for dom0 (and for every domain in debug builds); Tern allows writes from
 * every domain as a debug channel.
 */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* ---- vm_assist (hypercall 21) -------------------------------------------------------- */

/* vm_assist(cmd, type): enable or disable an optional behaviour for the calling domain. */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1

#define VMASST_TYPE_4gb_segments 0         /* PV (32-bit) only */
#define VMASST_TYPE_4gb_segments_notify 1  /* PV (32-bit) only */
#define VMASST_TYPE_writable_pagetables 2  /* PV only */
#define VMASST_TYPE_pae_extended_cr3 3     /* PV (32-bit) only */
#define VMASST_TYPE_architectural_iopl 4   /* PV only */
/*
 * Set XEN_RUNSTATE_UPDATE (bit 63 of state_entry_time, public/vcpu.h) in the registered
 * runstate area while the hypervisor updates it. Used by Linux for steal-time accounting.
 */
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict 32          /* PV only */

/* ---- Multicall (hypercall 13) -------------------------------------------------------- */

/*
 * multicall(entries_gva, nr_calls): runs each entry's hypercall in order. The hypervisor
 * writes each call's return value into its result field; the multicall itself returns 0
 * unless the array could not be read.
 */
struct multicall_entry {
    uint64_t op;      /* IN: hypercall number */
    uint64_t result;  /* OUT: that hypercall's return value */
    uint64_t args[6]; /* IN: its arguments, in register order */
};
typedef struct multicall_entry multicall_entry_t;

_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry size");

/* ---- Time information (pvclock) ------------------------------------------------------ */

/*
 * Per-vCPU time, read by the guest without a hypercall. The hypervisor increments
 * version to an odd value, updates the fields, then increments it to an even value;
 * readers retry while the version is odd or changed.
 *   system_time(now) = system_time
 *       + (((tsc_now - tsc_timestamp) << tsc_shift, or >> -tsc_shift) * tsc_to_system_mul)
 *         >> 32
 * tsc_to_system_mul must never be 0 once the guest can see this structure.
 */
struct vcpu_time_info {
    uint32_t version;           /* seqlock: odd while an update is in progress */
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* TSC value at the time of the last update */
    uint64_t system_time;       /* ns since the domain started, at tsc_timestamp */
    uint32_t tsc_to_system_mul; /* TSC->ns multiplier, a 32.32 fixed-point fraction */
    int8_t tsc_shift;           /* shift applied to the TSC delta before multiplying */
    uint8_t flags;              /* XEN_PVCLOCK_* */
    uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

/* The TSC is synchronised across vCPUs: no global monotonicity clamp is needed. */
#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
/* The vCPU was paused by the toolstack; the guest should touch its watchdogs. */
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
_Static_assert(offsetof(struct vcpu_time_info, tsc_timestamp) == 8, "tsc_timestamp");
_Static_assert(offsetof(struct vcpu_time_info, system_time) == 16, "system_time");
_Static_assert(offsetof(struct vcpu_time_info, tsc_to_system_mul) == 24, "mul");
_Static_assert(offsetof(struct vcpu_time_info, tsc_shift) == 28, "tsc_shift");
_Static_assert(offsetof(struct vcpu_time_info, flags) == 29, "flags");

/* ---- vcpu_info ------------------------------------------------------------------------ */

/* x86_64 part of vcpu_info. */
struct arch_vcpu_info {
    uint64_t cr2; /* PV only: faulting address of the last page fault */
    uint64_t pad; /* makes vcpu_info 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/*
 * Per-vCPU event and time state. The first XEN_LEGACY_MAX_VCPUS of them live in
 * shared_info; a guest may move any vCPU's copy elsewhere with VCPUOP_register_vcpu_info.
 *
 * Event delivery (2-level): the hypervisor sets a port's bit in shared_info.evtchn_pending,
 * and if the port is unmasked, sets bit (port / 64) of evtchn_pending_sel of the vCPU the
 * port is bound to, then sets evtchn_upcall_pending and injects the upcall. The guest
 * clears evtchn_upcall_pending, then atomically exchanges evtchn_pending_sel with 0 and
 * scans the selected words.
 */
struct vcpu_info {
    uint8_t evtchn_upcall_pending; /* written non-zero by the hypervisor; cleared by guest */
    uint8_t evtchn_upcall_mask;    /* PV only: non-zero blocks upcalls. Ignored for PVH/HVM */
    uint8_t pad0[6];
    uint64_t evtchn_pending_sel;   /* bit n: word n of evtchn_pending may have events */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "upcall_mask");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "pending_sel");
_Static_assert(offsetof(struct vcpu_info, arch) == 16, "arch");
_Static_assert(offsetof(struct vcpu_info, time) == 32, "time");

/* ---- shared_info ---------------------------------------------------------------------- */

/* Number of vcpu_info slots inside shared_info; vCPUs beyond need register_vcpu_info. */
#define XEN_LEGACY_MAX_VCPUS 32

/* Words of the 2-level pending and mask bitmaps: 64 words x 64 bits = 4096 ports. */
#define XEN_EVTCHN_2L_WORDS 64

/* x86_64 part of shared_info. All PV-only (p2m bookkeeping); zero for PVH/HVM guests. */
struct arch_shared_info {
    uint64_t max_pfn;                    /* entries in the p2m list */
    uint64_t pfn_to_mfn_frame_list_list; /* frame of the 3-level p2m list (or 0 / ~0) */
    uint64_t nmi_reason;                 /* reason bits of the last NMI */
    uint64_t p2m_cr3;                    /* address space of p2m_vaddr (0: unused) */
    uint64_t p2m_vaddr;                  /* virtual address of the linear p2m list */
    uint64_t p2m_generation;             /* odd while the guest updates the p2m list */
};
typedef struct arch_shared_info arch_shared_info_t;

/*
 * The page a guest maps with XENMEM_add_to_physmap(XENMAPSPACE_shared_info). This is the
 * 64-bit layout; 32-bit guests see the wallclock at 0x900 instead, which Tern does not
 * support.
 *
 * Wallclock: wc_sec_hi:wc_sec + wc_nsec is the UTC time at system time 0. The guest adds
 * vcpu_time_info's system time to get the current time. wc_version is a seqlock like
 * vcpu_time_info.version.
 */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[XEN_EVTCHN_2L_WORDS]; /* bit p: port p has an event pending */
    uint64_t evtchn_mask[XEN_EVTCHN_2L_WORDS];    /* bit p: port p is masked */
    uint32_t wc_version;                          /* seqlock of the wallclock fields */
    uint32_t wc_sec;                              /* seconds, low 32 bits */
    uint32_t wc_nsec;                             /* nanoseconds, < 10^9 */
    uint32_t wc_sec_hi;                           /* seconds, high 32 bits */
    struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

_Static_assert(sizeof(struct arch_shared_info) == 48, "arch_shared_info size");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info size");
_Static_assert(offsetof(struct shared_info, vcpu_info) == 0, "vcpu_info");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "evtchn_mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 3072, "wc_version");
_Static_assert(offsetof(struct shared_info, wc_sec) == 3076, "wc_sec");
_Static_assert(offsetof(struct shared_info, wc_nsec) == 3080, "wc_nsec");
_Static_assert(offsetof(struct shared_info, wc_sec_hi) == 3084, "wc_sec_hi");
_Static_assert(offsetof(struct shared_info, arch) == 3088, "arch");

/* ---- Start-of-day flags (hvm_start_info.flags, public/hvm/start_info.h) --------------- */

#define SIF_PRIVILEGED (1 << 0)    /* the domain is privileged (may use privileged ops) */
#define SIF_INITDOMAIN (1 << 1)    /* the domain is the initial control domain (dom0) */
#define SIF_MULTIBOOT_MOD (1 << 2) /* PV only: mod_start is a multiboot module list */
#define SIF_MOD_START_PFN (1 << 3) /* PV only: mod_start is a PFN */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* PV only: tools understand a virtual p2m list */
#define SIF_PM_MASK (0xFF << 8)    /* reserved for power-management options */

#endif /* TERN_PUBLIC_XEN_H */
