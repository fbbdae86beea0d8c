/* SPDX-License-Identifier: MIT */
/* xen_version (hypercall 17): version, build and feature queries. */
#ifndef TERN_PUBLIC_VERSION_H
#define TERN_PUBLIC_VERSION_H

/*
 * xen_version(cmd, arg_gva). All sub-ops return 0 on success except XENVER_version and
 * XENVER_pagesize (which return their value directly) and XENVER_build_id (which returns a
 * length). Unknown sub-ops return -ENOSYS. The string buffers are fixed-size arrays that
 * the hypervisor NUL-terminates (or NUL-pads) within their size.
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/features.h>

/* arg unused (NULL). Returns major << 16 | minor, e.g. 0x00040011 for 4.17. */
#define XENVER_version 0

/* arg = xen_extraversion_t (OUT). The version suffix, e.g. ".0" or "-unstable". */
#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

/* arg = struct xen_compile_info (OUT). Who built the hypervisor, where and when. */
#define XENVER_compile_info 2
struct xen_compile_info {
    char compiler[64];       /* OUT: compiler name and version */
    char compile_by[16];     /* OUT: user who built it */
    char compile_domain[32]; /* OUT: DNS domain of the build host */
    char compile_date[32];   /* OUT: build date */
};
typedef struct xen_compile_info xen_compile_info_t;

/*
 * arg = xen_capabilities_info_t (OUT). Space-separated guest types the hypervisor runs,
 * e.g. "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64".
 */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

/* arg = xen_changeset_info_t (OUT). Source revision the hypervisor was built from. */
#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* arg = struct xen_platform_parameters (OUT). */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
    uint64_t virt_start; /* OUT: start of the hypervisor's virtual area (PV guests) */
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/*
 * arg = struct xen_feature_info (IN/OUT). Returns one 32-bit word of the XENFEAT_* bitmap
 * (public/features.h): bit b of submap submap_idx is feature 32 * submap_idx + b.
 * The hypervisor checks submap_idx < XENFEAT_NR_SUBMAPS, else -EINVAL.
 */
#define XENVER_get_features 6
struct xen_feature_info {
    uint32_t submap_idx; /* IN: which 32-bit word of the feature bitmap */
    uint32_t submap;     /* OUT: the word */
};
typedef struct xen_feature_info xen_feature_info_t;

/* arg unused (NULL). Returns the hypervisor's page size (4096). */
#define XENVER_pagesize 7

/* arg = xen_domain_handle_t (OUT): the domain's 16-byte handle (the toolstack's UUID). */
#define XENVER_guest_handle 8

/* arg = xen_commandline_t (OUT): the hypervisor's command line. Privileged. */
#define XENVER_commandline 9
typedef char xen_commandline_t[1024];

/*
 * arg = struct xen_build_id (IN/OUT), or NULL to ask for the length. Returns the number
 * of bytes written (or needed), or a negative errno. Privileged.
 */
#define XENVER_build_id 10
struct xen_build_id {
    uint32_t len;  /* IN: size of buf[] in bytes */
    uint8_t buf[]; /* OUT: the build id (GNU build-id note contents) */
};
typedef struct xen_build_id xen_build_id_t;

_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info size");
_Static_assert(sizeof(struct xen_platform_parameters) == 8, "xen_platform_parameters size");
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info size");
_Static_assert(offsetof(struct xen_feature_info, submap) == 4, "submap");
_Static_assert(sizeof(struct xen_build_id) == 4, "xen_build_id size");
_Static_assert(sizeof(xen_extraversion_t) == 16, "extraversion size");
_Static_assert(sizeof(xen_capabilities_info_t) == 1024, "capabilities size");
_Static_assert(sizeof(xen_changeset_info_t) == 64, "changeset size");
_Static_assert(sizeof(xen_commandline_t) == 1024, "commandline size");

#endif /* TERN_PUBLIC_VERSION_H */
