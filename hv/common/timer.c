// SPDX-License-Identifier: MIT
/* Per-CPU timer queues: a sorted list per CPU, the earliest expiry programmed in hardware. */
#include <asm/percpu.h>
#include <tern/lib.h>
#include <tern/spinlock.h>
#include <tern/time.h>
#include <tern/timer.h>

struct timer_queue {
    spinlock_t lock;
    struct timer *head;
    struct timer *running; /* whose callback runs right now (unlocked), or NULL */
};

static struct timer_queue queues[NR_CPUS];
static unsigned int lost_interrupts; /* timer_watchdog's repairs, for debug key 't' */

void timer_init_cpu(unsigned int cpu)
{
    spin_lock_init(&queues[cpu].lock);
    queues[cpu].head = NULL;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu < NR_CPUS ? cpu : 0;
}

static void unlink(struct timer_queue *q, struct timer *t)
{
    for (struct timer **pp = &q->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->active = false;
}

void set_timer(struct timer *t, s_time_t expires)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags;

    spin_lock_irqsave(&q->lock, flags);
    if (t->killed) {
        /* A callback re-arming itself while its timer is killed: it stays dead. */
        spin_unlock_irqrestore(&q->lock, flags);
        return;
    }
    if (t->active)
        unlink(q, t);
    t->expires = expires;
    t->active = true;
    struct timer **pp = &q->head;
    while (*pp && (*pp)->expires <= expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    bool first = q->head == t;
    bool local = t->cpu == smp_processor_id();
    /* Program the hardware under the lock with interrupts off: a timer interrupt in
     * between could otherwise program an earlier expiry that this write then replaces. */
    if (first && local)
        arch_timer_program(expires);
    spin_unlock_irqrestore(&q->lock, flags);

    if (first && !local)
        arch_timer_kick(t->cpu);
}

void stop_timer(struct timer *t)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags;

    spin_lock_irqsave(&q->lock, flags);
    if (t->active)
        unlink(q, t);
    spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Remove t for good: it is off its queue, cannot be armed again, and its callback is not
 * running on any CPU when this returns (so t and its data may be freed). The wait is for
 * one callback, which never waits for anything itself; a callback killing its own timer
 * does not wait for itself.
 */
void kill_timer(struct timer *t)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags;

    spin_lock_irqsave(&q->lock, flags);
    t->killed = true;
    if (t->active)
        unlink(q, t);
    spin_unlock_irqrestore(&q->lock, flags);
    if (t->cpu == smp_processor_id())
        return; /* the callback cannot be running elsewhere; here it is our caller */
    while (__atomic_load_n(&q->running, __ATOMIC_ACQUIRE) == t)
        cpu_relax();
}

void timer_dump(void)
{
    s_time_t now = NOW();

    printk("  lost timer interrupts repaired: %u\n", lost_interrupts);

    for (unsigned int c = 0; c < NR_CPUS; c++) {
        struct timer_queue *q = &queues[c];
        unsigned long flags;
        unsigned int n = 0;
        s_time_t first = 0;

        if (!q->head && !q->running)
            continue;
        spin_lock_irqsave(&q->lock, flags);
        for (struct timer *t = q->head; t && n < 100000; t = t->next)
            n++;
        if (q->head)
            first = q->head->expires - now;
        spin_unlock_irqrestore(&q->lock, flags);
        printk("  timer queue %u: %u timers, first in %lld us%s\n", c, n, (long long)first / 1000,
               q->running ? ", a callback running" : "");
    }
}

/*
 * A timer interrupt that never came: if this CPU's earliest timer is more than LOST_SLACK
 * overdue while the CPU keeps running (guests, exits, idle wake-ups), its interrupt was lost
 * (docs/testing.md: QEMU's emulated APIC can hold a vector without signalling it). Report it
 * (the first three times, then every hundredth, with the count; debug key 't' shows the
 * count) and have the APIC re-signal what it holds. Checked at most every CHECK_EVERY
 * per CPU, so the run loop can call it after every exit.
 */
#define LOST_SLACK MILLISECS(100)
#define CHECK_EVERY MILLISECS(10)

void timer_watchdog(void)
{
    static s_time_t last_check[NR_CPUS];
    /* The overdue head last seen, and since when: a timer armed with a deadline long past
     * (a guest may ask for one) is due at once, not lost; only one that stays due is. */
    static const struct timer *due_head[NR_CPUS];
    static s_time_t due_expires[NR_CPUS], due_since[NR_CPUS];
    unsigned int n;
    unsigned int cpu = smp_processor_id();
    struct timer_queue *q = &queues[cpu];
    s_time_t now = NOW(), late = 0;
    unsigned long flags;

    if (now - last_check[cpu] < CHECK_EVERY)
        return;
    last_check[cpu] = now;
    spin_lock_irqsave(&q->lock, flags);
    if (!q->head || q->running || q->head->expires > now) {
        due_head[cpu] = NULL;
    } else if (due_head[cpu] != q->head || due_expires[cpu] != q->head->expires) {
        due_head[cpu] = q->head;
        due_expires[cpu] = q->head->expires;
        /* Due since its deadline, or since now if it was armed already past it. */
        due_since[cpu] = now - q->head->expires < LOST_SLACK ? q->head->expires : now;
    }
    if (due_head[cpu] && now - due_since[cpu] > LOST_SLACK)
        late = now - due_since[cpu];
    spin_unlock_irqrestore(&q->lock, flags);
    if (!late)
        return;
    n = __atomic_add_fetch(&lost_interrupts, 1, __ATOMIC_RELAXED);
    if (n <= 3 || n % 100 == 0)
        printk(XENLOG_WARNING "CPU %u: its earliest timer is %lld ms overdue: a lost timer "
                              "interrupt (%u so far); having the APIC signal it again\n",
               cpu, (long long)(late / MILLISECS(1)), n);
    arch_timer_resync();
}

bool timer_is_active(const struct timer *t)
{
    return t->active;
}

void timer_softirq(void)
{
    struct timer_queue *q = &queues[smp_processor_id()];
    unsigned long flags;

    spin_lock_irqsave(&q->lock, flags);
    for (;;) {
        struct timer *t = q->head;
        if (!t || t->expires > NOW())
            break;
        q->head = t->next;
        t->next = NULL;
        t->active = false;
        void (*fn)(void *) = t->fn;
        void *data = t->data;
        /* Run unlocked: the callback may re-arm this or another timer. kill_timer() waits
         * while it runs. */
        __atomic_store_n(&q->running, t, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&q->lock, flags);
        if (fn)
            fn(data);
        spin_lock_irqsave(&q->lock, flags);
        __atomic_store_n(&q->running, NULL, __ATOMIC_RELEASE);
    }
    if (q->head)
        arch_timer_program(q->head->expires);
    spin_unlock_irqrestore(&q->lock, flags);
}
