// SPDX-License-Identifier: MIT
/* sysctl: interface version, the policy, physinfo, sched_id, scheduler_op, getdomaininfolist,
 * readconsole. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

static struct domain *dom0, *d3, *d7;

static void three_domains(void)
{
    fake_setup();
    dom0 = fake_domain(0, 2, true);
    d3 = fake_domain(3, 1, false);
    d7 = fake_domain(7, 4, false);
    fake_set_caller(dom0);
}

TEST(sysctl_version_then_policy)
{
    struct xen_sysctl op, before;

    three_domains();
    fake_sysctl_init(&op, XEN_SYSCTL_physinfo);
    op.interface_version = 0x14;
    CHECK_EQ(fake_sysctl(&op), -EACCES);
    CHECK_EQ(do_sysctl(FAKE_BAD_GVA), -EFAULT);

    fake_set_caller(d3);
    op.interface_version = 0x16;
    CHECK_EQ(fake_sysctl(&op), -EACCES); /* the version before the policy, as Xen */
    uint32_t cmds[] = { XEN_SYSCTL_readconsole, XEN_SYSCTL_physinfo, XEN_SYSCTL_sched_id,
                        XEN_SYSCTL_getdomaininfolist, 99 };
    for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        fake_sysctl_init(&op, cmds[i]);
        before = op;
        long rc = fake_sysctl(&op);
        CHECK(rc == -EPERM, "sysctl %u from a domU: expected -EPERM, got %ld", cmds[i], rc);
        CHECK(!memcmp(&op, &before, sizeof(op)), "a refused sysctl wrote its structure");
    }
    fake_teardown();
}

TEST(physinfo)
{
    struct xen_sysctl op;
    struct xen_sysctl_physinfo *pi = &op.u.physinfo;

    three_domains();
    fake_sysctl_init(&op, XEN_SYSCTL_physinfo);
    memset(&op.u, 0x5a, sizeof(op.u));
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(pi->nr_cpus, 2);
    CHECK_EQ(pi->max_cpu_id, 1);
    CHECK_EQ(pi->threads_per_core * pi->cores_per_socket, 2);
    CHECK_EQ(pi->nr_nodes, 1);
    CHECK_EQ(pi->max_node_id, 63);
    CHECK_EQ(pi->cpu_khz, 2500000);
    CHECK_EQ(pi->capabilities, XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap |
                                   XEN_SYSCTL_PHYSCAP_gnttab_v1);
    CHECK_EQ(pi->total_pages, 32768);
    CHECK_EQ(pi->free_pages, 20000);
    CHECK_EQ(pi->scrub_pages, 0);
    CHECK_EQ(pi->outstanding_pages, 0);
    CHECK_EQ(pi->max_mfn, 0x40000 - 1);
    CHECK_EQ(pi->arch_capabilities, 0);
    CHECK_EQ(pi->pad, 0);
    for (unsigned int i = 0; i < 8; i++) /* the host's feature words (fake: 0x1000 + i) */
        CHECK_EQ(pi->hw_cap[i], 0x1000 + i);
    CHECK_EQ(op.interface_version, XEN_SYSCTL_INTERFACE_VERSION);

    fake_copy_out_fails = true;
    CHECK_EQ(fake_sysctl(&op), -EFAULT);
    fake_teardown();
}

TEST(sched_id)
{
    struct xen_sysctl op;

    three_domains();
    fake_sysctl_init(&op, XEN_SYSCTL_sched_id);
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.sched_id.sched_id, XEN_SCHEDULER_NULL);
    fake_teardown();
}

static long scheduler_op(uint32_t pool, uint32_t sched, uint32_t cmd, struct xen_sysctl *op)
{
    fake_sysctl_init(op, XEN_SYSCTL_scheduler_op);
    op->u.scheduler_op.cpupool_id = pool;
    op->u.scheduler_op.sched_id = sched;
    op->u.scheduler_op.cmd = cmd;
    op->u.scheduler_op.u.params[0] = 30; /* a credit tslice_ms: never taken */
    return fake_sysctl(op);
}

/* xl sched-credit -s / sched-credit2 -s: Xen's sched_adjust_global codes, null has none. */
TEST(sysctl_scheduler_op_under_null)
{
    struct xen_sysctl op;

    three_domains();
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_CREDIT, XEN_SYSCTL_SCHEDOP_getinfo, &op), -EINVAL);
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_CREDIT2, XEN_SYSCTL_SCHEDOP_putinfo, &op), -EINVAL);
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_NULL, 2, &op), -EINVAL);
    CHECK_EQ(scheduler_op(1, XEN_SCHEDULER_NULL, XEN_SYSCTL_SCHEDOP_getinfo, &op), -ESRCH);
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_NULL, XEN_SYSCTL_SCHEDOP_getinfo, &op), 0);
    CHECK_EQ(op.u.scheduler_op.u.params[0], 30);
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_NULL, XEN_SYSCTL_SCHEDOP_putinfo, &op), 0);
    fake_set_caller(d3);
    CHECK_EQ(scheduler_op(0, XEN_SCHEDULER_NULL, XEN_SYSCTL_SCHEDOP_getinfo, &op), -EPERM);
    fake_teardown();
}

static long infolist(domid_t first, uint32_t max, struct xen_domctl_getdomaininfo *buf,
                     uint32_t *num)
{
    struct xen_sysctl op;

    fake_sysctl_init(&op, XEN_SYSCTL_getdomaininfolist);
    op.u.getdomaininfolist.first_domain = first;
    op.u.getdomaininfolist.max_domains = max;
    op.u.getdomaininfolist.buffer = (uint64_t)(uintptr_t)buf;
    op.u.getdomaininfolist.num_domains = 0xdeadbeef;
    long rc = fake_sysctl(&op);
    *num = op.u.getdomaininfolist.num_domains;
    return rc;
}

TEST(getdomaininfolist_iterates_in_id_order)
{
    struct xen_domctl_getdomaininfo buf[4];
    uint32_t n;

    three_domains();
    memset(buf, 0xff, sizeof(buf));
    CHECK_EQ(infolist(0, 2, buf, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(buf[0].domain, 0);
    CHECK_EQ(buf[1].domain, 3);
    CHECK_EQ(buf[1].max_vcpu_id, 0);
    CHECK_EQ(buf[2].domain, 0xffff); /* nothing written past num_domains */
    /* The tools continue from the last id + 1. */
    CHECK_EQ(infolist(4, 2, buf, &n), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(buf[0].domain, 7);
    CHECK_EQ(buf[0].max_vcpu_id, 3);
    /* And 0 entries ends the iteration. */
    CHECK_EQ(infolist(8, 2, buf, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(infolist(DOMID_FIRST_RESERVED, 2, buf, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(infolist(0xffff, 2, buf, &n), 0);
    CHECK_EQ(n, 0);
    /* max_domains 0: nothing, not even a look at the buffer. */
    CHECK_EQ(infolist(0, 0, NULL, &n), 0);
    CHECK_EQ(n, 0);
    fake_teardown();
}

TEST(getdomaininfolist_hostile)
{
    struct xen_domctl_getdomaininfo buf[3];
    uint32_t n;

    three_domains();
    /* A huge max_domains stops at the last domain. */
    CHECK_EQ(infolist(0, 0xffffffffu, buf, &n), 0);
    CHECK_EQ(n, 3);
    /* An unwritable buffer: -EFAULT, every reference dropped (checked at teardown). */
    CHECK_EQ(infolist(0, 3, (void *)(uintptr_t)FAKE_BAD_GVA, &n), -EFAULT);
    CHECK_EQ(infolist(0, 3, NULL, &n), -EFAULT);
    /* The second entry's copy faults: -EFAULT, the reference on d3 dropped all the same. */
    fake_copy_out_fail_in = 2;
    CHECK_EQ(infolist(0, 3, buf, &n), -EFAULT);
    CHECK_EQ(d3->refcount, 1);
    fake_teardown();
}

static long readconsole(bool incremental, bool clear, uint32_t *index, char *buf, uint32_t *count)
{
    struct xen_sysctl op;

    fake_sysctl_init(&op, XEN_SYSCTL_readconsole);
    op.u.readconsole.incremental = incremental;
    op.u.readconsole.clear = clear;
    op.u.readconsole.index = *index;
    op.u.readconsole.buffer = (uint64_t)(uintptr_t)buf;
    op.u.readconsole.count = *count;
    long rc = fake_sysctl(&op);
    if (!rc) {
        *index = op.u.readconsole.index;
        *count = op.u.readconsole.count;
    }
    return rc;
}

TEST(readconsole_whole_and_incremental)
{
    char buf[128];
    uint32_t idx = 0, count = sizeof(buf);

    three_domains();
    fake_console_write("hello ");
    /* Not incremental: from the oldest byte. */
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK(count == 6 && !memcmp(buf, "hello ", 6), "expected 'hello ', got %u bytes", count);
    CHECK_EQ(idx, 6);
    fake_console_write("world");
    /* Incremental from the index returned: only the new bytes. */
    count = sizeof(buf);
    CHECK_EQ(readconsole(true, false, &idx, buf, &count), 0);
    CHECK(count == 5 && !memcmp(buf, "world", 5), "expected 'world', got %u bytes", count);
    CHECK_EQ(idx, 11);
    /* Nothing new: 0 bytes, index unchanged. */
    count = sizeof(buf);
    CHECK_EQ(readconsole(true, false, &idx, buf, &count), 0);
    CHECK_EQ(count, 0);
    CHECK_EQ(idx, 11);
    /* A small count: partial reads continue where the last stopped. */
    idx = 0;
    count = 4;
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK(count == 4 && !memcmp(buf, "hell", 4), "expected 'hell', got %u bytes", count);
    CHECK_EQ(idx, 4);
    count = 4;
    CHECK_EQ(readconsole(true, false, &idx, buf, &count), 0);
    CHECK(count == 4 && !memcmp(buf, "o wo", 4), "expected 'o wo', got %u bytes", count);
    /* An index outside (oldest, newest]: incremental starts from the oldest byte. */
    idx = 1000;
    count = sizeof(buf);
    CHECK_EQ(readconsole(true, false, &idx, buf, &count), 0);
    CHECK_EQ(count, 11);
    fake_teardown();
}

TEST(readconsole_wrap_and_clear)
{
    char buf[256], text[FAKE_CONRING_SIZE * 2 + 1];
    uint32_t idx = 0, count = sizeof(buf);

    three_domains();
    for (unsigned int i = 0; i < sizeof(text) - 1; i++)
        text[i] = (char)('a' + i % 26);
    text[sizeof(text) - 1] = 0;
    fake_console_write(text);
    /* Only the last ring's worth is kept. */
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK_EQ(count, FAKE_CONRING_SIZE);
    CHECK(!memcmp(buf, text + FAKE_CONRING_SIZE, FAKE_CONRING_SIZE), "wrong bytes after a wrap");
    CHECK_EQ(idx, 2 * FAKE_CONRING_SIZE);
    /* An index a whole ring behind is no longer in the ring: from the oldest instead. */
    idx = 5;
    count = sizeof(buf);
    CHECK_EQ(readconsole(true, false, &idx, buf, &count), 0);
    CHECK_EQ(count, FAKE_CONRING_SIZE);
    /* Read part with clear: the rest stays, the part read is gone. */
    idx = 0;
    count = 10;
    CHECK_EQ(readconsole(false, true, &idx, buf, &count), 0);
    CHECK_EQ(count, 10);
    count = sizeof(buf);
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK_EQ(count, FAKE_CONRING_SIZE - 10);
    CHECK(!memcmp(buf, text + FAKE_CONRING_SIZE + 10, count), "clear dropped the wrong bytes");
    /* Read all with clear (xl dmesg -c): the next read finds nothing. */
    count = sizeof(buf);
    CHECK_EQ(readconsole(false, true, &idx, buf, &count), 0);
    count = sizeof(buf);
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK_EQ(count, 0);
    fake_console_write("new");
    count = sizeof(buf);
    CHECK_EQ(readconsole(false, false, &idx, buf, &count), 0);
    CHECK(count == 3 && !memcmp(buf, "new", 3), "after a clear: expected 'new', got %u", count);
    /* An unwritable buffer: -EFAULT. */
    count = 3;
    CHECK_EQ(readconsole(false, false, &idx, (char *)(uintptr_t)FAKE_BAD_GVA, &count), -EFAULT);
    fake_teardown();
}

TEST(sysctl_unknown_is_enosys_logged_once)
{
    struct xen_sysctl op;

    three_domains();
    harness_log_clear();
    fake_sysctl_init(&op, 40);
    CHECK_EQ(fake_sysctl(&op), -ENOSYS);
    CHECK(strstr(harness_log(), "d0: sysctl 40 is not implemented"), "log: '%s'", harness_log());
    harness_log_clear();
    CHECK_EQ(fake_sysctl(&op), -ENOSYS);
    CHECK(!*harness_log(), "logged twice: '%s'", harness_log());
    fake_sysctl_init(&op, 0x80000000u);
    CHECK_EQ(fake_sysctl(&op), -ENOSYS);
    fake_teardown();
}
