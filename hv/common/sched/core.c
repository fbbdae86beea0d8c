// SPDX-License-Identifier: MIT
/*
 * Round-robin scheduler with per-CPU run queues, 10 ms slices, blocking, wake-up, affinity
 * and work stealing. One lock guards all queues: simple and enough for the CPU counts Tern
 * runs on today; pick_next() is where credit weights and caps go later.
 */
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/domain_console.h>
#include <tern/lib.h>
#include <tern/pvclock.h>
#include <tern/sched.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/timer.h>

struct runqueue {
    struct vcpu *head, *tail;
    unsigned int len;
    bool idle;                 /* halted in schedule_loop, waiting for work */
    struct timer slice_timer;  /* only there to make the CPU leave guest mode */
};

static DEFINE_SPINLOCK(sched_lock);
static unsigned int placed[NR_CPUS]; /* vCPUs placed on each CPU, for spreading new ones */
static struct runqueue rqs[NR_CPUS];
static volatile bool deferred_work;

bool vcpu_runnable(const struct vcpu *v)
{
    const struct domain *d = v->domain;
    return !v->pause_flags && !d->pause_count && !d->is_shutting_down && !d->is_dying;
}

static void runstate_change(struct vcpu *v, enum vcpu_runstate s)
{
    s_time_t now = NOW();
    if (v->runstate_entry)
        v->runstate_time[v->runstate] += now - v->runstate_entry;
    v->runstate = s;
    v->runstate_entry = now;
}

static void enqueue(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->processor];
    v->rq_next = NULL;
    if (rq->tail)
        rq->tail->rq_next = v;
    else
        rq->head = v;
    rq->tail = v;
    rq->len++;
    v->on_runqueue = true;
    runstate_change(v, VRS_runnable);
}

static void dequeue(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->processor];
    struct vcpu **pp = &rq->head, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->rq_next) {
        if (*pp == v) {
            *pp = v->rq_next;
            if (rq->tail == v)
                rq->tail = prev;
            rq->len--;
            break;
        }
    }
    v->on_runqueue = false;
    v->rq_next = NULL;
}

static void slice_timer_fn(void *data)
{
}

void sched_init_cpu(unsigned int cpu)
{
    init_timer(&rqs[cpu].slice_timer, slice_timer_fn, NULL, cpu);
}

void sched_init(void)
{
    sched_init_cpu(0);
}

void sched_add_vcpu(struct vcpu *v)
{
    unsigned long flags;
    unsigned int best = 0, best_load = ~0u;

    spin_lock_irqsave(&sched_lock, flags);
    /* Spread: the online CPU of the affinity with the fewest vCPUs placed on it. */
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!cpu_online(c) || !(v->affinity & (1ULL << c)))
            continue;
        if (placed[c] < best_load) {
            best = c;
            best_load = placed[c];
        }
    }
    placed[best]++;
    v->processor = best;
    v->home_cpu = best;
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_remove_vcpu(struct vcpu *v)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, flags);
    if (v->on_runqueue)
        dequeue(v);
    if (placed[v->home_cpu])
        placed[v->home_cpu]--;
    spin_unlock_irqrestore(&sched_lock, flags);
    vcpu_sleep_sync(v);
}

/* Under sched_lock: queue v if it can run and is neither queued nor running. */
static void wake_locked(struct vcpu *v)
{
    if (!vcpu_runnable(v) || v->on_runqueue || v->is_running)
        return;
    enqueue(v);
    if (v->processor != smp_processor_id() && rqs[v->processor].idle)
        smp_send_event_check(v->processor);
}

void vcpu_wake(struct vcpu *v)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, flags);
    wake_locked(v);
    spin_unlock_irqrestore(&sched_lock, flags);
}

/* Not running and not queued: the runstate the guest sees while it waits. */
static void sleep_runstate(struct vcpu *v)
{
    runstate_change(v, (v->pause_flags & VPF_down) ? VRS_offline : VRS_blocked);
}

void vcpu_pause_flags_set(struct vcpu *v, uint32_t f)
{
    unsigned long flags;

    __atomic_or_fetch(&v->pause_flags, f, __ATOMIC_SEQ_CST);
    /* Queued but not running yet: it must not run any more, and it now waits. */
    spin_lock_irqsave(&sched_lock, flags);
    if (v->on_runqueue && !vcpu_runnable(v)) {
        dequeue(v);
        sleep_runstate(v);
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void vcpu_pause_flags_clear(struct vcpu *v, uint32_t f)
{
    if (__atomic_fetch_and(&v->pause_flags, ~f, __ATOMIC_SEQ_CST) & f)
        vcpu_wake(v);
}

void vcpu_block(struct vcpu *v)
{
    vcpu_pause_flags_set(v, VPF_blocked);
    /* An event that arrived just before the flag was set must not be lost. */
    if (hvm_vcpu_has_work_hook(v))
        vcpu_pause_flags_clear(v, VPF_blocked);
}

void vcpu_kick(struct vcpu *v)
{
    if (v->pause_flags & VPF_blocked) {
        vcpu_pause_flags_clear(v, VPF_blocked);
        return;
    }
    /* Running in guest mode on another CPU: make it exit so the event is injected. */
    if (v->is_running && v->processor != smp_processor_id())
        smp_send_event_check(v->processor);
}

void vcpu_yield(struct vcpu *v)
{
    v->slice_end = 0; /* give the CPU away at the next check if anyone else waits */
}

/*
 * The caller made v unrunnable; wait until it has left its pCPU. Only Tern's own context may
 * wait like this (domain destruction on CPU 0's scheduler loop, no vCPU current): the kick
 * ends v's guest mode at once, and the exit handling it then finishes never waits for a vCPU
 * that is not in guest mode, which the waiter is not. A hypercall never waits for another
 * vCPU (VCPUOP_down, SIPIs and the like are asynchronous).
 */
void vcpu_sleep_sync(struct vcpu *v)
{
    if (current) {
        printk(XENLOG_ERR "vcpu_sleep_sync(d%u v%u) from d%u v%u: refused, a vCPU must not "
               "wait for another\n", v->domain->domain_id, v->vcpu_id,
               current->domain->domain_id, current->vcpu_id);
        return;
    }
    if (v->is_running && v->processor != smp_processor_id())
        smp_send_event_check(v->processor);
    while (v->is_running)
        cpu_relax();
}

void sched_request_deferred_work(void)
{
    deferred_work = true;
    if (smp_processor_id() != 0)
        smp_send_event_check(0); /* CPU 0 may be halted or in guest mode */
}

/* Take the first queued vCPU of this CPU, or steal one another CPU may not get to soon.
 * A vCPU paused, downed or blocked after it was queued leaves the queue here. */
static struct vcpu *pick_next(unsigned int cpu)
{
    struct vcpu *v;
    while ((v = rqs[cpu].head) != NULL) {
        dequeue(v);
        if (vcpu_runnable(v))
            return v;
        sleep_runstate(v); /* e.g. its domain was paused after it was queued */
    }
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (c == cpu || !rqs[c].head)
            continue;
        for (v = rqs[c].head; v; v = v->rq_next) {
            if ((v->affinity & (1ULL << cpu)) && vcpu_runnable(v)) {
                dequeue(v);
                v->processor = cpu;
                return v;
            }
        }
    }
    return NULL;
}

/*
 * Halt until an interrupt, with interrupts off on entry. The APIC is first made to signal
 * whatever it holds (arch_timer_resync): a lost interrupt must not leave this CPU asleep for
 * good (timer_watchdog, docs/testing.md).
 */
static void idle_halt(void)
{
    timer_watchdog();
    arch_timer_resync();
    safe_halt();
}

void schedule_loop(void)
{
    unsigned int cpu = smp_processor_id();
    struct runqueue *rq = &rqs[cpu];
    unsigned long flags;

    local_irq_enable();
    for (;;) {
        if (cpu == 0 && console_work_pending) {
            console_work_pending = false;
            console_poll_work();
        }
        if (deferred_work && cpu == 0) {
            deferred_work = false;
            sched_run_deferred_work(); /* domain shutdown actions (domain_build.c) */
        }
        spin_lock_irqsave(&sched_lock, flags);
        struct vcpu *v = pick_next(cpu);
        if (!v) {
            rq->idle = true;
            spin_unlock(&sched_lock);
            /* Interrupts are still off: the wake-up IPI cannot slip in before the HLT. */
            if (cpu != 0 || (!deferred_work && !console_work_pending))
                idle_halt();
            else
                local_irq_enable();
            rq->idle = false;
            continue;
        }
        v->is_running = true;
        runstate_change(v, VRS_running);
        spin_unlock_irqrestore(&sched_lock, flags);

        set_current_vcpu(v);
        pvclock_update(v);
        vcpu_runstate_publish(v);
        v->slice_end = NOW() + SCHED_SLICE_NS;
        set_timer(&rq->slice_timer, v->slice_end);
        for (;;) {
            hvm_funcs->run(v);
            timer_watchdog();
            if (cpu == 0 && console_work_pending) {
                console_work_pending = false;
                console_poll_work();
            }
            if (!vcpu_runnable(v) || deferred_work)
                break;
            /* Slice over and someone else waiting here: rotate. */
            if (NOW() >= v->slice_end && rq->head)
                break;
            if (NOW() >= v->slice_end) {
                v->slice_end = NOW() + SCHED_SLICE_NS;
                set_timer(&rq->slice_timer, v->slice_end);
            }
        }
        stop_timer(&rq->slice_timer);
        hvm_vcpu_descheduled(v);
        set_current_vcpu(NULL);

        spin_lock_irqsave(&sched_lock, flags);
        v->is_running = false;
        if (vcpu_runnable(v))
            enqueue(v);
        else
            sleep_runstate(v);
        spin_unlock_irqrestore(&sched_lock, flags);
    }
}

/* The 'r' debug key: every vCPU's scheduling state. */
void sched_dump(void)
{
    printk("Run queues:\n");
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!cpu_online(c))
            continue;
        printk("  CPU %u: %u queued%s, current %s\n", c, rqs[c].len,
               rqs[c].idle ? ", idle" : "", "-");
    }
}

void sched_dump_vcpu(struct vcpu *v)
{
    s_time_t now = NOW();
    printk("  d%u v%u: cpu %u flags %#x %s%s runstate %u rip %#llx\n", v->domain->domain_id,
           v->vcpu_id, v->processor, v->pause_flags, v->is_running ? "running " : "",
           v->on_runqueue ? "queued " : "", v->runstate,
           (unsigned long long)hvm_funcs->get_reg(v, HVM_RIP));
    printk("    timers on CPU %u: singleshot %s%lld us, poll %s%lld us, periodic %s%lld us\n",
           v->singleshot_timer.cpu, timer_is_active(&v->singleshot_timer) ? "in " : "off ",
           (long long)(v->singleshot_timer.expires - now) / 1000,
           timer_is_active(&v->poll_timer) ? "in " : "off ",
           (long long)(v->poll_timer.expires - now) / 1000,
           timer_is_active(&v->periodic_timer) ? "in " : "off ",
           (long long)(v->periodic_timer.expires - now) / 1000);
    if (v->vcpu_info)
        printk("    events: upcall_pending %u, pending_sel %#llx, guest IF %u\n",
               v->vcpu_info->evtchn_upcall_pending,
               (unsigned long long)v->vcpu_info->evtchn_pending_sel,
               (unsigned int)((hvm_funcs->get_reg(v, HVM_RFLAGS) >> 9) & 1));
}
