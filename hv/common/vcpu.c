// SPDX-License-Identifier: MIT
/* vcpu_op: bringing vCPUs up and down, vcpu_info placement, runstate area, vCPU timers. */
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/page_ref.h>
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

/*
 * Copy the runstate to the guest's registered area (best effort: it may have unmapped it).
 * With VMASST_TYPE_runstate_update_flag, XEN_RUNSTATE_UPDATE is set in state_entry_time
 * while the copy is in progress, so a reader on another vCPU can tell a torn copy.
 */
void vcpu_runstate_publish(struct vcpu *v)
{
    struct vcpu_runstate_info info;
    uint64_t gva = v->runstate_guest_gva;
    uint64_t at = gva + offsetof(struct vcpu_runstate_info, state_entry_time);
    bool flag = v->domain->vm_assist & (1u << VMASST_TYPE_runstate_update_flag);

    if (!gva)
        return;
    vcpu_runstate_get(v, &info);
    if (flag) {
        info.state_entry_time |= XEN_RUNSTATE_UPDATE;
        if (copy_to_guest_vcpu(v, at, &info.state_entry_time, sizeof(uint64_t)))
            return;
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    copy_to_guest_vcpu(v, gva, &info, sizeof(info));
    if (flag) {
        __atomic_thread_fence(__ATOMIC_RELEASE);
        info.state_entry_time &= ~XEN_RUNSTATE_UPDATE;
        copy_to_guest_vcpu(v, at, &info.state_entry_time, sizeof(uint64_t));
    }
}

/*
 * Move v's vcpu_info to gfn:offset (pvh-abi.md section 4), as Xen's map_vcpu_info: once per
 * vCPU, on itself or on a vCPU that is down. The frame is held by a reference for as long as
 * the vCPU exists, so the guest giving it back cannot make Tern write into a freed frame.
 * The domain lock makes the check and the update one step against other vCPUs.
 */
static long register_vcpu_info(struct vcpu *v, const struct vcpu_register_vcpu_info *r)
{
    struct domain *d = v->domain;
    struct page_info *pg = NULL;
    enum p2m_type t;
    long rc = 0;

    if (r->offset > PAGE_SIZE - sizeof(struct vcpu_info) || (r->offset & 7))
        return -ENXIO;
    spin_lock(&d->lock);
    if (v->vcpu_info_registered)
        rc = -EINVAL; /* Xen 4.17: once per vCPU */
    else if (v != current && !(v->pause_flags & VPF_down))
        rc = -EINVAL;
    else if (!(pg = p2m_get_page(d, r->mfn, &t)))
        rc = -EINVAL;
    else if (t != p2m_ram_rw || pg->owner != d)
        rc = -EINVAL;
    if (rc) {
        spin_unlock(&d->lock);
        if (pg)
            put_page(pg);
        return rc;
    }

    struct vcpu_info *new = (struct vcpu_info *)((uint8_t *)page_to_virt(pg) + r->offset);
    if (v->vcpu_info)
        memcpy(new, v->vcpu_info, sizeof(*new));
    else
        memset(new, 0, sizeof(*new));
    v->vcpu_info_page = pg; /* the reference is kept until vcpu_release_vcpu_info() */
    __atomic_store_n(&v->vcpu_info, new, __ATOMIC_RELEASE);
    v->vcpu_info_registered = true;
    /* Nothing pending may be lost in the move: make the guest scan everything once. */
    new->evtchn_pending_sel = ~0ULL;
    __atomic_store_n(&new->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    spin_unlock(&d->lock);
    pvclock_update(v);
    vcpu_kick(v);
    return 0;
}

void vcpu_release_vcpu_info(struct vcpu *v)
{
    if (!v->vcpu_info_registered)
        return;
    v->vcpu_info = NULL;
    v->vcpu_info_registered = false;
    put_page(v->vcpu_info_page);
    v->vcpu_info_page = NULL;
}

/* VCPUOP_initialise: once, under the domain lock (two callers cannot both load a state). */
static long vcpu_initialise_op(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct vcpu_hvm_context ctx;
    long rc;

    /* Without a vcpu_info (vCPUs 32 and up before register_vcpu_info), as Xen: -EINVAL. */
    if (!v->vcpu_info)
        return -EINVAL;
    if (copy_from_guest(&ctx, arg, sizeof(ctx)))
        return -EFAULT;
    spin_lock(&d->lock);
    rc = v->is_initialised ? -EEXIST : hvm_funcs->set_hvm_context(v, &ctx);
    if (rc == 0)
        v->is_initialised = true;
    spin_unlock(&d->lock);
    return rc;
}

static long vcpu_up_op(struct vcpu *v)
{
    struct domain *d = v->domain;
    long rc = 0;

    spin_lock(&d->lock);
    if (!v->is_initialised)
        rc = -EINVAL;
    spin_unlock(&d->lock);
    if (!rc)
        vcpu_pause_flags_clear(v, VPF_down);
    return rc;
}

/*
 * Takes v down (VCPUOP_down, or HLT with interrupts off: Xen's vcpu_down and hvm_vcpu_down):
 * it stops at its next exit and nobody waits for that, so two vCPUs taking each other down
 * never wait on each other. When no vCPU is left up the domain powers off. The flag is set
 * before the others are counted, both sequentially consistent: of two vCPUs going down at
 * once, at least one sees the other down, so the last one down always powers off.
 */
void vcpu_take_down(struct vcpu *v, const char *why)
{
    struct domain *d = v->domain;
    unsigned int up = 0;

    vcpu_pause_flags_set(v, VPF_down);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && !(__atomic_load_n(&d->vcpu[i]->pause_flags, __ATOMIC_SEQ_CST) &
                            VPF_down))
            up++;
    if (!up) {
        printk(XENLOG_INFO "d%u v%u: %s on the last vCPU up: all vCPUs down, powering off\n",
               d->domain_id, v->vcpu_id, why);
        domain_shutdown(d, SHUTDOWN_poweroff);
    }
    if (v != current)
        vcpu_kick(v);
}

long do_vcpu_op(int cmd, unsigned int vcpuid, uint64_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[array_index_nospec(vcpuid, d->max_vcpus)]))
        return -ENOENT;

    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_initialise_op(v, arg);
    case VCPUOP_up:
        return vcpu_up_op(v);
    case VCPUOP_down:
        vcpu_take_down(v, "VCPUOP_down");
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
    case VCPUOP_register_vcpu_time_memory_area: {
        struct vcpu_register_time_memory_area area;
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -EFAULT;
        /* As Xen: kept and refreshed with the vCPU's time (a copy to its address space). */
        v->time_area_gva = area.addr_gva;
        pvclock_update(v);
        return 0;
    }
    case VCPUOP_send_nmi:
        if (arg)
            return -EINVAL; /* as Xen: the argument must be null */
        hvm_vcpu_send_nmi(v);
        return 0;
    case VCPUOP_get_physid:
        return -EINVAL; /* only for the hardware domain's pinned vCPUs in Xen */
    default:
        hypercall_unknown_subop(__HYPERVISOR_vcpu_op, (unsigned int)cmd);
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

/* vm_assist: for PVH/HVM guests only VMASST_TYPE_runstate_update_flag exists (Xen 4.17
 * checks the type before the command). */
long do_vm_assist(unsigned int cmd, unsigned int type)
{
    struct domain *d = current->domain;

    if (type != VMASST_TYPE_runstate_update_flag)
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_fetch_or(&d->vm_assist, 1u << type, __ATOMIC_RELAXED);
        return 0;
    case VMASST_CMD_disable:
        __atomic_fetch_and(&d->vm_assist, ~(1u << type), __ATOMIC_RELAXED);
        return 0;
    default:
        return -ENOSYS;
    }
}
