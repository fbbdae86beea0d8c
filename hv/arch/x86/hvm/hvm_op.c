// SPDX-License-Identifier: MIT
/* hvm_op: HVM parameters (callback vector, console and xenstore pages) and small queries. */
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/sched.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/time.h>
#include <tern/xsm.h>

BUILD_BUG_ON(HVM_NR_PARAMS > TERN_NR_HVM_PARAMS);

/*
 * Who may use each parameter (Xen 4.17's hvm_allow_{get,set}_param): some the guest reads
 * and sets itself, some it only reads, the rest belong to the toolstack (-EPERM for the
 * guest itself); holes and deprecated parameters are -EINVAL for everyone.
 */
enum param_access { P_INVALID = 0, P_TOOLSTACK, P_GUEST_READ, P_GUEST_RW };

static enum param_access param_access(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return P_GUEST_RW;
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_ALTP2M:
        return P_GUEST_READ;
    case 3:
    case 7:
    case 8:
    case HVM_PARAM_PAE_ENABLED:
    case HVM_PARAM_DM_DOMAIN:
    case HVM_PARAM_MEMORY_EVENT_CR0:
    case HVM_PARAM_MEMORY_EVENT_CR3:
    case HVM_PARAM_MEMORY_EVENT_CR4:
    case HVM_PARAM_MEMORY_EVENT_INT3:
    case HVM_PARAM_NESTEDHVM:
    case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
    case HVM_PARAM_MEMORY_EVENT_MSR:
        return P_INVALID;
    default:
        return P_TOOLSTACK;
    }
}

/* Xen's limit on the ioreq server pages (bits of its gfn mask). */
#define MAX_IOREQ_SERVER_PAGES 64
/* XEN_ALTP2M_limited: the largest mode Xen knows. */
#define ALTP2M_MAX_MODE 2
#define VIRIDIAN_BASE_FREQ (1ULL << 0)
#define VIRIDIAN_FEATURE_MASK 0x1fffULL /* HVMPV_base_freq .. HVMPV_cpu_hotplug */

/*
 * The value checks of Xen 4.17's hvm_allow_set_param and hvm_set_param, for a value allowed
 * by param_access(): 0, -EEXIST (a once-only parameter already set to another value),
 * -EINVAL, or -EOPNOTSUPP for a feature Tern does not have (altp2m, Viridian, S3), which Xen
 * would provide.
 */
static int check_set(uint32_t index, uint64_t old, uint64_t value)
{
    switch (index) {
    case HVM_PARAM_VIRIDIAN:
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_IOREQ_SERVER_PFN:
    case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_MCA_CAP:
        if (old && value != old)
            return -EEXIST;
        break;
    default:
        break;
    }
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ: {
        uint64_t type = value >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT;
        /* Only the vector type can be delivered to a PVH guest (no emulated PIC/IOAPIC);
         * 0 switches the callback off. */
        if (value && type != HVM_PARAM_CALLBACK_TYPE_VECTOR)
            return -EINVAL;
        if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR && (value & 0xff) < 0x10)
            return -EINVAL;
        return 0;
    }
    case HVM_PARAM_TIMER_MODE:
        return value > HVMPTM_one_missed_tick_pending ? -EINVAL : 0;
    case HVM_PARAM_VIRIDIAN:
        if ((value & ~VIRIDIAN_FEATURE_MASK) || !(value & VIRIDIAN_BASE_FREQ))
            return -EINVAL;
        return -EOPNOTSUPP;
    case HVM_PARAM_ACPI_S_STATE:
        return value == 0 ? 0 : value == 3 ? -EOPNOTSUPP : -EINVAL;
    case HVM_PARAM_ALTP2M:
        if (value > ALTP2M_MAX_MODE)
            return -EINVAL;
        return value ? -EOPNOTSUPP : 0;
    case HVM_PARAM_TRIPLE_FAULT_REASON:
        return value > SHUTDOWN_MAX ? -EINVAL : 0;
    case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
        return (!value || value > MAX_IOREQ_SERVER_PAGES) ? -EINVAL : 0;
    case HVM_PARAM_X87_FIP_WIDTH:
        return (value != 0 && value != 4 && value != 8) ? -EINVAL : 0;
    default:
        return 0; /* gfns and ports are the toolstack's to choose; the guest uses them */
    }
}

/*
 * A boot-time domain that joins xenstore later (domain_build.c) starts with STORE_PFN ~0 and
 * waits for an event on its store port. The toolstack's tool sets STORE_PFN once xenstored
 * has bound that port (after XS_INTRODUCE: oxenstored, unlike cxenstored, does not notify
 * the domain then), and that setting is the event. Only a privileged caller's first real
 * value counts; the guest cannot set STORE_PFN at all.
 */
static bool is_late_store(struct domain *d, struct domain *caller, uint32_t index, uint64_t old,
                          uint64_t value)
{
    return index == HVM_PARAM_STORE_PFN && d != caller && caller->is_privileged &&
           old == ~0ULL && value && value != ~0ULL && d->hvm_params[HVM_PARAM_STORE_EVTCHN];
}

static long param_op(bool set, uint64_t arg)
{
    struct xen_hvm_param p;
    struct domain *self = current->domain;
    int rc;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    p.index = array_index_nospec(p.index, HVM_NR_PARAMS); /* indexes hvm_params[] below */
    struct domain *d = p.domid == DOMID_SELF ? self : domain_get_by_id(p.domid);
    if (!d)
        return -ESRCH;
    if (p.domid == DOMID_SELF)
        domain_get(d);
    if (d != self && (rc = xsm_hvm_param(self, d, set)))
        goto out;
    enum param_access acc = param_access(p.index);
    if (acc == P_INVALID) {
        rc = -EINVAL;
        goto out;
    }
    if (d == self && (acc == P_TOOLSTACK || (set && acc == P_GUEST_READ))) {
        rc = -EPERM;
        goto out;
    }
    if (set) {
        /* Decided and stored in one step: two setters of a once-only parameter cannot both
         * see it unset. */
        bool late_store = false;
        evtchn_port_t store_port = 0;
        spin_lock(&d->lock);
        rc = check_set(p.index, d->hvm_params[p.index], p.value);
        if (!rc) {
            late_store = is_late_store(d, self, p.index, d->hvm_params[p.index], p.value);
            store_port = (evtchn_port_t)d->hvm_params[HVM_PARAM_STORE_EVTCHN];
            d->hvm_params[p.index] = p.value;
        }
        spin_unlock(&d->lock);
        if (late_store)
            evtchn_raise(d, store_port); /* Linux's xenbus_late_init runs on this event */
    } else {
        p.value = d->hvm_params[p.index];
        rc = copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
out:
    domain_put(d);
    return rc;
}

long do_hvm_op(unsigned long op, uint64_t arg)
{
    switch (op) {
    case HVMOP_set_param:
        return param_op(true, arg);
    case HVMOP_get_param:
        return param_op(false, arg);
    case HVMOP_get_time: {
        uint64_t now = NOW();
        return copy_to_guest(arg, &now, sizeof(now)) ? -EFAULT : 0;
    }
    case HVMOP_pagetable_dying: /* a hint for shadow paging; nested paging needs none */
        return -ENOSYS;
    default:
        hypercall_unknown_subop(__HYPERVISOR_hvm_op, (unsigned int)op);
        return -ENOSYS;
    }
}
