/* SPDX-License-Identifier: MIT */
/* The Xen CPUID leaves (0x40000000 + 0x100*k) through which a guest detects the hypervisor. */
#ifndef TERN_PUBLIC_ARCH_X86_CPUID_H
#define TERN_PUBLIC_ARCH_X86_CPUID_H

#include <stdint.h>

/*
 * A guest scans bases 0x40000000, 0x40000100, ... 0x4000FF00 and takes the first whose
 * leaf base+0 carries the "XenVMMXenVMM" signature (Linux also wants EAX - base >= 2).
 * Xen moves its leaves to base 0x40000100 when it also exposes Viridian (Hyper-V) leaves
 * at 0x40000000. A hypervisor must not publish another hypervisor's signature at a higher
 * base, or Linux may pick that one instead.
 *
 * This header describes register contents only; there are no memory layouts here.
 */

#define XEN_CPUID_FIRST_LEAF 0x40000000U
#define XEN_CPUID_LEAF(i) (XEN_CPUID_FIRST_LEAF + (i))

/*
 * Offsets of the leaves from the base (Tern names; Xen's header only numbers them in
 * comments, as "Leaf 1" to "Leaf 6" for base+0 to base+5).
 */
#define XEN_CPUID_LEAF_SIGNATURE 0 /* base+0 */
#define XEN_CPUID_LEAF_VERSION 1   /* base+1 */
#define XEN_CPUID_LEAF_HYPERCALL 2 /* base+2 */
#define XEN_CPUID_LEAF_TIME 3      /* base+3 */
#define XEN_CPUID_LEAF_HVM 4       /* base+4 */
#define XEN_CPUID_LEAF_PV 5        /* base+5 */

/* Number of leaves: base+0's EAX reports base + XEN_CPUID_MAX_NUM_LEAVES. */
#define XEN_CPUID_MAX_NUM_LEAVES 5

/*
 * base+0: EAX = highest Xen leaf (base + 5 today).
 *         EBX:ECX:EDX = "XenV" "MMXe" "nVMM", i.e. "XenVMMXenVMM".
 */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558U /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4dU /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eU /* "nVMM" */

/*
 * base+1: EAX[31:16] = major version, EAX[15:0] = minor version. EBX..EDX = 0.
 * (Tern helper to build the value.)
 */
#define XEN_CPUID_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))

/*
 * base+2: EAX = number of hypercall pages (always 1).
 *         EBX = index of the hypercall-page MSR (Xen uses 0x40000000): the guest writes
 *               the page-aligned GPA of the page it wants filled with stubs.
 *         ECX = features 1 (XEN_CPUID_FEAT1_*), EDX = features 2 (none defined).
 */
#define XEN_CPUID_HYPERCALL_MSR 0x40000000U /* Tern name: the value Xen reports in EBX */
#define _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD 0
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1U << 0) /* PV only */

/*
 * base+3: time.
 *   Sub-leaf 0: EAX = flags below; EBX = tsc_mode (XEN_CPUID_TSC_MODE_*);
 *               ECX = guest TSC frequency in kHz; EDX = guest TSC incarnation (migrations).
 *   Sub-leaf 1: EAX = TSC offset bits 31:0; EBX = TSC offset bits 63:32;
 *               ECX = tsc_to_system_mul; EDX = tsc_shift (as in vcpu_time_info).
 *   Sub-leaf 2: EAX = host TSC frequency in kHz.
 * (The flag and mode names are from later Xen headers; the values are those of 4.17.)
 */
#define XEN_CPUID_TSC_EMULATED (1U << 0)       /* rdtsc is emulated (trapped) */
#define XEN_CPUID_HOST_TSC_RELIABLE (1U << 1)  /* host TSC is invariant and synchronised */
#define XEN_CPUID_RDTSCP_INSTR_AVAIL (1U << 2) /* rdtscp is available */

#define XEN_CPUID_TSC_MODE_DEFAULT 0U         /* emulate only if necessary */
#define XEN_CPUID_TSC_MODE_ALWAYS_EMULATE 1U  /* always trap rdtsc */
#define XEN_CPUID_TSC_MODE_NEVER_EMULATE 2U   /* never trap rdtsc */
#define XEN_CPUID_TSC_MODE_PVRDTSCP 3U        /* obsolete: never emulate + TSC_AUX */

/*
 * base+4: HVM/PVH features (sub-leaf 0).
 *   EAX = flags below.
 *   EBX = the vCPU id of the executing vCPU, valid if XEN_HVM_CPUID_VCPU_ID_PRESENT.
 *         Linux takes the BSP's Xen vCPU id from here.
 *   ECX = the domain id, valid if XEN_HVM_CPUID_DOMID_PRESENT.
 */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1U << 0) /* xAPIC register accesses are virtualised */
#define XEN_HVM_CPUID_X2APIC_VIRT (1U << 1)      /* x2APIC MSR accesses are virtualised */
/* Memory mapped from other domains has valid IOMMU entries. */
#define XEN_HVM_CPUID_IOMMU_MAPPINGS (1U << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1U << 3)  /* EBX holds the vCPU id */
#define XEN_HVM_CPUID_DOMID_PRESENT (1U << 4)    /* ECX holds the domain id */
/*
 * IO-APIC RTE bits 55:49 and MSI address bits 11:5 extend the destination id to 15 bits
 * when the interrupt format is non-remappable.
 */
#define XEN_HVM_CPUID_EXT_DEST_ID (1U << 5)
/*
 * Per-vCPU event channel upcall vectors (HVMOP_set_evtchn_upcall_vector) work, including
 * with physical IRQs bound to event channels. Linux then prefers them to the global
 * callback vector.
 */
#define XEN_HVM_CPUID_UPCALL_VECTOR (1U << 6)

/*
 * base+5: PV-only parameters.
 *   Sub-leaf 0: EAX = highest sub-leaf; EBX[7:0] = machine address width in bits.
 */
#define XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK (0xFFU << 0)

#endif /* TERN_PUBLIC_ARCH_X86_CPUID_H */
