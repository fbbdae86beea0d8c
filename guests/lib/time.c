/* SPDX-License-Identifier: MIT */
/* Time: the pvclock in vcpu_info (pvh-abi.md §5) and the shared_info wallclock. */
#include "lib.h"

static inline uint64_t rdtsc_ordered(void)
{
    asm volatile("lfence" ::: "memory");
    return rdtsc();
}

/*
 * system_time + ((tsc - tsc_timestamp) shifted by tsc_shift) * tsc_to_system_mul >> 32,
 * retried while the version is odd (an update is in progress) or changed under us.
 */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
    return pvclock_read_tsc(t, NULL);
}

/* The same, also giving the TSC value the time was computed from. */
uint64_t pvclock_read_tsc(const volatile struct vcpu_time_info *t, uint64_t *tsc_out)
{
    uint32_t ver, mul;
    uint64_t stamp, sys, tsc;
    int8_t shift;
    int64_t delta;

    do {
        ver = t->version;
        smp_rmb();
        stamp = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        tsc = rdtsc_ordered();
        smp_rmb();
    } while ((ver & 1) || ver != t->version);

    if (tsc_out)
        *tsc_out = tsc;
    delta = (int64_t)(tsc - stamp);
    if (delta < 0)
        delta = 0; /* TSC read on another CPU's timeline: never go backwards from stamp */
    if (shift < 0)
        delta = (uint64_t)delta >> -shift;
    else
        delta = (uint64_t)delta << shift;
    return sys + (uint64_t)(((unsigned __int128)(uint64_t)delta * mul) >> 32);
}

uint64_t now_ns(void)
{
    return pvclock_read(&this_vcpu_info()->time);
}

void delay_ns(uint64_t ns)
{
    bool was_on = irqs_enabled();
    uint64_t end = now_ns() + ns;

    irq_enable();
    while (now_ns() < end)
        cpu_relax();
    if (!was_on)
        irq_disable();
}

uint64_t wallclock_sec(uint32_t *nsec)
{
    volatile struct shared_info *s = shared_info();
    uint32_t ver, lo, hi, ns;

    do {
        ver = s->wc_version;
        smp_rmb();
        lo = s->wc_sec;
        hi = s->wc_sec_hi;
        ns = s->wc_nsec;
        smp_rmb();
    } while ((ver & 1) || ver != s->wc_version);
    if (nsec)
        *nsec = ns;
    return ((uint64_t)hi << 32) | lo;
}
