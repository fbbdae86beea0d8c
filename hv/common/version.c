// SPDX-License-Identifier: MIT
/* xen_version: the version and features Tern reports as Xen 4.17. */
#include <public/features.h>
#include <public/version.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/version.h>

static uint32_t feature_submap0(struct domain *d)
{
    /* What Xen 4.17 reports to a PVH/HVM guest (common/kernel.c): vNUMA node flags accepted
     * by memory_op, a translated physmap that is not the machine's, the callback vector and
     * a pvclock safe to use from HVM; no PIRQs for PVH. */
    uint32_t f = (1u << XENFEAT_memory_op_vnode_supported) |
                 (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                 (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
                 (1u << XENFEAT_not_direct_mapped);
    if (d->is_privileged)
        f |= 1u << XENFEAT_dom0;
    return f;
}

long do_xen_version(int cmd, uint64_t arg)
{
    struct domain *d = current->domain;

    switch (cmd) {
    case XENVER_version:
        return (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
    case XENVER_extraversion: {
        xen_extraversion_t extra;
        memset(extra, 0, sizeof(extra));
        strlcpy(extra, ".0-tern", sizeof(extra));
        return copy_to_guest(arg, extra, sizeof(extra)) ? -EFAULT : 0;
    }
    case XENVER_compile_info: {
        struct xen_compile_info info;
        memset(&info, 0, sizeof(info));
        strlcpy(info.compiler, TERN_BUILD_INFO, sizeof(info.compiler));
        strlcpy(info.compile_by, "tern", sizeof(info.compile_by));
        strlcpy(info.compile_domain, "tern", sizeof(info.compile_domain));
        strlcpy(info.compile_date, __DATE__, sizeof(info.compile_date));
        return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case XENVER_capabilities: {
        xen_capabilities_info_t caps;
        memset(caps, 0, sizeof(caps));
        /*
         * The HVM guest types Tern runs, as Xen lists them: a PVH kernel entered in 32-bit
         * protected mode (PHYS32_ENTRY) is libxenguest's "hvm-3.0-x86_32", which it must find
         * here before it builds one. No PV types. (Hypercalls are taken from 64-bit code only:
         * see hvm/hypercall.c.)
         */
        strlcpy(caps, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", sizeof(caps));
        return copy_to_guest(arg, caps, sizeof(caps)) ? -EFAULT : 0;
    }
    case XENVER_changeset: {
        xen_changeset_info_t cs;
        memset(cs, 0, sizeof(cs));
        strlcpy(cs, "tern " TERN_VERSION, sizeof(cs));
        return copy_to_guest(arg, cs, sizeof(cs)) ? -EFAULT : 0;
    }
    case XENVER_platform_parameters: {
        struct xen_platform_parameters p = { .virt_start = 0xffff800000000000ULL };
        return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(&fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = feature_submap0(d);
        return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -EINVAL : (long)PAGE_SIZE; /* takes no argument */
    case XENVER_guest_handle: {
        /* The toolstack's UUID for the caller (createdomain/setdomainhandle); zero for boot
         * domains. */
        uint8_t handle[16];
        memcpy(handle, d->handle, sizeof(handle));
        return copy_to_guest(arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline: {
        /* Only the privileged domain may read Tern's command line; others get Xen's
         * "<denied>" string (XSM default policy). */
        xen_commandline_t line;
        memset(line, 0, sizeof(line));
        strlcpy(line, d->is_privileged ? tern_cmdline() : "<denied>", sizeof(line));
        return copy_to_guest(arg, line, sizeof(line)) ? -EFAULT : 0;
    }
    case XENVER_build_id:
        /* Privileged only; Tern's image carries no build id note. */
        return d->is_privileged ? -ENODATA : -EPERM;
    default:
        hypercall_unknown_subop(__HYPERVISOR_xen_version, (unsigned int)cmd);
        return -ENOSYS;
    }
}
