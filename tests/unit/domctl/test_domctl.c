// SPDX-License-Identifier: MIT
/* domctl: interface version, lookup and policy order, getdomaininfo, unknown sub-ops. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

/* dom0 (privileged, 2 vCPUs), d3 (1 vCPU), d7 (4 vCPUs); the caller is dom0. */
static struct domain *dom0, *d3, *d7;

static void three_domains(void)
{
    fake_setup();
    dom0 = fake_domain(0, 2, true);
    d3 = fake_domain(3, 1, false);
    d7 = fake_domain(7, 4, false);
    fake_set_caller(dom0);
}

TEST(version_mismatch_is_eacces_before_anything)
{
    struct xen_domctl op;

    three_domains();
    for (uint32_t v = 0x13; v <= 0x16; v++) {
        if (v == XEN_DOMCTL_INTERFACE_VERSION)
            continue;
        fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 0);
        op.interface_version = v;
        CHECK_EQ(fake_domctl(&op), -EACCES);
        /* Even a domU asking about a domain that does not exist sees -EACCES first. */
        fake_set_caller(d3);
        fake_domctl_init(&op, 99, 1234);
        op.interface_version = v;
        CHECK_EQ(fake_domctl(&op), -EACCES);
        fake_set_caller(dom0);
    }
    fake_teardown();
}

TEST(unreadable_op_is_efault)
{
    three_domains();
    CHECK_EQ(do_domctl(FAKE_BAD_GVA), -EFAULT);
    CHECK_EQ(do_domctl(0), -EFAULT);
    fake_teardown();
}

TEST(unprivileged_caller_gets_eperm_after_lookup)
{
    struct xen_domctl op, before;

    three_domains();
    fake_set_caller(d3);
    uint32_t cmds[] = { XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_pausedomain,
                        XEN_DOMCTL_unpausedomain, XEN_DOMCTL_destroydomain,
                        XEN_DOMCTL_gethvmcontext, XEN_DOMCTL_sethvmcontext, 77 };
    for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        /* On itself, on dom0 and on another domU: XSM_PRIV refuses them all. */
        domid_t targets[] = { 3, 0, 7 };
        for (unsigned int t = 0; t < 3; t++) {
            fake_domctl_init(&op, cmds[i], targets[t]);
            before = op;
            long rc = fake_domctl(&op);
            CHECK(rc == -EPERM, "domctl %u on d%u from a domU: expected -EPERM, got %ld",
                  cmds[i], targets[t], rc);
            CHECK(!memcmp(&op, &before, sizeof(op)), "a refused domctl wrote its structure");
        }
    }
    /* createdomain has no target: the policy alone answers. */
    fake_domctl_init(&op, XEN_DOMCTL_createdomain, 5);
    CHECK_EQ(fake_domctl(&op), -EPERM);
    /* A target that does not exist is -ESRCH before the policy, as Xen looks it up first. */
    fake_domctl_init(&op, XEN_DOMCTL_pausedomain, 5);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    /* getdomaininfo past the last domain: -ESRCH before the policy too. */
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 8);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    CHECK_EQ(d7->pause_count, 0);
    CHECK_EQ(fake_hvmcontext_calls, 0);
    fake_teardown();
}

TEST(hvmcontext_subops_reach_save_c_for_dom0)
{
    struct xen_domctl op;

    three_domains();
    fake_domctl_init(&op, XEN_DOMCTL_gethvmcontext, 3);
    CHECK_EQ(fake_domctl(&op), -ENODATA);
    fake_domctl_init(&op, XEN_DOMCTL_sethvmcontext, 7);
    CHECK_EQ(fake_domctl(&op), -ENODATA);
    CHECK_EQ(fake_hvmcontext_calls, 2);
    fake_domctl_init(&op, XEN_DOMCTL_sethvmcontext, 9); /* no such domain */
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    CHECK_EQ(fake_hvmcontext_calls, 2);
    fake_teardown();
}

TEST(getdomaininfo_finds_the_next_id_at_or_above)
{
    struct xen_domctl op;
    struct { domid_t ask, got; } cases[] = { { 0, 0 }, { 1, 3 }, { 3, 3 }, { 4, 7 }, { 7, 7 } };

    three_domains();
    for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, cases[i].ask);
        CHECK_EQ(fake_domctl(&op), 0);
        CHECK(op.domain == cases[i].got && op.u.getdomaininfo.domain == cases[i].got,
              "getdomaininfo(%u): expected d%u, got op.domain %u, info.domain %u",
              cases[i].ask, cases[i].got, op.domain, op.u.getdomaininfo.domain);
        CHECK_EQ(op.interface_version, XEN_DOMCTL_INTERFACE_VERSION);
        CHECK_EQ(op.cmd, XEN_DOMCTL_getdomaininfo);
    }
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 8);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, DOMID_FIRST_RESERVED - 1);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    /* Reserved ids (DOMID_SELF among them) are not domains: -EINVAL as Xen. */
    domid_t reserved[] = { DOMID_FIRST_RESERVED, DOMID_SELF, DOMID_IO, DOMID_XEN, 0xffff };
    for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, reserved[i]);
        long rc = fake_domctl(&op);
        CHECK(rc == -EINVAL, "getdomaininfo(0x%x): expected -EINVAL, got %ld", reserved[i], rc);
    }
    fake_teardown();
}

TEST(getdomaininfo_fields)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo *info = &op.u.getdomaininfo;

    three_domains();
    d7->tot_pages = 1234;
    d7->max_pages = 4096;
    d7->shared_info_gfn = 0xfeff;
    d7->vcpu[1]->pause_flags = VPF_down;
    d7->vcpu[2]->pause_flags = VPF_blocked;
    d7->vcpu[3]->pause_flags = VPF_blocked;
    d7->vcpu[0]->is_running = true;
    fake_running_ns = 500;

    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 7);
    memset(&op.u, 0xa5, sizeof(op.u));
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info->max_vcpu_id, 3);        /* max_vcpus - 1, the down vCPU included */
    CHECK_EQ(info->nr_online_vcpus, 3);
    CHECK_EQ(info->cpu_time, 4 * 500);     /* every vCPU's running time */
    CHECK_EQ(info->tot_pages, 1234);
    CHECK_EQ(info->max_pages, 4096);
    CHECK_EQ(info->shared_info_frame, 0xfeff);
    /* No shutdown code recorded: Xen's SHUTDOWN_CODE_INVALID (~0u) shifted into place. */
    CHECK_EQ(info->flags, XEN_DOMINF_hvm_guest | XEN_DOMINF_hap | XEN_DOMINF_running |
                              0xffff0000u);
    CHECK_EQ(info->flags >> XEN_DOMINF_shutdownshift & XEN_DOMINF_shutdownmask, 255);
    CHECK(info->gpaddr_bits >= 32 && info->gpaddr_bits <= 52, "gpaddr_bits %u", info->gpaddr_bits);
    CHECK_EQ(info->arch_config.emulation_flags, 1); /* XEN_X86_EMU_LAPIC: PVH */
    CHECK_EQ(info->pad1, 0);
    CHECK_EQ(info->outstanding_pages, 0);
    CHECK_EQ(info->ssidref, 0);
    CHECK_EQ(info->cpupool, 0);

    /* Every online vCPU blocked: blocked; the shutdown code sits in bits 16-23. */
    d7->vcpu[0]->pause_flags = VPF_blocked;
    d7->vcpu[0]->is_running = false;
    d7->is_shut_down = true;
    d7->shutdown_code = SHUTDOWN_reboot;
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 7);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info->flags, XEN_DOMINF_hvm_guest | XEN_DOMINF_hap | XEN_DOMINF_blocked |
                              XEN_DOMINF_shutdown | (SHUTDOWN_reboot << XEN_DOMINF_shutdownshift));
    d7->is_dying = true;
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 7);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK(info->flags & XEN_DOMINF_dying, "a dying domain without XEN_DOMINF_dying: 0x%x",
          info->flags);

    /* A domain with no vCPUs yet (toolstack-created): max_vcpu_id is the invalid marker. */
    fake_domain(9, 0, false);
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 9);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info->max_vcpu_id, XEN_INVALID_MAX_VCPU_ID);
    CHECK_EQ(info->nr_online_vcpus, 0);
    fake_teardown();
}

TEST(getdomaininfo_copy_back_fault)
{
    three_domains();
    /* The structure is readable but the copy-back faults: -EFAULT, references dropped. */
    struct xen_domctl op;

    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, 3);
    fake_copy_out_fails = true;
    CHECK_EQ(fake_domctl(&op), -EFAULT);
    fake_copy_out_fails = false;
    fake_teardown();
}

TEST(unknown_subop_is_enosys_logged_once)
{
    struct xen_domctl op;

    three_domains();
    harness_log_clear();
    fake_domctl_init(&op, 120, 3);
    CHECK_EQ(fake_domctl(&op), -ENOSYS);
    CHECK(strstr(harness_log(), "d0: domctl 120 is not implemented"),
          "expected a warning naming the caller and sub-op, log: '%s'", harness_log());
    harness_log_clear();
    CHECK_EQ(fake_domctl(&op), -ENOSYS);
    CHECK(!*harness_log(), "the second call logged again: '%s'", harness_log());
    /* Huge numbers are refused without indexing anything. */
    fake_domctl_init(&op, 0xffffffffu, 3);
    CHECK_EQ(fake_domctl(&op), -ENOSYS);
    fake_teardown();
}

static long domctl_on(uint32_t cmd, domid_t dom)
{
    struct xen_domctl op;

    fake_domctl_init(&op, cmd, dom);
    return fake_domctl(&op);
}

static uint32_t info_flags(domid_t dom)
{
    struct xen_domctl op;

    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, dom);
    CHECK_EQ(fake_domctl(&op), 0);
    return op.u.getdomaininfo.flags;
}

TEST(pause_unpause_counts)
{
    three_domains();
    CHECK(!(info_flags(3) & XEN_DOMINF_paused), "d3 reported paused before any pause");
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 3), 0);
    CHECK_EQ(d3->pause_count, 1);
    CHECK(info_flags(3) & XEN_DOMINF_paused, "d3 not reported paused after pausedomain");
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 3), 0); /* nests */
    CHECK_EQ(d3->pause_count, 2);
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 3), 0);
    CHECK(info_flags(3) & XEN_DOMINF_paused, "one of two pauses left, yet not reported paused");
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 3), 0);
    CHECK_EQ(d3->pause_count, 0);
    CHECK(!(info_flags(3) & XEN_DOMINF_paused), "still reported paused after both unpauses");
    /* Underflow: -EINVAL, and Tern's own pause (say, a shutdown in progress) untouched. */
    d3->pause_count = 1;
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 3), -EINVAL);
    CHECK_EQ(d3->pause_count, 1);
    d3->pause_count = 0;
    /* The caller's own domain cannot be paused; unpausing it underflows. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 0), -EINVAL);
    CHECK_EQ(dom0->pause_count, 0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 0), -EINVAL);
    /* Not a domain: -ESRCH. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 4), -ESRCH);
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, DOMID_SELF), -ESRCH);
    fake_teardown();
}

TEST(pause_count_capped)
{
    three_domains();
    for (unsigned int i = 0; i < 255; i++)
        CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 7), 0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, 7), -EOVERFLOW);
    CHECK_EQ(d7->pause_count, 255);
    for (unsigned int i = 0; i < 255; i++)
        CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 7), 0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, 7), -EINVAL);
    CHECK_EQ(d7->pause_count, 0);
    fake_teardown();
}
