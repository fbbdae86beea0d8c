// SPDX-License-Identifier: MIT
/* The VMMCALL/VMCALL entry: take the arguments from the guest's registers, return in RAX. */
#include <asm/hvm.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include "hvm_private.h"

static bool in_64bit_mode(struct vcpu *v)
{
    return hvm_guest_mode(v) == 64;
}

bool hvm_hypercall(struct vcpu *v)
{
    struct guest_gprs *g = &v->arch.gprs;
    unsigned long args[6];
    unsigned long nr;

    /* Only the guest kernel may call (real mode counts as kernel). */
    if (hvm_funcs->get_reg(v, HVM_CPL) != 0) {
        hvm_funcs->set_reg(v, HVM_RAX, (uint64_t)-EPERM);
        return true;
    }
    /*
     * Tern implements the 64-bit hypercall ABI only. Guests may start in 32-bit code (PVH's
     * entry, hence hvm-3.0-x86_32 in XENVER_capabilities) but call Xen from 64-bit code; a
     * call from 32-bit or 16-bit code (whose structures Xen would translate from its compat
     * layouts) is refused rather than misread.
     */
    if (!in_64bit_mode(v)) {
        if (!v->domain->compat_hypercall_logged) {
            v->domain->compat_hypercall_logged = true;
            printk(XENLOG_WARNING "d%u v%u: hypercall from %d-bit code: -ENOSYS (only the "
                   "64-bit ABI is implemented; reported once)\n", v->domain->domain_id,
                   v->vcpu_id, hvm_guest_mode(v));
        }
        hvm_funcs->set_reg(v, HVM_RAX, (uint64_t)-ENOSYS);
        return true;
    }
    nr = hvm_funcs->get_reg(v, HVM_RAX);
    args[0] = g->rdi;
    args[1] = g->rsi;
    args[2] = g->rdx;
    args[3] = g->r10;
    args[4] = g->r8;
    args[5] = g->r9;
    long ret = hypercall_dispatch(v, nr, args);
    if (ret == -ERESTART)
        return false; /* re-executed with the (possibly updated) arguments */
    hvm_funcs->set_reg(v, HVM_RAX, (uint64_t)ret);
    return true;
}

/* A preemptible operation records where to resume: the guest re-issues the call with these. */
void hypercall_set_continuation_args(uint64_t a0, uint64_t a1, uint64_t a2)
{
    struct guest_gprs *g = &current->arch.gprs;

    if (current->mc_call) { /* a call inside a multicall resumes from its entry */
        current->mc_call->args[0] = a0;
        current->mc_call->args[1] = a1;
        current->mc_call->args[2] = a2;
        return;
    }

    /* Only 64-bit callers get this far (hvm_hypercall). */
    g->rdi = a0;
    g->rsi = a1;
    g->rdx = a2;
}
