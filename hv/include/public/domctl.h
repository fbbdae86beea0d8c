/* SPDX-License-Identifier: MIT */
/* domctl (hypercall 36): the toolstack's per-domain control operations, Xen 4.17's ABI. */
#ifndef TERN_PUBLIC_DOMCTL_H
#define TERN_PUBLIC_DOMCTL_H

/*
 * domctl(struct xen_domctl *op). Only a control domain (dom0) may use it. Checks, in Xen's
 * order: the structure is copied (-EFAULT), interface_version must be
 * XEN_DOMCTL_INTERFACE_VERSION (-EACCES), the target domain must exist (-ESRCH; getdomaininfo
 * instead finds the first domain with an id >= op->domain), then the policy (-EPERM), then
 * the sub-op (unknown: -ENOSYS). The whole structure is copied back for sub-ops with output.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_pausedomain 3   /* -EINVAL on the caller's own domain */
#define XEN_DOMCTL_unpausedomain 4 /* -EINVAL when not paused by the controller */
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_max_mem 11      /* max_pages = max_memkb / 4; may be below tot_pages */
#define XEN_DOMCTL_max_vcpus 15    /* must equal createdomain's max_vcpus; vCPUs start down */
#define XEN_DOMCTL_setdomainhandle 17
#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_getvcpuinfo 14  /* -EINVAL for vcpu >= max_vcpus, -ESRCH if not created */
#define XEN_DOMCTL_scheduler_op 16 /* sched_id must be the scheduler's (null): no parameters */
#define XEN_DOMCTL_getvcpuaffinity 25
#define XEN_DOMCTL_setnodeaffinity 68 /* -EINVAL unless the map has an online node (0) */
#define XEN_DOMCTL_getnodeaffinity 69 /* every node: the one node */
#define XEN_DOMCTL_gethvmcontext 33  /* NULL buffer: the size; else the records (save.h) */
#define XEN_DOMCTL_sethvmcontext 34  /* HEADER first, then records, then END */
#define XEN_DOMCTL_get_cpu_policy 82 /* the domain's policy, serialised */
#define XEN_DOMCTL_set_cpu_policy 83 /* merged into it before the domain first runs */
#define XEN_DOMCTL_settscinfo 60   /* modes default (host frequency) and never-emulate */
#define XEN_DOMCTL_get_paging_mempool_size 85
#define XEN_DOMCTL_set_paging_mempool_size 86 /* bytes, page-aligned; recorded only */

/* XEN_DOMCTL_createdomain: flags (Tern accepts hvm|hap, optionally oos_off/xs_domain). */
#define XEN_DOMCTL_CDF_hvm (1U << 0)
#define XEN_DOMCTL_CDF_hap (1U << 1)
#define XEN_DOMCTL_CDF_s3_integrity (1U << 2)
#define XEN_DOMCTL_CDF_oos_off (1U << 3)
#define XEN_DOMCTL_CDF_xs_domain (1U << 4)
#define XEN_DOMCTL_CDF_iommu (1U << 5)
#define XEN_DOMCTL_CDF_nested_virt (1U << 6)
#define XEN_DOMCTL_CDF_vpmu (1U << 7)
#define XEN_DOMCTL_IOMMU_no_sharept (1U << 0)
#define XEN_DOMCTL_GRANT_version_mask 0xf

/* xen_arch_domainconfig.emulation_flags: a PVH domU has the local APIC only. */
#define XEN_X86_EMU_LAPIC (1U << 0)
#define XEN_X86_EMU_ALL 0x7ffU     /* every emulated device, VPCI included */
#define XEN_X86_EMU_VPCI (1U << 10)
#define XEN_X86_MSR_RELAXED (1U << 0)

/* XEN_DOMCTL_getdomaininfo: flags. */
#define XEN_DOMINF_dying (1U << 0)
#define XEN_DOMINF_hvm_guest (1U << 1) /* every Tern domain (PVH is HVM to the tools) */
#define XEN_DOMINF_shutdown (1U << 2)
#define XEN_DOMINF_paused (1U << 3)    /* paused by the controller */
#define XEN_DOMINF_blocked (1U << 4)   /* every online vCPU blocked */
#define XEN_DOMINF_running (1U << 5)   /* some vCPU on a CPU now */
#define XEN_DOMINF_debugged (1U << 6)
#define XEN_DOMINF_xs_domain (1U << 7)
#define XEN_DOMINF_hap (1U << 8)
#define XEN_DOMINF_shutdownmask 255
#define XEN_DOMINF_shutdownshift 16
#define XEN_INVALID_MAX_VCPU_ID (~0U)

struct xen_arch_domainconfig {
    uint32_t emulation_flags;
    uint32_t misc_flags;
};

/*
 * XEN_DOMCTL_createdomain: IN the configuration, op->domain the id wanted (0 or a reserved
 * id: the next free one); OUT op->domain. The domain starts paused by the controller, with
 * no memory and no vCPUs (XEN_DOMCTL_max_vcpus creates them).
 */
struct xen_domctl_createdomain {
    uint32_t ssidref;
    uint8_t handle[16];
    uint32_t flags;               /* XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;
    uint32_t max_vcpus;
    uint32_t max_evtchn_port;
    int32_t max_grant_frames;     /* < 0: Tern's default */
    int32_t max_maptrack_frames;  /* < 0: Tern's default */
    uint32_t grant_opts;          /* the highest grant-table version: 1 */
    uint32_t vmtrace_size;
    uint32_t cpupool_id;
    struct xen_arch_domainconfig arch;
};
_Static_assert(sizeof(struct xen_domctl_createdomain) == 64, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_createdomain, flags) == 20, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_vcpus) == 28, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_createdomain, grant_opts) == 44, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_createdomain, arch) == 56, "Xen 4.17 layout");

struct xen_domctl_max_vcpus {
    uint32_t max;
};

struct xen_domctl_max_mem {
    uint64_t max_memkb;
};

struct xen_domctl_setdomainhandle {
    uint8_t handle[16];
};

/* A CPU map in guest memory: bit n of byte n / 8 is CPU n. */
struct xenctl_bitmap {
    uint64_t bitmap;              /* guest virtual address */
    uint32_t nr_bits;
    uint32_t pad;
};

struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;                /* IN */
    uint8_t online;               /* OUT: not down */
    uint8_t blocked;
    uint8_t running;
    uint8_t pad;
    uint64_t cpu_time;            /* ns it ran */
    uint32_t cpu;                 /* the CPU it runs or is queued on */
    uint32_t pad2;
};
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_getvcpuinfo, cpu) == 16, "Xen 4.17 layout");

/* XEN_DOMCTL_{set,get}vcpuaffinity: the maps flags names; set writes back what applies. */
#define XEN_VCPUAFFINITY_HARD (1U << 0)
#define XEN_VCPUAFFINITY_SOFT (1U << 1)
#define XEN_VCPUAFFINITY_FORCE (1U << 2)
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;
    uint32_t flags;
    struct xenctl_bitmap cpumap_hard;
    struct xenctl_bitmap cpumap_soft;
};
/* XEN_DOMCTL_setnodeaffinity / getnodeaffinity: NUMA nodes the domain's memory prefers. */
struct xen_domctl_nodeaffinity {
    struct xenctl_bitmap nodemap;
};
_Static_assert(sizeof(struct xen_domctl_nodeaffinity) == 16, "Xen 4.17 layout");
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_vcpuaffinity, cpumap_soft) == 24, "Xen 4.17 layout");

#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo 2
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo 3
struct xen_domctl_scheduler_op {
    uint32_t sched_id;            /* XEN_SCHEDULER_* */
    uint32_t cmd;                 /* XEN_DOMCTL_SCHEDOP_* */
    uint8_t u[16];                /* per-scheduler parameters: the null scheduler has none */
};
_Static_assert(sizeof(struct xen_domctl_scheduler_op) == 24, "Xen 4.17 layout");

#define TSC_MODE_DEFAULT 0
#define TSC_MODE_ALWAYS_EMULATE 1
#define TSC_MODE_NEVER_EMULATE 2
struct xen_domctl_tsc_info {
    uint32_t tsc_mode;
    uint32_t gtsc_khz;            /* 0: the host's */
    uint32_t incarnation;
    uint32_t pad;
    uint64_t elapsed_nsec;
};
_Static_assert(sizeof(struct xen_domctl_tsc_info) == 24, "Xen 4.17 layout");

struct xen_domctl_paging_mempool {
    uint64_t size;                /* bytes */
};

struct xen_domctl_hvmcontext {
    uint32_t size;                /* IN: the buffer's size; OUT: bytes filled / needed */
    uint32_t pad;
    uint64_t buffer;              /* guest address of the records, 0 for the size */
};
_Static_assert(sizeof(struct xen_domctl_hvmcontext) == 16, "Xen 4.17 layout");

struct xen_domctl_cpu_policy {
    uint32_t nr_leaves;           /* IN/OUT */
    uint32_t nr_msrs;             /* IN/OUT */
    uint64_t leaves;              /* guest address of struct xen_cpuid_leaf[] */
    uint64_t msrs;                /* guest address of struct xen_msr_entry[] */
    uint32_t err_leaf, err_subleaf, err_msr; /* OUT, set only: what the audit refused */
    uint32_t pad;
};
_Static_assert(sizeof(struct xen_domctl_cpu_policy) == 40, "Xen 4.17 layout");

struct xen_domctl_getdomaininfo {
    domid_t domain;
    uint16_t pad1;
    uint32_t flags;               /* XEN_DOMINF_* | shutdown code << 16 */
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;   /* gfn of shared_info */
    uint64_t cpu_time;            /* ns all vCPUs ran */
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id;         /* max_vcpus - 1, online or not */
    uint32_t ssidref;
    uint8_t handle[16];           /* the domain's UUID */
    uint32_t cpupool;
    uint8_t gpaddr_bits;
    uint8_t pad2[7];
    struct xen_arch_domainconfig arch_config;
};
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, handle) == 76, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, arch_config) == 104, "Xen 4.17 layout");

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    domid_t domain;
    uint16_t _pad[3];
    union {
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_max_vcpus max_vcpus;
        struct xen_domctl_max_mem max_mem;
        struct xen_domctl_setdomainhandle setdomainhandle;
        struct xen_domctl_getvcpuinfo getvcpuinfo;
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_nodeaffinity nodeaffinity;
        struct xen_domctl_scheduler_op scheduler_op;
        struct xen_domctl_tsc_info tsc_info;
        struct xen_domctl_paging_mempool paging_mempool;
        struct xen_domctl_hvmcontext hvmcontext;
        struct xen_domctl_cpu_policy cpu_policy;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_domctl) == 144, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_domctl, u) == 16, "Xen 4.17 layout");

#endif
