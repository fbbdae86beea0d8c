// SPDX-License-Identifier: MIT
/* Debug keys: domain list, VM-exit profile, memory, timers; typed with the focus on Tern. */
#include <asm/traps.h>
#include <tern/domain.h>
#include <tern/keyhandler.h>
#include <tern/lib.h>
#include <tern/page_alloc.h>
#include <tern/sched.h>
#include <tern/stats.h>
#include <tern/time.h>
#include <tern/timer.h>
#include <tern/xmalloc.h>

static void dump_domain(struct domain *d, void *arg)
{
    unsigned int up = 0;
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && !(d->vcpu[i]->pause_flags & VPF_down))
            up++;
    printk("  d%u %-16s %6llu KiB  %u/%u vCPUs up  %s  Tern overhead %llu KiB\n",
           d->domain_id, d->name, (unsigned long long)(d->tot_pages * 4),
           up, d->max_vcpus, d->is_shutting_down ? shutdown_reason_name(d->shutdown_code)
                                                 : "running",
           (unsigned long long)(domain_overhead_bytes(d) >> 10));
}

static void dump_vcpus(struct domain *d, void *arg)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            sched_dump_vcpu(d->vcpu[i]);
}

static void dump_exits(struct domain *d, void *arg)
{
    exit_stats_print(d);
}

void handle_debug_key(char key)
{
    switch (key) {
    case 'h':
        printk("Debug keys: c CPU states, d domains, e VM-exit profile, m memory, r run queues, "
               "t time, h help\n");
        break;
    case 'c':
        show_all_cpus();
        break;
    case 'd':
        printk("Domains:\n");
        for_each_domain(dump_domain, NULL);
        break;
    case 'r':
        sched_dump();
        for_each_domain(dump_vcpus, NULL);
        break;
    case 'e':
        for_each_domain(dump_exits, NULL);
        break;
    case 'm':
        printk("Memory: %llu of %llu frames free; heap %zu bytes in %zu pages\n",
               (unsigned long long)page_alloc_free_count(),
               (unsigned long long)page_alloc_total_count(), xmalloc_used_bytes(),
               xmalloc_pages_held());
        break;
    case 't':
        printk("System time %lld ns, TSC %llu kHz\n", (long long)NOW(),
               (unsigned long long)tsc_khz());
        timer_dump();
        break;
    default:
        break;
    }
}
