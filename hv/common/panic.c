// SPDX-License-Identifier: MIT
/* panic(): for broken invariants in Tern itself, never for anything a guest or config causes. */
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/shutdown.h>
#include <tern/smp.h>

void panic(const char *fmt, ...)
{
    va_list ap;
    char msg[256];
    struct cpu_user_regs regs;

    local_irq_disable();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* The registers at the call, as far as they can be taken from here. */
    memset(&regs, 0, sizeof(regs));
    asm volatile("mov %%rbp, %0; mov %%rsp, %1; leaq 0(%%rip), %2"
                 : "=m"(regs.rbp), "=m"(regs.rsp), "=r"(regs.rip));
    asm volatile("mov %%rax, %0; mov %%rbx, %1; mov %%rcx, %2; mov %%rdx, %3"
                 : "=m"(regs.rax), "=m"(regs.rbx), "=m"(regs.rcx), "=m"(regs.rdx));
    asm volatile("mov %%cs, %0; mov %%ss, %1; pushfq; popq %2"
                 : "=m"(regs.cs), "=m"(regs.ss), "=r"(regs.rflags));

    console_force_unlock();
    smp_send_stop();
    printk(XENLOG_ERR "****************************************\n");
    printk(XENLOG_ERR "*** TERN PANIC on CPU %u: %s\n", smp_processor_id(), msg);
    printk(XENLOG_ERR "****************************************\n");
    show_registers(&regs);
    show_backtrace(regs.rbp, regs.rip);
    printk(XENLOG_ERR "System halted. Manual reset required.\n");
    for (;;)
        halt();
}
