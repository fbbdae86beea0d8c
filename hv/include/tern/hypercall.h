/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch: one table (common/hypercall.c) maps each number to its handler and
 * argument count. Handlers take the arguments as 64-bit values (guest pointers are
 * guest-virtual addresses) and return 0, a positive value, or a negative Xen errno.
 * A handler returning -ERESTART has made progress and asks to be re-executed (the guest's
 * RIP is not advanced), which is how long operations stay preemptible.
 */
#ifndef TERN_HYPERCALL_H
#define TERN_HYPERCALL_H

#include <tern/types.h>

struct vcpu;

/* Called by the arch exit handler with the guest's argument registers; returns RAX. */
long hypercall_dispatch(struct vcpu *v, unsigned long nr, const unsigned long args[6]);

/* Make the current hypercall resume with these first three arguments (then return
 * -ERESTART). */
void hypercall_set_continuation_args(uint64_t a0, uint64_t a1, uint64_t a2);

long do_xen_version(int cmd, uint64_t arg);
long do_console_io(int cmd, unsigned int count, uint64_t buffer);
long do_sched_op(int cmd, uint64_t arg);
long do_vcpu_op(int cmd, unsigned int vcpuid, uint64_t arg);
long do_memory_op(unsigned long cmd, uint64_t arg);
long do_hvm_op(unsigned long op, uint64_t arg);
long do_event_channel_op(int cmd, uint64_t arg);
long do_grant_table_op(unsigned int cmd, uint64_t uop, unsigned int count);
long do_set_timer_op(uint64_t timeout);
long do_vm_assist(unsigned int cmd, unsigned int type);
long do_platform_op(uint64_t arg);
long do_physdev_op(int cmd, uint64_t arg);
long do_multicall(uint64_t list, uint32_t nr_calls);

/* Log, once per domain, hypercall and sub-op, a sub-op Tern does not implement (the caller
 * then returns -ENOSYS). */
void hypercall_unknown_subop(unsigned int nr, unsigned int op);

#endif
