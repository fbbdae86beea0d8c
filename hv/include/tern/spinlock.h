/* SPDX-License-Identifier: MIT */
/* Ticket spinlocks: FIFO-fair, so no CPU starves under contention. */
#ifndef TERN_SPINLOCK_H
#define TERN_SPINLOCK_H

#include <tern/types.h>
#include <tern/irqflags.h>

typedef struct {
    volatile uint16_t head; /* ticket being served */
    volatile uint16_t tail; /* next ticket to hand out */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED { 0, 0 }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *l)
{
    l->head = l->tail = 0;
}

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t head = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    uint16_t tail = head;
    return __atomic_compare_exchange_n(&l->tail, &tail, (uint16_t)(head + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->head, (uint16_t)(l->head + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return l->head != l->tail;
}

#define spin_lock_irqsave(l, flags)                                                        \
    do {                                                                                   \
        (flags) = local_irq_save();                                                        \
        spin_lock(l);                                                                      \
    } while (0)

#define spin_unlock_irqrestore(l, flags)                                                   \
    do {                                                                                   \
        spin_unlock(l);                                                                    \
        local_irq_restore(flags);                                                          \
    } while (0)

#endif
