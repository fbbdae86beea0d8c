/* SPDX-License-Identifier: MIT */
/* XENFEAT_* feature bits, reported by XENVER_get_features and named in ELF notes. */
#ifndef TERN_PUBLIC_FEATURES_H
#define TERN_PUBLIC_FEATURES_H

/*
 * Each feature is a bit number in a bitmap that XENVER_get_features returns 32 bits at a
 * time (public/version.h). The same names, without the XENFEAT_ prefix, appear in a
 * kernel's XEN_ELFNOTE_FEATURES string ("!name" = required) and as bits in its
 * XEN_ELFNOTE_SUPPORTED_FEATURES word (public/elfnote.h).
 *
 * What a Linux PVH domU needs: hvm_callback_vector (8) and hvm_safe_pvclock (9); without
 * them it has no event upcall and no Xen clock. Leave hvm_pirqs (10) clear.
 */

/* Guest may write its page tables directly (always true for PVH/HVM). */
#define XENFEAT_writable_page_tables 0
/* Guest may write its descriptor tables directly (always true for PVH/HVM). */
#define XENFEAT_writable_descriptor_tables 1
/* The hypervisor translates guest-physical to machine addresses (PVH/HVM: always). */
#define XENFEAT_auto_translated_physmap 2
/* The guest kernel runs in ring 0. */
#define XENFEAT_supervisor_mode_kernel 3
/* PAE page directories need not be below 4 GiB (32-bit PV). */
#define XENFEAT_pae_pgdir_above_4gb 4
/* PV: MMU_PT_UPDATE_PRESERVE_AD is supported. */
#define XENFEAT_mmu_pt_update_preserve_ad 5
/* PV: MMUEXT_CLEAR_PAGE / MMUEXT_COPY_PAGE are supported. */
#define XENFEAT_highmem_assist 6
/* GNTTABOP_map_grant_ref honours GNTMAP_guest_avail bits (PV). */
#define XENFEAT_gnttab_map_avail_bits 7
/* x86: HVM_PARAM_CALLBACK_IRQ accepts HVM_PARAM_CALLBACK_TYPE_VECTOR. */
#define XENFEAT_hvm_callback_vector 8
/* x86: the pvclock in vcpu_info is safe to use for HVM/PVH guests. */
#define XENFEAT_hvm_safe_pvclock 9
/* x86: physical IRQs are delivered to HVM guests as event channels (pirqs). */
#define XENFEAT_hvm_pirqs 10
/* The kernel can run as dom0 (used in SUPPORTED_FEATURES notes). */
#define XENFEAT_dom0 11
/* 12 was grant_map_identity: deprecated, never reported. */
/* XENMEMF_vnode is accepted by memory ops. */
#define XENFEAT_memory_op_vnode_supported 13
/* Arm: SMCCC is supported. */
#define XENFEAT_ARM_SMCCC_supported 14
/*
 * x86/PVH: the ACPI RSDP may be anywhere, not only below 1 MiB. Consulted only when
 * XEN_ELFNOTE_GUEST_OS contains "linux".
 */
#define XENFEAT_linux_rsdp_unrestricted 15
/* The domain's memory is not identity-mapped (gfn != mfn). Set for PVH/HVM on x86. */
#define XENFEAT_not_direct_mapped 16
/* The domain's memory is identity-mapped (gfn == mfn). */
#define XENFEAT_direct_mapped 17

/* Number of 32-bit words XENVER_get_features accepts (submap_idx < this). */
#define XENFEAT_NR_SUBMAPS 1

#endif /* TERN_PUBLIC_FEATURES_H */
