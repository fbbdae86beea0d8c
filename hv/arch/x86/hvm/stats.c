// SPDX-License-Identifier: MIT
/* VM-exit accounting by reason, printed by the 'e' debug key and at domain teardown. */
#include <asm/hvm.h>
#include <asm/vmcb.h>
#include <tern/domain.h>
#include <tern/lib.h>
#include <tern/p2m.h>
#include <tern/stats.h>
#include <tern/time.h>

static const struct {
    uint32_t code;
    const char *name;
} buckets[HVM_EXIT_BUCKETS] = {
    { VMEXIT_INTR, "interrupt" },   { VMEXIT_NMI, "nmi" },
    { VMEXIT_VINTR, "vintr" },      { VMEXIT_CPUID, "cpuid" },
    { VMEXIT_HLT, "hlt" },          { VMEXIT_IOIO, "ioio" },
    { VMEXIT_MSR, "msr" },          { VMEXIT_VMMCALL, "hypercall" },
    { VMEXIT_NPF, "npf" },          { VMEXIT_XSETBV, "xsetbv" },
    { VMEXIT_SHUTDOWN, "shutdown" }, { VMEXIT_PAUSE, "pause" },
    { VMEXIT_INVALID & 0xffffffff, "invalid" },
    { 0x40, "exception" },
    { 0xfffe, "other" },
};

static unsigned int bucket_of(unsigned int code)
{
    if (code >= 0x40 && code < 0x60)
        return 13;
    for (unsigned int i = 0; i < 13; i++)
        if (buckets[i].code == code)
            return i;
    return 14;
}

void hvm_count_exit(struct vcpu *v, unsigned int reason, uint64_t cycles)
{
    unsigned int b = bucket_of(reason);
    struct arch_domain *a = &v->domain->arch;
    __atomic_add_fetch(&a->exit_count[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&a->exit_cycles[b], cycles, __ATOMIC_RELAXED);
    v->arch.nr_exits++;
}

void exit_stats_print(struct domain *d)
{
    uint64_t total = 0, khz = tsc_khz() ? tsc_khz() : 1;
    for (unsigned int i = 0; i < HVM_EXIT_BUCKETS; i++)
        total += d->arch.exit_count[i];
    printk("VM exits of d%u (%s): %llu in total\n", d->domain_id, d->name,
           (unsigned long long)total);
    for (unsigned int i = 0; i < HVM_EXIT_BUCKETS; i++) {
        uint64_t n = d->arch.exit_count[i];
        if (!n || !buckets[i].name)
            continue;
        printk("  %-10s %10llu exits  %8llu us handling\n", buckets[i].name,
               (unsigned long long)n,
               (unsigned long long)(d->arch.exit_cycles[i] * 1000 / khz));
    }
    if (d->arch.exit_count[bucket_of(VMEXIT_VMMCALL)]) /* which hypercalls */
        hypercall_profile_print(d);
    printk("  p2m changes that interrupted another CPU running the domain: %llu\n",
           (unsigned long long)__atomic_load_n(&d->arch.p2m_flush_ipis, __ATOMIC_RELAXED));
}

uint64_t domain_overhead_bytes(struct domain *d)
{
    return d->tern_overhead_bytes + p2m_table_bytes(d);
}
