// SPDX-License-Identifier: MIT
/* Domain and vCPU life cycle: creation, pause, shutdown, crash reports and full teardown. */
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <public/sched.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/grant_table.h>
#include <tern/lib.h>
#include <tern/memory.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/pvclock.h>
#include <tern/sched.h>
#include <tern/smp.h>
#include <tern/xmalloc.h>
#include "../arch/x86/hvm/hvm_private.h"
#include "../arch/x86/hvm/vlapic.h"

static DEFINE_SPINLOCK(domlist_lock);
static struct domain *domain_list;
static struct vcpu *current_of[NR_CPUS];

struct vcpu *current_vcpu(void)
{
    return current_of[smp_processor_id()];
}

void set_current_vcpu(struct vcpu *v)
{
    current_of[smp_processor_id()] = v;
}

static const char *const shutdown_names[] = { "poweroff", "reboot", "suspend", "crash",
                                              "watchdog", "soft_reset" };

const char *shutdown_reason_name(int reason)
{
    return reason >= 0 && reason < (int)ARRAY_SIZE(shutdown_names) ? shutdown_names[reason]
                                                                    : "unknown";
}

struct domain *domain_create(domid_t domid, const char *name, unsigned int max_vcpus, int *rc)
{
    struct domain *d;

    *rc = -EINVAL;
    if (!max_vcpus || max_vcpus > MAX_VIRT_CPUS || domid >= DOMID_FIRST_RESERVED)
        return NULL;
    struct domain *old = domain_get_by_id(domid);
    if (old) {
        domain_put(old);
        *rc = -EEXIST;
        return NULL;
    }
    *rc = -ENOMEM;
    d = xmalloc(struct domain);
    if (!d)
        return NULL;
    d->domain_id = domid;
    strlcpy(d->name, name, sizeof(d->name));
    spin_lock_init(&d->lock);
    spin_lock_init(&d->page_alloc_lock);
    spin_lock_init(&d->physmap_lock);
    d->refcount = 1;
    d->max_vcpus = max_vcpus;
    d->pause_count = 1;
    page_list_init(&d->page_list);
    page_list_init(&d->relinquished);
    d->tern_overhead_bytes = sizeof(*d);
    d->shared_info_gfn = ~0ULL;
    d->shutdown_code = -1; /* none recorded yet */

    if ((*rc = p2m_init(d)) < 0)
        goto fail;
    d->shared_info = alloc_shared_xen_page(d);
    if (!d->shared_info) {
        *rc = -ENOMEM;
        goto fail;
    }
    d->shared_info_page = virt_to_page(d->shared_info);
    pvclock_init_wallclock(d);
    if ((*rc = evtchn_init(d)) < 0)
        goto fail;
    if ((*rc = grant_table_init(d)) < 0)
        goto fail;

    unsigned long flags;
    spin_lock_irqsave(&domlist_lock, flags);
    struct domain **pp = &domain_list;
    while (*pp && (*pp)->domain_id < domid)
        pp = &(*pp)->next;
    d->next = *pp;
    *pp = d;
    spin_unlock_irqrestore(&domlist_lock, flags);
    *rc = 0;
    return d;

fail:
    domain_destroy(d);
    return NULL;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int vcpu_id)
{
    struct vcpu *v;

    if (vcpu_id >= d->max_vcpus || d->vcpu[vcpu_id])
        return NULL;
    v = xmalloc(struct vcpu);
    if (!v)
        return NULL;
    v->vcpu_id = vcpu_id;
    v->domain = d;
    v->affinity = ~0ULL;
    v->pause_flags = VPF_down;
    v->runstate = VRS_offline;
    if (vcpu_id < XEN_LEGACY_MAX_VCPUS)
        v->vcpu_info = &d->shared_info->vcpu_info[vcpu_id];
    for (unsigned int i = 0; i < TERN_NR_VIRQS; i++)
        v->virq_to_evtchn[i] = 0;
    if (hvm_funcs->vcpu_initialise(v) < 0 || hvm_vcpu_fpu_init(v) < 0) {
        hvm_funcs->vcpu_destroy(v);
        xfree(v);
        return NULL;
    }
    sched_add_vcpu(v);
    vcpu_timers_init(v); /* on the CPU the scheduler placed it on */
    if (vlapic_init(v) < 0) {
        vcpu_timers_kill(v);
        sched_remove_vcpu(v);
        hvm_vcpu_fpu_destroy(v);
        hvm_funcs->vcpu_destroy(v);
        xfree(v);
        return NULL;
    }
    d->vcpu[vcpu_id] = v;
    d->tern_overhead_bytes += sizeof(*v) + PAGE_SIZE /* VMCB */ + 1024 /* FPU image */;
    return v;
}

struct domain *domain_get_next(domid_t from)
{
    struct domain *d, *best = NULL;
    unsigned long flags;

    spin_lock_irqsave(&domlist_lock, flags);
    for (d = domain_list; d; d = d->next)
        if (d->domain_id >= from && (!best || d->domain_id < best->domain_id))
            best = d;
    if (best)
        __atomic_add_fetch(&best->refcount, 1, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&domlist_lock, flags);
    return best;
}

struct domain *domain_get_by_id(domid_t domid)
{
    struct domain *d;
    unsigned long flags;

    spin_lock_irqsave(&domlist_lock, flags);
    for (d = domain_list; d; d = d->next)
        if (d->domain_id == domid && !d->is_dying)
            break;
    if (d)
        __atomic_add_fetch(&d->refcount, 1, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&domlist_lock, flags);
    return d;
}

void domain_get(struct domain *d)
{
    __atomic_add_fetch(&d->refcount, 1, __ATOMIC_SEQ_CST);
}

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refcount, 1, __ATOMIC_SEQ_CST) == 0) {
        evtchn_free(d);
        xfree(d);
    }
}

void for_each_domain(void (*fn)(struct domain *d, void *arg), void *arg)
{
    /* Snapshot under the lock, call without it: fn may destroy domains. */
    struct domain *snap[256];
    unsigned int n = 0;
    unsigned long flags;
    spin_lock_irqsave(&domlist_lock, flags);
    for (struct domain *d = domain_list; d && n < ARRAY_SIZE(snap); d = d->next) {
        domain_get(d);
        snap[n++] = d;
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
    for (unsigned int i = 0; i < n; i++) {
        fn(snap[i], arg);
        domain_put(snap[i]);
    }
}

unsigned int domain_count(void)
{
    unsigned int n = 0;
    unsigned long flags;
    spin_lock_irqsave(&domlist_lock, flags);
    for (struct domain *d = domain_list; d; d = d->next)
        n++;
    spin_unlock_irqrestore(&domlist_lock, flags);
    return n;
}

/* Only from Tern's own context (it waits for d's vCPUs to stop; see vcpu_sleep_sync). */
void domain_pause(struct domain *d)
{
    __atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i] != current)
            vcpu_sleep_sync(d->vcpu[i]);
}

void domain_pause_nosync(struct domain *d)
{
    __atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        /* Not vcpu_kick(): that would also end a block the guest is in. */
        if (v && v->is_running && v->processor != smp_processor_id())
            smp_send_event_check(v->processor);
    }
}

void domain_unpause(struct domain *d)
{
    if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        for (unsigned int i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                vcpu_wake(d->vcpu[i]);
}

void domain_shutdown(struct domain *d, int reason)
{
    spin_lock(&d->lock);
    if (d->is_shutting_down) {
        spin_unlock(&d->lock);
        return; /* the first reason stands, as in Xen */
    }
    d->is_shutting_down = true;
    /* A reason recorded earlier with SCHEDOP_shutdown_code wins, as in Xen. */
    if (d->shutdown_code < 0)
        d->shutdown_code = reason;
    spin_unlock(&d->lock);
    printk("Domain %u (%s) shut down: reason %s\n", d->domain_id, d->name,
           shutdown_reason_name(d->shutdown_code));
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_kick(d->vcpu[i]); /* leave guest mode now; runnable checks see the flag */
    domain_shutdown_notify(d);
}

void domain_crash(struct domain *d, const char *why)
{
    struct vcpu *v = current;

    if (d->is_shutting_down)
        return;
    printk(XENLOG_ERR "Domain %u (%s) crashed: %s\n", d->domain_id, d->name, why);
    if (v && v->domain == d) {
        printk(XENLOG_ERR "  vCPU %u, last exit code %#llx\n", v->vcpu_id,
               (unsigned long long)v->arch.crash_exit_code);
        hvm_funcs->dump_state(v);
    }
    domain_shutdown(d, SHUTDOWN_crash);
}

/*
 * Teardown, in the order that keeps every frame referenced while anything can reach it: the
 * vCPUs stop (off every pCPU, timers dead), event channels and grants go (d's pins and maps
 * on others are dropped), the vCPUs' own references (vcpu_info) go, then the p2m's entry
 * references and the allocation references. Frames another domain still maps keep d's struct
 * alive as a zombie until they are freed (tern/page_ref.h).
 */
bool domain_vcpus_get(struct domain *d)
{
    bool ok;

    spin_lock(&d->lock);
    ok = !d->is_dying;
    if (ok)
        d->vcpu_users++;
    spin_unlock(&d->lock);
    return ok;
}

void domain_vcpus_put(struct domain *d)
{
    spin_lock(&d->lock);
    d->vcpu_users--;
    spin_unlock(&d->lock);
}

void domain_destroy(struct domain *d)
{
    /* Under the domain lock: a toolstack call either sees the domain dying, or holds it
     * (domain_vcpus_get, or the lock itself in arch/x86/hvm/save.c) and finishes with its
     * vCPUs before they are freed below. */
    spin_lock(&d->lock);
    d->is_dying = true;
    spin_unlock(&d->lock);
    while (__atomic_load_n(&d->vcpu_users, __ATOMIC_ACQUIRE))
        cpu_relax();
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        sched_remove_vcpu(v);
        vcpu_timers_kill(v);
        vlapic_destroy(v);
    }
    if (d->evtchn)
        evtchn_destroy(d);
    grant_table_destroy(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        vcpu_release_vcpu_info(v);
        hvm_vcpu_fpu_destroy(v);
        hvm_funcs->vcpu_destroy(v);
        d->vcpu[i] = NULL;
        xfree(v);
    }
    p2m_teardown(d);
    domain_free_memory(d);
    xfree(d->arch.cpu_policy); /* the toolstack's CPU policy, if it set one */
    d->arch.cpu_policy = NULL;
    if (d->shared_info)
        free_shared_xen_page(d->shared_info);
    d->shared_info = NULL;
    if (d->tot_pages)
        printk(XENLOG_INFO "d%u: %llu frames still in use elsewhere; freed when released\n",
               d->domain_id, (unsigned long long)d->tot_pages);

    unsigned long flags;
    spin_lock_irqsave(&domlist_lock, flags);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
    domain_put(d);
}
