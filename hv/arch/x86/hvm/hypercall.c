// SPDX-License-Identifier: MIT
/* The VMMCALL/VMCALL entry: take the arguments from the guest's registers, return in RAX. */
#include <asm/hvm.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hypercall.h>
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
    if (in_64bit_mode(v)) {
        nr = hvm_funcs->get_reg(v, HVM_RAX);
        args[0] = g->rdi;
        args[1] = g->rsi;
        args[2] = g->rdx;
        args[3] = g->r10;
        args[4] = g->r8;
        args[5] = g->r9;
    } else {
        nr = (uint32_t)hvm_funcs->get_reg(v, HVM_RAX);
        args[0] = (uint32_t)g->rbx;
        args[1] = (uint32_t)g->rcx;
        args[2] = (uint32_t)g->rdx;
        args[3] = (uint32_t)g->rsi;
        args[4] = (uint32_t)g->rdi;
        args[5] = (uint32_t)g->rbp;
    }
    long ret = hypercall_dispatch(v, nr, args);
    if (ret == -ERESTART)
        return false; /* re-executed with the (possibly updated) arguments */
    hvm_funcs->set_reg(v, HVM_RAX, (uint64_t)ret);
    return true;
}

/* A preemptible operation records where to resume: the guest re-issues the call with these. */
void hypercall_set_continuation_args(uint64_t a0, uint64_t a1, uint64_t a2)
{
    struct vcpu *v = current;
    struct guest_gprs *g = &v->arch.gprs;

    if (in_64bit_mode(v)) {
        g->rdi = a0;
        g->rsi = a1;
        g->rdx = a2;
    } else {
        g->rbx = (uint32_t)a0;
        g->rcx = (uint32_t)a1;
        g->rdx = (uint32_t)a2;
    }
}
