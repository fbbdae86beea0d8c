/* SPDX-License-Identifier: MIT */
/* vcpu_op (hypercall 24): vCPU bring-up, runstate, timers and vcpu_info placement. */
#ifndef TERN_PUBLIC_VCPU_H
#define TERN_PUBLIC_VCPU_H

/*
 * vcpu_op(cmd, vcpuid, arg_gva). vcpuid names a vCPU of the calling domain; it must be
 * below the domain's vCPU count, else -ENOENT. Unknown cmds return -ENOSYS.
 *
 * Linux as a PVH guest brings up its APs natively (INIT/SIPI through the LAPIC), so it
 * does not use initialise/up/down/is_up; those are listed for completeness and for other
 * guests.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

/*
 * VCPUOP_initialise: set the initial register state of an offline vCPU (before VCPUOP_up).
 * For PVH/HVM domains arg points to a struct vcpu_hvm_context (below). -EEXIST if the
 * vCPU was already initialised.
 */
#define VCPUOP_initialise 0

/* VCPUOP_up: start an initialised vCPU. arg unused. -EINVAL if not initialised. */
#define VCPUOP_up 1

/* VCPUOP_down: stop a vCPU (the caller's own, typically). arg unused. */
#define VCPUOP_down 2

/* VCPUOP_is_up: returns 1 if the vCPU is up, 0 if down. arg unused. */
#define VCPUOP_is_up 3

/* VCPUOP_get_runstate_info: copy the vCPU's struct vcpu_runstate_info to arg. */
#define VCPUOP_get_runstate_info 4

/*
 * VCPUOP_register_runstate_memory_area: keep a copy of the vCPU's runstate info at a
 * guest-virtual address (struct vcpu_register_runstate_memory_area), updated whenever
 * the vCPU changes state. The area may straddle a page boundary.
 */
#define VCPUOP_register_runstate_memory_area 5

/* VCPUOP_set_periodic_timer / stop: a periodic VIRQ_TIMER (struct below / arg unused). */
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7

/*
 * VCPUOP_set_singleshot_timer / stop: a one-shot VIRQ_TIMER at an absolute system time.
 * Only for the calling vCPU itself (else -EINVAL).
 */
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9

/* VCPUOP_register_vcpu_info: move the vCPU's vcpu_info to a guest frame (struct below). */
#define VCPUOP_register_vcpu_info 10

/* VCPUOP_send_nmi: inject an NMI into the vCPU. arg unused. */
#define VCPUOP_send_nmi 11

/* VCPUOP_get_physid: physical CPU ids of the vCPU (dom0 only; struct below). */
#define VCPUOP_get_physid 12

/*
 * VCPUOP_register_vcpu_time_memory_area: keep a copy of the vCPU's vcpu_time_info at a
 * guest-virtual address (for a user-space/vDSO clock); updated with the same seqlock.
 */
#define VCPUOP_register_vcpu_time_memory_area 13

/* ---- Runstate ------------------------------------------------------------------------- */

#define RUNSTATE_running 0  /* running on a physical CPU */
#define RUNSTATE_runnable 1 /* runnable, waiting for a physical CPU (steal time) */
#define RUNSTATE_blocked 2  /* blocked (halted or polling), not runnable */
#define RUNSTATE_offline 3  /* down, or paused by the toolstack */

/*
 * Set in state_entry_time while the hypervisor updates a registered runstate area, once
 * the guest enabled VMASST_TYPE_runstate_update_flag. Readers retry while it is set.
 */
#define XEN_RUNSTATE_UPDATE (UINT64_C(1) << 63)

/* OUT of get_runstate_info, and the contents of a registered runstate area. */
struct vcpu_runstate_info {
    int32_t state;             /* OUT: RUNSTATE_* now */
    uint32_t pad; /* OUT: padding */
    uint64_t state_entry_time; /* OUT: system time (ns) of entering state; bit 63 above */
    uint64_t time[4];          /* OUT: ns spent in each RUNSTATE_*; sum = system time */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;

/*
 * arg of VCPUOP_register_runstate_memory_area. (Xen declares addr as a union of a guest
 * handle, a pointer and a uint64_t; all are this one 64-bit guest-virtual address.)
 * The hypervisor writes the current runstate there at once.
 */
struct vcpu_register_runstate_memory_area {
    uint64_t addr_gva; /* IN: guest-virtual address of a struct vcpu_runstate_info */
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;

/* ---- Timers --------------------------------------------------------------------------- */

/* arg of VCPUOP_set_periodic_timer. Xen rejects periods below 1 ms with -EINVAL. */
struct vcpu_set_periodic_timer {
    uint64_t period_ns; /* IN: period in ns */
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;

/*
 * arg of VCPUOP_set_singleshot_timer. A deadline already in the past fires at once. With
 * VCPU_SSHOTTMR_future Xen would return -ETIME instead, but Xen ignores the flag since
 * old Linux mishandled -ETIME, and so does Tern. Linux BUGs if this call fails.
 */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns; /* IN: absolute system time (ns) of the deadline */
    uint32_t flags;          /* IN: VCPU_SSHOTTMR_* */
    uint32_t pad; /* IN: padding, must be 0 */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;

#define _VCPU_SSHOTTMR_future 0
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future) /* fail if already past */

/* ---- vcpu_info placement -------------------------------------------------------------- */

/*
 * arg of VCPUOP_register_vcpu_info. The 64-byte vcpu_info must lie within the page and be
 * 8-byte aligned (else -ENXIO). It may be registered once per vCPU: Xen 4.17 returns
 * -EINVAL on a second call (later Xen -EBUSY). Only for the calling vCPU or an offline
 * one (else -EINVAL); the frame must be writable guest RAM (else -EINVAL). The hypervisor
 * copies the current contents to the new place, then sets evtchn_pending_sel to all ones
 * and evtchn_upcall_pending so no event is lost. vCPUs beyond XEN_LEGACY_MAX_VCPUS have a
 * vcpu_info only through this call.
 */
struct vcpu_register_vcpu_info {
    uint64_t mfn;    /* IN: frame holding the vcpu_info; a GFN for PVH/HVM guests */
    uint32_t offset; /* IN: byte offset of the vcpu_info in that frame */
    uint32_t rsvd;   /* IN: unused */
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;

/* ---- Physical ids --------------------------------------------------------------------- */

/* arg of VCPUOP_get_physid: bits 31:0 APIC id, 63:32 ACPI id of the physical CPU. */
struct vcpu_get_physid {
    uint64_t phys_id; /* OUT: see above */
};
typedef struct vcpu_get_physid vcpu_get_physid_t;

#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

/* ---- Time area ------------------------------------------------------------------------ */

/*
 * arg of VCPUOP_register_vcpu_time_memory_area (same union-as-address note as runstate).
 * Linux registers it only when the pvclock has XEN_PVCLOCK_TSC_STABLE_BIT; a failure is
 * tolerated.
 */
struct vcpu_register_time_memory_area {
    uint64_t addr_gva; /* IN: guest-virtual address of a struct vcpu_time_info */
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;

/* ---- Initial register state for PVH/HVM vCPUs (VCPUOP_initialise) --------------------- */

/*
 * 32-bit register set (VCPU_HVM_MODE_32B). Segment state is given as base, limit and
 * attributes (ar: descriptor bits 40..47 and 52..55 packed into 12 bits: type 3:0, S 4,
 * DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11; bits 15:12 must be 0; the VMCB's format).
 * The hypervisor checks the state the way hardware would on VM entry (e.g. CR0/CR4
 * reserved bits, consistent segments) and returns -EINVAL otherwise.
 */
struct vcpu_hvm_x86_32 {
    uint32_t eax;      /* IN */
    uint32_t ecx;      /* IN */
    uint32_t edx;      /* IN */
    uint32_t ebx;      /* IN */
    uint32_t esp;      /* IN */
    uint32_t ebp;      /* IN */
    uint32_t esi;      /* IN */
    uint32_t edi;      /* IN */
    uint32_t eip;      /* IN */
    uint32_t eflags;   /* IN */
    uint32_t cr0;      /* IN */
    uint32_t cr3;      /* IN */
    uint32_t cr4;      /* IN */
    uint32_t pad1; /* IN: padding, must be 0 (-EINVAL otherwise, as Xen) */
    uint64_t efer;     /* IN: only NXE, or LME/LMA to start in compatibility mode */
    uint32_t cs_base;  /* IN */
    uint32_t ds_base;  /* IN */
    uint32_t ss_base;  /* IN */
    uint32_t es_base;  /* IN */
    uint32_t tr_base;  /* IN */
    uint32_t cs_limit; /* IN */
    uint32_t ds_limit; /* IN */
    uint32_t ss_limit; /* IN */
    uint32_t es_limit; /* IN */
    uint32_t tr_limit; /* IN */
    uint16_t cs_ar;    /* IN */
    uint16_t ds_ar;    /* IN */
    uint16_t ss_ar;    /* IN */
    uint16_t es_ar;    /* IN */
    uint16_t tr_ar;    /* IN */
    uint16_t pad2[3]; /* IN: padding, must be 0 */
};
typedef struct vcpu_hvm_x86_32 xen_vcpu_hvm_x86_32_t;

/*
 * 64-bit register set (VCPU_HVM_MODE_64B): the vCPU starts directly in long mode with
 * flat 64-bit segments; cr0, cr3, cr4 and efer must describe a valid long-mode state.
 */
struct vcpu_hvm_x86_64 {
    uint64_t rax;    /* IN */
    uint64_t rcx;    /* IN */
    uint64_t rdx;    /* IN */
    uint64_t rbx;    /* IN */
    uint64_t rsp;    /* IN */
    uint64_t rbp;    /* IN */
    uint64_t rsi;    /* IN */
    uint64_t rdi;    /* IN */
    uint64_t rip;    /* IN */
    uint64_t rflags; /* IN */
    uint64_t cr0;    /* IN */
    uint64_t cr3;    /* IN */
    uint64_t cr4;    /* IN */
    uint64_t efer;   /* IN */
};
typedef struct vcpu_hvm_x86_64 xen_vcpu_hvm_x86_64_t;

#define VCPU_HVM_MODE_32B 0 /* cpu_regs.x86_32 is used */
#define VCPU_HVM_MODE_64B 1 /* cpu_regs.x86_64 is used */

/* arg of VCPUOP_initialise for PVH/HVM domains. Other modes: -EINVAL. */
struct vcpu_hvm_context {
    uint32_t mode; /* IN: VCPU_HVM_MODE_* */
    uint32_t pad; /* IN: padding, must be 0 */
    union {
        struct vcpu_hvm_x86_32 x86_32; /* IN: with VCPU_HVM_MODE_32B */
        struct vcpu_hvm_x86_64 x86_64; /* IN: with VCPU_HVM_MODE_64B */
    } cpu_regs;
};
typedef struct vcpu_hvm_context vcpu_hvm_context_t;

/* ---- Layout checks -------------------------------------------------------------------- */

_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "vcpu_runstate_info size");
_Static_assert(offsetof(struct vcpu_runstate_info, state_entry_time) == 8, "entry_time");
_Static_assert(offsetof(struct vcpu_runstate_info, time) == 16, "time");
_Static_assert(sizeof(struct vcpu_register_runstate_memory_area) == 8, "runstate area");
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8, "set_periodic_timer size");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "set_singleshot_timer size");
_Static_assert(offsetof(struct vcpu_set_singleshot_timer, flags) == 8, "sshot.flags");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info size");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, offset) == 8, "vcpu_info.offset");
_Static_assert(sizeof(struct vcpu_get_physid) == 8, "vcpu_get_physid size");
_Static_assert(sizeof(struct vcpu_register_time_memory_area) == 8, "time area size");
_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "vcpu_hvm_x86_32 size");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, efer) == 56, "x86_32.efer");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, cs_base) == 64, "x86_32.cs_base");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, cs_limit) == 84, "x86_32.cs_limit");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, cs_ar) == 104, "x86_32.cs_ar");
_Static_assert(sizeof(struct vcpu_hvm_x86_64) == 112, "vcpu_hvm_x86_64 size");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, rip) == 64, "x86_64.rip");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context size");
_Static_assert(offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "cpu_regs");

#endif /* TERN_PUBLIC_VCPU_H */
