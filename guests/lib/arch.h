/* SPDX-License-Identifier: MIT */
/* x86_64 helpers for the test-guest runtime: CPUID, MSRs, TSC, interrupts, atomics. */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define __aligned(n) __attribute__((aligned(n)))
#define __page_aligned __attribute__((aligned(4096)))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))

#define MSR_EFER 0xc0000080U
#define MSR_GS_BASE 0xc0000101U
#define EFER_LME (1U << 8)
#define EFER_LMA (1U << 10)
#define X86_CR0_PE (1UL << 0)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_EFLAGS_IF (1UL << 9)

/* Exception vectors the runtime names in its reports. */
#define X86_EXC_DE 0
#define X86_EXC_BP 3
#define X86_EXC_UD 6
#define X86_EXC_DF 8
#define X86_EXC_GP 13
#define X86_EXC_PF 14

struct cpuid_regs {
    uint32_t a, b, c, d;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;

    asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
    return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t idx)
{
    uint32_t lo, hi;

    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t idx, uint64_t val)
{
    asm volatile("wrmsr" ::"c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                 : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_READ_CR(n)                                   \
    static inline uint64_t read_cr##n(void)                 \
    {                                                       \
        uint64_t v;                                         \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));       \
        return v;                                           \
    }
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

static inline uint64_t read_flags(void)
{
    uint64_t f;

    asm volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline void irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline bool irqs_enabled(void) { return read_flags() & X86_EFLAGS_IF; }
/* Enable interrupts and halt atomically: STI's shadow covers the HLT. */
static inline void safe_halt(void) { asm volatile("sti; hlt" ::: "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void barrier(void) { asm volatile("" ::: "memory"); }
static inline void smp_mb(void) { asm volatile("mfence" ::: "memory"); }
/* x86 is TSO: stores are not reordered with stores, nor loads with loads. */
static inline void smp_wmb(void) { barrier(); }
static inline void smp_rmb(void) { barrier(); }

static inline void outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

/* Atomic bit operations on a bitmap of 64-bit words (lock-prefixed, full barriers). */
static inline bool test_and_set_bit(unsigned int nr, volatile uint64_t *addr)
{
    bool old;

    asm volatile("lock btsq %2, %1" : "=@ccc"(old), "+m"(addr[nr / 64])
                 : "r"((uint64_t)(nr % 64)) : "memory");
    return old;
}

static inline bool test_and_clear_bit(unsigned int nr, volatile uint64_t *addr)
{
    bool old;

    asm volatile("lock btrq %2, %1" : "=@ccc"(old), "+m"(addr[nr / 64])
                 : "r"((uint64_t)(nr % 64)) : "memory");
    return old;
}

static inline void set_bit(unsigned int nr, volatile uint64_t *addr)
{
    (void)test_and_set_bit(nr, addr);
}

static inline void clear_bit(unsigned int nr, volatile uint64_t *addr)
{
    (void)test_and_clear_bit(nr, addr);
}

static inline bool test_bit(unsigned int nr, const volatile uint64_t *addr)
{
    return (addr[nr / 64] >> (nr % 64)) & 1;
}

#define xchg(ptr, v) __atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(ptr, old, new)                                                     \
    ({                                                                             \
        __typeof__((void)0, *(ptr)) _o = (old);                                    \
        __atomic_compare_exchange_n((ptr), &_o, (new), false, __ATOMIC_SEQ_CST,    \
                                    __ATOMIC_SEQ_CST);                             \
        _o;                                                                        \
    })
#define atomic_inc(ptr) __atomic_add_fetch((ptr), 1, __ATOMIC_SEQ_CST)

#endif /* GUEST_ARCH_H */
