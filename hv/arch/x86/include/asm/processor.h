/* SPDX-License-Identifier: MIT */
/* x86 instructions as C functions: CPUID, MSRs, control registers, port I/O, TSC. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <tern/irqflags.h>
#include <tern/types.h>

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_AM (1UL << 18)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_MCE (1UL << 6)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

#define MSR_EFER 0xC0000080
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NXE (1UL << 11)
#define EFER_SVME (1UL << 12)
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE 0x1B
#define MSR_PAT 0x277
#define MSR_TSC_DEADLINE 0x6E0

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline void cpuid_count(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    asm volatile("cpuid"
                 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
                 : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, struct cpuid_regs *r)
{
    cpuid_count(leaf, 0, r);
}

static inline uint32_t cpuid_eax(uint32_t leaf)
{
    struct cpuid_regs r;
    cpuid(leaf, &r);
    return r.eax;
}

static inline uint32_t cpuid_ecx(uint32_t leaf)
{
    struct cpuid_regs r;
    cpuid(leaf, &r);
    return r.ecx;
}

static inline uint32_t cpuid_edx(uint32_t leaf)
{
    struct cpuid_regs r;
    cpuid(leaf, &r);
    return r.edx;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define DEFINE_CR(n)                                                                       \
    static inline unsigned long read_cr##n(void)                                           \
    {                                                                                      \
        unsigned long v;                                                                   \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                          \
    }                                                                                      \
    static inline void write_cr##n(unsigned long v)                                        \
    {                                                                                      \
        asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory");                               \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

/* Debug registers DR0-DR3 (addresses); DR6/DR7 of a guest live in its VMCB. */
#define DEFINE_DR(n)                                                                       \
    static inline unsigned long read_dr##n(void)                                           \
    {                                                                                      \
        unsigned long v;                                                                   \
        asm volatile("mov %%dr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                          \
    }                                                                                      \
    static inline void write_dr##n(unsigned long v)                                        \
    {                                                                                      \
        asm volatile("mov %0, %%dr" #n ::"r"(v));                                          \
    }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
#undef DEFINE_DR

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* RDTSC ordered after earlier loads (LFENCE is dispatch-serialising on AMD with Spectre fixes). */
static inline uint64_t rdtsc_ordered(void)
{
    asm volatile("lfence" ::: "memory");
    return rdtsc();
}

static inline void outb(uint8_t v, uint16_t port)
{
    asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t v, uint16_t port)
{
    asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(uint32_t v, uint16_t port)
{
    asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void halt(void)
{
    asm volatile("hlt" ::: "memory");
}

/* Enable interrupts and halt atomically (STI's one-instruction shadow covers HLT). */
static inline void safe_halt(void)
{
    asm volatile("sti; hlt" ::: "memory");
}

static inline void invlpg(const void *va)
{
    asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void flush_tlb_local(void)
{
    write_cr3(read_cr3());
}

static inline void mb(void)
{
    asm volatile("mfence" ::: "memory");
}
#define barrier() asm volatile("" ::: "memory")

#endif
