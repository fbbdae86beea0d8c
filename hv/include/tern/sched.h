/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: per-CPU run queues of vCPUs with time slices, block and wake-up, affinity.
 * Each pCPU runs schedule_loop(): pick a runnable vCPU, enter it until it exits, handle the
 * exit, repeat; idle with interrupts on when nothing is runnable. Tern code is never
 * preempted, so a vCPU is never descheduled in the middle of a hypercall.
 * Weights and caps (Xen's credit scheduler) can replace pick_next() without touching callers.
 */
#ifndef TERN_SCHED_H
#define TERN_SCHED_H

#include <tern/domain.h>

#define SCHED_SLICE_NS 10000000LL /* 10 ms */

void sched_init(void);
void sched_init_cpu(unsigned int cpu);
/* Place a new vCPU (on the least loaded CPU of its affinity). */
void sched_add_vcpu(struct vcpu *v);
void sched_remove_vcpu(struct vcpu *v);
/* Make v runnable if nothing keeps it down; IPI its CPU if needed. */
void vcpu_wake(struct vcpu *v);
/* v (the current vCPU) stops running until vcpu_wake(). */
void vcpu_block(struct vcpu *v);
/* Deliver an event to v: wake it if blocked, kick its CPU if it is in guest mode elsewhere. */
void vcpu_kick(struct vcpu *v);
void vcpu_yield(struct vcpu *v);
/* After making v unrunnable, wait until it is off every CPU (destroy). Only from Tern's own
 * context, never from a hypercall (see sched/core.c). */
void vcpu_sleep_sync(struct vcpu *v);
/* The per-CPU loop; never returns. */
void schedule_loop(void) __noreturn;
/* Set pause_flags bits / clear them (then wake). */
void vcpu_pause_flags_set(struct vcpu *v, uint32_t f);
void vcpu_pause_flags_clear(struct vcpu *v, uint32_t f);
bool vcpu_runnable(const struct vcpu *v);
/* Ask CPU 0's scheduler loop to run sched_run_deferred_work() soon (domain shutdowns). */
void sched_request_deferred_work(void);
void sched_run_deferred_work(void);
void sched_dump(void);
void sched_dump_vcpu(struct vcpu *v);
/* Has v an event or interrupt to take (arch)? Used to close the block/wake race. */
bool hvm_vcpu_has_work_hook(struct vcpu *v);
/* An event-channel upcall v would take right now: pending, and its interrupts enabled. */
bool hvm_local_events_need_delivery(struct vcpu *v);

#endif
