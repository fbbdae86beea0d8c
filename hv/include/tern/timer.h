/* SPDX-License-Identifier: MIT */
/*
 * Timer queue: per-CPU lists of callbacks ordered by expiry time, run from the timer
 * interrupt of the CPU the timer belongs to. The scheduler and guest timers build on it.
 */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H

#include <tern/types.h>

struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;
    bool active;
    bool killed; /* kill_timer(): never armed again */
    struct timer *next; /* in the CPU's sorted list */
};

/* Bind the timer to a CPU and callback; it runs on that CPU with interrupts disabled. */
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
/* (Re)arm for absolute system time `expires`; a time in the past fires at the next tick. */
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
/* Remove it for good (before freeing it): never armed again, and its callback is not running
 * on another CPU when this returns. */
void kill_timer(struct timer *t);
bool timer_is_active(const struct timer *t);
/* Each CPU's queue: how many timers, the first expiry (debug key 't'). */
void timer_dump(void);
/* Called often on each CPU: notices and repairs a lost timer interrupt (timer.c). */
void timer_watchdog(void);
/* Arch: have the interrupt controller signal again whatever it holds pending. */
void arch_timer_resync(void);

/* The arch timer interrupt handler calls this on the CPU whose timer fired. */
void timer_softirq(void);
void timer_init_cpu(unsigned int cpu);

#endif
