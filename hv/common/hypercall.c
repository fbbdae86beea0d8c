// SPDX-License-Identifier: MIT
/* The hypercall table: the whole guest-visible surface of Tern on one screen. */
#include <public/xen.h>
#include <tern/domctl.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hypercall.h>
#include <tern/stats.h>
#include <tern/time.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/sched.h>
#include <tern/spinlock.h>

typedef long (*hypercall_fn)(const unsigned long *a);

/* Adapters from the register array to each handler's own signature. */
#define ADAPT(name, call)                                                                  \
    static long hc_##name(const unsigned long *a)                                          \
    {                                                                                      \
        return call;                                                                       \
    }
ADAPT(memory_op, do_memory_op(a[0], a[1]))
ADAPT(set_timer_op, do_set_timer_op(a[0]))
ADAPT(xen_version, do_xen_version((int)a[0], a[1]))
ADAPT(console_io, do_console_io((int)a[0], (unsigned int)a[1], a[2]))
ADAPT(grant_table_op, do_grant_table_op((unsigned int)a[0], a[1], (unsigned int)a[2]))
ADAPT(vm_assist, do_vm_assist((unsigned int)a[0], (unsigned int)a[1]))
ADAPT(vcpu_op, do_vcpu_op((int)a[0], (unsigned int)a[1], a[2]))
ADAPT(sched_op, do_sched_op((int)a[0], a[1]))
ADAPT(event_channel_op, do_event_channel_op((int)a[0], a[1]))
ADAPT(hvm_op, do_hvm_op(a[0], a[1]))
ADAPT(multicall, do_multicall(a[0], (uint32_t)a[1]))
ADAPT(sysctl, do_sysctl(a[0]))
ADAPT(domctl, do_domctl(a[0]))
ADAPT(platform_op, do_platform_op(a[0]))
ADAPT(physdev_op, do_physdev_op((int)a[0], a[1]))

static const struct {
    hypercall_fn fn;
    const char *name;
} hypercall_table[] = {
    [__HYPERVISOR_memory_op] = { hc_memory_op, "memory_op" },
    [__HYPERVISOR_set_timer_op] = { hc_set_timer_op, "set_timer_op" },
    [__HYPERVISOR_xen_version] = { hc_xen_version, "xen_version" },
    [__HYPERVISOR_console_io] = { hc_console_io, "console_io" },
    [__HYPERVISOR_grant_table_op] = { hc_grant_table_op, "grant_table_op" },
    [__HYPERVISOR_vm_assist] = { hc_vm_assist, "vm_assist" },
    [__HYPERVISOR_vcpu_op] = { hc_vcpu_op, "vcpu_op" },
    [__HYPERVISOR_sched_op] = { hc_sched_op, "sched_op" },
    [__HYPERVISOR_event_channel_op] = { hc_event_channel_op, "event_channel_op" },
    [__HYPERVISOR_hvm_op] = { hc_hvm_op, "hvm_op" },
    [__HYPERVISOR_multicall] = { hc_multicall, "multicall" },
    [__HYPERVISOR_sysctl] = { hc_sysctl, "sysctl" },
    [__HYPERVISOR_domctl] = { hc_domctl, "domctl" },
    [__HYPERVISOR_platform_op] = { hc_platform_op, "platform_op" },
    [__HYPERVISOR_physdev_op] = { hc_physdev_op, "physdev_op" },
};

/*
 * One line per (domain, hypercall, sub-op) that Tern does not implement, naming the caller,
 * so that what a new guest (dom0's kernel, its toolstack) still misses shows in the log.
 * The table is bounded, and so is each domain's share of it: a guest cycling through sub-op
 * numbers goes unlogged after its share, without flooding the console or keeping another
 * domain's (dom0's) new sub-ops out of the log.
 */
#define UNKNOWN_SUBOPS_LOGGED 128
#define UNKNOWN_SUBOPS_PER_DOMAIN 16
static struct {
    domid_t domid;
    unsigned long nr;
    unsigned int op;
} unknown_subops[UNKNOWN_SUBOPS_LOGGED];
static unsigned int nr_unknown_subops;
static DEFINE_SPINLOCK(unknown_subops_lock);

#define NO_SUBOP (~0u) /* the hypercall number itself is unknown */

/* True the first time (domid, nr, op) is seen, while the table has room. */
static bool first_report(domid_t domid, unsigned long nr, unsigned int op)
{
    unsigned long flags;
    unsigned int mine = 0;
    bool log = true;

    spin_lock_irqsave(&unknown_subops_lock, flags);
    for (unsigned int i = 0; i < nr_unknown_subops && log; i++) {
        if (unknown_subops[i].domid != domid)
            continue;
        mine++;
        if (unknown_subops[i].nr == nr && unknown_subops[i].op == op)
            log = false;
    }
    if (log && nr_unknown_subops < UNKNOWN_SUBOPS_LOGGED && mine < UNKNOWN_SUBOPS_PER_DOMAIN) {
        unknown_subops[nr_unknown_subops].domid = domid;
        unknown_subops[nr_unknown_subops].nr = nr;
        unknown_subops[nr_unknown_subops].op = op;
        nr_unknown_subops++;
    } else if (log) {
        log = false;
    }
    spin_unlock_irqrestore(&unknown_subops_lock, flags);
    return log;
}

void hypercall_unknown_subop(unsigned int nr, unsigned int op)
{
    struct vcpu *v = current;
    domid_t domid = v->domain->domain_id;

    if (first_report(domid, nr, op))
        printk(XENLOG_WARNING "d%u v%u: %s (hypercall %u) sub-op %u is not implemented: "
                              "-ENOSYS\n", domid, v->vcpu_id,
               nr < ARRAY_SIZE(hypercall_table) && hypercall_table[nr].name ?
                   hypercall_table[nr].name : "?", nr, op);
}

/* The profile: calls and time per hypercall number (a continuation counts again). */
static void account(struct domain *d, unsigned long nr, s_time_t start)
{
    unsigned int slot = nr < HYPERCALL_PROFILE_SLOTS - 1 ? (unsigned int)nr
                                                         : HYPERCALL_PROFILE_SLOTS - 1;

    __atomic_add_fetch(&d->hypercall_count[slot], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&d->hypercall_ns[slot], (uint64_t)(NOW() - start), __ATOMIC_RELAXED);
}

void hypercall_profile_print(struct domain *d)
{
    char line[160];
    int n = 0;

    for (unsigned int i = 0; i < HYPERCALL_PROFILE_SLOTS; i++) {
        uint64_t c = __atomic_load_n(&d->hypercall_count[i], __ATOMIC_RELAXED);
        const char *name = i < ARRAY_SIZE(hypercall_table) && hypercall_table[i].name ?
                               hypercall_table[i].name : "unknown";

        if (!c)
            continue;
        if (n > 100) {
            printk("  %s\n", line);
            n = 0;
        }
        n += snprintf(line + n, sizeof(line) - n, "%s%s %llu (%llu us)", n ? ", " : "", name,
                      (unsigned long long)c,
                      (unsigned long long)(d->hypercall_ns[i] / 1000));
    }
    if (n)
        printk("  %s\n", line);
}

long hypercall_dispatch(struct vcpu *v, unsigned long nr, const unsigned long args[6])
{
    s_time_t start = NOW();
    long rc;

    if (nr < ARRAY_SIZE(hypercall_table)) {
        /* The guest chooses nr: no speculative call through a pointer past the table. */
        hypercall_fn fn = hypercall_table[array_index_nospec(nr, ARRAY_SIZE(hypercall_table))].fn;
        if (fn) {
            rc = fn(args);
            account(v->domain, nr, start);
            return rc;
        }
    }
    account(v->domain, nr, start);

    /* Logged once per domain and number (bounded, so probing guests cannot flood the log). */
    if (first_report(v->domain->domain_id, nr, NO_SUBOP))
        printk(XENLOG_WARNING "d%u v%u: unknown hypercall %lu: -ENOSYS\n",
               v->domain->domain_id, v->vcpu_id, nr);
    return -ENOSYS;
}
