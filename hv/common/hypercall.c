// SPDX-License-Identifier: MIT
/* The hypercall table: the whole guest-visible surface of Tern on one screen. */
#include <public/xen.h>
#include <tern/domctl.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>

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
ADAPT(sysctl, do_sysctl(a[0]))
ADAPT(domctl, do_domctl(a[0]))

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
    [__HYPERVISOR_sysctl] = { hc_sysctl, "sysctl" },
    [__HYPERVISOR_domctl] = { hc_domctl, "domctl" },
};

long hypercall_dispatch(struct vcpu *v, unsigned long nr, const unsigned long args[6])
{
    if (nr < ARRAY_SIZE(hypercall_table)) {
        /* The guest chooses nr: no speculative call through a pointer past the table. */
        hypercall_fn fn = hypercall_table[array_index_nospec(nr, ARRAY_SIZE(hypercall_table))].fn;
        if (fn)
            return fn(args);
    }

    /* Logged once per domain: a guest probing unknown calls must not flood the console. */
    if (!v->domain->unknown_hypercall_logged) {
        v->domain->unknown_hypercall_logged = true;
        printk(XENLOG_WARNING "d%u v%u: unknown hypercall %lu: -ENOSYS (reported once)\n",
               v->domain->domain_id, v->vcpu_id, nr);
    }
    return -ENOSYS;
}
