/* SPDX-License-Identifier: MIT */
/* HVM parameter indices for HVMOP_set_param / HVMOP_get_param, and their value formats. */
#ifndef TERN_PUBLIC_HVM_PARAMS_H
#define TERN_PUBLIC_HVM_PARAMS_H

/*
 * Each domain has HVM_NR_PARAMS 64-bit parameters, set by the toolstack (or the guest, for
 * a few) and read by the guest with HVMOP_get_param (public/hvm/hvm_op.h). A value of 0
 * generally means "not set".
 */

#include <stdint.h>

/* ---- Event upcall ------------------------------------------------------------------- */

/*
 * How events reach vCPU 0 (in practice: all vCPUs without a per-vCPU upcall vector).
 * value 0: no upcall. Otherwise bits 63:56 are a HVM_PARAM_CALLBACK_TYPE_* and the low
 * bits depend on the type. Linux sets (TYPE_VECTOR << 56) | 0xF3.
 * Setting it also latches the shared_info layout (64-bit for a 64-bit guest).
 */
#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK UINT64_C(0xFF00000000000000)
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT 56 /* Tern name; Xen only defines the mask */

/* bits 55:0 are a GSI (GSI 0 is unusable: it would make the value 0). */
#define HVM_PARAM_CALLBACK_TYPE_GSI 0
/* bits 55:0 are a PCI INTx: domain 47:32, bus 31:16, devfn 15:8, INTx (0=A..3=D) 1:0. */
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
/*
 * x86: bits 7:0 are a vector, injected on the target vCPU like an external interrupt for
 * as long as its evtchn_upcall_pending is set; no LAPIC EOI. Needs
 * XENFEAT_hvm_callback_vector. (On Arm, type 2 means a PPI instead; not described here.)
 */
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2

/* Tern helper: the CALLBACK_IRQ value for a type and its low bits. */
#define HVM_PARAM_CALLBACK_VIA(type, val) \
    (((uint64_t)(type) << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) | (uint64_t)(val))

/* ---- Xenstore, console, device model -------------------------------------------------- */

/* GFN of the xenstore ring page (struct xenstore_domain_interface, public/io/xs_wire.h). */
#define HVM_PARAM_STORE_PFN 1
/* Event channel port (in the guest) connected to xenstored. 0 in a dom0 running it. */
#define HVM_PARAM_STORE_EVTCHN 2
/* 3 is unused. */
/* Deprecated (toolstack/Xen-internal): PAE enabled. Gives -EINVAL. */
#define HVM_PARAM_PAE_ENABLED 4
/* GFN of the synchronous ioreq page of the default device model. */
#define HVM_PARAM_IOREQ_PFN 5
/* GFN of the buffered ioreq page of the default device model. */
#define HVM_PARAM_BUFIOREQ_PFN 6
/* 7, 8 are unused. */

/* Viridian (Hyper-V) enlightenments: a mask of HVMPV_* bits (not described here). */
#define HVM_PARAM_VIRIDIAN 9

/* ---- Platform ------------------------------------------------------------------------- */

/* Virtual-timer mode of emulated platform timers. */
#define HVM_PARAM_TIMER_MODE 10
#define HVMPTM_delay_for_missed_ticks 0    /* default */
#define HVMPTM_no_delay_for_missed_ticks 1
#define HVMPTM_no_missed_ticks_pending 2
#define HVMPTM_one_missed_tick_pending 3

/* Boolean: emulate an HPET. */
#define HVM_PARAM_HPET_ENABLED 11
/* Identity-map page directory for Intel EPT with CR0.PG = 0. */
#define HVM_PARAM_IDENT_PT 12
/* Deprecated: device-model domain. */
#define HVM_PARAM_DM_DOMAIN 13
/* ACPI sleep state: 0 (S0) or 3 (S3). */
#define HVM_PARAM_ACPI_S_STATE 14
/* TSS for Intel real mode (CR0.PE = 0). */
#define HVM_PARAM_VM86_TSS 15
/* Boolean: align periodic virtual timers to reduce interrupts. */
#define HVM_PARAM_VPT_ALIGN 16

/* GFN of the PV console ring page (struct xencons_interface, public/io/console.h). */
#define HVM_PARAM_CONSOLE_PFN 17
/* Event channel port (in the guest) of the PV console. Linux needs both to be non-zero. */
#define HVM_PARAM_CONSOLE_EVTCHN 18

/* ACPI PM1a/TMR block location: 0 = old (0x1f40..), 1 = QEMU's (0xb000..). */
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19

/* 20..26, 30: deprecated (memory-event and nested-HVM controls). Give -EINVAL. */
#define HVM_PARAM_MEMORY_EVENT_CR0 20
#define HVM_PARAM_MEMORY_EVENT_CR3 21
#define HVM_PARAM_MEMORY_EVENT_CR4 22
#define HVM_PARAM_MEMORY_EVENT_INT3 23
#define HVM_PARAM_NESTEDHVM 24
#define HVM_PARAM_MEMORY_EVENT_SINGLE_STEP 25
#define HVM_PARAM_BUFIOREQ_EVTCHN 26

/* GFNs of the vm_event rings. */
#define HVM_PARAM_PAGING_RING_PFN 27
#define HVM_PARAM_MONITOR_RING_PFN 28
#define HVM_PARAM_SHARING_RING_PFN 29

#define HVM_PARAM_MEMORY_EVENT_MSR 30

/* SHUTDOWN_* reason to use when the guest triple-faults. */
#define HVM_PARAM_TRIPLE_FAULT_REASON 31

/* First GFN and number of pages reserved for ioreq servers. */
#define HVM_PARAM_IOREQ_SERVER_PFN 32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33

/* Guest-physical address of the VM Generation ID. */
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34

/* altp2m mode. */
#define HVM_PARAM_ALTP2M 35
#define XEN_ALTP2M_disabled 0
#define XEN_ALTP2M_mixed 1
#define XEN_ALTP2M_external 2
#define XEN_ALTP2M_limited 3

/* x87 FIP/FDP width to save/restore: 0 (hypervisor chooses), 4 or 8. */
#define HVM_PARAM_X87_FIP_WIDTH 36

/* Intel real-mode TSS: address in bits 31:0, size in bits 63:32. */
#define HVM_PARAM_VM86_TSS_SIZED 37

/* Machine-check capabilities exposed to the guest. */
#define HVM_PARAM_MCA_CAP 38
#define XEN_HVM_MCA_CAP_LMCE (UINT64_C(1) << 0)
#define XEN_HVM_MCA_CAP_MASK XEN_HVM_MCA_CAP_LMCE

/* Number of parameters in Xen 4.17: valid indices are 0 .. HVM_NR_PARAMS - 1. */
#define HVM_NR_PARAMS 39

#endif /* TERN_PUBLIC_HVM_PARAMS_H */
