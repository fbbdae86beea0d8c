// SPDX-License-Identifier: MIT
/* domctl getvcpuinfo, vCPU affinity, scheduler_op, settscinfo, paging mempool; sysctl
 * cputopoinfo, numainfo and cpupool_op. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

static struct domain *dom0, *d5;

static void two_domains(void)
{
    fake_setup();
    dom0 = fake_domain(0, 2, true);
    d5 = fake_domain(5, 3, false);
    fake_set_caller(dom0);
}

TEST(getvcpuinfo)
{
    struct xen_domctl op;

    two_domains();
    d5->vcpu[1]->pause_flags = VPF_blocked;
    d5->vcpu[2]->pause_flags = VPF_down;
    d5->vcpu[0]->is_running = true;
    fake_running_ns = 777;
    for (uint32_t i = 0; i < 3; i++) {
        fake_domctl_init(&op, XEN_DOMCTL_getvcpuinfo, 5);
        op.u.getvcpuinfo.vcpu = i;
        CHECK_EQ(fake_domctl(&op), 0);
        CHECK_EQ(op.u.getvcpuinfo.vcpu, i);
        CHECK_EQ(op.u.getvcpuinfo.online, i != 2);
        CHECK_EQ(op.u.getvcpuinfo.blocked, i == 1);
        CHECK_EQ(op.u.getvcpuinfo.running, i == 0);
        CHECK_EQ(op.u.getvcpuinfo.cpu_time, 777);
        CHECK_EQ(op.u.getvcpuinfo.cpu, i % 2);
    }
    /* Past max_vcpus: -EINVAL; a slot not created yet: -ESRCH. */
    uint32_t bad[] = { 3, 127, 128, 0x80000000u, 0xffffffffu };
    for (unsigned int i = 0; i < 5; i++) {
        fake_domctl_init(&op, XEN_DOMCTL_getvcpuinfo, 5);
        op.u.getvcpuinfo.vcpu = bad[i];
        long rc = fake_domctl(&op);
        CHECK(rc == -EINVAL, "getvcpuinfo vcpu %u: expected -EINVAL, got %ld", bad[i], rc);
    }
    struct domain *d6 = fake_domain(6, 0, false);
    d6->max_vcpus = 2;
    fake_domctl_init(&op, XEN_DOMCTL_getvcpuinfo, 6);
    op.u.getvcpuinfo.vcpu = 1;
    CHECK_EQ(fake_domctl(&op), -ESRCH);
    fake_teardown();
}

static long affinity(uint32_t cmd, uint32_t vcpu, uint32_t flags, uint8_t *hard, uint32_t hbits,
                     uint8_t *soft, uint32_t sbits)
{
    struct xen_domctl op;

    fake_domctl_init(&op, cmd, 5);
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)(uintptr_t)hard;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = hbits;
    op.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)(uintptr_t)soft;
    op.u.vcpuaffinity.cpumap_soft.nr_bits = sbits;
    return fake_domctl(&op);
}

TEST(vcpu_affinity)
{
    uint8_t hard[4], soft[4];
    const uint32_t H = XEN_VCPUAFFINITY_HARD, S = XEN_VCPUAFFINITY_SOFT;

    two_domains(); /* 2 online CPUs */
    /* Get: every online CPU, the rest of the guest's map zeroed. */
    memset(hard, 0xff, sizeof(hard));
    memset(soft, 0xff, sizeof(soft));
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 1, H | S, hard, 32, soft, 32), 0);
    CHECK(hard[0] == 3 && !hard[1] && !hard[2] && !hard[3], "hard map %02x %02x %02x %02x",
          hard[0], hard[1], hard[2], hard[3]);
    CHECK(soft[0] == 3 && !soft[3], "soft map %02x .. %02x", soft[0], soft[3]);
    /* Set hard to CPU 1 (bits for offline CPUs dropped); the effective map comes back. */
    hard[0] = 0xfe;
    hard[1] = 0xff;
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 1, H, hard, 16, NULL, 0), 0);
    CHECK_EQ(d5->vcpu[1]->affinity, 2);
    CHECK(hard[0] == 2 && hard[1] == 0, "effective hard map %02x %02x", hard[0], hard[1]);
    /* Soft is answered as soft & hard, and not kept. */
    hard[0] = 3;
    soft[0] = 1;
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 1, S, hard, 8, soft, 8), 0);
    CHECK_EQ(soft[0], 0); /* CPU 0 is outside vCPU 1's hard affinity {1} */
    CHECK_EQ(d5->vcpu[1]->affinity, 2);
    /* No online CPU in the new hard map: -EINVAL, nothing changed. */
    hard[0] = 0xfc;
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 1, H, hard, 8, NULL, 0), -EINVAL);
    CHECK_EQ(d5->vcpu[1]->affinity, 2);
    /* nr_bits 1: only CPU 0's bit counts. */
    hard[0] = 2;
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 0, H, hard, 1, NULL, 0), -EINVAL);
    hard[0] = 3;
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 0, H, hard, 1, NULL, 0), 0);
    CHECK_EQ(d5->vcpu[0]->affinity, 1);
    /* Hostile: no flags, NULL maps, bad vCPU, a faulting map, huge nr_bits. */
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, 0, hard, 8, soft, 8), -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_FORCE, hard, 8, soft, 8),
             -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, H, NULL, 8, soft, 8), -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 0, S, hard, 8, NULL, 8), -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 3, H, hard, 8, soft, 8), -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0xffffffffu, H, hard, 8, soft, 8), -EINVAL);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, H, (uint8_t *)(uintptr_t)FAKE_BAD_GVA, 8,
                      soft, 8), -EFAULT);
    CHECK_EQ(affinity(XEN_DOMCTL_setvcpuaffinity, 0, H, (uint8_t *)(uintptr_t)FAKE_BAD_GVA, 8,
                      soft, 8), -EFAULT);
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, H, hard, 0xffffffffu, soft, 8), -EINVAL);
    CHECK_EQ(d5->vcpu[0]->affinity, 1);
    /* A map whose tail faults: the zero-fill reports it. */
    fake_copy_out_fail_in = 2;
    CHECK_EQ(affinity(XEN_DOMCTL_getvcpuaffinity, 0, H, hard, 1024, soft, 8), -EFAULT);
    fake_teardown();
}

TEST(scheduler_tsc_mempool)
{
    struct xen_domctl op;

    two_domains();
    fake_domctl_init(&op, XEN_DOMCTL_scheduler_op, 5);
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
    CHECK_EQ(fake_domctl(&op), -EINVAL); /* not the running scheduler */
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_NULL;
    CHECK_EQ(fake_domctl(&op), 0);
    op.u.scheduler_op.cmd = 4;
    CHECK_EQ(fake_domctl(&op), -EINVAL);

    struct { uint32_t mode, khz; long rc; } tsc[] = {
        { TSC_MODE_DEFAULT, 0, 0 }, { TSC_MODE_DEFAULT, 2500000, 0 },
        { TSC_MODE_DEFAULT, 1000000, -EOPNOTSUPP }, { TSC_MODE_NEVER_EMULATE, 0, 0 },
        { TSC_MODE_ALWAYS_EMULATE, 0, -EOPNOTSUPP }, { 3, 0, -EINVAL }, { ~0u, 0, -EINVAL },
    };
    for (unsigned int i = 0; i < sizeof(tsc) / sizeof(tsc[0]); i++) {
        fake_domctl_init(&op, XEN_DOMCTL_settscinfo, 5);
        op.u.tsc_info.tsc_mode = tsc[i].mode;
        op.u.tsc_info.gtsc_khz = tsc[i].khz;
        long rc = fake_domctl(&op);
        CHECK(rc == tsc[i].rc, "settscinfo mode %u khz %u: expected %ld, got %ld", tsc[i].mode,
              tsc[i].khz, tsc[i].rc, rc);
    }
    fake_domctl_init(&op, XEN_DOMCTL_settscinfo, 0);
    CHECK_EQ(fake_domctl(&op), -EINVAL); /* the caller itself */

    fake_domctl_init(&op, XEN_DOMCTL_set_paging_mempool_size, 5);
    op.u.paging_mempool.size = 4096 * 300;
    CHECK_EQ(fake_domctl(&op), 0);
    op.u.paging_mempool.size = 4097;
    CHECK_EQ(fake_domctl(&op), -EINVAL);
    op.u.paging_mempool.size = (1ULL << 32) << 12;
    CHECK_EQ(fake_domctl(&op), -EINVAL);
    fake_domctl_init(&op, XEN_DOMCTL_get_paging_mempool_size, 5);
    CHECK_EQ(fake_domctl(&op), 0);
    CHECK_EQ(op.u.paging_mempool.size, 4096 * 300);
    fake_teardown();
}

TEST(cputopoinfo_numainfo)
{
    struct xen_sysctl op;
    struct xen_sysctl_cputopo topo[4];
    struct xen_sysctl_meminfo mi[2];
    uint32_t dist[4];

    two_domains();
    fake_sysctl_init(&op, XEN_SYSCTL_cputopoinfo);
    op.u.cputopoinfo.num_cpus = 99;
    CHECK_EQ(fake_sysctl(&op), 0); /* NULL array: the count */
    CHECK_EQ(op.u.cputopoinfo.num_cpus, 2);
    memset(topo, 0xff, sizeof(topo));
    op.u.cputopoinfo.cputopo = (uint64_t)(uintptr_t)topo;
    op.u.cputopoinfo.num_cpus = 4;
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.cputopoinfo.num_cpus, 2);
    CHECK(topo[1].core == 1 && topo[1].socket == 0 && topo[1].node == 0, "CPU 1: %u/%u/%u",
          topo[1].core, topo[1].socket, topo[1].node);
    CHECK_EQ(topo[2].core, 0xffffffffu); /* nothing past num_cpus */
    op.u.cputopoinfo.num_cpus = 1;
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.cputopoinfo.num_cpus, 1);
    op.u.cputopoinfo.num_cpus = 2;
    op.u.cputopoinfo.cputopo = FAKE_BAD_GVA;
    CHECK_EQ(fake_sysctl(&op), -EFAULT);

    fake_sysctl_init(&op, XEN_SYSCTL_numainfo);
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.numainfo.num_nodes, 1);
    op.u.numainfo.meminfo = (uint64_t)(uintptr_t)mi;
    op.u.numainfo.distance = (uint64_t)(uintptr_t)dist;
    op.u.numainfo.num_nodes = 2;
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.numainfo.num_nodes, 1);
    CHECK_EQ(mi[0].memsize, 32768ULL * 4096);
    CHECK_EQ(mi[0].memfree, 20000ULL * 4096);
    CHECK_EQ(dist[0], 10);
    /* Room for no node: nothing written, 0 reported. */
    op.u.numainfo.num_nodes = 0;
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.numainfo.num_nodes, 0);
    op.u.numainfo.num_nodes = 1;
    op.u.numainfo.distance = FAKE_BAD_GVA;
    CHECK_EQ(fake_sysctl(&op), -EFAULT);
    fake_teardown();
}

TEST(cpupool_op)
{
    struct xen_sysctl op;
    uint8_t map[8];

    two_domains();
    fake_sysctl_init(&op, XEN_SYSCTL_cpupool_op);
    op.u.cpupool_op.op = XEN_SYSCTL_CPUPOOL_OP_INFO;
    op.u.cpupool_op.cpumap.bitmap = (uint64_t)(uintptr_t)map;
    op.u.cpupool_op.cpumap.nr_bits = 64;
    memset(map, 0xff, sizeof(map));
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK_EQ(op.u.cpupool_op.cpupool_id, 0);
    CHECK_EQ(op.u.cpupool_op.sched_id, XEN_SCHEDULER_NULL);
    CHECK_EQ(op.u.cpupool_op.n_dom, 2);
    CHECK(map[0] == 3 && !map[1] && !map[7], "pool 0's CPUs: %02x %02x", map[0], map[1]);
    /* Past the last pool (PAR_ANY among them): -ENOENT. */
    op.u.cpupool_op.cpupool_id = 1;
    CHECK_EQ(fake_sysctl(&op), -ENOENT);
    op.u.cpupool_op.cpupool_id = XEN_SYSCTL_CPUPOOL_PAR_ANY;
    CHECK_EQ(fake_sysctl(&op), -ENOENT);
    /* FREEINFO: no CPU is outside pool 0. */
    fake_sysctl_init(&op, XEN_SYSCTL_cpupool_op);
    op.u.cpupool_op.op = XEN_SYSCTL_CPUPOOL_OP_FREEINFO;
    op.u.cpupool_op.cpumap.bitmap = (uint64_t)(uintptr_t)map;
    op.u.cpupool_op.cpumap.nr_bits = 16;
    memset(map, 0xff, sizeof(map));
    CHECK_EQ(fake_sysctl(&op), 0);
    CHECK(!map[0] && !map[1] && map[2] == 0xff, "free CPUs: %02x %02x %02x", map[0], map[1],
          map[2]);
    for (uint32_t o = XEN_SYSCTL_CPUPOOL_OP_CREATE; o <= XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN; o++) {
        if (o == XEN_SYSCTL_CPUPOOL_OP_INFO)
            continue;
        op.u.cpupool_op.op = o;
        CHECK_EQ(fake_sysctl(&op), -EOPNOTSUPP);
    }
    op.u.cpupool_op.op = 8;
    CHECK_EQ(fake_sysctl(&op), -ENOSYS);
    op.u.cpupool_op.op = XEN_SYSCTL_CPUPOOL_OP_FREEINFO;
    op.u.cpupool_op.cpumap.bitmap = FAKE_BAD_GVA;
    CHECK_EQ(fake_sysctl(&op), -EFAULT);
    fake_teardown();
}

static long nodeaffinity(uint32_t cmd, uint8_t *map, uint32_t bits)
{
    struct xen_domctl op;

    fake_domctl_init(&op, cmd, 5);
    op.u.nodeaffinity.nodemap.bitmap = (uint64_t)(uintptr_t)map;
    op.u.nodeaffinity.nodemap.nr_bits = bits;
    return fake_domctl(&op);
}

TEST(node_affinity)
{
    uint8_t map[16];

    two_domains();
    /* Get: node 0, the rest of the guest's 128 bits zeroed. */
    memset(map, 0xff, sizeof(map));
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_getnodeaffinity, map, 128), 0);
    CHECK(map[0] == 1 && !map[1] && !map[15], "node map %02x %02x .. %02x", map[0], map[1],
          map[15]);
    /* Set: any map with node 0 (libxl's placement sends every node), none without it. */
    map[0] = 0xff;
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_setnodeaffinity, map, 64), 0);
    map[0] = 0xfe;
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_setnodeaffinity, map, 64), -EINVAL);
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_setnodeaffinity, map, 0), -EINVAL);
    /* Hostile: a faulting map, huge nr_bits. */
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_setnodeaffinity, (uint8_t *)(uintptr_t)FAKE_BAD_GVA, 8),
             -EFAULT);
    CHECK_EQ(nodeaffinity(XEN_DOMCTL_getnodeaffinity, map, 0x7fffffff), -EINVAL);
    fake_teardown();
}
