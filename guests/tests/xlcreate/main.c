/* SPDX-License-Identifier: MIT */
/*
 * Run as dom0 (the first boot module; tests/integration/xlcreate.sh): the hypervisor side of
 * `xl create` for a PVH domU, in libxl/libxenguest's order (dom0-abi.md 4.4) minus the
 * foreign maps: createdomain, max_vcpus, max_mem, the two unbound ports, HVM params,
 * settscinfo, paging pool, claim + populate_physmap + claim 0, set_memory_map, the special
 * pages, gethvmcontext, sethvmcontext (MTRR per vCPU, then vCPU 0's CPU record), unpause.
 * With no way yet to write the child's memory, vCPU 0 is started on zeroed RAM at rip
 * CHILD_RIP: it executes "add [eax],al" (00 00) up to the end of its RAM and faults on the
 * fetch at RAM_END; the script finds that in Tern's log. Hostile inputs on the way get Xen's
 * errors; the crashed child is destroyed and every page comes back.
 */
#include "lib.h"
#include <public/arch-x86/cpu_policy.h>
#include <public/arch-x86/hvm/save.h>
#include <public/domctl.h>
#include <public/platform.h>
#include <public/sysctl.h>

const char test_title[] = "xl create's hypercalls for a PVH domU, from dom0";

#define CHILD_VCPUS 2
#define RAM_PAGES 2048                  /* 8 MiB: four 2 MiB extents */
#define RAM_END ((uint64_t)RAM_PAGES << 12)
#define SPECIAL_PFN 0xfeff8ULL          /* 8 pages below 0xff000, as libxenguest */
#define STORE_PFN (SPECIAL_PFN + 4)
#define CONSOLE_PFN (SPECIAL_PFN + 7)
#define MAXMEM_KB ((RAM_PAGES + 8) * 4 + 1024) /* + libxl's LIBXL_MAXMEM_CONSTANT */
#define CHILD_RIP (RAM_END - 0x1000)    /* the last page of RAM: 2048 bytes of 00 00 */
#define CHILD_RBX 0x12345000ULL         /* stands for start_info's address */

static uint8_t ctx[8192], set_buf[4096];
static domid_t child;

static long domctl(struct xen_domctl *op)
{
    return hypercall1(__HYPERVISOR_domctl, HC_PTR(op));
}

static long sysctl(struct xen_sysctl *op)
{
    return hypercall1(__HYPERVISOR_sysctl, HC_PTR(op));
}

static void dinit(struct xen_domctl *op, uint32_t cmd, domid_t dom)
{
    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
}

static long simple(uint32_t cmd)
{
    struct xen_domctl op;

    dinit(&op, cmd, child);
    return domctl(&op);
}

static uint64_t free_pages(void)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_physinfo,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };

    struct cpuid_regs r;

    if (!check_rc(sysctl(&op), 0, "physinfo"))
        return 0;
    /* hw_cap (xl info's hw_caps) is the host's: what we see of CPUID 1 is a subset. */
    /* (Less what Tern adds: x2APIC, which it emulates; the hypervisor bit; OSXSAVE.) */
    r = cpuid(1);
    check(op.u.physinfo.hw_cap[0] && !(r.d & ~op.u.physinfo.hw_cap[0]) &&
          !(r.c & ~op.u.physinfo.hw_cap[1] & ~(1u << 31 | 1u << 27 | 1u << 21)),
          "physinfo hw_cap[0..1] %#x %#x do not cover our CPUID 1 edx %#x ecx %#x",
          op.u.physinfo.hw_cap[0], op.u.physinfo.hw_cap[1], r.d, r.c);
    return op.u.physinfo.free_pages;
}

static bool child_info(struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl op;

    dinit(&op, XEN_DOMCTL_getdomaininfo, child);
    if (!check_rc(domctl(&op), 0, "getdomaininfo of the child") ||
        !check(op.u.getdomaininfo.domain == child, "getdomaininfo gave d%u, not d%u",
               op.u.getdomaininfo.domain, child))
        return false;
    *info = op.u.getdomaininfo;
    return true;
}

/* No domain but dom0 and the child exists (getdomaininfo gives the first id at or above). */
static bool alone_with_child(void)
{
    struct xen_domctl op;

    for (domid_t id = 1;; id = op.u.getdomaininfo.domain + 1) {
        dinit(&op, XEN_DOMCTL_getdomaininfo, id);
        if (domctl(&op) != 0)
            return true;
        if (op.u.getdomaininfo.domain != child)
            return false;
    }
}

static long param(bool set, domid_t dom, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index, .value = *value };
    long rc = hypercall2(__HYPERVISOR_hvm_op, set ? HVMOP_set_param : HVMOP_get_param,
                         HC_PTR(&p));
    *value = p.value;
    return rc;
}

static long set_param(uint32_t index, uint64_t value)
{
    return param(true, child, index, &value);
}

static long reservation(unsigned int cmd, xen_pfn_t *gfns, uint64_t nr, unsigned int order,
                        domid_t dom)
{
    struct xen_memory_reservation r = {
        .extent_start_gva = HC_PTR(gfns), .nr_extents = nr, .extent_order = order,
        .domid = dom,
    };
    return HYPERVISOR_memory_op(cmd, &r);
}

static long claim(uint64_t pages)
{
    struct xen_memory_reservation r = { .nr_extents = pages, .domid = child };
    return HYPERVISOR_memory_op(XENMEM_claim_pages, &r);
}

static void create(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo info;

    dinit(&op, XEN_DOMCTL_createdomain, DOMID_FIRST_RESERVED);
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op.u.createdomain.max_vcpus = CHILD_VCPUS;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    op.u.createdomain.grant_opts = 1;
    op.u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    if (!check_rc(domctl(&op), 0, "createdomain (PVH flags)"))
        xtf_fatal("no child domain");
    child = op.domain;
    printk("child is d%u\n", child);
    dinit(&op, XEN_DOMCTL_max_vcpus, child);
    op.u.max_vcpus.max = CHILD_VCPUS;
    check_rc(domctl(&op), 0, "max_vcpus");
    dinit(&op, XEN_DOMCTL_max_mem, child);
    op.u.max_mem.max_memkb = MAXMEM_KB;
    check_rc(domctl(&op), 0, "max_mem");
    if (child_info(&info)) {
        check(info.max_vcpu_id == CHILD_VCPUS - 1, "max_vcpu_id %u", info.max_vcpu_id);
        check(info.nr_online_vcpus == 0, "%u vCPUs online before any state",
              info.nr_online_vcpus);
        check(info.flags & XEN_DOMINF_paused, "not paused after createdomain (%#x)",
              info.flags);
        check(info.max_pages == MAXMEM_KB / 4, "max_pages %lu", info.max_pages);
        check(info.tot_pages == 0, "tot_pages %lu before populate", info.tot_pages);
    }
}

/* build_pre: the two unbound ports, HVM params, TSC, paging pool. */
static evtchn_port_t store_port, console_port;

static void build_pre(void)
{
    struct evtchn_alloc_unbound a = { .dom = child, .remote_dom = 0 };
    struct xen_domctl op;
    uint64_t v;

    check_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0,
             "alloc_unbound in the child for dom0 (store)");
    store_port = a.port;
    a.port = 0;
    check_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0,
             "alloc_unbound in the child for dom0 (console)");
    console_port = a.port;
    check(store_port && console_port && store_port != console_port, "ports %u and %u",
          store_port, console_port);
    check_rc(set_param(HVM_PARAM_TIMER_MODE, HVMPTM_no_delay_for_missed_ticks), 0,
             "TIMER_MODE");
    check_rc(set_param(HVM_PARAM_TIMER_MODE, 4), -EINVAL, "TIMER_MODE 4");
    check_rc(set_param(HVM_PARAM_ALTP2M, 0), 0, "ALTP2M 0");
    check_rc(set_param(HVM_PARAM_ALTP2M, 3), -EINVAL, "ALTP2M 3");
    check_rc(set_param(HVM_PARAM_BUFIOREQ_EVTCHN, 1), -EINVAL, "deprecated BUFIOREQ_EVTCHN");
    check_rc(set_param(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 0), -EINVAL, "0 ioreq server pages");
    v = 0;
    check_rc(param(false, child, HVM_PARAM_TIMER_MODE, &v), 0, "get TIMER_MODE");
    check(v == HVMPTM_no_delay_for_missed_ticks, "TIMER_MODE reads %lu", v);
    dinit(&op, XEN_DOMCTL_settscinfo, child);
    check_rc(domctl(&op), 0, "settscinfo mode 0");
    dinit(&op, XEN_DOMCTL_set_paging_mempool_size, child);
    op.u.paging_mempool.size = 1 << 20;
    check_rc(domctl(&op), 0, "set_paging_mempool_size 1 MiB");
}

static struct xen_cpuid_leaf leaves[CPUID_MAX_SERIALISED_LEAVES + 1];
static struct xen_msr_entry msrs[MSR_MAX_SERIALISED_ENTRIES + 1];

static long sys_policy(uint32_t index, void *l, uint32_t *nr_leaves, void *m, uint32_t *nr_msrs)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_get_cpu_policy,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    long rc;

    op.u.cpu_policy.index = index;
    op.u.cpu_policy.nr_leaves = *nr_leaves;
    op.u.cpu_policy.nr_msrs = *nr_msrs;
    op.u.cpu_policy.leaves = HC_PTR(l);
    op.u.cpu_policy.msrs = HC_PTR(m);
    rc = sysctl(&op);
    *nr_leaves = op.u.cpu_policy.nr_leaves;
    *nr_msrs = op.u.cpu_policy.nr_msrs;
    return rc;
}

static long dom_policy(uint32_t cmd, domid_t dom, uint32_t nr_leaves, uint32_t nr_msrs,
                       struct xen_domctl_cpu_policy *out)
{
    struct xen_domctl op;
    long rc;

    dinit(&op, cmd, dom);
    op.u.cpu_policy.nr_leaves = nr_leaves;
    op.u.cpu_policy.nr_msrs = nr_msrs;
    op.u.cpu_policy.leaves = HC_PTR(leaves);
    op.u.cpu_policy.msrs = HC_PTR(msrs);
    rc = domctl(&op);
    *out = op.u.cpu_policy;
    return rc;
}

static struct xen_cpuid_leaf *find_leaf(uint32_t nr, uint32_t leaf, uint32_t sub)
{
    for (uint32_t i = 0; i < nr; i++)
        if (leaves[i].leaf == leaf && leaves[i].subleaf == sub)
            return &leaves[i];
    return NULL;
}

/* libxenguest's xc_cpuid_apply_policy for a PVH guest, and hostile policies. */
static void cpu_policy(void)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_get_cpu_featureset,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    struct xen_domctl_cpu_policy r;
    static uint32_t fs[32];
    uint32_t nl = 0, nm = 0;

    check_rc(sys_policy(5, NULL, &nl, NULL, &nm), 0, "get_cpu_policy size");
    check(nl == CPUID_MAX_SERIALISED_LEAVES && nm == MSR_MAX_SERIALISED_ENTRIES,
          "policy sizes %u leaves %u MSRs", nl, nm);
    op.u.cpu_featureset.index = 1;
    op.u.cpu_featureset.nr_features = 32;
    op.u.cpu_featureset.features = HC_PTR(fs);
    check_rc(sysctl(&op), 0, "get_cpu_featureset (host)");
    check(op.u.cpu_featureset.nr_features == FEATURESET_NR_ENTRIES, "%u feature words",
          op.u.cpu_featureset.nr_features);
    op.u.cpu_featureset.nr_features = 5;
    check_rc(sysctl(&op), -ENOBUFS, "get_cpu_featureset into 5 words");
    check(op.u.cpu_featureset.nr_features == 5, "wrote %u words",
          op.u.cpu_featureset.nr_features);
    op.u.cpu_featureset.index = 2;
    op.u.cpu_featureset.nr_features = 32;
    check_rc(sysctl(&op), -EOPNOTSUPP, "the PV featureset");
    nl = 0;
    check_rc(sys_policy(6, leaves, &nl, msrs, &nm), -EINVAL, "policy index 6");
    check_rc(sys_policy(4, leaves, &nl, msrs, &nm), -EOPNOTSUPP, "the PV default policy");
    nl = 3;
    nm = 2;
    check_rc(sys_policy(5, leaves, &nl, msrs, &nm), -ENOBUFS, "the policy into 3 leaves");
    nl = CPUID_MAX_SERIALISED_LEAVES;
    check_rc(sys_policy(5, leaves, &nl, msrs, &nm), 0, "get_cpu_policy (hvm_default)");
    check(nl > 10 && nm == 2, "%u leaves %u MSRs", nl, nm);
    struct xen_cpuid_leaf *l1 = find_leaf(nl, 1, XEN_CPUID_NO_SUBLEAF);
    if (!check(l1 && find_leaf(nl, 0, XEN_CPUID_NO_SUBLEAF) &&
               find_leaf(nl, 0x80000000, XEN_CPUID_NO_SUBLEAF), "leaves 0, 1, 0x80000000"))
        return;
    check(l1->c & (1u << 31), "hypervisor bit in Tern's policy");

    /* Hostile: too many, a subleaf out of range, a limit above Tern's, MSR flags, itself. */
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, CPUID_MAX_SERIALISED_LEAVES + 1, 0,
                        &r), -E2BIG, "set_cpu_policy of 121 leaves");
    struct xen_cpuid_leaf keep = leaves[0];
    leaves[0] = (struct xen_cpuid_leaf){ 4, 6, 0, 0, 0, 0 };
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, nl, nm, &r), -ERANGE,
             "set_cpu_policy with leaf 4 subleaf 6");
    check(r.err_leaf == 4 && r.err_subleaf == 6 && r.err_msr == ~0u,
          "err %#x/%#x/%#x", r.err_leaf, r.err_subleaf, r.err_msr);
    leaves[0] = keep;
    leaves[0].a += 1; /* max basic leaf above Tern's */
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, nl, nm, &r), -EINVAL,
             "set_cpu_policy with a higher max leaf");
    check(r.err_leaf == 0 && r.err_subleaf == XEN_CPUID_NO_SUBLEAF, "err %#x/%#x",
          r.err_leaf, r.err_subleaf);
    leaves[0] = keep;
    msrs[0].flags = 1;
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, nl, nm, &r), -EINVAL,
             "set_cpu_policy with MSR flags");
    check(r.err_msr == MSR_INTEL_PLATFORM_INFO, "err_msr %#x", r.err_msr);
    msrs[0].flags = 0;
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, 0, nl, nm, &r), -EINVAL,
             "set_cpu_policy of dom0 itself");

    /* What libxenguest sends: logical count doubled for APIC IDs 2n, one feature off
     * (leaf 1 ecx bit 0, SSE3), the rest as given. */
    l1->b = (l1->b & ~0xff0000u) | (2u << 16);
    l1->c &= ~1u;
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, nl, nm, &r), 0, "set_cpu_policy");
    memset(leaves, 0, sizeof(leaves));
    check_rc(dom_policy(XEN_DOMCTL_get_cpu_policy, child, CPUID_MAX_SERIALISED_LEAVES, 2, &r),
             0, "get_cpu_policy of the child");
    l1 = find_leaf(r.nr_leaves, 1, XEN_CPUID_NO_SUBLEAF);
    check(l1 && !(l1->c & 1) && (l1->c & (1u << 31)), "the child's leaf 1 ecx %#x",
          l1 ? l1->c : 0);
}

static xen_pfn_t gfns[RAM_PAGES];

/* meminit_hvm: claim, RAM in 2 MiB extents (after a refused 1 GiB one), claim 0. */
static void memory(void)
{
    struct xen_domctl_getdomaininfo info;
    /* Tern's free count is the child's share only while no other domain starts or ends (a
     * boot domain beside, xlcreate-beside-unpriv, may still be tearing down). */
    check(wait_until(alone_with_child(), 60000000000ull), "other domains still there");
    uint64_t free_before = free_pages();

    check_rc(claim(0x7fffffff), -EINVAL, "claim above max_pages");
    check_rc(claim(RAM_PAGES + 8), 0, "claim the domain's pages");
    check_rc(claim(RAM_PAGES), -EINVAL, "a second claim");
    if (child_info(&info))
        check(info.outstanding_pages == RAM_PAGES + 8, "outstanding %lu",
              info.outstanding_pages);
    struct xen_memory_reservation bad = { .extent_start_gva = HC_PTR(gfns), .nr_extents = 1,
                                          .domid = child };
    check_rc(HYPERVISOR_memory_op(XENMEM_claim_pages, &bad), -EINVAL,
             "claim with a frame list");
    /* 1 GiB is over max_pages: none done, as libxenguest expects before it tries 2 MiB. */
    gfns[0] = 0;
    check_rc(reservation(XENMEM_populate_physmap, gfns, 1, 18, child), 0,
             "populate one 1 GiB extent over max_pages");
    for (unsigned int i = 0; i < RAM_PAGES / 512; i++)
        gfns[i] = (xen_pfn_t)i * 512;
    check_rc(reservation(XENMEM_populate_physmap, gfns, RAM_PAGES / 512, 9, child),
             RAM_PAGES / 512, "populate 8 MiB in 2 MiB extents");
    for (unsigned int i = 0; i < 8; i++)
        gfns[i] = SPECIAL_PFN + i;
    check_rc(reservation(XENMEM_populate_physmap, gfns, 8, 0, child), 8,
             "populate the 8 special pages");
    if (child_info(&info)) {
        check(info.tot_pages == RAM_PAGES + 8, "tot_pages %lu", info.tot_pages);
        check(info.outstanding_pages == 0, "the claim is used up: %lu left",
              info.outstanding_pages);
    }
    check_rc(claim(0), 0, "claim 0 cancels");
    check(free_before - free_pages() >= RAM_PAGES + 8, "free pages went from %lu to %lu",
          free_before, free_pages());
    /* max_pages holds: 512 more frames than max_mem's slack (256) are refused (0 done). */
    gfns[0] = 0x10000;
    check_rc(reservation(XENMEM_populate_physmap, gfns, 1, 9, child), 0,
             "populate past max_pages");
    check_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &child), RAM_PAGES + 8,
             "current_reservation");
    check_rc(HYPERVISOR_memory_op(XENMEM_maximum_reservation, &child), MAXMEM_KB / 4,
             "maximum_reservation");
    check(HYPERVISOR_memory_op(XENMEM_maximum_gpfn, &child) >= (long)CONSOLE_PFN,
          "maximum_gpfn below the console page");
    /* Give one page back and take it again. */
    gfns[0] = RAM_PAGES - 512;
    check_rc(reservation(XENMEM_decrease_reservation, gfns, 1, 0, child), 1,
             "decrease_reservation of one page");
    check_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &child), RAM_PAGES + 7,
             "current_reservation after the decrease");
    check_rc(reservation(XENMEM_populate_physmap, gfns, 1, 0, child), 1, "populate it again");
    struct xen_pod_target t = { .target_pages = MAXMEM_KB / 4 + 1, .domid = child };
    check_rc(HYPERVISOR_memory_op(XENMEM_set_pod_target, &t), -EINVAL,
             "PoD target above max_pages");
    t.target_pages = RAM_PAGES + 8;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_pod_target, &t), 0, "PoD target (no-op)");
    check(t.tot_pages == RAM_PAGES + 8 && !t.pod_cache_pages && !t.pod_entries,
          "PoD target answer: tot %lu cache %lu entries %lu", t.tot_pages, t.pod_cache_pages,
          t.pod_entries);
    check_rc(HYPERVISOR_memory_op(XENMEM_get_sharing_freed_pages, NULL), -ENOSYS,
             "get_sharing_freed_pages");
    check_rc(HYPERVISOR_memory_op(XENMEM_get_sharing_shared_pages, NULL), -ENOSYS,
             "get_sharing_shared_pages");
}

static void memory_map(void)
{
    static struct xen_e820_entry e[3];
    struct xen_foreign_memory_map m = { .domid = child,
                                        .map = { .nr_entries = 2, .buffer_gva = HC_PTR(e) } };

    e[0] = (struct xen_e820_entry){ 0, RAM_END, XEN_HVM_MEMMAP_TYPE_RAM };
    e[1] = (struct xen_e820_entry){ 0xfeff8000ULL, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED };
    e[2] = (struct xen_e820_entry){ 0x1000, 0x2000, XEN_HVM_MEMMAP_TYPE_RESERVED };
    m.map.nr_entries = 1025;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &m), -EINVAL,
             "set_memory_map of 1025 entries");
    m.map.nr_entries = 2;
    m.map.buffer_gva = 0xdead0000000ULL;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &m), -EFAULT,
             "set_memory_map from a bad buffer");
    m.domid = 0x7000;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &m), -ESRCH,
             "set_memory_map of a missing domain");
    /* Xen stores a map as given: overlapping entries are the consumer's to sort out. */
    m.domid = child;
    m.map.buffer_gva = HC_PTR(e);
    m.map.nr_entries = 3;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &m), 0,
             "set_memory_map with overlapping entries");
    m.map.nr_entries = 2;
    check_rc(HYPERVISOR_memory_op(XENMEM_set_memory_map, &m), 0, "set_memory_map");
}

static void params(void)
{
    uint64_t v;

    check_rc(set_param(HVM_PARAM_STORE_PFN, STORE_PFN), 0, "STORE_PFN");
    check_rc(set_param(HVM_PARAM_CONSOLE_PFN, CONSOLE_PFN), 0, "CONSOLE_PFN");
    check_rc(set_param(HVM_PARAM_IDENT_PT, (SPECIAL_PFN + 6) << 12), 0, "IDENT_PT");
    check_rc(set_param(HVM_PARAM_BUFIOREQ_PFN, SPECIAL_PFN + 3), 0, "BUFIOREQ_PFN");
    check_rc(set_param(HVM_PARAM_IOREQ_PFN, SPECIAL_PFN + 5), 0, "IOREQ_PFN");
    check_rc(set_param(HVM_PARAM_IOREQ_PFN, SPECIAL_PFN + 5), 0, "IOREQ_PFN, same again");
    check_rc(set_param(HVM_PARAM_IOREQ_PFN, SPECIAL_PFN + 1), -EEXIST, "IOREQ_PFN changed");
    check_rc(set_param(HVM_PARAM_PAGING_RING_PFN, SPECIAL_PFN), 0, "PAGING_RING_PFN");
    check_rc(set_param(HVM_PARAM_MONITOR_RING_PFN, SPECIAL_PFN + 1), 0, "MONITOR_RING_PFN");
    check_rc(set_param(HVM_PARAM_SHARING_RING_PFN, SPECIAL_PFN + 2), 0, "SHARING_RING_PFN");
    check_rc(set_param(HVM_PARAM_CONSOLE_EVTCHN, console_port), 0, "CONSOLE_EVTCHN");
    check_rc(set_param(HVM_PARAM_STORE_EVTCHN, store_port), 0, "STORE_EVTCHN");
    check_rc(set_param(HVM_NR_PARAMS, 0), -EINVAL, "parameter HVM_NR_PARAMS");
    v = 0;
    check_rc(param(false, child, HVM_PARAM_CONSOLE_PFN, &v), 0, "get CONSOLE_PFN");
    check(v == CONSOLE_PFN, "CONSOLE_PFN reads %#lx", v);
    check_rc(param(false, child, HVM_PARAM_STORE_EVTCHN, &v), 0, "get STORE_EVTCHN");
    check(v == store_port, "STORE_EVTCHN reads %lu, set %u", v, store_port);
}

static long hvmcontext(uint32_t cmd, void *buf, uint32_t size, uint32_t *out)
{
    struct xen_domctl op;
    long rc;

    dinit(&op, cmd, child);
    op.u.hvmcontext.size = size;
    op.u.hvmcontext.buffer = HC_PTR(buf);
    rc = domctl(&op);
    if (out)
        *out = op.u.hvmcontext.size;
    return rc;
}

static const void *record(const uint8_t *s, uint32_t size, uint16_t type, uint16_t inst,
                          uint32_t *len)
{
    uint32_t off = 0;

    while (size - off >= sizeof(struct hvm_save_descriptor)) {
        const struct hvm_save_descriptor *d = (const void *)(s + off);
        off += sizeof(*d);
        if (d->length > size - off)
            return NULL;
        if (d->typecode == type && d->instance == inst) {
            *len = d->length;
            return s + off;
        }
        if (!d->typecode)
            return NULL;
        off += d->length;
    }
    return NULL;
}

/* A stream of HEADER (copied from ours) + one record + END into set_buf; its size. */
static uint32_t stream(uint16_t type, uint16_t inst, const void *body, uint32_t len)
{
    struct hvm_save_descriptor d = { type, inst, len }, end = { 0, 0, 0 };
    uint32_t n = sizeof(d) + sizeof(struct hvm_save_header);

    memcpy(set_buf, ctx, n);
    memcpy(set_buf + n, &d, sizeof(d));
    memcpy(set_buf + n + sizeof(d), body, len);
    n += sizeof(d) + len;
    memcpy(set_buf + n, &end, sizeof(end));
    return n + sizeof(end);
}

static struct hvm_hw_cpu cpu;

static void pvh_cpu(void)
{
    memset(&cpu, 0, sizeof(cpu));
    cpu.cs_limit = cpu.ds_limit = cpu.es_limit = cpu.ss_limit = ~0u;
    cpu.tr_limit = 0x67;
    cpu.cs_arbytes = 0xc9b;
    cpu.ds_arbytes = cpu.es_arbytes = cpu.ss_arbytes = 0xc93;
    cpu.tr_arbytes = 0x8b;
    cpu.cr0 = 0x11; /* PE | ET */
    cpu.rip = CHILD_RIP;
    cpu.rbx = CHILD_RBX;
    cpu.rax = 0x1000; /* where "add [eax],al" writes: RAM, unchanged (al = 0) */
    cpu.dr6 = 0xffff0ff0;
    cpu.dr7 = 0x400;
}

static void context(void)
{
    uint32_t size = 0, got = 0, len = 0, n;
    const struct hvm_save_header *hdr;
    const struct hvm_hw_mtrr *mtrr;
    struct hvm_hw_mtrr m;

    check_rc(hvmcontext(XEN_DOMCTL_gethvmcontext, NULL, 0, &size), 0,
             "gethvmcontext size query");
    check(size > 40 && size <= sizeof(ctx), "context size %u", size);
    check_rc(hvmcontext(XEN_DOMCTL_gethvmcontext, ctx, size - 1, NULL), -ENOSPC,
             "gethvmcontext into a buffer one byte short");
    check_rc(hvmcontext(XEN_DOMCTL_gethvmcontext, ctx, size, &got), 0, "gethvmcontext");
    check(got <= size && got >= 8 + 24 + 8, "context filled %u of %u", got, size);
    hdr = (const void *)(ctx + 8);
    check(((const struct hvm_save_descriptor *)ctx)->typecode == HVM_SAVE_CODE_HEADER,
          "the first record is type %u", ((const struct hvm_save_descriptor *)ctx)->typecode);
    check(hdr->magic == HVM_FILE_MAGIC && hdr->version == HVM_FILE_VERSION,
          "header magic %#x version %u", hdr->magic, hdr->version);
    check(!record(ctx, got, HVM_SAVE_CODE_CPU, 0, &len), "a CPU record for a vCPU that is down");
    for (uint16_t i = 0; i < CHILD_VCPUS; i++)
        check(record(ctx, got, HVM_SAVE_CODE_MTRR, i, &len) && len == sizeof(m),
              "MTRR record of vCPU %u", i);
    check(record(ctx, got, HVM_SAVE_CODE_END, 0, &len) && !len, "no END record");

    /* libxenguest: MTRR per vCPU, default type write-back and enabled. */
    mtrr = record(ctx, got, HVM_SAVE_CODE_MTRR, 0, &len);
    if (!mtrr)
        xtf_fatal("no MTRR record");
    m = *mtrr;
    m.msr_mtrr_def_type = 6 | (1u << 11);
    for (uint16_t i = 0; i < CHILD_VCPUS; i++) {
        n = stream(HVM_SAVE_CODE_MTRR, i, &m, sizeof(m));
        check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), 0,
                 "sethvmcontext MTRR of vCPU %u", i);
    }

    /* Hostile streams. */
    n = stream(HVM_SAVE_CODE_MTRR, CHILD_VCPUS, &m, sizeof(m));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL,
             "MTRR of a vCPU the child does not have");
    n = stream(HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n - 8, NULL), -ENODATA,
             "a stream without END");
    n = stream(HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m) - 8);
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL,
             "a truncated MTRR record");
    n = stream(HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n - 12, NULL), -EINVAL,
             "an MTRR record cut by the buffer's end");
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, 20, NULL), -ENODATA,
             "a stream shorter than its header");
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, 0x7fffffff, NULL), -ENOMEM,
             "a 2 GiB context");
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, (void *)0xdead0000000ULL, 64, NULL), -EFAULT,
             "a context at a bad address");
    n = stream(3 /* PIC */, 0, &m, 8);
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL,
             "a record type the domain does not have");
    n = stream(HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m));
    ((struct hvm_save_header *)(set_buf + 8))->magic ^= 1;
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "a bad magic");
    n = stream(HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m));
    ((struct hvm_save_header *)(set_buf + 8))->version = 2;
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "version 2");
    pvh_cpu();
    cpu.cr0 = 0x1; /* ET clear */
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "CR0 without ET");
    pvh_cpu();
    cpu.cr4 = 1ULL << 13; /* VMXE */
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "CR4.VMXE");
    pvh_cpu();
    cpu.msr_efer = 1ULL << 12; /* SVME */
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "EFER.SVME");
    pvh_cpu();
    cpu.dr7 = 1ULL << 40;
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL, "DR7 bit 40");
    pvh_cpu();
    n = stream(HVM_SAVE_CODE_CPU, 7, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL,
             "a CPU record of vCPU 7");
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu) + 8);
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), -EINVAL,
             "a CPU record longer than Xen's");

    /* vCPU 0's start state, last, as libxenguest does. */
    pvh_cpu();
    n = stream(HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, set_buf, n, NULL), 0,
             "sethvmcontext CPU of vCPU 0");

    /* Read back: vCPU 0 is up with that state, vCPU 1 still down. */
    check_rc(hvmcontext(XEN_DOMCTL_gethvmcontext, ctx, sizeof(ctx), &got), 0,
             "gethvmcontext after the load");
    const struct hvm_hw_cpu *c = record(ctx, got, HVM_SAVE_CODE_CPU, 0, &len);
    if (check(c && len == sizeof(*c), "no CPU record of vCPU 0 after the load")) {
        check(c->rip == CHILD_RIP && c->rbx == CHILD_RBX && c->rax == 0x1000,
              "rip %#lx rbx %#lx rax %#lx", c->rip, c->rbx, c->rax);
        check(c->cr0 == 0x11 && c->cr4 == 0 && c->msr_efer == 0, "cr0 %#lx cr4 %#lx efer %#lx",
              c->cr0, c->cr4, c->msr_efer);
        check(c->cs_arbytes == 0xc9b && c->ss_arbytes == 0xc93 && c->tr_arbytes == 0x8b,
              "arbytes cs %#x ss %#x tr %#x", c->cs_arbytes, c->ss_arbytes, c->tr_arbytes);
        check(c->cs_limit == ~0u && c->cs_base == 0 && c->tr_limit == 0x67,
              "cs limit %#x base %#lx, tr limit %#x", c->cs_limit, c->cs_base, c->tr_limit);
        check(c->dr6 == 0xffff0ff0 && c->dr7 == 0x400, "dr6 %#lx dr7 %#lx", c->dr6, c->dr7);
        check((c->rflags & 2) && !(c->rflags & ~2ULL), "rflags %#lx", c->rflags);
    }
    check(!record(ctx, got, HVM_SAVE_CODE_CPU, 1, &len), "a CPU record of vCPU 1");
    mtrr = record(ctx, got, HVM_SAVE_CODE_MTRR, 1, &len);
    check(mtrr && mtrr->msr_mtrr_def_type == (6 | (1u << 11)), "vCPU 1's MTRR def type");

    /* A save/restore round trip: the whole stream loads back and reads back the same (the
     * TSC aside, which moves). */
    static uint8_t again[8192];
    uint32_t got2 = 0;
    check_rc(hvmcontext(XEN_DOMCTL_sethvmcontext, ctx, got, NULL), 0,
             "sethvmcontext of the whole saved context");
    check_rc(hvmcontext(XEN_DOMCTL_gethvmcontext, again, sizeof(again), &got2), 0,
             "gethvmcontext after the round trip");
    const struct hvm_hw_cpu *c2 = record(again, got2, HVM_SAVE_CODE_CPU, 0, &len);
    c = record(ctx, got, HVM_SAVE_CODE_CPU, 0, &len);
    if (check(got2 == got && c && c2, "round trip: %u bytes, then %u", got, got2))
        check(!memcmp(c, c2, offsetof(struct hvm_hw_cpu, tsc)) &&
              !memcmp(&c->pending_event, &c2->pending_event,
                      sizeof(*c) - offsetof(struct hvm_hw_cpu, pending_event)),
              "vCPU 0's record changed in the round trip");
}

/*
 * A sibling vCPU reads the child's vCPUs (getvcpuinfo, getdomaininfo) nonstop while vCPU 0
 * destroys it: Tern's teardown waits for such calls, and each answer is either the child as
 * it was (getvcpuinfo 0, getdomaininfo naming it) or the child gone (-ESRCH, or the next
 * domain), never anything else and never a hang.
 */
static volatile bool destroy_race_stop;
static volatile unsigned long destroy_race_reads;
static volatile long destroy_race_bad;

static void destroy_racer(unsigned int id, void *arg)
{
    struct xen_domctl op;
    long rc;

    while (!destroy_race_stop) {
        dinit(&op, XEN_DOMCTL_getvcpuinfo, child);
        op.u.getvcpuinfo.vcpu = 0;
        rc = domctl(&op);
        if (rc && rc != -ESRCH)
            destroy_race_bad = rc;
        dinit(&op, XEN_DOMCTL_getdomaininfo, child);
        rc = domctl(&op);
        if (rc && rc != -ESRCH)
            destroy_race_bad = rc;
        destroy_race_reads++;
    }
}

static void run_child(uint64_t free0)
{
    struct xen_domctl_getdomaininfo info;
    long rc;

    if (child_info(&info)) {
        check(info.nr_online_vcpus == 1, "%u vCPUs online after the load",
              info.nr_online_vcpus);
        check(info.flags & XEN_DOMINF_paused, "unpaused by sethvmcontext (%#x)", info.flags);
        check(info.max_vcpu_id == CHILD_VCPUS - 1, "max_vcpu_id %u", info.max_vcpu_id);
        check(info.tot_pages == RAM_PAGES + 8, "tot_pages %lu", info.tot_pages);
    }
    check_rc(simple(XEN_DOMCTL_unpausedomain), 0, "unpausedomain");
    check_rc(simple(XEN_DOMCTL_unpausedomain), -EINVAL, "a second unpausedomain");
    struct xen_domctl_cpu_policy r;
    check_rc(dom_policy(XEN_DOMCTL_set_cpu_policy, child, 0, 0, &r), -EEXIST,
             "set_cpu_policy once the domain ran");
    /* vCPU 0 runs through its zeroed page into the hole at RAM_END: a crash. */
    for (unsigned int i = 0; i < 200000; i++) {
        if (!child_info(&info) || (info.flags & XEN_DOMINF_shutdown))
            break;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    check(info.flags & XEN_DOMINF_shutdown, "the child never stopped (flags %#x)", info.flags);
    check((info.flags >> XEN_DOMINF_shutdownshift & 0xff) == SHUTDOWN_crash,
          "child shutdown code %u", info.flags >> XEN_DOMINF_shutdownshift & 0xff);
    printk("child d%u stopped: flags %#x\n", child, info.flags);
    /* With a second vCPU (xlcreate.sh's 2-CPU boots): it races the destroy. */
    bool racing = vcpu_is_up(1) != -ENOENT && vcpu_start(1, destroy_racer, NULL) == 0;
    if (racing)
        while (destroy_race_reads < 10)
            cpu_relax();
    rc = simple(XEN_DOMCTL_destroydomain);
    check_rc(rc, 0, "destroydomain");
    /* As on Xen, a destroyed domain may stay listed (dying) while references to it remain;
     * they go soon. */
    struct xen_domctl op;
    for (unsigned int i = 0; i < 100000; i++) {
        dinit(&op, XEN_DOMCTL_getdomaininfo, child);
        rc = domctl(&op);
        if (rc == -ESRCH || op.u.getdomaininfo.domain != child)
            break;
        if (!check(op.u.getdomaininfo.flags & XEN_DOMINF_dying,
                   "the destroyed child is listed without the dying flag (%#x)",
                   op.u.getdomaininfo.flags))
            break;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    check(rc == -ESRCH || op.u.getdomaininfo.domain != child, "the child is still listed");
    if (racing) {
        unsigned long reads = destroy_race_reads;
        destroy_race_stop = true;
        while (!percpu[1].done)
            cpu_relax();
        check(destroy_race_bad == 0, "vCPU1's reads of the child during its destroy: %ld",
              destroy_race_bad);
        printk("vCPU1 read the child %lu times while it was destroyed\n", reads);
    }
    /* Every page is back (another domain finishing meanwhile can only add free pages);
     * alone, xlcreate.sh checks that the two counts are equal. */
    uint64_t free1 = free_pages();
    /* Tern's own frames for the domain (its structures) go with the last reference, which
     * another CPU may still drop just after the domain left the list. */
    for (unsigned int i = 0; i < 100000 && free1 < free0; i++) {
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        free1 = free_pages();
    }
    check(free1 >= free0, "free pages %lu after destroy, %lu before create", free1, free0);
    printk("free pages: %lu before create, %lu after destroy\n", free0, free1);
}

/*
 * XENPF_settime64 as Linux's dom0 calls it (every 11 minutes, and when its clock is set):
 * the wallclock in shared_info follows exactly; a non-zero mbz is -EINVAL. Then the old
 * time goes back.
 */
static void settime(void)
{
    struct xen_platform_op op = { .cmd = XENPF_settime64,
                                  .interface_version = XENPF_INTERFACE_VERSION };
    uint32_t nsec0, nsec;
    uint64_t sec0 = wallclock_sec(&nsec0), sys = now_ns(), sec;

    op.u.settime64.secs = 2000000000ULL;
    op.u.settime64.nsecs = 250000000;
    op.u.settime64.system_time = sys;
    if (check_rc(hypercall1(__HYPERVISOR_platform_op, HC_PTR(&op)), 0, "XENPF_settime64")) {
        sec = wallclock_sec(&nsec);
        /* The wallclock at system time 0, so that wc + sys is what we set. */
        check(sec * SEC(1) + nsec + sys == 2000000000ULL * SEC(1) + 250000000,
              "after XENPF_settime64(2000000000.25 s at %lu ns): wallclock base %lu.%09u",
              sys, sec, nsec);
    }
    op.u.settime64.mbz = 1;
    check_rc(hypercall1(__HYPERVISOR_platform_op, HC_PTR(&op)), -EINVAL,
             "XENPF_settime64 with mbz set");
    struct xen_platform_op back = { .cmd = XENPF_settime32,
                                    .interface_version = XENPF_INTERFACE_VERSION,
                                    .u.settime32 = { (uint32_t)sec0, nsec0, 0 } };
    check_rc(hypercall1(__HYPERVISOR_platform_op, HC_PTR(&back)), 0, "XENPF_settime32 back");
    sec = wallclock_sec(&nsec);
    check(sec == sec0 && nsec == nsec0, "XENPF_settime32 back to %lu.%09u: got %lu.%09u",
          sec0, nsec0, sec, nsec);
}

void test_main(void)
{
    if (xen_domid() != 0)
        xtf_fatal("this test runs as dom0 (tests/integration/xlcreate.sh), not d%u",
                  xen_domid());
    uint64_t free0 = free_pages();
    settime();
    create();
    build_pre();
    cpu_policy();
    memory();
    memory_map();
    params();
    context();
    run_child(free0);
    xtf_success();
}
