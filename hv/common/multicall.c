// SPDX-License-Identifier: MIT
/*
 * multicall (hypercall 13), as Xen 4.17 runs it for HVM callers: each entry's hypercall in
 * order, its return value written to the entry's result. libxenctrl issues every memory_op
 * as a one-entry multicall (to get a full 64-bit result through privcmd), so the toolstack
 * needs it. A sub-call that must continue later records its progress in its entry's
 * arguments; the multicall then resumes at that entry.
 */
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>

/* Entries run per invocation before the multicall continues (a guest picks nr_calls). */
#define MULTICALL_BATCH 32

long do_multicall(uint64_t list, uint32_t nr_calls)
{
    struct vcpu *v = current;
    struct multicall_entry call;
    uint32_t i;
    long rc = 0;

    if (v->mc_call) /* Xen: "Multicall reentry is disallowed" */
        return -EINVAL;
    for (i = 0; i < nr_calls; i++, list += sizeof(call)) {
        if (i == MULTICALL_BATCH) {
            hypercall_set_continuation_args(list, nr_calls - i, 0);
            return -ERESTART;
        }
        if (copy_from_guest(&call, list, sizeof(call)))
            return -EFAULT;
        v->mc_call = &call;
        long ret = hypercall_dispatch(v, call.op, (const unsigned long *)call.args);
        v->mc_call = NULL;
        if (ret == -ERESTART) {
            /* Resume at this entry, with the arguments the sub-call left in it. */
            if (copy_to_guest(list, &call, sizeof(call)))
                return -EFAULT;
            hypercall_set_continuation_args(list, nr_calls - i, 0);
            return -ERESTART;
        }
        call.result = (uint64_t)ret;
        if (copy_to_guest(list + offsetof(struct multicall_entry, result), &call.result,
                          sizeof(call.result)))
            return -EFAULT;
    }
    return rc;
}
