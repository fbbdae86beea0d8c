/* SPDX-License-Identifier: MIT */
/*
 * A CPU policy in Xen 4.17's shape (struct cpu_policy's raw arrays): what the toolstack
 * reads and sends back with get/set_cpu_policy, and what a domain's CPUID is then built
 * from. Pure functions over host buffers (cpu_policy.c), so the unit tests run them on the
 * host; cpu_policy_ops.c is the hypercall glue.
 */
#ifndef HVM_CPU_POLICY_H
#define HVM_CPU_POLICY_H

#include <public/arch-x86/cpu_policy.h>
#include <tern/types.h>

#define CPUID_NR_BASIC 14          /* leaves 0-0xd */
#define CPUID_NR_CACHE 6           /* leaf 4 subleaves */
#define CPUID_NR_FEAT 3            /* leaf 7 subleaves */
#define CPUID_NR_TOPO 2            /* leaf 0xb subleaves */
#define CPUID_NR_XSTATE 63         /* leaf 0xd subleaves */
#define CPUID_NR_EXTD 34           /* leaves 0x80000000-0x80000021 */

struct cpuid_leaf_regs {
    uint32_t a, b, c, d;
};

struct tern_cpu_policy {
    struct cpuid_leaf_regs basic[CPUID_NR_BASIC];
    struct cpuid_leaf_regs cache[CPUID_NR_CACHE];
    struct cpuid_leaf_regs feat[CPUID_NR_FEAT];
    struct cpuid_leaf_regs topo[CPUID_NR_TOPO];
    struct cpuid_leaf_regs xstate[CPUID_NR_XSTATE];
    struct cpuid_leaf_regs extd[CPUID_NR_EXTD];
    uint32_t hv_limit, hv2_limit;
    uint32_t platform_info;        /* MSR 0xce (32 bits in Xen's policy) */
    uint64_t arch_caps;            /* MSR 0x10a */
};

/* Fill p from a CPUID function (leaf, subleaf -> regs), as Xen's policy reads a CPU. */
void cpu_policy_fill(struct tern_cpu_policy *p,
                     void (*cpuid)(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r,
                                   void *arg),
                     void *arg);

/* Xen's x86_cpuid_copy_to_buffer / x86_msr_copy_to_buffer: 0, or -ENOBUFS when *nr
 * entries are too few (*nr becomes the count written on success). */
int cpu_policy_leaves_to_buffer(const struct tern_cpu_policy *p, struct xen_cpuid_leaf *out,
                                uint32_t *nr);
int cpu_policy_msrs_to_buffer(const struct tern_cpu_policy *p, struct xen_msr_entry *out,
                              uint32_t *nr);

/* Xen's x86_cpuid_copy_from_buffer / x86_msr_copy_from_buffer into p: 0, -E2BIG (too many
 * entries), -ERANGE (a leaf/subleaf or MSR outside the policy; *err_* say which), -EINVAL
 * (MSR flags), -EOVERFLOW (a value wider than the MSR's field). */
int cpu_policy_leaves_from_buffer(struct tern_cpu_policy *p, const struct xen_cpuid_leaf *in,
                                  uint32_t nr, uint32_t *err_leaf, uint32_t *err_subleaf);
int cpu_policy_msrs_from_buffer(struct tern_cpu_policy *p, const struct xen_msr_entry *in,
                                uint32_t nr, uint32_t *err_msr);

/* Xen's x86_cpu_policy_clear_out_of_range_leaves: nothing above the policy's own limits. */
void cpu_policy_clear_out_of_range(struct tern_cpu_policy *p);

/* Xen's x86_cpu_policies_are_compatible(max, p): 0, or -EINVAL with the first offending
 * leaf/subleaf (or MSR) in *err_* (the others ~0). */
int cpu_policy_compatible(const struct tern_cpu_policy *max, const struct tern_cpu_policy *p,
                          uint32_t *err_leaf, uint32_t *err_subleaf, uint32_t *err_msr);

/* Xen's x86_cpu_policy_to_featureset: the 19 feature words. */
void cpu_policy_to_featureset(const struct tern_cpu_policy *p,
                              uint32_t fs[FEATURESET_NR_ENTRIES]);

/* The registers policy p holds for (leaf, sub), or NULL if it has no such slot. */
const struct cpuid_leaf_regs *cpu_policy_slot(const struct tern_cpu_policy *p, uint32_t leaf,
                                              uint32_t sub);

#endif
