// SPDX-License-Identifier: MIT
/* TSC-based system time, TSC and LAPIC-timer calibration against the PIT, one-shot timer. */
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/lib.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/timer.h>

#define PIT_HZ 1193182
#define CALIBRATE_MS 50

static uint64_t tsc_hz;
static uint64_t tsc_at_boot;
/*
 * TSC ticks to nanoseconds as Xen's vcpu_time_info states it: ns = ((ticks << shift) * mul)
 * >> 32 (a negative shift shifts right). Tern's system time and every guest's PV clock use
 * this one pair, so a guest extrapolating from any of its vCPUs' records lands on the same
 * system time as Tern (to a nanosecond of rounding), however long ago the record was written.
 */
static uint32_t scale_mul;
static int8_t scale_shift;
static uint64_t apic_ticks_per_sec;
static uint64_t apic_ticks_per_ns_32; /* 32.32 fixed point */

/* Count TSC ticks over `ms` milliseconds timed by PIT channel 2 (gate through port 0x61). */
static uint64_t pit_measure_tsc(unsigned int ms)
{
    uint32_t count = PIT_HZ * ms / 1000;
    uint8_t p61 = inb(0x61);

    outb((p61 & ~0x02) | 0x01, 0x61); /* gate on, speaker off */
    outb(0xb0, 0x43);                 /* channel 2, lobyte/hibyte, mode 0 */
    outb(count & 0xff, 0x42);
    outb(count >> 8, 0x42);
    uint64_t start = rdtsc_ordered();
    uint64_t guard = 0;
    while (!(inb(0x61) & 0x20) && ++guard < 1000000000ULL)
        ;
    uint64_t end = rdtsc_ordered();
    outb(p61, 0x61);
    return end - start;
}

uint64_t tsc_khz(void)
{
    return tsc_hz / 1000;
}

void time_scale(uint32_t *mul, int8_t *shift)
{
    *mul = scale_mul;
    *shift = scale_shift;
}

uint64_t time_scale_ticks(uint64_t ticks, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        ticks >>= -shift;
    else
        ticks <<= shift;
    return (uint64_t)(((unsigned __int128)ticks * mul) >> 32);
}

s_time_t tsc_to_stime(uint64_t tsc)
{
    return (s_time_t)time_scale_ticks(tsc - tsc_at_boot, scale_mul, scale_shift);
}

/* The mul/shift pair for tsc_hz, mul normalised into [2^31, 2^32) for the most precision. */
static void compute_scale(void)
{
    uint64_t scale = (1000000000ULL << 32) / tsc_hz;
    int shift = 0;

    while (scale >= (1ULL << 32)) {
        scale >>= 1;
        shift++;
    }
    while (scale < (1ULL << 31)) {
        scale <<= 1;
        shift--;
    }
    scale_mul = (uint32_t)scale;
    scale_shift = (int8_t)shift;
}

s_time_t NOW(void)
{
    return tsc_to_stime(rdtsc_ordered());
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * (tsc_hz / 1000000 + 1);
    while (rdtsc() < end)
        cpu_relax();
}

void mdelay(uint64_t ms)
{
    udelay(ms * 1000);
}

void arch_timer_program(s_time_t t)
{
    s_time_t delta = t - NOW();
    if (delta < MICROSECS(10))
        delta = MICROSECS(10); /* in the past or imminent: fire almost at once */
    uint64_t ticks = ((unsigned __int128)delta * apic_ticks_per_ns_32) >> 32;
    if (ticks > 0xffffffffULL)
        ticks = 0xffffffffULL; /* far future: fire early; the queue re-arms */
    if (!ticks)
        ticks = 1;
    apic_timer_set(ticks);
}

void arch_timer_resync(void)
{
    apic_resync_pending();
}

void arch_timer_kick(unsigned int cpu)
{
    smp_send_event_check(cpu);
}

static void timer_interrupt(struct cpu_user_regs *regs)
{
    timer_softirq();
}

static void event_check_interrupt(struct cpu_user_regs *regs)
{
    timer_softirq(); /* re-examine the queue: a remote CPU may have added an earlier timer */
}

void time_init(void)
{
    struct cpuid_regs r;
    uint64_t best = ~0ULL;

    /* Take the smallest of a few measurements: SMIs and emulation only make them longer. */
    for (int i = 0; i < 3; i++) {
        uint64_t t = pit_measure_tsc(CALIBRATE_MS);
        if (t < best)
            best = t;
    }
    tsc_hz = best * (1000 / CALIBRATE_MS);
    cpuid(0, &r);
    if (r.eax >= 0x15) {
        cpuid(0x15, &r); /* crystal ratio: exact where the CPU reports it */
        if (r.eax && r.ebx && r.ecx)
            tsc_hz = (uint64_t)r.ecx * r.ebx / r.eax;
    }
    compute_scale();
    tsc_at_boot = rdtsc_ordered();

    /* LAPIC timer rate: let it count down over a TSC-timed interval. */
    apic_timer_set(0xffffffff);
    uint64_t t0 = rdtsc_ordered();
    while (rdtsc_ordered() - t0 < tsc_hz / 50)
        cpu_relax();
    uint32_t left = apic_timer_current();
    apic_timer_set(0);
    apic_ticks_per_sec = (uint64_t)(0xffffffffu - left) * 50;
    if (!apic_ticks_per_sec)
        apic_ticks_per_sec = 1000000000ULL; /* a broken timer: avoid dividing by zero */
    /* Split so that nothing overflows 64 bits (no 128-bit division in a freestanding build). */
    apic_ticks_per_ns_32 = ((apic_ticks_per_sec / 1000000000ULL) << 32) +
                           ((apic_ticks_per_sec % 1000000000ULL) << 32) / 1000000000ULL;

    set_irq_handler(TIMER_VECTOR, timer_interrupt);
    set_irq_handler(EVENT_CHECK_VECTOR, event_check_interrupt);
    timer_init_cpu(0);
    printk("Time: TSC %llu.%03llu MHz, LAPIC timer %llu.%03llu MHz\n",
           (unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000),
           (unsigned long long)(apic_ticks_per_sec / 1000000),
           (unsigned long long)(apic_ticks_per_sec / 1000 % 1000));
}

void time_init_ap(void)
{
    timer_init_cpu(smp_processor_id());
}
