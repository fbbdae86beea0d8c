// SPDX-License-Identifier: MIT
/*
 * Machine checks (AMD APM vol. 2, ch. 9 "Machine Check Mechanism"; SDM vol. 3, ch. 15).
 * Tern does not try to recover: a machine check means the hardware lost data, so the report
 * is printed and the machine stops, whichever guest happened to be running. A guest is never
 * blamed for one (its exit is handled as the host's, svm/exits.c).
 */
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/mce.h>
#include <tern/shutdown.h>
#include <tern/symbols.h>

#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_MCA (1u << 14)
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MC0_STATUS 0x401 /* bank i: CTL 0x400+4i, STATUS +1, ADDR +2, MISC +3 */
#define MCG_CAP_COUNT 0xffULL
#define MCG_STATUS_RIPV (1ULL << 0)
#define MCG_STATUS_EIPV (1ULL << 1)
#define MCG_STATUS_MCIP (1ULL << 2)
#define MCI_STATUS_VAL (1ULL << 63)
#define MCI_STATUS_OVER (1ULL << 62)
#define MCI_STATUS_UC (1ULL << 61)
#define MCI_STATUS_EN (1ULL << 60)
#define MCI_STATUS_MISCV (1ULL << 59)
#define MCI_STATUS_ADDRV (1ULL << 58)
#define MCI_STATUS_PCC (1ULL << 57)
#define MCA_MAX_BANKS 32 /* the MSR range 0x400-0x47f */

void mce_cpu_init(void)
{
    if (cpuid_edx(1) & CPUID1_EDX_MCE)
        write_cr4(read_cr4() | X86_CR4_MCE);
}

static void show_banks(void)
{
    uint64_t cap = rdmsr(MSR_MCG_CAP), gstatus = rdmsr(MSR_MCG_STATUS);
    unsigned int nr = MIN((unsigned int)(cap & MCG_CAP_COUNT), MCA_MAX_BANKS), found = 0;

    printk(XENLOG_ERR "MCA: MCG_CAP %#llx (%u banks), MCG_STATUS %#llx%s%s%s\n",
           (unsigned long long)cap, nr, (unsigned long long)gstatus,
           gstatus & MCG_STATUS_MCIP ? " MCIP" : "", gstatus & MCG_STATUS_RIPV ? " RIPV" : "",
           gstatus & MCG_STATUS_EIPV ? " EIPV" : "");
    for (unsigned int i = 0; i < nr; i++) {
        uint32_t msr = MSR_MC0_STATUS + 4 * i;
        uint64_t st = rdmsr(msr);
        if (!(st & MCI_STATUS_VAL))
            continue;
        found++;
        printk(XENLOG_ERR "MCA bank %u: status %016llx%s%s%s%s\n", i, (unsigned long long)st,
               st & MCI_STATUS_UC ? " UC" : " CE", st & MCI_STATUS_PCC ? " PCC" : "",
               st & MCI_STATUS_OVER ? " OVER" : "", st & MCI_STATUS_EN ? " EN" : "");
        if (st & MCI_STATUS_ADDRV)
            printk(XENLOG_ERR "MCA bank %u: address %#llx\n", i,
                   (unsigned long long)rdmsr(msr + 1));
        if (st & MCI_STATUS_MISCV)
            printk(XENLOG_ERR "MCA bank %u: misc %#llx\n", i,
                   (unsigned long long)rdmsr(msr + 2));
    }
    if (!found)
        printk(XENLOG_ERR "MCA: no bank holds a valid error\n");
}

void machine_check_fatal(const char *where, int domid, int vcpuid,
                         const struct cpu_user_regs *regs)
{
    local_irq_disable();
    console_force_unlock();
    if (domid >= 0)
        printk(XENLOG_ERR "*** MACHINE CHECK on CPU %u %s (d%d v%d was running) ***\n",
               smp_processor_id(), where, domid, vcpuid);
    else
        printk(XENLOG_ERR "*** MACHINE CHECK on CPU %u %s ***\n", smp_processor_id(), where);
    if ((cpuid_edx(1) & (CPUID1_EDX_MCE | CPUID1_EDX_MCA)) ==
        (CPUID1_EDX_MCE | CPUID1_EDX_MCA))
        show_banks();
    else
        printk(XENLOG_ERR "MCA: this CPU has no machine-check banks to read\n");
    if (regs) {
        char sym[96];
        symbol_format(regs->rip, sym, sizeof(sym));
        printk(XENLOG_ERR "Interrupted at %016llx %s\n", (unsigned long long)regs->rip, sym);
    }
    panic("machine check %s: the hardware reported an error; Tern cannot recover", where);
}
