// SPDX-License-Identifier: MIT
/* Secondary CPU bring-up (INIT-SIPI-SIPI through the trampoline) and cross-CPU calls. */
#include <asm/apic.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/acpi.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/param.h>
#include <tern/sched.h>
#include <tern/smp.h>
#include <tern/spinlock.h>
#include <tern/time.h>

static unsigned int opt_maxcpus = NR_CPUS;
integer_param("maxcpus", opt_maxcpus);

extern const char trampoline_start[], trampoline_end[];
extern uint32_t tramp_cr3[], tramp_efer[];
extern uint64_t tramp_stack[], tramp_cpu[];

void start_secondary(struct cpu_info *ci);
void idle_loop(void) __noreturn;

static volatile bool stopping;
static volatile bool schedulers_started;

/* Boot work (smp_boot_work): one job at a time for the APs idling before their schedulers. */
static void (*volatile boot_work_fn)(void *);
static void *volatile boot_work_data;
static volatile unsigned int boot_work_gen, boot_work_engaged, boot_work_done;

unsigned int num_online_cpus(void)
{
    return nr_cpus_online;
}

bool cpu_online(unsigned int cpu)
{
    return cpu < NR_CPUS && cpu_info_of[cpu] && cpu_info_of[cpu]->online;
}

/* Where a trampoline parameter lives in the copy at TRAMPOLINE_PHYS (through the direct map). */
static void *tramp_param(const void *sym)
{
    return (char *)__va(TRAMPOLINE_PHYS) + ((const char *)sym - trampoline_start);
}

void start_secondary(struct cpu_info *ci)
{
    cpu_load_descriptors(ci);
    apic_init_ap();
    time_init_ap();
    __atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
    ci->online = true;
    printk(XENLOG_DEBUG "CPU %u (APIC ID %u) online\n", ci->cpu_id, ci->apic_id);
    sched_init_cpu(ci->cpu_id);
    /* Idle until the boot CPU has finished setting up, then schedule vCPUs; meanwhile take
     * the boot CPU's boot work. Checked with interrupts off so that a kick between the check
     * and the HLT still wakes it (sti;hlt). */
    unsigned int seen = boot_work_gen;
    for (;;) {
        local_irq_disable();
        if (schedulers_started)
            break;
        if (boot_work_gen != seen) {
            seen = boot_work_gen;
            local_irq_enable();
            boot_work_fn(boot_work_data);
            __atomic_add_fetch(&boot_work_done, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        safe_halt();
    }
    local_irq_enable();
    schedule_loop();
}

static void kick_fn(void *unused)
{
}

unsigned int smp_boot_work(void (*fn)(void *), void *data)
{
    unsigned int n = num_online_cpus() - 1;

    if (schedulers_started || !n)
        return 0;
    boot_work_fn = fn;
    boot_work_data = data;
    boot_work_done = 0;
    boot_work_engaged = n;
    __atomic_add_fetch(&boot_work_gen, 1, __ATOMIC_SEQ_CST);
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (c != smp_processor_id() && cpu_online(c))
            smp_send_event_check(c);
    return n;
}

void smp_boot_work_wait(void)
{
    while (__atomic_load_n(&boot_work_done, __ATOMIC_SEQ_CST) != boot_work_engaged)
        cpu_relax();
    boot_work_engaged = boot_work_done = 0;
}

void smp_start_schedulers(void)
{
    schedulers_started = true;
    mb();
    on_each_cpu(kick_fn, NULL, false); /* wake the halted APs */
}

static bool wake_cpu(struct cpu_info *ci)
{
    *(uint64_t *)tramp_param(tramp_stack) = (uint64_t)ci->stack + STACK_SIZE;
    *(uint64_t *)tramp_param(tramp_cpu) = (uint64_t)ci;
    mb();

    /* INIT, then two STARTUPs (the MP start-up algorithm; SDM 8.4.4.1). */
    apic_send_ipi(ci->apic_id, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
    mdelay(10);
    for (int i = 0; i < 2 && !ci->online; i++) {
        apic_send_ipi(ci->apic_id, APIC_DM_STARTUP | (TRAMPOLINE_PHYS >> 12));
        udelay(300);
    }
    /* Emulated CPUs can be slow to arrive: wait up to 2 s. */
    for (s_time_t end = NOW() + SECONDS(2); !ci->online && NOW() < end;)
        cpu_relax();
    return ci->online;
}

void smp_boot_cpus(void)
{
    unsigned int next_id = 1;
    uint32_t self = apic_read_id();

    memcpy(__va(TRAMPOLINE_PHYS), trampoline_start, trampoline_end - trampoline_start);
    *(uint32_t *)tramp_param(tramp_cr3) = (uint32_t)idle_pg_table_pa;
    *(uint32_t *)tramp_param(tramp_efer) = (1u << 8) | (_PAGE_NX ? (1u << 11) : 0);

    for (unsigned int i = 0; i < acpi.nr_cpus; i++) {
        const struct acpi_cpu *c = &acpi.cpus[i];
        if (!c->enabled || c->apic_id == self)
            continue;
        if (next_id >= opt_maxcpus || next_id >= NR_CPUS) {
            printk("SMP: not starting CPU with APIC ID %u (maxcpus=%u)\n", c->apic_id,
                   opt_maxcpus);
            continue;
        }
        struct cpu_info *ci = cpu_info_alloc(next_id, c->apic_id);
        if (!ci) {
            printk(XENLOG_ERR "SMP: no memory for CPU with APIC ID %u\n", c->apic_id);
            continue;
        }
        ci->acpi_uid = c->acpi_uid;
        if (wake_cpu(ci)) {
            next_id++;
        } else {
            printk(XENLOG_ERR "SMP: CPU with APIC ID %u did not come up\n", c->apic_id);
            cpu_info_of[next_id] = NULL;
        }
    }
}

/* ---- cross-CPU function calls ---- */

static DEFINE_SPINLOCK(call_lock);
static struct {
    void (*fn)(void *);
    void *data;
    volatile unsigned int started, finished;
} call;

static void call_function_interrupt(struct cpu_user_regs *regs)
{
    void (*fn)(void *) = call.fn;
    void *data = call.data;
    __atomic_add_fetch(&call.started, 1, __ATOMIC_SEQ_CST);
    fn(data);
    __atomic_add_fetch(&call.finished, 1, __ATOMIC_SEQ_CST);
}

static void run_on(const bool *targets, unsigned int n, void (*fn)(void *), void *data,
                   bool wait)
{
    unsigned int self = smp_processor_id();
    unsigned int remote = n - (targets[self] ? 1 : 0);

    spin_lock(&call_lock);
    call.fn = fn;
    call.data = data;
    call.started = call.finished = 0;
    mb();
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (targets[c] && c != self)
            apic_send_ipi(cpu_info_of[c]->apic_id, APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
    if (targets[self]) {
        unsigned long flags = local_irq_save();
        fn(data);
        local_irq_restore(flags);
    }
    /* call is reused by the next caller: wait until every target has read it. */
    while (call.started != remote)
        cpu_relax();
    if (wait)
        while (call.finished != remote)
            cpu_relax();
    spin_unlock(&call_lock);
}

int on_cpu(unsigned int cpu, void (*fn)(void *), void *data, bool wait)
{
    bool t[NR_CPUS] = { false };
    if (!cpu_online(cpu))
        return -EINVAL;
    t[cpu] = true;
    run_on(t, 1, fn, data, wait);
    return 0;
}

void on_each_cpu(void (*fn)(void *), void *data, bool wait)
{
    bool t[NR_CPUS];
    unsigned int n = 0;
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        t[c] = cpu_online(c);
        n += t[c];
    }
    run_on(t, n, fn, data, wait);
}

void smp_send_event_check(unsigned int cpu)
{
    if (cpu_online(cpu))
        apic_send_ipi(cpu_info_of[cpu]->apic_id, APIC_DM_FIXED | EVENT_CHECK_VECTOR);
}

bool smp_stopping(void)
{
    return stopping;
}

void smp_send_stop(void)
{
    unsigned int self = smp_processor_id();
    stopping = true;
    mb();
    /* NMI reaches a CPU even with interrupts disabled; its handler halts when stopping. */
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (c != self && cpu_online(c))
            apic_send_ipi(cpu_info_of[c]->apic_id, APIC_DM_NMI);
    mdelay(10);
}

void smp_init_ipis(void);
void smp_init_ipis(void)
{
    set_irq_handler(CALL_FUNCTION_VECTOR, call_function_interrupt);
}
