// SPDX-License-Identifier: MIT
/* vcpu_op: bringing vCPUs up and down, vcpu_info placement, runstate area, vCPU timers. */
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <public/vcpu.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/pvclock.h>
#include <tern/sched.h>
#include <tern/time.h>

static void periodic_fn(void *data);

static void singleshot_fn(void *data)
{
    struct vcpu *v = data;
    evtchn_send_virq(v, VIRQ_TIMER);
}

static void poll_timeout_fn(void *data)
{
    struct vcpu *v = data;
    vcpu_pause_flags_clear(v, VPF_polling);
}

void vcpu_timers_init(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fn, v, v->processor);
    init_timer(&v->poll_timer, poll_timeout_fn, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fn, v, v->processor);
}

void vcpu_timers_kill(struct vcpu *v)
{
    kill_timer(&v->singleshot_timer);
    kill_timer(&v->poll_timer);
    kill_timer(&v->periodic_timer);
}

void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info)
{
    s_time_t now = NOW();
    memset(info, 0, sizeof(*info));
    info->state = v->runstate;
    info->state_entry_time = v->runstate_entry;
    for (int i = 0; i < 4; i++)
        info->time[i] = v->runstate_time[i];
    info->time[v->runstate] += now - v->runstate_entry;
}

/* Copy the runstate to the guest's registered area (best effort: it may have unmapped it). */
void vcpu_runstate_publish(struct vcpu *v)
{
    struct vcpu_runstate_info info;
    if (!v->runstate_guest_gva)
        return;
    vcpu_runstate_get(v, &info);
    copy_to_guest_vcpu(v, v->runstate_guest_gva, &info, sizeof(info));
}

/* Move v's vcpu_info to gfn:offset (pvh-abi.md section 4). */
static long register_vcpu_info(struct vcpu *v, const struct vcpu_register_vcpu_info *r)
{
    struct domain *d = v->domain;
    mfn_t mfn;

    if (r->offset > PAGE_SIZE - sizeof(struct vcpu_info) || (r->offset & 7))
        return -ENXIO;
    if (v->vcpu_info_registered)
        return -EINVAL; /* Xen 4.17: once per vCPU */
    if (v != current && !(v->pause_flags & VPF_down))
        return -EINVAL;
    if (p2m_lookup(d, r->mfn, &mfn) != p2m_ram_rw)
        return -EINVAL;

    struct vcpu_info *new = (struct vcpu_info *)((uint8_t *)maddr_to_virt(mfn << PAGE_SHIFT) +
                                                 r->offset);
    if (v->vcpu_info)
        memcpy(new, v->vcpu_info, sizeof(*new));
    else
        memset(new, 0, sizeof(*new));
    v->vcpu_info = new;
    v->vcpu_info_page = mfn_to_page(mfn);
    v->vcpu_info_registered = true;
    /* Nothing pending may be lost in the move: make the guest scan everything once. */
    new->evtchn_pending_sel = ~0ULL;
    __atomic_store_n(&new->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    pvclock_update(v);
    vcpu_kick(v);
    return 0;
}

long do_vcpu_op(int cmd, unsigned int vcpuid, uint64_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]))
        return -ENOENT;

    switch (cmd) {
    case VCPUOP_initialise: {
        struct vcpu_hvm_context ctx;
        if (copy_from_guest(&ctx, arg, sizeof(ctx)))
            return -EFAULT;
        if (v->is_initialised)
            return -EEXIST;
        int rc = hvm_funcs->set_hvm_context(v, &ctx);
        if (rc == 0)
            v->is_initialised = true;
        return rc;
    }
    case VCPUOP_up:
        if (!v->is_initialised)
            return -EINVAL;
        vcpu_pause_flags_clear(v, VPF_down);
        return 0;
    case VCPUOP_down:
        vcpu_pause_flags_set(v, VPF_down);
        if (v != current)
            vcpu_sleep_sync(v);
        return 0;
    case VCPUOP_is_up:
        return !(v->pause_flags & VPF_down);
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info info;
        vcpu_runstate_get(v, &info);
        return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area area;
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -EFAULT;
        v->runstate_guest_gva = area.addr_gva;
        if (v == current)
            vcpu_runstate_publish(v);
        return 0;
    }
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer t;
        if (v != current)
            return -EINVAL;
        if (copy_from_guest(&t, arg, sizeof(t)))
            return -EFAULT;
        /* The FUTURE flag is ignored, as Xen does: a past deadline fires at once. */
        set_timer(&v->singleshot_timer, (s_time_t)t.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer p;
        if (copy_from_guest(&p, arg, sizeof(p)))
            return -EFAULT;
        if (p.period_ns < (uint64_t)MILLISECS(1) || p.period_ns > (1ULL << 50))
            return -EINVAL;
        v->periodic_period = p.period_ns;
        set_timer(&v->periodic_timer, NOW() + (s_time_t)p.period_ns);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        return 0;
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info r;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -EFAULT;
        return register_vcpu_info(v, &r);
    }
    case VCPUOP_register_vcpu_time_memory_area:
    case VCPUOP_send_nmi:
    case VCPUOP_get_physid:
    default:
        return -ENOSYS;
    }
}

static void periodic_fn(void *data)
{
    struct vcpu *v = data;
    evtchn_send_virq(v, VIRQ_TIMER);
    if (v->periodic_period)
        set_timer(&v->periodic_timer, NOW() + (s_time_t)v->periodic_period);
}

/* set_timer_op: Xen's Linux workaround turns absurd deadlines into now + 100 ms. */
long do_set_timer_op(uint64_t timeout)
{
    struct vcpu *v = current;
    if (!timeout) {
        stop_timer(&v->singleshot_timer);
        return 0;
    }
    s_time_t now = NOW();
    s_time_t t = (s_time_t)timeout;
    if (t < 0 || t > now + (s_time_t)(1ULL << 50))
        t = now + MILLISECS(100);
    set_timer(&v->singleshot_timer, t);
    return 0;
}

long do_vm_assist(unsigned int cmd, unsigned int type)
{
    /* Only the runstate update flag applies to PVH guests; it needs nothing from Tern. */
    if (cmd > 1)
        return -ENOSYS;
    return type == VMASST_TYPE_runstate_update_flag ? 0 : -EINVAL;
}
