/* SPDX-License-Identifier: MIT */
/* CPUs: bring-up of the secondary CPUs and cross-CPU function calls. */
#ifndef TERN_SMP_H
#define TERN_SMP_H

#include <tern/types.h>

/* Start every enabled CPU of the MADT (at most maxcpus= in total). */
void smp_boot_cpus(void);
unsigned int num_online_cpus(void);
bool cpu_online(unsigned int cpu);

/*
 * Run fn(data) on one CPU / on every online CPU (including this one) from interrupt context.
 * With wait, return after it finished everywhere. Must not be called with interrupts off.
 * Returns 0, or -EINVAL for a CPU that is not online.
 */
int on_cpu(unsigned int cpu, void (*fn)(void *), void *data, bool wait);
void on_each_cpu(void (*fn)(void *), void *data, bool wait);

/* Poke a CPU so that it re-examines its pending work (timers, later the scheduler). */
void smp_send_event_check(unsigned int cpu);
/* Stop every other CPU (panic, power-off). */
void smp_send_stop(void);
/*
 * Before the schedulers start: have every idle secondary CPU run fn(data) once, in its own
 * context with interrupts on (long work is fine), e.g. a share of a boot domain's memory.
 * Returns how many CPUs took it (0 once the schedulers run: do the work yourself then).
 * The boot CPU must call smp_boot_work_wait() before the next smp_boot_work().
 */
unsigned int smp_boot_work(void (*fn)(void *), void *data);
void smp_boot_work_wait(void);
/* Let every CPU enter the scheduler (after the boot CPU built the boot domains). */
void smp_start_schedulers(void);
/* True once smp_send_stop() has begun (the NMI handler halts quietly then). */
bool smp_stopping(void);

#endif
