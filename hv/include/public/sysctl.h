/* SPDX-License-Identifier: MIT */
/* sysctl (hypercall 35): the toolstack's host-wide operations, Xen 4.17's ABI. */
#ifndef TERN_PUBLIC_SYSCTL_H
#define TERN_PUBLIC_SYSCTL_H

/*
 * sysctl(struct xen_sysctl *op). Only a control domain (dom0) may use it. Checks, in Xen's
 * order: the structure is copied (-EFAULT), interface_version must be
 * XEN_SYSCTL_INTERFACE_VERSION (-EACCES), the policy (-EPERM), then the sub-op (unknown:
 * -ENOSYS). Sub-ops with output copy the whole structure back.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/domctl.h>
#include <public/xen.h>

#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_sched_id 4
#define XEN_SYSCTL_getdomaininfolist 6
#define XEN_SYSCTL_cputopoinfo 16
#define XEN_SYSCTL_numainfo 17
#define XEN_SYSCTL_cpupool_op 18
#define XEN_SYSCTL_scheduler_op 19
#define XEN_SYSCTL_get_cpu_featureset 26 /* index: raw 0, host 1, hvm 3, hvm_max 5 (no PV) */
#define XEN_SYSCTL_get_cpu_policy 29     /* index: raw 0, host 1, hvm_max 3, hvm_default 5 */

#define XEN_INVALID_CORE_ID (~0U)
#define XEN_INVALID_SOCKET_ID (~0U)
#define XEN_INVALID_NODE_ID (~0U)
#define XEN_INVALID_MEM_SZ (~0ULL)
#define XEN_INVALID_NODE_DIST (~0U)

/*
 * XEN_SYSCTL_readconsole: copy the hypervisor's console ring. Without incremental, from the
 * oldest byte kept; with it, from index (a count of bytes ever written, as returned by the
 * previous call). OUT: count = bytes copied, index = where the next read continues. clear
 * empties the ring afterwards.
 */
struct xen_sysctl_readconsole {
    uint8_t clear;
    uint8_t incremental;
    uint8_t pad0, pad1;
    uint32_t index;
    uint64_t buffer;              /* guest virtual address */
    uint32_t count;
};

#define XEN_SYSCTL_PHYSCAP_hvm (1U << 0)
#define XEN_SYSCTL_PHYSCAP_pv (1U << 1)
#define XEN_SYSCTL_PHYSCAP_directio (1U << 2)
#define XEN_SYSCTL_PHYSCAP_hap (1U << 3)
#define XEN_SYSCTL_PHYSCAP_shadow (1U << 4)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1 (1U << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2 (1U << 9)

struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus;             /* online */
    uint32_t max_cpu_id;
    uint32_t nr_nodes;
    uint32_t max_node_id;         /* sizes the tools' node maps: Xen says MAX_NUMNODES - 1 */
    uint32_t cpu_khz;
    uint32_t capabilities;        /* XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t scrub_pages;
    uint64_t outstanding_pages;
    uint64_t max_mfn;
    uint32_t hw_cap[8];
};
_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_sysctl_physinfo, total_pages) == 40, "Xen 4.17 layout");

/* XEN_SYSCTL_sched_id: XEN_SCHEDULER_* of the scheduler. */
#define XEN_SCHEDULER_CREDIT 5
#define XEN_SCHEDULER_CREDIT2 6
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS 8
#define XEN_SCHEDULER_NULL 9
struct xen_sysctl_sched_id {
    uint32_t sched_id;
};

/*
 * XEN_SYSCTL_getdomaininfolist: up to max_domains entries, for the domains with an id >=
 * first_domain in id order; num_domains = how many. 0 ends the tools' iteration.
 */
struct xen_sysctl_getdomaininfolist {
    domid_t first_domain;
    uint32_t max_domains;
    uint64_t buffer;              /* guest virtual address of xen_domctl_getdomaininfo[] */
    uint32_t num_domains;
};
_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24, "Xen 4.17 layout");

/*
 * XEN_SYSCTL_cputopoinfo: with a NULL cputopo, num_cpus = how many entries there are;
 * otherwise min(num_cpus, that) entries are written and num_cpus says how many.
 */
struct xen_sysctl_cputopo {
    uint32_t core;
    uint32_t socket;
    uint32_t node;
};
struct xen_sysctl_cputopoinfo {
    uint32_t num_cpus;
    uint32_t pad;
    uint64_t cputopo;             /* guest virtual address of xen_sysctl_cputopo[] */
};
_Static_assert(sizeof(struct xen_sysctl_cputopoinfo) == 16, "Xen 4.17 layout");

/* XEN_SYSCTL_numainfo: as cputopoinfo, for nodes; distance is num_nodes x num_nodes. */
struct xen_sysctl_meminfo {
    uint64_t memsize;             /* bytes */
    uint64_t memfree;
};
struct xen_sysctl_numainfo {
    uint32_t num_nodes;
    uint32_t pad;
    uint64_t meminfo;             /* guest virtual address of xen_sysctl_meminfo[] */
    uint64_t distance;            /* guest virtual address of uint32_t[] */
};
_Static_assert(sizeof(struct xen_sysctl_numainfo) == 24, "Xen 4.17 layout");

/* XEN_SYSCTL_cpupool_op: Tern has pool 0 only, with every CPU and every domain. */
#define XEN_SYSCTL_CPUPOOL_OP_CREATE 1
#define XEN_SYSCTL_CPUPOOL_OP_DESTROY 2
#define XEN_SYSCTL_CPUPOOL_OP_INFO 3      /* the first pool with id >= cpupool_id, -ENOENT */
#define XEN_SYSCTL_CPUPOOL_OP_ADDCPU 4
#define XEN_SYSCTL_CPUPOOL_OP_RMCPU 5
#define XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN 6
#define XEN_SYSCTL_CPUPOOL_OP_FREEINFO 7  /* the CPUs in no pool: none */
#define XEN_SYSCTL_CPUPOOL_PAR_ANY 0xffffffffU
struct xen_sysctl_cpupool_op {
    uint32_t op;
    uint32_t cpupool_id;
    uint32_t sched_id;
    uint32_t domid;
    uint32_t cpu;
    uint32_t n_dom;
    struct xenctl_bitmap cpumap;
};
_Static_assert(sizeof(struct xen_sysctl_cpupool_op) == 40, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_sysctl_cpupool_op, cpumap) == 24, "Xen 4.17 layout");

/*
 * XEN_SYSCTL_scheduler_op: a cpupool's scheduler-wide parameters (xl sched-credit -s). The
 * union holds credit's tslice_ms, ratelimit_us and vcpu_migr_delay_us, credit2's
 * ratelimit_us or arinc653's schedule address. Xen: a cmd other than put/getinfo is -EINVAL,
 * a pool that does not exist -ESRCH, a sched_id not the pool's -EINVAL; the null scheduler
 * has no such parameters, so asking it succeeds and changes nothing.
 */
#define XEN_SYSCTL_SCHEDOP_putinfo 0
#define XEN_SYSCTL_SCHEDOP_getinfo 1
struct xen_sysctl_scheduler_op {
    uint32_t cpupool_id;
    uint32_t sched_id;            /* XEN_SCHEDULER_* */
    uint32_t cmd;                 /* XEN_SYSCTL_SCHEDOP_* */
    uint32_t pad;
    union {
        uint64_t arinc653_schedule;
        uint32_t params[3];
    } u;
};
_Static_assert(sizeof(struct xen_sysctl_scheduler_op) == 32, "Xen 4.17 layout");

struct xen_sysctl_cpu_featureset {
    uint32_t index;
    uint32_t nr_features;         /* IN: room; OUT: written (NULL features: the maximum) */
    uint64_t features;            /* guest address of uint32_t[] */
};
_Static_assert(sizeof(struct xen_sysctl_cpu_featureset) == 16, "Xen 4.17 layout");

struct xen_sysctl_cpu_policy {
    uint32_t index;
    uint32_t nr_leaves;           /* IN: room; OUT: written (NULL leaves: the maximum) */
    uint32_t nr_msrs;
    uint32_t _rsvd;               /* MBZ */
    uint64_t leaves;              /* guest address of struct xen_cpuid_leaf[] */
    uint64_t msrs;                /* guest address of struct xen_msr_entry[] */
};
_Static_assert(sizeof(struct xen_sysctl_cpu_policy) == 32, "Xen 4.17 layout");

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct xen_sysctl_readconsole readconsole;
        struct xen_sysctl_physinfo physinfo;
        struct xen_sysctl_sched_id sched_id;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        struct xen_sysctl_cputopoinfo cputopoinfo;
        struct xen_sysctl_numainfo numainfo;
        struct xen_sysctl_cpupool_op cpupool_op;
        struct xen_sysctl_scheduler_op scheduler_op;
        struct xen_sysctl_cpu_featureset cpu_featureset;
        struct xen_sysctl_cpu_policy cpu_policy;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_sysctl) == 136, "Xen 4.17 layout");
_Static_assert(offsetof(struct xen_sysctl, u) == 8, "Xen 4.17 layout");

#endif
