// SPDX-License-Identifier: MIT
/*
 * The guests' debug registers. DR6 and DR7 are switched by VMRUN through the VMCB; DR0-DR3
 * are not, so a vCPU's breakpoint addresses would stay in the CPU for the next vCPU.
 *
 * Lazy switching, as Xen does: every MOV DR is intercepted until the vCPU first touches a
 * debug register. That exit loads its DR0-DR3, drops the intercepts and lets the
 * instruction run again natively ("dirty"). While dirty, DR0-DR3 are saved after every exit
 * (the guest may have changed them) and loaded before an entry on a CPU that holds another
 * vCPU's values. Saving at each exit rather than at a context switch keeps a vCPU that moves
 * to another CPU correct without asking the scheduler. Once the guest's DR7 enables no
 * breakpoint, the vCPU becomes clean again: intercepts back, nothing switched, and the stale
 * DR0-DR3 of others cannot fire because its own DR7 enables none of them. Most guests touch
 * the debug registers only at boot (Linux clears them), so most exits cost nothing here.
 *
 * Tern itself never uses breakpoints: #VMEXIT clears the enable bits of the host's DR7
 * (AMD APM vol. 2, 15.5.2), so no guest address can fire in Tern.
 */
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/vmcb.h>
#include <tern/domain.h>
#include "svm.h"

#define DR7_ENABLE_MASK 0xffULL /* L0-L3, G0-G3 */

/* The vCPU whose DR0-DR3 this CPU holds (NULL: nobody's). */
static struct vcpu *dr_owner[NR_CPUS];

static void load_dr03(struct vcpu *v)
{
    write_dr0(v->arch.dr[0]);
    write_dr1(v->arch.dr[1]);
    write_dr2(v->arch.dr[2]);
    write_dr3(v->arch.dr[3]);
    dr_owner[smp_processor_id()] = v;
}

/* Exit 0x20-0x3f: the guest's first debug-register access since it was last clean. */
void svm_dr_access(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;

    load_dr03(v);
    v->arch.dr_dirty = true;
    vmcb->dr_intercepts = 0; /* RIP unchanged: the MOV DR runs again, natively */
}

void svm_dr_before_entry(struct vcpu *v)
{
    if (v->arch.dr_dirty && dr_owner[smp_processor_id()] != v)
        load_dr03(v);
}

void svm_dr_after_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;

    if (!v->arch.dr_dirty)
        return;
    v->arch.dr[0] = read_dr0();
    v->arch.dr[1] = read_dr1();
    v->arch.dr[2] = read_dr2();
    v->arch.dr[3] = read_dr3();
    if (!(vmcb->dr7 & DR7_ENABLE_MASK)) {
        v->arch.dr_dirty = false;
        vmcb->dr_intercepts = ~0u;
    }
}

/* A destroyed vCPU's memory may be reused by a new one: forget it as an owner. */
void svm_dr_forget(struct vcpu *v)
{
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (dr_owner[c] == v)
            dr_owner[c] = NULL;
}
