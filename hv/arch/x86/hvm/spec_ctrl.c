// SPDX-License-Identifier: MIT
/*
 * Speculative-execution controls between guests: the indirect-branch predictor barrier
 * (IBPB) when a CPU moves from one domain's vCPU to another domain's, and the guests' own
 * MSR_SPEC_CTRL / MSR_PRED_CMD. The return-stack overwrite after every VM exit is in
 * svm/entry.S.
 *
 * MSR_SPEC_CTRL is virtualised when the CPU has it (as Xen 4.17 offers it to HVM guests on
 * AMD: IBRS, STIBP, SSBD, PSFD as the hardware enumerates them): the guest's value is kept per
 * vCPU and loaded before VMRUN when the CPU holds another. The MSR stays intercepted, so the
 * guest cannot change it behind Tern's back and no read-back is needed after an exit. Tern
 * itself does not rely on any SPEC_CTRL setting, so the guest's value may stay in place
 * while Tern runs (only ever more restrictive than 0). Without the hardware the features are
 * hidden from CPUID and the MSRs raise #GP, so CPUID and the MSRs always agree.
 */
#include <asm/percpu.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/lib.h>
#include "hvm_private.h"

#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define PRED_CMD_IBPB (1ULL << 0)
#define SPEC_CTRL_IBRS (1ULL << 0)
#define SPEC_CTRL_STIBP (1ULL << 1)
#define SPEC_CTRL_SSBD (1ULL << 2)
#define SPEC_CTRL_PSFD (1ULL << 7)

/* CPUID 7.0 EDX (Intel's enumeration) and 0x80000008 EBX (AMD's). */
#define C7D_IBRSB (1u << 26)
#define C7D_STIBP (1u << 27)
#define C7D_SSBD (1u << 31)
#define E8B_IBPB (1u << 12)
#define E8B_IBRS (1u << 14)
#define E8B_STIBP (1u << 15)
#define E8B_SSBD (1u << 24)
#define E8B_PSFD (1u << 28)

static bool has_ibpb;        /* MSR_PRED_CMD.IBPB */
static bool has_spec_ctrl;   /* MSR_SPEC_CTRL with at least IBRS */
static uint64_t guest_valid; /* SPEC_CTRL bits a guest may set */
static uint64_t cpu_spec_ctrl[NR_CPUS];  /* what each CPU's MSR holds */
static uint64_t cpu_last_domain[NR_CPUS]; /* ibpb_serial of the last domain run there */
static uint64_t next_serial;

void spec_ctrl_init(void)
{
    uint32_t c7d = 0, e8b = 0;

    if (cpuid_eax(0) >= 7) {
        struct cpuid_regs r;
        cpuid_count(7, 0, &r);
        c7d = r.edx;
    }
    if (cpuid_eax(0x80000000) >= 0x80000008) {
        struct cpuid_regs r;
        cpuid(0x80000008, &r);
        e8b = r.ebx;
    }
    has_ibpb = (e8b & E8B_IBPB) || (c7d & C7D_IBRSB);
    has_spec_ctrl = (e8b & E8B_IBRS) || (c7d & C7D_IBRSB);
    /* STIBP is defined to be ignored where the CPU does not enumerate it (Xen 4.17 lets
     * guests set it whenever the MSR exists). */
    guest_valid = SPEC_CTRL_IBRS | SPEC_CTRL_STIBP |
                  ((e8b & E8B_SSBD) || (c7d & C7D_SSBD) ? SPEC_CTRL_SSBD : 0) |
                  (e8b & E8B_PSFD ? SPEC_CTRL_PSFD : 0);
    printk("Speculation: RSB overwrite after VM exit: on; IBPB between domains: %s; "
           "guest SPEC_CTRL: %s; guest PRED_CMD: %s; stack guard pages: on\n",
           has_ibpb ? "on" : "off (no IBPB)",
           has_spec_ctrl ? "virtualised" : "hidden (no IBRS)",
           has_ibpb ? "IBPB" : "hidden (no IBPB)");
}

void spec_ctrl_cpu_up(void)
{
    if (has_spec_ctrl)
        cpu_spec_ctrl[smp_processor_id()] = rdmsr(MSR_SPEC_CTRL);
}

bool spec_ctrl_guest_has_ibpb(void)
{
    return has_ibpb;
}

bool spec_ctrl_guest_has_spec_ctrl(void)
{
    return has_spec_ctrl;
}

uint64_t spec_ctrl_guest_valid_bits(void)
{
    return has_spec_ctrl ? guest_valid : 0;
}

/* Just before entering v: a barrier if this CPU last ran another domain, and v's
 * SPEC_CTRL. Separate from the TLB and FPU switching on purpose, so either can move. */
void spec_ctrl_enter_guest(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    struct domain *d = v->domain;

    if (!d->arch.ibpb_serial) {
        uint64_t none = 0, serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
        __atomic_compare_exchange_n(&d->arch.ibpb_serial, &none, serial, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
    if (cpu_last_domain[cpu] != d->arch.ibpb_serial) {
        /* The previous domain's branch-target training must not steer this one. */
        if (cpu_last_domain[cpu] && has_ibpb)
            wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
        cpu_last_domain[cpu] = d->arch.ibpb_serial;
    }
    if (has_spec_ctrl && cpu_spec_ctrl[cpu] != v->arch.spec_ctrl) {
        wrmsr(MSR_SPEC_CTRL, v->arch.spec_ctrl);
        cpu_spec_ctrl[cpu] = v->arch.spec_ctrl;
    }
}

/* The guest's MSR_PRED_CMD write: an IBPB now, for the vCPU that asked (it runs here). */
bool spec_ctrl_pred_cmd(uint64_t val)
{
    if (!has_ibpb || (val & ~PRED_CMD_IBPB))
        return false;
    if (val & PRED_CMD_IBPB)
        wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
    return true;
}
