/* SPDX-License-Identifier: MIT */
/* platform_op (hypercall 7): the host-platform calls Linux makes as dom0, numbered as Xen 4.17. */
#ifndef TERN_PUBLIC_PLATFORM_H
#define TERN_PUBLIC_PLATFORM_H

#include <stdint.h>

/* A caller with another interface_version is refused with -EACCES. */
#define XENPF_INTERFACE_VERSION 0x03000001

#define XENPF_settime32 17
#define XENPF_firmware_info 50
#define XENPF_get_cpuinfo 55
#define XENPF_settime64 62
#define XENPF_get_dom0_console 64

/* XENPF_firmware_info types. */
#define XEN_FW_DISK_INFO 1
#define XEN_FW_DISK_MBR_SIGNATURE 2
#define XEN_FW_VBEDDC_INFO 3
#define XEN_FW_EFI_INFO 4
#define XEN_FW_KBD_SHIFT_FLAGS 5

struct xenpf_firmware_info {
    uint32_t type;  /* IN: XEN_FW_* */
    uint32_t index; /* IN: which disk, which EFI item, ... */
    union {
        uint8_t kbd_shift_flags; /* XEN_FW_KBD_SHIFT_FLAGS: BIOS keyboard flags */
        uint8_t raw[120];
    } u;
};

/* XENPF_get_cpuinfo: one host CPU, by Xen's CPU number. */
#define XEN_PCPU_FLAGS_ONLINE 1
#define XEN_PCPU_FLAGS_INVALID 2
struct xenpf_pcpuinfo {
    uint32_t xen_cpuid;   /* IN */
    uint32_t max_present; /* OUT: the highest CPU number that exists */
    uint32_t flags;       /* OUT: XEN_PCPU_FLAGS_* */
    uint32_t apic_id;     /* OUT */
    uint32_t acpi_id;     /* OUT */
};

/* XENPF_settime32/64: the wallclock was (secs, nsecs) at Xen system time system_time. */
struct xenpf_settime32 {
    uint32_t secs;
    uint32_t nsecs;
    uint64_t system_time;
};

struct xenpf_settime64 {
    uint64_t secs;
    uint32_t nsecs;
    uint32_t mbz;
    uint64_t system_time;
};

struct xen_platform_op {
    uint32_t cmd;
    uint32_t interface_version; /* XENPF_INTERFACE_VERSION */
    union {
        struct xenpf_firmware_info firmware_info;
        struct xenpf_pcpuinfo pcpu_info;
        struct xenpf_settime32 settime32;
        struct xenpf_settime64 settime64;
        uint8_t pad[128];
    } u;
};

_Static_assert(sizeof(struct xen_platform_op) == 136, "xen_platform_op is 136 bytes in Xen");

#endif
