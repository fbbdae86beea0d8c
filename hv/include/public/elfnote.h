/* SPDX-License-Identifier: MIT */
/* Numbers of the ELF notes (owner "Xen") through which a kernel describes itself. */
#ifndef TERN_PUBLIC_ELFNOTE_H
#define TERN_PUBLIC_ELFNOTE_H

/*
 * Notes live in PT_NOTE segments (or SHT_NOTE sections) with owner name "Xen". The
 * descriptor is either a NUL-terminated string or a little-endian integer whose size is
 * the descriptor size (4 or 8 bytes). For a PVH guest only PHYS32_ENTRY is required; the
 * rest are informative or PV-only. Pure constants: no layouts here.
 */

/* Padding note, ignored. */
#define XEN_ELFNOTE_INFO 0
/* Integer: virtual entry point of a PV kernel (ignored for PVH). */
#define XEN_ELFNOTE_ENTRY 1
/* Integer: virtual address of a PV kernel's hypercall page (ignored for PVH). */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
/* Integer: virtual address the kernel is linked at (PV). */
#define XEN_ELFNOTE_VIRT_BASE 3
/* Integer: offset from virtual to physical addresses (PV). */
#define XEN_ELFNOTE_PADDR_OFFSET 4
/* String: Xen ABI version the kernel expects, "xen-3.0". */
#define XEN_ELFNOTE_XEN_VERSION 5
/* String: guest OS name, e.g. "linux". Enables Linux-specific quirks. */
#define XEN_ELFNOTE_GUEST_OS 6
/* String: guest OS version. */
#define XEN_ELFNOTE_GUEST_VERSION 7
/* String: loader type, "generic". */
#define XEN_ELFNOTE_LOADER 8
/* String: PAE support, "yes", "no", "bimodal" or "yes[extended-cr3]" (32-bit PV). */
#define XEN_ELFNOTE_PAE_MODE 9
/* String: '|'-separated XENFEAT_* names without the prefix; '!' marks required ones. */
#define XEN_ELFNOTE_FEATURES 10
/* String: "yes" if the kernel wants its symbol table loaded (BSD). */
#define XEN_ELFNOTE_BSD_SYMTAB 11
/* Integer: lowest virtual address the hypervisor may reserve (32-bit PV). */
#define XEN_ELFNOTE_HV_START_LOW 12
/* Two integers: mask and value identifying valid L1 entries (PV). */
#define XEN_ELFNOTE_L1_MFN_VALID 13
/* Integer: non-zero if the kernel supports cancelled suspends. */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14
/* Integer: virtual address for the initial p2m list (PV). */
#define XEN_ELFNOTE_INIT_P2M 15
/* Integer: non-zero if the kernel accepts a PFN in start_info.mod_start (PV). */
#define XEN_ELFNOTE_MOD_START_PFN 16
/* 32-bit integer: bitmap of XENFEAT_* the kernel supports (e.g. dom0 = bit 11). */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17
/*
 * Integer: 32-bit physical entry point of a PVH kernel. Linux emits it as an 8-byte
 * value, some kernels as 4 bytes; accept both.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
/*
 * Up to three 32-bit integers: the kernel can be loaded at another physical address;
 * alignment (default 2 MiB), minimum start, maximum end (default 4 GiB - 1).
 * Added in Xen 4.19 (not in 4.17); Debian's 6.1 kernel does not emit it.
 */
#define XEN_ELFNOTE_PHYS32_RELOC 19

/* Highest note number defined here (Xen 4.17 stops at PHYS32_ENTRY). */
#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_RELOC

/* Notes of crash dumps (not kernel images). */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001
#define XEN_ELFNOTE_CRASH_REGS 0x1000002

/* Notes of domain core dumps written by the toolstack. */
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif /* TERN_PUBLIC_ELFNOTE_H */
