// SPDX-License-Identifier: MIT
/* domctl createdomain, max_vcpus, max_mem, setdomainhandle, destroydomain and VIRQ_DOM_EXC. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

static struct domain *dom0;

static void only_dom0(void)
{
    fake_setup();
    dom0 = fake_domain(0, 2, true);
    fake_set_caller(dom0);
}

/* libxl's PVH configuration. */
static void pvh_config(struct xen_domctl *op, domid_t want, uint32_t vcpus)
{
    fake_domctl_init(op, XEN_DOMCTL_createdomain, want);
    op->u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op->u.createdomain.max_vcpus = vcpus;
    op->u.createdomain.max_evtchn_port = 1023;
    op->u.createdomain.max_grant_frames = -1;
    op->u.createdomain.max_maptrack_frames = -1;
    op->u.createdomain.grant_opts = 1;
    op->u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    for (unsigned int i = 0; i < 16; i++)
        op->u.createdomain.handle[i] = (uint8_t)(0xa0 + i);
}

static long create(domid_t want, uint32_t vcpus, domid_t *got)
{
    struct xen_domctl op;

    pvh_config(&op, want, vcpus);
    long rc = fake_domctl(&op);
    *got = op.domain;
    return rc;
}

static long domctl_on(uint32_t cmd, domid_t dom)
{
    struct xen_domctl op;

    fake_domctl_init(&op, cmd, dom);
    return fake_domctl(&op);
}

static struct xen_domctl_getdomaininfo info_of(domid_t dom)
{
    struct xen_domctl op;

    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, dom);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(op.domain, dom);
    return op.u.getdomaininfo;
}

TEST(createdomain_ids)
{
    domid_t id, first;

    only_dom0();
    /* 0 and the reserved ids ask for the next free id. */
    CHECK_EQ(create(DOMID_INVALID, 2, &first), 0);
    CHECK(first >= 1 && first < DOMID_FIRST_RESERVED, "allocated id %u", first);
    CHECK_EQ(create(0, 1, &id), 0);
    CHECK_EQ(id, first + 1);
    CHECK_EQ(create(DOMID_FIRST_RESERVED, 1, &id), 0);
    CHECK_EQ(id, first + 2);
    /* A free id asked for is given; a taken one is -EEXIST and nothing is made. */
    CHECK_EQ(create(100, 1, &id), 0);
    CHECK_EQ(id, 100);
    CHECK_EQ(create(100, 1, &id), -EEXIST);
    CHECK_EQ(create(first, 1, &id), -EEXIST);
    /* The rover goes on after the last allocated id, not back to a lower free one. */
    CHECK_EQ(create(DOMID_SELF, 1, &id), 0);
    CHECK_EQ(id, first + 3);
    /* domain_create failing: its error comes back. */
    fake_create_fails = -ENOMEM;
    CHECK_EQ(create(DOMID_INVALID, 1, &id), -ENOMEM);
    fake_teardown();
}

TEST(createdomain_starts_paused_without_vcpus_or_memory)
{
    domid_t id;

    only_dom0();
    CHECK_EQ(create(DOMID_INVALID, 3, &id), 0);
    struct xen_domctl_getdomaininfo info = info_of(id);
    CHECK(info.flags & XEN_DOMINF_paused, "a new domain is not paused by the controller: 0x%x",
          info.flags);
    CHECK_EQ(info.tot_pages, 0);
    CHECK_EQ(info.max_pages, 0);
    CHECK_EQ(info.nr_online_vcpus, 0);
    CHECK_EQ(info.max_vcpu_id, XEN_INVALID_MAX_VCPU_ID); /* no vCPU structs yet */
    CHECK_EQ(info.handle[0], 0xa0);
    CHECK_EQ(info.handle[15], 0xaf);
    /* libxl's max_evtchn_port bounds its ports. */
    CHECK_EQ(fake_max_evtchn_port_of, id);
    CHECK_EQ(fake_max_evtchn_port, 1023);
    /* The first unpause starts it; a second is -EINVAL. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, id), 0);
    info = info_of(id);
    CHECK(!(info.flags & XEN_DOMINF_paused), "still paused after unpause: 0x%x", info.flags);
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, id), -EINVAL);
    fake_teardown();
}

TEST(createdomain_refuses_what_tern_cannot_build)
{
    struct xen_domctl op;
    struct { uint32_t flags, emu, misc, vcpus, grant, iommu, vmtrace, pool; long rc; } c[] = {
        /* flags                                        emu   misc vcpus grant */
        { 1u << 8 | 3, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL },   /* unknown flag */
        { 0, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL },             /* PV */
        { XEN_DOMCTL_CDF_hvm, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL }, /* shadow */
        { XEN_DOMCTL_CDF_hap, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL }, /* hap, no hvm */
        { 3, XEN_X86_EMU_LAPIC, 0, 0, 1, 0, 0, 0, -EINVAL },             /* no vCPUs */
        { 3, XEN_X86_EMU_LAPIC, 0, MAX_VIRT_CPUS + 1, 1, 0, 0, 0, -EINVAL },
        { 3, XEN_X86_EMU_LAPIC, 0, 0xffffffffu, 1, 0, 0, 0, -EINVAL },
        { 3, XEN_X86_EMU_LAPIC, 0, 1, 2, 0, 0, 0, -EINVAL },             /* gnttab v2 */
        { 3, XEN_X86_EMU_LAPIC, 0, 1, 0x11, 0, 0, 0, -EINVAL },          /* unknown grant opt */
        { 3 | XEN_DOMCTL_CDF_iommu, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL },
        { 3, XEN_X86_EMU_LAPIC, 0, 1, 1, 1, 0, 0, -EINVAL },             /* iommu opts */
        { 3, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 4096, 0, -EINVAL },          /* vmtrace */
        { 3 | XEN_DOMCTL_CDF_nested_virt, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL },
        { 3 | XEN_DOMCTL_CDF_vpmu, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 0, -EINVAL },
        { 3, XEN_X86_EMU_LAPIC, 2, 1, 1, 0, 0, 0, -EINVAL },             /* misc flags */
        { 3, XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI, 0, 1, 1, 0, 0, 0, -EOPNOTSUPP }, /* HVM */
        { 3, 0, 0, 1, 1, 0, 0, 0, -EOPNOTSUPP },                        /* no LAPIC */
        { 3, XEN_X86_EMU_LAPIC, 0, 1, 1, 0, 0, 7, -ENOENT },             /* no pool 7 */
    };

    only_dom0();
    for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        pvh_config(&op, DOMID_INVALID, c[i].vcpus);
        op.u.createdomain.flags = c[i].flags;
        op.u.createdomain.arch.emulation_flags = c[i].emu;
        op.u.createdomain.arch.misc_flags = c[i].misc;
        op.u.createdomain.grant_opts = c[i].grant;
        op.u.createdomain.iommu_opts = c[i].iommu;
        op.u.createdomain.vmtrace_size = c[i].vmtrace;
        op.u.createdomain.cpupool_id = c[i].pool;
        long rc = fake_domctl(&op);
        CHECK(rc == c[i].rc, "case %u: expected %ld, got %ld", i, c[i].rc, rc);
    }
    /* Nothing was created by any of them. */
    struct xen_domctl gi;
    fake_domctl_init(&gi, XEN_DOMCTL_getdomaininfo, 1);
    CHECK_EQ(fake_domctl(&gi), -ESRCH);
    /* grant_opts 0 (no version given) and oos_off are accepted, as Xen. */
    pvh_config(&op, DOMID_INVALID, 1);
    op.u.createdomain.grant_opts = 0;
    op.u.createdomain.flags |= XEN_DOMCTL_CDF_oos_off;
    CHECK_EQ(fake_domctl(&op), 0);
    fake_teardown();
}

TEST(max_vcpus_must_match_createdomain)
{
    struct xen_domctl op;
    domid_t id;

    only_dom0();
    CHECK_EQ(create(DOMID_INVALID, 3, &id), 0);
    struct domain *d = domain_get_by_id(id);
    domain_put(d);
    uint32_t wrong[] = { 0, 2, 4, 0xffffffffu };
    for (unsigned int i = 0; i < 4; i++) {
        fake_domctl_init(&op, XEN_DOMCTL_max_vcpus, id);
        op.u.max_vcpus.max = wrong[i];
        CHECK_EQ(fake_domctl(&op), -EINVAL);
    }
    CHECK(!d->vcpu[0], "a refused max_vcpus created a vCPU");
    /* A failed creation part-way: -ENOMEM; a retry finishes the rest. */
    fake_vcpu_create_fails_from = 2;
    fake_domctl_init(&op, XEN_DOMCTL_max_vcpus, id);
    op.u.max_vcpus.max = 3;
    CHECK_EQ(fake_domctl(&op), -ENOMEM);
    fake_vcpu_create_fails_from = ~0u;
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(d->pause_count, 1); /* the controller's pause only: max_vcpus undid its own */
    struct xen_domctl_getdomaininfo info = info_of(id);
    CHECK_EQ(info.max_vcpu_id, 2);
    CHECK_EQ(info.nr_online_vcpus, 0); /* created down */
    /* On the caller's own domain: -EINVAL. */
    fake_domctl_init(&op, XEN_DOMCTL_max_vcpus, 0);
    op.u.max_vcpus.max = 2;
    CHECK_EQ(fake_domctl(&op), -EINVAL);
    fake_teardown();
}

TEST(max_mem_and_handle)
{
    struct xen_domctl op;
    domid_t id;

    only_dom0();
    CHECK_EQ(create(DOMID_INVALID, 1, &id), 0);
    fake_domctl_init(&op, XEN_DOMCTL_max_mem, id);
    op.u.max_mem.max_memkb = 263168; /* 256 MiB + LIBXL_MAXMEM_CONSTANT */
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info_of(id).max_pages, 263168 / 4);
    /* Huge values are kept (the limit is then the host), rounding down to pages. */
    op.u.max_mem.max_memkb = ~0ULL;
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info_of(id).max_pages, ~0ULL >> 2);
    op.u.max_mem.max_memkb = 3;
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info_of(id).max_pages, 0);

    fake_domctl_init(&op, XEN_DOMCTL_setdomainhandle, id);
    memset(op.u.setdomainhandle.handle, 0x42, 16);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(info_of(id).handle[7], 0x42);
    fake_teardown();
}

TEST(destroydomain_restarts_until_torn_down)
{
    domid_t id;

    only_dom0();
    CHECK_EQ(create(DOMID_INVALID, 2, &id), 0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_unpausedomain, id), 0);
    struct domain *d = domain_get_by_id(id);
    domain_put(d);
    /* The caller's own domain: -EINVAL. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, 0), -EINVAL);
    CHECK(!dom0->destroy_requested, "dom0 marked for destruction");

    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), -ERESTART);
    CHECK(d->destroy_requested, "destroy not requested");
    CHECK_EQ(d->pause_count, 1); /* paused for the teardown */
    CHECK(fake_deferred_requests >= 1, "Tern's context was not asked to tear it down");
    /* Re-executed before the teardown: -ERESTART again, no second pause. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), -ERESTART);
    CHECK_EQ(d->pause_count, 1);
    /* Tern's context tears it down and tells dom0. */
    fake_run_deferred_destroy(d);
    CHECK_EQ(fake_dom_exc_sent, 1);
    /* The re-executed call completes, and drops its reference (checked at teardown). */
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), 0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), -ESRCH);
    struct xen_domctl op;
    fake_domctl_init(&op, XEN_DOMCTL_getdomaininfo, id);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    fake_teardown();
}

/*
 * A domain being torn down (is_dying, its vCPUs about to be freed): ops that use vCPUs get
 * -ESRCH without touching them, getdomaininfo lists it as dying without vCPUs, and no call
 * keeps a hold on the vCPUs afterwards (checked at teardown).
 */
TEST(dying_domain_vcpus_untouched)
{
    struct xen_domctl op;
    domid_t id;

    only_dom0();
    CHECK_EQ(create(DOMID_INVALID, 2, &id), 0);
    fake_domctl_init(&op, XEN_DOMCTL_max_vcpus, id);
    op.u.max_vcpus.max = 2;
    CHECK_EQ(fake_domctl(&op), 0);
    struct domain *d = domain_get_by_id(id);
    domain_put(d);
    CHECK_EQ(info_of(id).max_vcpu_id, 1);
    d->is_dying = true;
    fake_domctl_init(&op, XEN_DOMCTL_getvcpuinfo, id);
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    CHECK_EQ(domctl_on(XEN_DOMCTL_pausedomain, id), -ESRCH);
    CHECK_EQ(d->vcpu_users, 0);
    struct xen_domctl_getdomaininfo info = info_of(id);
    CHECK(info.flags & XEN_DOMINF_dying, "flags %#x without XEN_DOMINF_dying", info.flags);
    CHECK_EQ(info.max_vcpu_id, XEN_INVALID_MAX_VCPU_ID);
    CHECK_EQ(d->vcpu_users, 0);
    d->is_dying = false; /* the fake teardown frees it as a live one */
    fake_teardown();
}

TEST(destroydomain_unprivileged_cannot_finish_anothers)
{
    domid_t id;

    only_dom0();
    struct domain *du = fake_domain(50, 1, false);
    CHECK_EQ(create(DOMID_INVALID, 1, &id), 0);
    struct domain *d = domain_get_by_id(id);
    domain_put(d);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), -ERESTART);
    fake_run_deferred_destroy(d);
    /* A domU re-executing the same call gets -ESRCH (it is gone) and takes nothing. */
    fake_set_caller(du);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), -ESRCH);
    fake_set_caller(dom0);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, id), 0);
    fake_teardown();
}

TEST(destroydomain_of_a_domain_its_builder_replaced)
{
    only_dom0();
    struct domain *old = fake_domain(4, 1, false);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, 4), -ERESTART);
    /* Before Tern's context got to it, the builder restarted d4: a new domain, same id. */
    fake_unlist(old);
    struct domain *fresh = fake_domain(4, 1, false);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, 4), 0); /* the one asked for is gone */
    CHECK(!fresh->destroy_requested, "the new d4 was marked for destruction");
    CHECK_EQ(fresh->pause_count, 0);
    /* A later destroy of the new one starts afresh. */
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, 4), -ERESTART);
    CHECK(fresh->destroy_requested, "the new d4 not marked after its own destroydomain");
    fake_run_deferred_destroy(fresh);
    CHECK_EQ(domctl_on(XEN_DOMCTL_destroydomain, 4), 0);
    fake_teardown();
}

TEST(dom_exc_needs_a_privileged_dom0)
{
    fake_setup();
    struct domain *d0 = fake_domain(0, 1, false); /* today's domain 0 from an xl.cfg */
    domain_send_dom_exc();
    CHECK_EQ(fake_dom_exc_sent, 0);
    d0->is_privileged = true;
    domain_send_dom_exc();
    CHECK_EQ(fake_dom_exc_sent, 1);
    fake_teardown();
    fake_setup();
    domain_send_dom_exc(); /* no domain 0 at all */
    CHECK_EQ(fake_dom_exc_sent, 0);
    fake_teardown();
}
