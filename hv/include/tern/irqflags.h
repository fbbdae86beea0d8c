/* SPDX-License-Identifier: MIT */
/* Local interrupt flag control; the host unit tests build these as no-ops. */
#ifndef TERN_IRQFLAGS_H
#define TERN_IRQFLAGS_H

#include <tern/types.h>

#ifdef UNIT_TEST
static inline unsigned long local_irq_save(void) { return 0; }
static inline void local_irq_restore(unsigned long f) { (void)f; }
static inline void local_irq_disable(void) {}
static inline void local_irq_enable(void) {}
static inline void cpu_relax(void) {}
#else
static inline unsigned long local_irq_save(void)
{
    unsigned long f;
    asm volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    asm volatile("pushq %0; popfq" ::"r"(f) : "memory", "cc");
}
static inline void local_irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline bool local_irq_is_enabled(void)
{
    unsigned long f;
    asm volatile("pushfq; popq %0" : "=r"(f));
    return f & (1UL << 9);
}
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
#endif

#endif
