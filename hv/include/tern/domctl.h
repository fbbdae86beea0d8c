/* SPDX-License-Identifier: MIT */
/* The toolstack's control hypercalls, domctl (domctl.c) and sysctl (sysctl.c), Xen 4.17's ABI. */
#ifndef TERN_DOMCTL_H
#define TERN_DOMCTL_H

#include <public/domctl.h>
#include <tern/types.h>

struct domain;

/* Hypercalls 36 and 35: arg is the guest address of struct xen_domctl / xen_sysctl. */
long do_domctl(uint64_t arg);
long do_sysctl(uint64_t arg);

/* What XEN_DOMCTL_getdomaininfo and XEN_SYSCTL_getdomaininfolist report about d. */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info);

/* domctl_domain.c: a domain's life as the toolstack drives it. */
long domctl_createdomain(struct xen_domctl *op);
long domctl_max_vcpus(struct domain *caller, struct domain *d, uint32_t max);
long domctl_max_mem(struct domain *d, uint64_t max_memkb);
/* -ERESTART until Tern's context tore d down (domain_build.c's deferred work). */
long domctl_destroydomain(struct domain *caller, struct domain *d);
/* For a domain no longer listed: 0 if its destroy finished, -ERESTART, or -ESRCH. */
long domctl_destroy_pending(domid_t id);
/* domctl_vcpu.c: one vCPU's state and affinity; CPU maps to and from the guest (0, -EFAULT,
 * -EINVAL for maps over 65536 bits). */
long domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info);
long domctl_vcpuaffinity(struct domain *d, uint32_t cmd, struct xen_domctl_vcpuaffinity *a);
int bitmap_to_guest(const struct xenctl_bitmap *b, uint64_t mask);
int bitmap_from_guest(uint64_t *mask, const struct xenctl_bitmap *b);

/* sysctl_topo.c: the host's CPUs, its one NUMA node, its one cpupool and its scheduler. */
struct xen_sysctl_cputopoinfo;
struct xen_sysctl_numainfo;
struct xen_sysctl_cpupool_op;
struct xen_sysctl_scheduler_op;
long sysctl_cputopoinfo(struct xen_sysctl_cputopoinfo *ti);
long sysctl_numainfo(struct xen_sysctl_numainfo *ni);
long sysctl_cpupool_op(struct xen_sysctl_cpupool_op *op);
long sysctl_scheduler_op(struct xen_sysctl_scheduler_op *op);

/* arch/x86/hvm/save.c: XEN_DOMCTL_gethvmcontext and sethvmcontext (op copied back when
 * Xen does). */
long domctl_hvmcontext(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg);

/* arch/x86/hvm/cpu_policy_ops.c: domctl get/set_cpu_policy, sysctl get_cpu_policy and
 * get_cpu_featureset (op copied back where Xen does). */
long domctl_cpu_policy(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg);
struct xen_sysctl;
long sysctl_cpu_policy(struct xen_sysctl *op, uint64_t arg);
/* The host's first 8 CPUID feature words, as physinfo's hw_cap (zeros without memory). */
void physinfo_hw_cap(uint32_t cap[8]);

/* Raise VIRQ_DOM_EXC for dom0: a domain shut down or died. */
void domain_send_dom_exc(void);

#endif
