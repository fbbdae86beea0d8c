/* SPDX-License-Identifier: MIT */
/* System time (nanoseconds since boot, from the TSC) and the TSC frequency. */
#ifndef TERN_TIME_H
#define TERN_TIME_H

#include <tern/types.h>

#define MILLISECS(ms) ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us) ((s_time_t)(us) * 1000LL)
#define SECONDS(s) ((s_time_t)(s) * 1000000000LL)

/* Measure the TSC (and LAPIC timer) frequency; start system time at 0. */
void time_init(void);
/* On each secondary CPU, after time_init() on the boot CPU. */
void time_init_ap(void);
s_time_t NOW(void);
/* System time at a given TSC value. */
s_time_t tsc_to_stime(uint64_t tsc);
uint64_t tsc_khz(void);
/* The TSC-to-ns scale of system time, in vcpu_time_info's terms (mul, shift). */
void time_scale(uint32_t *mul, int8_t *shift);
/* ticks converted with a vcpu_time_info scale: ((ticks <<or>> shift) * mul) >> 32. */
uint64_t time_scale_ticks(uint64_t ticks, uint32_t mul, int8_t shift);
/* Busy-wait. */
void udelay(uint64_t us);
void mdelay(uint64_t ms);

/* Program this CPU's timer interrupt for absolute system time t (arch, one-shot). */
void arch_timer_program(s_time_t t);
/* Make another CPU re-examine its timer queue (an IPI). */
void arch_timer_kick(unsigned int cpu);

#endif
