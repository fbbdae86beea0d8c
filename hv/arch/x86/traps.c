// SPDX-License-Identifier: MIT
/* IDT set-up, interrupt dispatch, and the fatal-exception report (registers + backtrace). */
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/mce.h>
#include <tern/smp.h>
#include <tern/symbols.h>
#include <tern/time.h>

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __packed;
BUILD_BUG_ON(sizeof(struct idt_gate) != 16);

static struct idt_gate idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];
extern const char entry_stubs[];

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 FP error", "#AC alignment check", "#MC machine check", "#XM SIMD FP error",
    "#VE virtualisation", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

static void set_gate(unsigned int vec, const void *fn, unsigned int ist)
{
    uint64_t a = (uint64_t)fn;
    idt[vec] = (struct idt_gate){
        .offset_lo = a & 0xffff,
        .selector = __HYPERVISOR_CS,
        .ist = ist,
        .type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate (IF cleared on entry) */
        .offset_mid = (a >> 16) & 0xffff,
        .offset_hi = a >> 32,
    };
}

void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, entry_stubs + 16 * v, 0);
    /* NMI, #DF and #MC can arrive on a broken stack: give them their own (IST). */
    idt[2].ist = IST_NMI;
    idt[8].ist = IST_DF;
    idt[18].ist = IST_MC;
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed idtr = { sizeof(idt) - 1, (uint64_t)idt };
    asm volatile("lidt %0" ::"m"(idtr));
}

void set_irq_handler(unsigned int vector, irq_handler_t fn)
{
    if (vector >= 32 && vector < 256)
        irq_handlers[vector] = fn;
}

void show_backtrace(uint64_t rbp, uint64_t rip)
{
    uint64_t lo = 0xffff800000000000ULL, hi = ~0ULL; /* Tern's stacks are in the top half */

    /* Stay inside the stack the chain starts on: a frame pointer into a guard page (a
     * stack overflow) must not fault while the fault is being reported. */
    stack_bounds(rbp, &lo, &hi);
    printk("Backtrace:\n");
    print_symbol_line(rip);
    /* Walk the frame-pointer chain; stop at anything that is not a plausible stack frame. */
    for (int depth = 0; depth < 32 && rbp; depth++) {
        if ((rbp & 7) || rbp < lo || rbp > hi - 16)
            break;
        uint64_t *frame = (uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (!ret)
            break;
        print_symbol_line(ret);
        if (frame[0] <= rbp)
            break; /* stacks grow down: the caller's frame is above */
        rbp = frame[0];
    }
}

void show_registers(const struct cpu_user_regs *r)
{
    char sym[96];

    symbol_format(r->rip, sym, sizeof(sym));
    printk("RIP:    %04llx:%016llx  %s\n", (unsigned long long)r->cs,
           (unsigned long long)r->rip, sym);
    printk("RFLAGS: %016llx  CPU: %u\n", (unsigned long long)r->rflags, smp_processor_id());
    printk("rax: %016llx  rbx: %016llx  rcx: %016llx\n", (unsigned long long)r->rax,
           (unsigned long long)r->rbx, (unsigned long long)r->rcx);
    printk("rdx: %016llx  rsi: %016llx  rdi: %016llx\n", (unsigned long long)r->rdx,
           (unsigned long long)r->rsi, (unsigned long long)r->rdi);
    printk("rbp: %016llx  rsp: %016llx  r8:  %016llx\n", (unsigned long long)r->rbp,
           (unsigned long long)r->rsp, (unsigned long long)r->r8);
    printk("r9:  %016llx  r10: %016llx  r11: %016llx\n", (unsigned long long)r->r9,
           (unsigned long long)r->r10, (unsigned long long)r->r11);
    printk("r12: %016llx  r13: %016llx  r14: %016llx\n", (unsigned long long)r->r12,
           (unsigned long long)r->r13, (unsigned long long)r->r14);
    printk("r15: %016llx  ss:  %04llx\n", (unsigned long long)r->r15,
           (unsigned long long)r->ss);
    printk("cr0: %016lx  cr2: %016lx  cr3: %016lx  cr4: %016lx\n", read_cr0(), read_cr2(),
           read_cr3(), read_cr4());
}

/*
 * Where every CPU is, for a hung machine (debug key 'c', dump_after=): the asking CPU sends
 * an NMI, which gets through even with interrupts off; the target only copies its RIP and
 * frame-pointer chain here (no locks in NMI context) and the asker prints them.
 */
#define SNAP_FRAMES 12
static struct {
    volatile bool want, done;
    uint64_t rip, rsp, rflags;
    uint64_t frames[SNAP_FRAMES];
} snaps[NR_CPUS];

static void snapshot_self(const struct cpu_user_regs *r)
{
    unsigned int cpu = smp_processor_id();
    uint64_t rbp = r->rbp;

    snaps[cpu].rip = r->rip;
    snaps[cpu].rsp = r->rsp;
    snaps[cpu].rflags = r->rflags;
    for (int i = 0; i < SNAP_FRAMES; i++) {
        /* Only frames on the same stack, above the interrupted RSP. */
        if ((rbp & 7) || rbp < r->rsp || rbp - r->rsp > STACK_SIZE) {
            snaps[cpu].frames[i] = 0;
            continue;
        }
        const uint64_t *frame = (const uint64_t *)rbp;
        snaps[cpu].frames[i] = frame[1];
        rbp = frame[0] > rbp ? frame[0] : 0;
    }
    __atomic_store_n(&snaps[cpu].done, true, __ATOMIC_RELEASE);
}

void show_all_cpus(void)
{
    unsigned int self = smp_processor_id();

    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (c == self || !cpu_online(c))
            continue;
        snaps[c].done = false;
        __atomic_store_n(&snaps[c].want, true, __ATOMIC_RELEASE);
        apic_send_ipi(cpu_info_of[c]->apic_id, APIC_DM_NMI);
        for (s_time_t end = NOW() + MILLISECS(200); !snaps[c].done && NOW() < end;)
            cpu_relax();
        if (!snaps[c].done) {
            printk("CPU %u: no answer to the NMI\n", c);
            continue;
        }
        printk("CPU %u: rsp %016llx rflags %08llx (interrupts %s), stack:\n", c,
               (unsigned long long)snaps[c].rsp, (unsigned long long)snaps[c].rflags,
               snaps[c].rflags & (1u << 9) ? "on" : "off");
        print_symbol_line(snaps[c].rip);
        for (int i = 0; i < SNAP_FRAMES && snaps[c].frames[i]; i++)
            print_symbol_line(snaps[c].frames[i]);
    }
}

/* A double fault after a page fault in a stack's guard page: the stack overflowed. */
static void report_stack_overflow(void)
{
    uint64_t cr2 = read_cr2();
    unsigned int cpu;
    const char *name;

    if (stack_guard_hit(cr2, &cpu, &name))
        printk(XENLOG_ERR "STACK OVERFLOW: CPU %u's %s stack ran into its guard page at "
                          "%#llx\n", cpu, name, (unsigned long long)cr2);
}

/* An exception in Tern itself is a bug: report everything and stop this CPU for good. */
void do_trap(struct cpu_user_regs *regs)
{
    unsigned int v = regs->vector;

    if (v == 2) {
        if (smp_stopping()) /* another CPU is stopping the machine (panic, power-off) */
            for (;;)
                halt();
        if (__atomic_exchange_n(&snaps[smp_processor_id()].want, false, __ATOMIC_ACQ_REL)) {
            snapshot_self(regs);
            return;
        }
        printk(XENLOG_WARNING "NMI received on CPU %u, ignored\n", smp_processor_id());
        return;
    }
    if (v == 18)
        machine_check_fatal("in Tern", -1, -1, regs);
    console_force_unlock();
    printk(XENLOG_ERR "*** TERN FATAL EXCEPTION on CPU %u ***\n", smp_processor_id());
    printk(XENLOG_ERR "Vector %u (%s), error code 0x%llx\n", v, exception_names[v & 31],
           (unsigned long long)regs->error_code);
    if (v == 8)
        report_stack_overflow();
    if (v == 14)
        printk(XENLOG_ERR "Page fault at address %#lx (%s, %s, %s)\n", read_cr2(),
               regs->error_code & 1 ? "protection" : "not present",
               regs->error_code & 2 ? "write" : "read",
               regs->error_code & 16 ? "instruction fetch" : "data");
    show_registers(regs);
    show_backtrace(regs->rbp, regs->rip);
    printk(XENLOG_ERR "CPU %u stopped.\n", smp_processor_id());
    this_cpu()->online = false;
    for (;;) {
        local_irq_disable();
        halt();
    }
}

void do_irq(struct cpu_user_regs *regs)
{
    unsigned int v = regs->vector;

    this_cpu()->irq_count++;
    if (irq_handlers[v])
        irq_handlers[v](regs);
    else if (v != SPURIOUS_APIC_VECTOR)
        printk(XENLOG_WARNING "unexpected interrupt vector %#x on CPU %u\n", v,
               smp_processor_id());
    if (v != SPURIOUS_APIC_VECTOR)
        apic_eoi();
}
