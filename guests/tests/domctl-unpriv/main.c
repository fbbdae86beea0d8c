/* SPDX-License-Identifier: MIT */
/*
 * domctl and sysctl from an unprivileged domU: every call is refused as Xen 4.17 refuses it,
 * in Xen's order (copy -EFAULT, interface version -EACCES, target domain -ESRCH, policy
 * -EPERM), and a refused call writes nothing back.
 */
#include "lib.h"
#include <public/domctl.h>
#include <public/sysctl.h>

const char test_title[] = "domctl and sysctl refused to an unprivileged domain";

#define PATTERN 0xa5

static long sysctl(struct xen_sysctl *op)
{
    return hypercall1(__HYPERVISOR_sysctl, HC_PTR(op));
}

static long domctl(struct xen_domctl *op)
{
    return hypercall1(__HYPERVISOR_domctl, HC_PTR(op));
}

/* Nothing past the header may have been written by a refused call. */
static void check_untouched(const void *p, size_t from, size_t size, const char *what)
{
    const uint8_t *b = p;

    for (size_t i = from; i < size; i++)
        if (!check(b[i] == PATTERN, "%s: byte %zu changed to %#x by a refused call", what, i,
                   b[i]))
            return;
}

static void check_sysctl(void)
{
    static const uint32_t cmds[] = { XEN_SYSCTL_readconsole, XEN_SYSCTL_physinfo,
                                     XEN_SYSCTL_sched_id, XEN_SYSCTL_getdomaininfolist,
                                     XEN_SYSCTL_cputopoinfo, XEN_SYSCTL_numainfo,
                                     XEN_SYSCTL_cpupool_op, 2, 7, 26, 29, 999 };
    struct xen_sysctl op;

    for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
        memset(&op, PATTERN, sizeof(op));
        op.cmd = cmds[i];
        op.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
        check_rc(sysctl(&op), -EACCES, "sysctl %u, interface version 0x14", cmds[i]);
        op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
        check_rc(sysctl(&op), -EPERM, "sysctl %u from a domU", cmds[i]);
        check_untouched(&op, 8, sizeof(op), "sysctl");
    }
    check_rc(hypercall1(__HYPERVISOR_sysctl, 0xdead0000000UL), -EFAULT,
             "sysctl at an unmapped address");
}

static void check_domctl(void)
{
    static const uint32_t cmds[] = { XEN_DOMCTL_pausedomain, XEN_DOMCTL_unpausedomain,
                                     XEN_DOMCTL_destroydomain, XEN_DOMCTL_max_mem,
                                     XEN_DOMCTL_max_vcpus, XEN_DOMCTL_setdomainhandle,
                                     XEN_DOMCTL_setvcpuaffinity, XEN_DOMCTL_getvcpuinfo,
                                     XEN_DOMCTL_scheduler_op, XEN_DOMCTL_getvcpuaffinity,
                                     XEN_DOMCTL_settscinfo, XEN_DOMCTL_set_paging_mempool_size,
                                     XEN_DOMCTL_gethvmcontext, XEN_DOMCTL_sethvmcontext,
                                     XEN_DOMCTL_setnodeaffinity, XEN_DOMCTL_getnodeaffinity,
                                     82, 83, 999 };
    domid_t self = xen_domid();
    struct xen_domctl op;

    memset(&op, PATTERN, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = 0;
    op.domain = self;
    check_rc(domctl(&op), -EACCES, "domctl getdomaininfo, interface version 0");
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    check_rc(domctl(&op), -EPERM, "domctl getdomaininfo of itself");
    op.domain = 0;
    check_rc(domctl(&op), -EPERM, "domctl getdomaininfo from domain 0 on");
    op.domain = DOMID_FIRST_RESERVED;
    check_rc(domctl(&op), -EINVAL, "domctl getdomaininfo of a reserved id");
    op.domain = DOMID_FIRST_RESERVED - 1;
    check_rc(domctl(&op), -ESRCH, "domctl getdomaininfo past the last domain");
    check_untouched(&op, 16, sizeof(op), "domctl getdomaininfo");

    for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
        memset(&op, PATTERN, sizeof(op));
        op.cmd = cmds[i];
        op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        op.domain = 0x1234; /* no such domain: looked up before the policy */
        check_rc(domctl(&op), -ESRCH, "domctl %u on a domain that does not exist", cmds[i]);
        op.domain = self;
        check_rc(domctl(&op), -EPERM, "domctl %u on itself", cmds[i]);
        op.domain = DOMID_SELF; /* not accepted by domctl */
        check_rc(domctl(&op), -ESRCH, "domctl %u on DOMID_SELF", cmds[i]);
        check_untouched(&op, 16, sizeof(op), "domctl");
    }
    memset(&op, PATTERN, sizeof(op));
    op.cmd = XEN_DOMCTL_createdomain;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = DOMID_INVALID;
    check_rc(domctl(&op), -EPERM, "domctl createdomain from a domU");
    check_rc(hypercall1(__HYPERVISOR_domctl, 0x8000000000000000UL), -EFAULT,
             "domctl at a non-canonical address");

    /* Every other domain (a bystander runs beside this test in guests.sh): pausing or
     * destroying it is refused, and it keeps running. */
    for (domid_t id = 0; id < 16; id++) {
        static const uint32_t harmful[] = { XEN_DOMCTL_pausedomain, XEN_DOMCTL_destroydomain,
                                            XEN_DOMCTL_max_mem, XEN_DOMCTL_sethvmcontext,
                                            XEN_DOMCTL_gethvmcontext, 83 };
        for (unsigned int i = 0; i < ARRAY_SIZE(harmful); i++) {
            memset(&op, 0, sizeof(op));
            op.cmd = harmful[i];
            op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
            op.domain = id;
            long rc = domctl(&op);
            check(rc == -EPERM || rc == -ESRCH, "domctl %u on d%u: expected -EPERM (or -ESRCH "
                  "if there is no such domain), got %ld", harmful[i], id, rc);
        }
    }
}

/*
 * The toolstack's memory, HVM-parameter and event-channel operations on another domain (dom0,
 * which always exists) and the controller-only ones on itself: refused as Xen refuses them.
 */
static void check_toolstack_ops(void)
{
    domid_t self = xen_domid();
    xen_pfn_t gfn = 0x100000;
    struct xen_memory_reservation r = { .extent_start_gva = HC_PTR(&gfn), .nr_extents = 1,
                                        .domid = 0 };
    struct xen_pod_target t = { .target_pages = 1, .domid = self };
    static struct xen_e820_entry e = { 0, 0x100000, 1 };
    struct xen_foreign_memory_map fm = { .domid = 0,
                                         .map = { .nr_entries = 1, .buffer_gva = HC_PTR(&e) } };
    struct xen_hvm_param p = { .domid = 0, .index = HVM_PARAM_STORE_PFN, .value = 1 };
    struct evtchn_alloc_unbound a = { .dom = 0, .remote_dom = self };
    /* Dom0 exists when this runs beside one (xlcreate.sh): then every call on it is -EPERM;
     * alone (guests.sh), each answers its missing-domain error first, as Xen looks up
     * before the policy. */
    long probe = HYPERVISOR_memory_op(XENMEM_current_reservation, &fm.domid);
    bool dom0 = probe == -EPERM;
    long esrch = dom0 ? -EPERM : -ESRCH;

    check(probe == -EPERM || probe == -ESRCH, "current_reservation of dom0: %ld", probe);
    printk("dom0 %s\n", dom0 ? "exists: calls on it are refused" : "absent");

    check_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
             "populate_physmap in dom0 (no extent done)");
    check_rc(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
             "decrease_reservation in dom0 (no extent done)");
    r.extent_start_gva = 0;
    r.nr_extents = 1024;
    check_rc(HYPERVISOR_memory_op(XENMEM_claim_pages, &r), dom0 ? -EPERM : -EINVAL,
             "claim_pages for dom0");
    r.domid = self;
    check_rc(HYPERVISOR_memory_op(XENMEM_claim_pages, &r), -EPERM, "claim_pages for itself");
    r.domid = DOMID_SELF;
    check_rc(HYPERVISOR_memory_op(XENMEM_claim_pages, &r), -EINVAL,
             "claim_pages for DOMID_SELF (not a domain to claim for)");
    check_rc(HYPERVISOR_memory_op(XENMEM_set_pod_target, &t), -EPERM, "set_pod_target");
    check_rc(HYPERVISOR_memory_op(XENMEM_get_pod_target, &t), -EPERM, "get_pod_target");
    t.domid = 0;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_pod_target, &t), esrch,
             "set_pod_target of dom0");
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &fm), esrch,
             "set_memory_map of dom0");
    check_rc(hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, HC_PTR(&p)), esrch,
             "set STORE_PFN of dom0");
    check_rc(hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, HC_PTR(&p)), esrch,
             "get STORE_PFN of dom0");
    static const uint32_t toolstack_params[] = { HVM_PARAM_TIMER_MODE, HVM_PARAM_IDENT_PT,
                                                 HVM_PARAM_IOREQ_PFN, HVM_PARAM_PAGING_RING_PFN,
                                                 HVM_PARAM_STORE_PFN, HVM_PARAM_CONSOLE_PFN,
                                                 HVM_PARAM_ALTP2M };
    for (unsigned int i = 0; i < ARRAY_SIZE(toolstack_params); i++) {
        p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = toolstack_params[i] };
        check_rc(hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, HC_PTR(&p)), -EPERM,
                 "set HVM param %u of itself", toolstack_params[i]);
    }
    check_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), esrch,
             "alloc_unbound in dom0");
}

void test_main(void)
{
    check_sysctl();
    check_domctl();
    check_toolstack_ops();
    xtf_success();
}
