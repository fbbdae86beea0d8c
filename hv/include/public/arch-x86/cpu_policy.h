/* SPDX-License-Identifier: MIT */
/* Serialised CPU policies (sysctl/domctl get/set_cpu_policy): Xen 4.17's entry formats. */
#ifndef TERN_PUBLIC_ARCH_X86_CPU_POLICY_H
#define TERN_PUBLIC_ARCH_X86_CPU_POLICY_H

#include <stdint.h>

#define XEN_CPUID_NO_SUBLEAF 0xffffffffu
struct xen_cpuid_leaf {
    uint32_t leaf, subleaf;
    uint32_t a, b, c, d;
};
_Static_assert(sizeof(struct xen_cpuid_leaf) == 24, "Xen 4.17 layout");

struct xen_msr_entry {
    uint32_t idx;
    uint32_t flags;               /* MBZ */
    uint64_t val;
};
_Static_assert(sizeof(struct xen_msr_entry) == 16, "Xen 4.17 layout");

/* What a whole policy serialises to, at most (Xen 4.17's limits). */
#define CPUID_MAX_SERIALISED_LEAVES 120
#define MSR_MAX_SERIALISED_ENTRIES 2
/* Words of a featureset (Xen 4.17.7's FSCAPINTS). */
#define FEATURESET_NR_ENTRIES 19

#define MSR_INTEL_PLATFORM_INFO 0x000000ce
#define MSR_ARCH_CAPABILITIES 0x0000010a

#endif
