/* SPDX-License-Identifier: MIT */
/* xl.cfg domain configuration files: the parsed form and the parser (hv/common/xlcfg.c). */
#ifndef TERN_XLCFG_H
#define TERN_XLCFG_H

#include <tern/types.h>

/* Guest type: "type" (or the legacy builder= / pvh=). Tern only builds PVH; the caller refuses
 * the others with a message, so the parser just reports what the file asked for. */
enum xl_type {
    XL_TYPE_PVH,
    XL_TYPE_HVM,
    XL_TYPE_PV,
};

/* What to do when the guest powers off, reboots, crashes...: on_poweroff= and friends. */
enum xl_action {
    XL_ACTION_DESTROY,
    XL_ACTION_RESTART,
    XL_ACTION_RENAME_RESTART,
    XL_ACTION_PRESERVE,
    XL_ACTION_COREDUMP_DESTROY,
    XL_ACTION_COREDUMP_RESTART,
    XL_ACTION_SOFT_RESET,
};

/* libxl's default when memory= is absent (libxl__domain_build_info_setdefault: 32 MiB). */
#define XL_DEFAULT_MEMORY_MIB 32
/* Upper bound on memory=/maxmem= so that MiB -> bytes cannot overflow anywhere: 16 TiB. */
#define XL_MAX_MEMORY_MIB (16ull << 20)
/* Xen's limit for HVM/PVH guests (HVM_MAX_VCPUS). */
#define XL_MAX_VCPUS 128
/* cpu_affinity value meaning "any host CPU" (cpus="all", and the default). */
#define XL_ALL_CPUS (~0ull)

struct xl_config {
    char name[64];              /* name=, required */
    enum xl_type type;          /* type=; default PVH (xl defaults to PV) */
    uint64_t memory_mib;        /* memory=; default XL_DEFAULT_MEMORY_MIB */
    uint64_t maxmem_mib;        /* maxmem=; default memory_mib, never smaller */
    unsigned int vcpus;         /* vcpus=; default 1 */
    unsigned int maxvcpus;      /* maxvcpus=; default vcpus, never smaller */
    char kernel[256];           /* kernel=, required: names the kernel's Multiboot module */
    char ramdisk[256];          /* ramdisk=; "" when absent */
    char cmdline[1024];         /* cmdline=, else "root=<root> <extra>" from root=/extra= */
    enum xl_action on_poweroff; /* default destroy */
    enum xl_action on_reboot;   /* default restart */
    enum xl_action on_crash;    /* default destroy */
    enum xl_action on_watchdog; /* default destroy */
    enum xl_action on_soft_reset; /* default soft-reset */
    /*
     * Host CPUs the vCPUs may run on, bit n = CPU n (cpus=). xl's per-vCPU list form
     * (cpus=["0", "2-3"]) is merged into this one set. Default XL_ALL_CPUS.
     */
    uint64_t cpu_affinity;
    /*
     * max_event_channels=: the highest event channel port (Xen's createdomain
     * max_evtchn_port). 0 when absent: xl then asks for 1023, a boot-time domain keeps
     * Tern's default (every port of the 2-level ABI).
     */
    uint32_t max_event_channels;
};

/*
 * Parses len bytes of xl.cfg text (need not be NUL-terminated; any bytes are safe) into *cfg,
 * filling defaults for what the file leaves out. Returns 0, or -EINVAL with a message in err
 * ("line 3: expected '=' after 'memory'"); *cfg is then unspecified. Keys Tern ignores
 * (unknown ones, and xl keys not supported yet such as disk or vif) are warned about through
 * printk. A key set twice keeps its last value, as in xl; that is warned about too.
 */
int xlcfg_parse(const char *text, size_t len, struct xl_config *cfg, char *err, size_t errlen);

/* The xl.cfg spelling of an action ("coredump-restart"), or "unknown". */
const char *xl_action_name(enum xl_action action);
/* The xl.cfg spelling of a type ("pvh"), or "unknown". */
const char *xl_type_name(enum xl_type type);

#endif
