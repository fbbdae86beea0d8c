/* SPDX-License-Identifier: MIT */
/* xen_version (hypercall 17): each sub-op as Xen 4.17 answers it for an unprivileged domU. */
#include "lib.h"

const char test_title[] = "xen_version sub-ops";

/* A string the hypervisor wrote into buf[size]: it must be NUL-terminated inside it. */
static bool terminated(const char *what, const char *buf, size_t size)
{
    return check(strnlen(buf, size) < size, "%s: no NUL within its %zu bytes", what, size);
}

static void check_strings(void)
{
    static xen_capabilities_info_t caps;
    static xen_commandline_t cmd;
    xen_extraversion_t extra;
    struct xen_compile_info ci;
    xen_changeset_info_t cs;
    xen_domain_handle_t handle;
    struct xen_platform_parameters pp = { 0 };
    long rc;

    memset(extra, 0xff, sizeof(extra));
    rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
    if (check_rc(rc, 0, "XENVER_extraversion") &&
        terminated("XENVER_extraversion", extra, sizeof(extra)))
        printk("extraversion \"%s\"\n", extra);

    memset(&ci, 0xff, sizeof(ci));
    rc = HYPERVISOR_xen_version(XENVER_compile_info, &ci);
    if (check_rc(rc, 0, "XENVER_compile_info") &&
        terminated("compile_info.compiler", ci.compiler, sizeof(ci.compiler)) &&
        terminated("compile_info.compile_by", ci.compile_by, sizeof(ci.compile_by)) &&
        terminated("compile_info.compile_domain", ci.compile_domain,
                   sizeof(ci.compile_domain)) &&
        terminated("compile_info.compile_date", ci.compile_date, sizeof(ci.compile_date)))
        printk("compiled by %s@%s with %s on %s\n", ci.compile_by, ci.compile_domain,
               ci.compiler, ci.compile_date);

    memset(caps, 0xff, sizeof(caps));
    rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
    if (check_rc(rc, 0, "XENVER_capabilities") &&
        terminated("XENVER_capabilities", caps, sizeof(caps))) {
        printk("capabilities \"%s\"\n", caps);
        /* libxenguest looks for the kernel's type: a PVH kernel is hvm-3.0-x86_32. */
        check(strstr(caps, "hvm-3.0-x86_64") && strstr(caps, "hvm-3.0-x86_32 "),
              "XENVER_capabilities \"%s\" lacks hvm-3.0-x86_64 or hvm-3.0-x86_32", caps);
        check(!strstr(caps, "xen-3.0"), "XENVER_capabilities \"%s\" claims PV guests", caps);
    }

    memset(cs, 0xff, sizeof(cs));
    rc = HYPERVISOR_xen_version(XENVER_changeset, cs);
    if (check_rc(rc, 0, "XENVER_changeset"))
        terminated("XENVER_changeset", cs, sizeof(cs));

    rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
    if (check_rc(rc, 0, "XENVER_platform_parameters"))
        printk("platform_parameters.virt_start %#lx\n", pp.virt_start);

    rc = HYPERVISOR_xen_version(XENVER_guest_handle, handle);
    check_rc(rc, 0, "XENVER_guest_handle");

    /* Privileged: Xen's XSM policy denies it to a domU by returning the text "<denied>". */
    memset(cmd, 0xff, sizeof(cmd));
    rc = HYPERVISOR_xen_version(XENVER_commandline, cmd);
    if (check_rc(rc, 0, "XENVER_commandline (a domU gets \"<denied>\")") &&
        terminated("XENVER_commandline", cmd, sizeof(cmd)))
        printk("commandline \"%s\"\n", cmd);
}

static void check_features(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };
    /* Xen 4.17's submap 0 for a PVH domU (common/kernel.c), exactly. */
    const uint32_t expected = 1U << XENFEAT_memory_op_vnode_supported |
                              1U << XENFEAT_writable_page_tables |
                              1U << XENFEAT_auto_translated_physmap |
                              1U << XENFEAT_hvm_callback_vector |
                              1U << XENFEAT_hvm_safe_pvclock |
                              1U << XENFEAT_not_direct_mapped;
    long rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);

    if (check_rc(rc, 0, "XENVER_get_features(submap 0)")) {
        printk("features submap 0: %#x\n", fi.submap);
        uint32_t want = expected;
        if (start_info && (start_info->flags & SIF_INITDOMAIN))
            want |= 1U << XENFEAT_dom0;
        check(fi.submap == want, "XENVER_get_features(0) = %#x, expected %#x (Xen 4.17 for "
              "a PVH %s: memory_op_vnode_supported, writable_page_tables, "
              "auto_translated_physmap, hvm_callback_vector, hvm_safe_pvclock, "
              "not_direct_mapped%s)", fi.submap, want,
              want & (1U << XENFEAT_dom0) ? "dom0" : "domU",
              want & (1U << XENFEAT_dom0) ? ", dom0" : "");
    }

    /* Only submap 0 exists (XENFEAT_NR_SUBMAPS = 1). */
    fi = (struct xen_feature_info){ .submap_idx = 1, .submap = 0xdeadbeef };
    check_rc(HYPERVISOR_xen_version(XENVER_get_features, &fi), -EINVAL,
             "XENVER_get_features(submap 1)");
    fi = (struct xen_feature_info){ .submap_idx = 0xffffffff };
    check_rc(HYPERVISOR_xen_version(XENVER_get_features, &fi), -EINVAL,
             "XENVER_get_features(submap 0xffffffff)");
}

void test_main(void)
{
    long rc = HYPERVISOR_xen_version(XENVER_version, NULL);
    uint32_t dummy = 0;

    check_rc(rc, XEN_CPUID_VERSION(4, 17), "XENVER_version");
    check(rc == (long)cpuid(xen_cpuid_base + XEN_CPUID_LEAF_VERSION).a,
          "XENVER_version %#lx differs from CPUID leaf %#x (%#x)", rc, xen_cpuid_base + 1,
          cpuid(xen_cpuid_base + XEN_CPUID_LEAF_VERSION).a);

    check_strings();
    check_features();

    /* pagesize: the argument must be NULL (Xen returns -EINVAL otherwise). */
    check_rc(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096, "XENVER_pagesize");
    check_rc(HYPERVISOR_xen_version(XENVER_pagesize, &dummy), -EINVAL,
             "XENVER_pagesize with a non-NULL argument");

    /* Privileged for a domU: Xen's build_id returns -EPERM when XSM denies it. */
    check_rc(HYPERVISOR_xen_version(XENVER_build_id, NULL), -EPERM,
             "XENVER_build_id from a domU");

    /* Unknown sub-ops. */
    check_rc(HYPERVISOR_xen_version(11, NULL), -ENOSYS, "xen_version sub-op 11");
    check_rc(HYPERVISOR_xen_version(0x7fffffff, NULL), -ENOSYS, "xen_version sub-op 0x7fffffff");
    check_rc(HYPERVISOR_xen_version(-1, NULL), -ENOSYS, "xen_version sub-op -1");

    xtf_success();
}
