/* SPDX-License-Identifier: MIT */
/* The IDT: fatal reports of unexpected exceptions, expected-fault recovery, the upcall. */
#include "lib.h"


struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_entry) == 16, "idt entry");
_Static_assert(offsetof(struct percpu, recover_rip) == 8, "recover_rip is %gs:8");
_Static_assert(offsetof(struct percpu, fault_vector) == 16, "fault_vector is %gs:16");

extern const uint64_t trap_stubs[256];
static irq_handler_t irq_handlers[256];

void irq_register(unsigned int vector, irq_handler_t fn)
{
    if (vector >= 32 && vector < 256 && vector != UPCALL_VECTOR)
        ACCESS_ONCE(irq_handlers[vector]) = fn;
}

static struct idt_entry idt[256] __aligned(16);
static trap_handler_t handlers[32];

void trap_set_handler(unsigned int vector, trap_handler_t fn)
{
    if (vector < ARRAY_SIZE(handlers))
        handlers[vector] = fn;
}
static struct {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed)) idt_desc;

static void set_gate(unsigned int vec, uint64_t addr)
{
    idt[vec] = (struct idt_entry){
        .offset_lo = addr & 0xffff,
        .selector = 0x08,
        .type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */
        .offset_mid = (addr >> 16) & 0xffff,
        .offset_hi = addr >> 32,
    };
}

void traps_load(void)
{
    asm volatile("lidt %0" ::"m"(idt_desc));
}

void traps_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, trap_stubs[v]);
    idt_desc.limit = sizeof(idt) - 1;
    idt_desc.base = (uintptr_t)idt;
    traps_load();
}

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "#15",  "#MF", "#AC", "#MC", "#XM",  "#VE",
    "#CP", "#22", "#23", "#24", "#25",  "#26", "#27", "#HV", "#VC",  "#SX", "#31",
};

static volatile int in_fatal;

static __noreturn void fatal_trap(const struct cpu_regs *r)
{
    const char *name = r->vector < 32 ? exc_names[r->vector] : "interrupt";

    if (xchg(&in_fatal, 1)) {
        /* A fault while reporting one: nothing more can be said safely. */
        xen_shutdown(SHUTDOWN_crash);
    }
    printk("vCPU%u: unexpected %s (vector %lu) at rip %#lx, error code %#lx, cr2 %#lx\n",
           this_cpu()->id, name, r->vector, r->rip, r->error_code, read_cr2());
    printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
    printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
    printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
    printk("  cs %#lx rflags %#lx ss %#lx cr0 %#lx cr3 %#lx cr4 %#lx\n", r->cs, r->rflags,
           r->ss, read_cr0(), read_cr3(), read_cr4());
    xtf_error("unexpected %s (vector %lu) on vCPU%u at rip %#lx, error code %#lx, cr2 %#lx",
              name, r->vector, this_cpu()->id, r->rip, r->error_code, read_cr2());
    xtf_report_result();
    xen_shutdown(SHUTDOWN_crash);
}

void do_trap(struct cpu_regs *r);
void do_trap(struct cpu_regs *r)
{
    struct percpu *pc = this_cpu();

    if (r->vector == UPCALL_VECTOR) {
        evtchn_upcall();
        return;
    }
    if (r->vector < 32 && handlers[r->vector] && handlers[r->vector](r))
        return;
    if (r->vector >= 32 && r->vector < 256 && irq_handlers[r->vector]) {
        irq_handlers[r->vector]((unsigned int)r->vector);
        return;
    }
    if (r->vector < 32 && pc->recover_rip) {
        pc->fault_vector = (int64_t)r->vector;
        r->rip = pc->recover_rip;
        pc->recover_rip = 0;
        return;
    }
    fatal_trap(r);
}

/*
 * Run one instruction that may fault: %gs:8 holds the address to resume at, and the
 * handler stores the vector in %gs:16.
 */
int wrmsr_safe(uint32_t idx, uint64_t val)
{
    struct percpu *pc = this_cpu();

    pc->fault_vector = -1;
    asm volatile("leaq 1f(%%rip), %%r11\n\t"
                 "movq %%r11, %%gs:8\n\t"
                 "wrmsr\n"
                 "1:\tmovq $0, %%gs:8"
                 :
                 : "c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                 : "r11", "memory");
    return (int)pc->fault_vector;
}

int rdmsr_safe(uint32_t idx, uint64_t *val)
{
    struct percpu *pc = this_cpu();
    uint32_t lo = 0, hi = 0;

    pc->fault_vector = -1;
    asm volatile("leaq 1f(%%rip), %%r11\n\t"
                 "movq %%r11, %%gs:8\n\t"
                 "rdmsr\n"
                 "1:\tmovq $0, %%gs:8"
                 : "+a"(lo), "+d"(hi)
                 : "c"(idx)
                 : "r11", "memory");
    *val = ((uint64_t)hi << 32) | lo;
    return (int)pc->fault_vector;
}
