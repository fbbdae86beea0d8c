// SPDX-License-Identifier: MIT
/*
 * domctl (hypercall 36): per-domain control for the toolstack in dom0, as Xen 4.17 answers it.
 * Only the sub-ops implemented so far are here; every other number is -ENOSYS, logged once
 * per number so that what the tools still need shows in the log.
 */
#include <asm/processor.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/vcpu.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/time.h>
#include <tern/xsm.h>

/* Guest-physical address width under nested paging: the host's (as Xen's hap_paddr_bits). */
static uint8_t paddr_bits(void)
{
    struct cpuid_regs r;

    cpuid(0x80000000, &r);
    if (r.eax < 0x80000008)
        return 36;
    cpuid(0x80000008, &r);
    return (uint8_t)(r.eax & 0xff);
}

void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    uint32_t flags = XEN_DOMINF_blocked;
    uint64_t cpu_time = 0;

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    /* Blocked only if every online vCPU is; running if any is on a CPU. A dying domain's
     * vCPUs are being freed: it is listed without them. */
    bool vcpus = domain_vcpus_get(d);
    for (unsigned int i = 0; vcpus && i < d->max_vcpus && i < MAX_VIRT_CPUS; i++) {
        struct vcpu *v = d->vcpu[i];
        struct vcpu_runstate_info rs;

        if (!v)
            continue;
        vcpu_runstate_get(v, &rs);
        cpu_time += rs.time[VRS_running];
        info->max_vcpu_id = i;
        if (v->pause_flags & VPF_down)
            continue;
        if (!(v->pause_flags & VPF_blocked))
            flags &= ~XEN_DOMINF_blocked;
        if (v->is_running)
            flags |= XEN_DOMINF_running;
        info->nr_online_vcpus++;
    }
    if (vcpus)
        domain_vcpus_put(d);
    info->cpu_time = cpu_time;
    info->flags = (info->nr_online_vcpus ? flags : 0) | XEN_DOMINF_hvm_guest | XEN_DOMINF_hap |
                  (d->is_dying ? XEN_DOMINF_dying : 0) |
                  (d->controller_pause_count ? XEN_DOMINF_paused : 0) |
                  (d->is_xenstore ? XEN_DOMINF_xs_domain : 0) |
                  (d->is_shut_down ? XEN_DOMINF_shutdown : 0) |
                  /* As Xen: the code shifted in whole, so a domain with none recorded
                   * (Xen's SHUTDOWN_CODE_INVALID, ~0u; here -1) reads 255 in bits 16-23,
                   * never poweroff (0), and bits 24-31 are set too. */
                  ((uint32_t)d->shutdown_code << XEN_DOMINF_shutdownshift);
    info->tot_pages = __atomic_load_n(&d->tot_pages, __ATOMIC_RELAXED);
    info->max_pages = d->max_pages;
    info->outstanding_pages = __atomic_load_n(&d->outstanding_pages, __ATOMIC_RELAXED);
    info->shared_info_frame = d->shared_info_gfn;
    memcpy(info->handle, d->handle, sizeof(info->handle));
    info->gpaddr_bits = paddr_bits();
    info->arch_config.emulation_flags = XEN_X86_EMU_LAPIC; /* PVH: an emulated local APIC */
}

static void log_unknown(struct domain *caller, uint32_t cmd)
{
    static uint64_t logged[2]; /* sub-ops 0-127, once each */

    if (cmd < 128 && (__atomic_fetch_or(&logged[cmd / 64], 1ULL << (cmd % 64),
                                        __ATOMIC_RELAXED) & (1ULL << (cmd % 64))))
        return;
    printk(XENLOG_WARNING "d%u: domctl %u is not implemented (-ENOSYS)\n",
           caller->domain_id, cmd);
}

/*
 * The toolstack's pause, counted apart from Tern's own so that it can never undo one of
 * those; capped at 255 as Xen does, so repeated calls cannot overflow pause_count.
 */
static long pause_by_controller(struct domain *d)
{
    unsigned int old = __atomic_load_n(&d->controller_pause_count, __ATOMIC_RELAXED);

    do {
        if (old >= 255)
            return -EOVERFLOW;
    } while (!__atomic_compare_exchange_n(&d->controller_pause_count, &old, old + 1, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    domain_pause_nosync(d);
    return 0;
}

static long unpause_by_controller(struct domain *d)
{
    unsigned int old = __atomic_load_n(&d->controller_pause_count, __ATOMIC_RELAXED);

    do {
        if (!old)
            return -EINVAL; /* not paused by the toolstack */
    } while (!__atomic_compare_exchange_n(&d->controller_pause_count, &old, old - 1, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    if (old == 1)
        __atomic_store_n(&d->creation_finished, true, __ATOMIC_RELEASE);
    domain_unpause(d);
    return 0;
}

/*
 * Tern runs every guest on the host's TSC (no TSC emulation, no scaling): the default mode at
 * the host's frequency and never-emulate are what it can honour; Xen would emulate the rest.
 */
static long settscinfo(struct domain *caller, struct domain *d,
                       const struct xen_domctl_tsc_info *t)
{
    if (d == caller)
        return -EINVAL;
    switch (t->tsc_mode) {
    case TSC_MODE_DEFAULT:
        if (t->gtsc_khz && t->gtsc_khz != (uint32_t)tsc_khz())
            return -EOPNOTSUPP;
        return 0;
    case TSC_MODE_NEVER_EMULATE:
        return 0;
    case TSC_MODE_ALWAYS_EMULATE:
        return -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

/* The sub-ops after the policy allowed them; d is NULL for createdomain only. */
static long domctl_op(struct domain *caller, struct domain *d, struct xen_domctl *op,
                      uint64_t arg)
{
    long rc;

    switch (op->cmd) {
    case XEN_DOMCTL_pausedomain:
        /* The caller's own domain would stop under its own feet: Xen refuses it. */
        return d == caller ? -EINVAL : pause_by_controller(d);
    case XEN_DOMCTL_unpausedomain:
        return unpause_by_controller(d);
    case XEN_DOMCTL_createdomain:
        rc = domctl_createdomain(op);
        if (!rc && copy_to_guest(arg, op, sizeof(*op)))
            rc = -EFAULT; /* as Xen: the domain stays, the toolstack cannot know its id */
        return rc;
    case XEN_DOMCTL_max_vcpus:
        return domctl_max_vcpus(caller, d, op->u.max_vcpus.max);
    case XEN_DOMCTL_max_mem:
        return domctl_max_mem(d, op->u.max_mem.max_memkb);
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
        return 0;
    case XEN_DOMCTL_destroydomain:
        return domctl_destroydomain(caller, d);
    case XEN_DOMCTL_getvcpuinfo:
        rc = domctl_getvcpuinfo(d, &op->u.getvcpuinfo);
        if (!rc && copy_to_guest(arg, op, sizeof(*op)))
            rc = -EFAULT;
        return rc;
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return domctl_vcpuaffinity(d, op->cmd, &op->u.vcpuaffinity);
    case XEN_DOMCTL_setnodeaffinity: {
        /* One node (0), which has every CPU and all memory: a map without it is Xen's
         * "no online node" (-EINVAL); with it, nothing changes. */
        uint64_t nodes;
        rc = bitmap_from_guest(&nodes, &op->u.nodeaffinity.nodemap);
        return rc ? rc : (nodes & 1) ? 0 : -EINVAL;
    }
    case XEN_DOMCTL_getnodeaffinity:
        return bitmap_to_guest(&op->u.nodeaffinity.nodemap, 1);
    case XEN_DOMCTL_scheduler_op:
        /* Xen's sched_adjust under the null scheduler: no parameters to get or put. */
        if (op->u.scheduler_op.sched_id != XEN_SCHEDULER_NULL ||
            op->u.scheduler_op.cmd > XEN_DOMCTL_SCHEDOP_getvcpuinfo)
            return -EINVAL;
        return copy_to_guest(arg, op, sizeof(*op)) ? -EFAULT : 0;
    case XEN_DOMCTL_gethvmcontext:
    case XEN_DOMCTL_sethvmcontext:
        return domctl_hvmcontext(caller, d, op, arg);
    case XEN_DOMCTL_get_cpu_policy:
    case XEN_DOMCTL_set_cpu_policy:
        return domctl_cpu_policy(caller, d, op, arg);
    case XEN_DOMCTL_settscinfo:
        return settscinfo(caller, d, &op->u.tsc_info);
    case XEN_DOMCTL_set_paging_mempool_size:
        /* Nested page tables come from Tern's heap as needed: the size is only kept. */
        if (op->u.paging_mempool.size & (PAGE_SIZE - 1) ||
            op->u.paging_mempool.size >> PAGE_SHIFT > UINT32_MAX)
            return -EINVAL;
        __atomic_store_n(&d->paging_mempool_size, op->u.paging_mempool.size, __ATOMIC_RELAXED);
        return 0;
    case XEN_DOMCTL_get_paging_mempool_size:
        op->u.paging_mempool.size = __atomic_load_n(&d->paging_mempool_size, __ATOMIC_RELAXED);
        return copy_to_guest(arg, op, sizeof(*op)) ? -EFAULT : 0;
    default:
        log_unknown(caller, op->cmd);
        return -ENOSYS;
    }
}

long do_domctl(uint64_t arg)
{
    struct domain *caller = current->domain, *d;
    struct xen_domctl op;
    long rc;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;

    if (op.cmd == XEN_DOMCTL_getdomaininfo) {
        /* The first domain with an id >= op.domain: how the tools walk the list. */
        if (op.domain >= DOMID_FIRST_RESERVED)
            return -EINVAL;
        if (!(d = domain_get_next(op.domain)))
            return -ESRCH;
        rc = xsm_getdomaininfo(caller, d);
        if (!rc) {
            domain_getinfo(d, &op.u.getdomaininfo);
            op.domain = op.u.getdomaininfo.domain;
            if (copy_to_guest(arg, &op, sizeof(op)))
                rc = -EFAULT;
        }
        domain_put(d);
        return rc;
    }

    if (op.cmd == XEN_DOMCTL_createdomain) {
        d = NULL;
    } else if (!(d = domain_get_by_id(op.domain))) {
        /* A destroy that Tern finished meanwhile: its re-executed call completes here. */
        if (op.cmd == XEN_DOMCTL_destroydomain && !xsm_domctl(caller, NULL))
            return domctl_destroy_pending(op.domain);
        return -ESRCH;
    }
    rc = xsm_domctl(caller, d);
    /* Every op but create and destroy may use d's vCPUs: not once d is dying (-ESRCH, as
     * Xen's lookup of a dying domain), and destroy waits for the ones in progress. */
    bool vcpus = !rc && d && op.cmd != XEN_DOMCTL_destroydomain;
    if (vcpus && !domain_vcpus_get(d)) {
        rc = -ESRCH;
        vcpus = false;
    }
    if (!rc)
        rc = domctl_op(caller, d, &op, arg);
    if (vcpus)
        domain_vcpus_put(d);
    if (d)
        domain_put(d);
    return rc;
}
