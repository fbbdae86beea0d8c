// SPDX-License-Identifier: MIT
/*
 * domctl sub-ops on one vCPU (getvcpuinfo, set/getvcpuaffinity) and the CPU maps
 * (struct xenctl_bitmap) the toolstack passes for them and for cpupools.
 */
#include <public/domctl.h>
#include <public/vcpu.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/smp.h>

/* Tern's own bound on a guest's map (Xen's is its memory): 65536 CPUs' worth. */
#define BITMAP_MAX_BITS 65536

static uint64_t online_mask(void)
{
    unsigned int n = num_online_cpus();

    return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

int bitmap_to_guest(const struct xenctl_bitmap *b, uint64_t mask)
{
    uint32_t guest_bytes, copy_bytes;
    uint8_t bytes[8], zero[64] = { 0 };

    if (b->nr_bits > BITMAP_MAX_BITS)
        return -EINVAL;
    guest_bytes = (b->nr_bits + 7) / 8;
    copy_bytes = MIN(guest_bytes, (num_online_cpus() + 7) / 8);
    copy_bytes = MIN(copy_bytes, (uint32_t)sizeof(bytes));
    for (unsigned int i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(mask >> (8 * i));
    if (copy_bytes && copy_to_guest(b->bitmap, bytes, copy_bytes))
        return -EFAULT;
    /* The rest of the guest's map says "no such CPU", as Xen zero-fills it. */
    for (uint32_t done = copy_bytes; done < guest_bytes;) {
        uint32_t n = MIN(guest_bytes - done, (uint32_t)sizeof(zero));

        if (copy_to_guest(b->bitmap + done, zero, n))
            return -EFAULT;
        done += n;
    }
    return 0;
}

int bitmap_from_guest(uint64_t *mask, const struct xenctl_bitmap *b)
{
    uint32_t guest_bytes, copy_bytes;
    uint8_t bytes[8] = { 0 };

    if (b->nr_bits > BITMAP_MAX_BITS)
        return -EINVAL;
    guest_bytes = (b->nr_bits + 7) / 8;
    copy_bytes = MIN(guest_bytes, (num_online_cpus() + 7) / 8);
    copy_bytes = MIN(copy_bytes, (uint32_t)sizeof(bytes));
    if (copy_bytes && copy_from_guest(bytes, b->bitmap, copy_bytes))
        return -EFAULT;
    /* Bits past nr_bits in the last byte are not the guest's to set. */
    if ((b->nr_bits & 7) && guest_bytes == copy_bytes)
        bytes[copy_bytes - 1] &= (uint8_t)((1U << (b->nr_bits & 7)) - 1);
    *mask = 0;
    for (unsigned int i = 0; i < sizeof(bytes); i++)
        *mask |= (uint64_t)bytes[i] << (8 * i);
    *mask &= online_mask();
    return 0;
}

/* d->vcpu[id] for a toolstack-given id: -EINVAL past max_vcpus, -ESRCH if not created. */
static long vcpu_of_domctl(struct domain *d, uint32_t id, struct vcpu **v)
{
    if (id >= d->max_vcpus || id >= MAX_VIRT_CPUS)
        return -EINVAL;
    id = (uint32_t)array_index_nospec(id, MAX_VIRT_CPUS);
    *v = __atomic_load_n(&d->vcpu[id], __ATOMIC_ACQUIRE);
    return *v ? 0 : -ESRCH;
}

long domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info)
{
    struct vcpu_runstate_info rs;
    struct vcpu *v;
    long rc = vcpu_of_domctl(d, info->vcpu, &v);

    if (rc)
        return rc;
    vcpu_runstate_get(v, &rs);
    info->online = !(v->pause_flags & VPF_down);
    info->blocked = !!(v->pause_flags & VPF_blocked);
    info->running = v->is_running;
    info->cpu_time = rs.time[RUNSTATE_running];
    info->cpu = v->processor;
    return 0;
}

/*
 * Hard affinity is v->affinity (where the scheduler may run or steal v); soft affinity
 * Tern does not have: it reads as every CPU and a write is checked, answered with what
 * would apply, and otherwise ignored.
 */
long domctl_vcpuaffinity(struct domain *d, uint32_t cmd, struct xen_domctl_vcpuaffinity *a)
{
    const uint32_t both = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
    uint64_t hard, soft;
    struct vcpu *v;
    long rc = vcpu_of_domctl(d, a->vcpu, &v);

    if (rc)
        return rc;
    if (!(a->flags & both) ||
        ((a->flags & XEN_VCPUAFFINITY_HARD) && !a->cpumap_hard.bitmap) ||
        ((a->flags & XEN_VCPUAFFINITY_SOFT) && !a->cpumap_soft.bitmap))
        return -EINVAL;
    hard = __atomic_load_n(&v->affinity, __ATOMIC_RELAXED) & online_mask();
    if (cmd == XEN_DOMCTL_getvcpuaffinity) {
        if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = bitmap_to_guest(&a->cpumap_hard, hard)))
            return rc;
        if (a->flags & XEN_VCPUAFFINITY_SOFT)
            rc = bitmap_to_guest(&a->cpumap_soft, online_mask());
        return rc;
    }
    /* Read both maps first, so that a bad one changes nothing (Xen rolls back instead). */
    if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = bitmap_from_guest(&hard, &a->cpumap_hard)))
        return rc;
    if ((a->flags & XEN_VCPUAFFINITY_SOFT) && (rc = bitmap_from_guest(&soft, &a->cpumap_soft)))
        return rc;
    if (!hard)
        return -EINVAL; /* no online CPU left to run on */
    if (a->flags & XEN_VCPUAFFINITY_HARD) {
        __atomic_store_n(&v->affinity, hard, __ATOMIC_RELAXED);
        if ((rc = bitmap_to_guest(&a->cpumap_hard, hard)))
            return rc;
    }
    if (a->flags & XEN_VCPUAFFINITY_SOFT)
        rc = bitmap_to_guest(&a->cpumap_soft, soft & hard);
    return rc;
}
