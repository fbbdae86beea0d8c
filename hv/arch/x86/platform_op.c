// SPDX-License-Identifier: MIT
/* platform_op and physdev_op: what a Linux dom0 asks of the host, answered for a host with
 * no hardware given to dom0. */
#include <asm/percpu.h>
#include <public/platform.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/pvclock.h>
#include <tern/sched.h>

static long firmware_info(struct xen_platform_op *op, bool *copy_back)
{
    struct xenpf_firmware_info *fw = &op->u.firmware_info;

    switch (fw->type) {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -ESRCH; /* Tern collects no EDD or EDID data from the BIOS: index past the end */
    case XEN_FW_EFI_INFO:
        return -ENOSYS; /* Xen's answer when the host did not boot through EFI */
    case XEN_FW_KBD_SHIFT_FLAGS:
        fw->u.kbd_shift_flags = 0;
        *copy_back = true;
        return 0;
    default:
        return -EINVAL;
    }
}

static long get_cpuinfo(struct xen_platform_op *op, bool *copy_back)
{
    struct xenpf_pcpuinfo *p = &op->u.pcpu_info;
    unsigned int last = 0;

    for (unsigned int i = 0; i < NR_CPUS; i++)
        if (cpu_info_of[i])
            last = i;
    /* The caller picks the index: no speculative read past the table either. */
    const struct cpu_info *ci = p->xen_cpuid < NR_CPUS ?
        cpu_info_of[array_index_nospec(p->xen_cpuid, NR_CPUS)] : NULL;
    if (!ci) {
        p->flags |= XEN_PCPU_FLAGS_INVALID;
    } else {
        p->apic_id = ci->apic_id;
        p->acpi_id = ci->acpi_uid;
        if (ci->online)
            p->flags |= XEN_PCPU_FLAGS_ONLINE;
    }
    p->max_present = last;
    *copy_back = true;
    return 0;
}

static void update_wallclock(struct domain *d, void *arg)
{
    pvclock_init_wallclock(d);
}

/*
 * XENPF_settime32/64, Xen's do_settime: dom0 says what the wallclock was at a system time,
 * and every domain's shared_info follows. Linux as dom0 calls it every 11 minutes and when
 * its clock is set; an error makes it try again at every tick (thousands of calls a minute).
 */
static long settime(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    static DEFINE_SPINLOCK(settime_lock); /* one wc_version update per domain at a time */
    unsigned long flags;

    spin_lock_irqsave(&settime_lock, flags);
    wallclock_set(secs, nsecs, system_time);
    for_each_domain(update_wallclock, NULL);
    spin_unlock_irqrestore(&settime_lock, flags);
    return 0;
}

long do_platform_op(uint64_t arg)
{
    struct domain *d = current->domain;
    struct xen_platform_op op;
    bool copy_back = false;
    long rc;

    /* Xen's order: the copy (-EFAULT), the interface version (-EACCES), then privilege. */
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -EACCES;
    if (!d->is_privileged)
        return -EPERM;
    switch (op.cmd) {
    case XENPF_firmware_info:
        rc = firmware_info(&op, &copy_back);
        break;
    case XENPF_get_cpuinfo:
        rc = get_cpuinfo(&op, &copy_back);
        break;
    case XENPF_settime32:
        rc = settime(op.u.settime32.secs, op.u.settime32.nsecs, op.u.settime32.system_time);
        break;
    case XENPF_settime64:
        rc = op.u.settime64.mbz ? -EINVAL : settime(op.u.settime64.secs, op.u.settime64.nsecs,
                                                   op.u.settime64.system_time);
        break;
    default:
        hypercall_unknown_subop(__HYPERVISOR_platform_op, op.cmd);
        return -ENOSYS;
    }
    if (!rc && copy_back && copy_to_guest(arg, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

/*
 * Xen answers an HVM caller's physdev_op only for pirqs (which need XENFEAT_hvm_pirqs, never
 * offered) and, for dom0, PCI device and MMCONFIG reports. Dom0 is given no PCI devices and
 * no MCFG table, so Linux makes none of these calls; any that comes is logged and refused.
 */
long do_physdev_op(int cmd, uint64_t arg)
{
    (void)arg;
    hypercall_unknown_subop(__HYPERVISOR_physdev_op, (unsigned int)cmd);
    return -ENOSYS;
}
