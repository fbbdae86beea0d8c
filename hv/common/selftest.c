// SPDX-License-Identifier: MIT
/* Boot-time self-checks of timers and IPIs on all CPUs, and deliberate faults on request. */
#include <asm/percpu.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <tern/lib.h>
#include <tern/param.h>
#include <tern/selftest.h>
#include <tern/shutdown.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/timer.h>

static char opt_selftest[32];
string_param("selftest", opt_selftest);

#define TIMER_DELAY MILLISECS(20)

static struct timer test_timers[NR_CPUS];
static volatile s_time_t fired_at[NR_CPUS];
static volatile unsigned int fired_cpu[NR_CPUS];
static volatile unsigned int ipi_hits[NR_CPUS];

static void timer_fn(void *data)
{
    unsigned int cpu = (uintptr_t)data;
    fired_at[cpu] = NOW();
    fired_cpu[cpu] = smp_processor_id();
}

static void ipi_fn(void *data)
{
    __atomic_add_fetch(&ipi_hits[smp_processor_id()], 1, __ATOMIC_SEQ_CST);
}

/* Each online CPU gets a timer 20 ms ahead; each must fire on its own CPU, not early. */
static void check_timers(void)
{
    unsigned int ok = 0, n = 0;
    s_time_t start = NOW();

    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!cpu_online(c))
            continue;
        n++;
        fired_at[c] = 0;
        init_timer(&test_timers[c], timer_fn, (void *)(uintptr_t)c, c);
        set_timer(&test_timers[c], start + TIMER_DELAY);
    }
    while (NOW() < start + SECONDS(2)) {
        unsigned int done = 0;
        for (unsigned int c = 0; c < NR_CPUS; c++)
            done += cpu_online(c) && fired_at[c];
        if (done == n)
            break;
        cpu_relax();
    }
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!cpu_online(c))
            continue;
        if (!fired_at[c])
            printk(XENLOG_ERR "selftest: timer on CPU %u never fired\n", c);
        else if (fired_cpu[c] != c)
            printk(XENLOG_ERR "selftest: timer of CPU %u ran on CPU %u\n", c, fired_cpu[c]);
        else if (fired_at[c] < start + TIMER_DELAY)
            printk(XENLOG_ERR "selftest: timer on CPU %u fired %lld ns early\n", c,
                   (long long)(start + TIMER_DELAY - fired_at[c]));
        else
            ok++;
        kill_timer(&test_timers[c]);
    }
    printk("selftest: timers %s (%u of %u CPUs)\n", ok == n ? "ok" : "FAILED", ok, n);
}

/* TSC agreement between CPUs: each CPU answers with its TSC while the caller brackets the
 * call with its own; a skew beyond the bracket is reported (time and timers assume one
 * system time on every CPU). */
static volatile uint64_t tsc_seen[NR_CPUS];

static void read_tsc_fn(void *data)
{
    tsc_seen[smp_processor_id()] = rdtsc_ordered();
}

static void check_tsc_sync(void)
{
    for (unsigned int c = 1; c < NR_CPUS; c++) {
        if (!cpu_online(c))
            continue;
        uint64_t before = rdtsc_ordered();
        on_cpu(c, read_tsc_fn, NULL, true);
        uint64_t after = rdtsc_ordered();
        if (tsc_seen[c] < before || tsc_seen[c] > after)
            printk(XENLOG_WARNING "selftest: CPU %u's TSC is off by about %lld cycles from "
                                  "CPU 0's\n", c,
                   (long long)(tsc_seen[c] - (before + (after - before) / 2)));
    }
}

static void check_ipis(void)
{
    unsigned int ok = 0, n = 0;

    for (unsigned int c = 0; c < NR_CPUS; c++)
        ipi_hits[c] = 0;
    on_each_cpu(ipi_fn, NULL, true);
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!cpu_online(c))
            continue;
        n++;
        if (on_cpu(c, ipi_fn, NULL, true) == 0 && ipi_hits[c] == 2)
            ok++;
        else
            printk(XENLOG_ERR "selftest: CPU %u ran %u of 2 cross-CPU calls\n", c, ipi_hits[c]);
    }
    printk("selftest: cross-CPU calls %s (%u of %u CPUs)\n", ok == n ? "ok" : "FAILED", ok, n);
}

static void __attribute__((noinline)) deliberate_fault(void)
{
    volatile uint64_t *bad = (volatile uint64_t *)0xdead000;
    printk("selftest: reading unmapped address %p on purpose\n", (void *)bad);
    (void)*bad;
}

/* W^X: code must not be writable... */
static void __attribute__((noinline)) deliberate_text_write(void)
{
    volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)deliberate_fault;
    printk("selftest: writing to Tern's code at %p on purpose\n", (void *)text);
    *text = 0xcc;
}

/* ...and data must not be executable. */
static void __attribute__((noinline)) deliberate_data_exec(void)
{
    static uint8_t ret_insn[16] = { 0xc3 }; /* RET */
    printk("selftest: executing Tern's data at %p on purpose\n", (void *)ret_insn);
    ((void (*)(void))(uintptr_t)ret_insn)();
}

/* Recursion without end: each level keeps a frame of its own alive (the array is used after
 * the call, so neither the frame nor the call can be optimised away) until the stack runs
 * into its guard page. */
static volatile unsigned int overflow_limit = ~0u; /* never reached; hides the recursion */

static unsigned int __attribute__((noinline)) deliberate_stack_overflow(unsigned int depth)
{
    volatile uint8_t frame[256];
    frame[depth % sizeof(frame)] = (uint8_t)depth;
    if (depth == overflow_limit)
        return 0;
    return deliberate_stack_overflow(depth + 1) + frame[(depth + 1) % sizeof(frame)];
}

void selftests_run(void)
{
    check_timers();
    check_ipis();
    check_tsc_sync();
    if (!strcmp(opt_selftest, "fault"))
        deliberate_fault();
    else if (!strcmp(opt_selftest, "panic"))
        panic("selftest=panic asked for a panic");
    else if (!strcmp(opt_selftest, "write-text"))
        deliberate_text_write();
    else if (!strcmp(opt_selftest, "exec-data"))
        deliberate_data_exec();
    else if (!strcmp(opt_selftest, "reboot"))
        machine_restart();
    else if (!strcmp(opt_selftest, "stack-overflow")) {
        printk("selftest: overflowing CPU %u's stack on purpose\n", smp_processor_id());
        deliberate_stack_overflow(0);
    } else if (!strcmp(opt_selftest, "machine-check")) {
        /* The #MC vector through the IDT, as the CPU would raise it (banks read as they are). */
        printk("selftest: raising the machine-check vector on purpose\n");
        asm volatile("int $18");
    } else if (opt_selftest[0])
        printk(XENLOG_WARNING "selftest: unknown test '%s' (fault, write-text, exec-data, "
                              "stack-overflow, machine-check, panic, reboot)\n", opt_selftest);
}
