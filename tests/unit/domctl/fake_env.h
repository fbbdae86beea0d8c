/* SPDX-License-Identifier: MIT */
/*
 * Fakes for what domctl.c and sysctl.c call outside themselves: a list of domains with vCPUs,
 * the current vCPU, guest copies (a gva is a host pointer), a small console ring, and the
 * host's CPU and page counts.
 */
#ifndef DOMCTL_FAKE_ENV_H
#define DOMCTL_FAKE_ENV_H

#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/sched.h>
#include <tern/domain.h>
#include <tern/domctl.h>

/* Guest copies touching [FAKE_BAD_GVA, FAKE_BAD_GVA + 1 MiB) fail with -EFAULT. */
#define FAKE_BAD_GVA 0xdead00000ULL
/* The fake console ring's size (a power of two, small so that tests can wrap it). */
#define FAKE_CONRING_SIZE 64

/* Free what a previous (possibly failed) test left and start with no domains. */
void fake_setup(void);
/* A domain with nr_vcpus vCPUs (all up, runnable), refcount 1, in the id-ordered list. */
struct domain *fake_domain(domid_t id, unsigned int nr_vcpus, bool privileged);
/* CHECKs that every reference a test took was dropped again, then frees every domain. */
void fake_teardown(void);
/* The calling vCPU for the next hypercalls: vCPU 0 of d. */
void fake_set_caller(struct domain *d);

/* Hypercalls as the caller: build the structure with the right version and call. */
long fake_domctl(struct xen_domctl *op);
long fake_sysctl(struct xen_sysctl *op);
void fake_domctl_init(struct xen_domctl *op, uint32_t cmd, domid_t dom);
void fake_sysctl_init(struct xen_sysctl *op, uint32_t cmd);

/* domain_create() fails with this (0: succeeds); vcpu_create() fails from this vCPU id on. */
extern int fake_create_fails;
extern unsigned int fake_vcpu_create_fails_from;
/* Deferred-work requests and VIRQ_DOM_EXC sent to dom0 since fake_setup(). */
extern unsigned int fake_deferred_requests, fake_dom_exc_sent;
/* The last evtchn_set_max_port() call: its value and domain. */
extern uint32_t fake_max_evtchn_port;
extern domid_t fake_max_evtchn_port_of;
/* Calls that reached save.c's domctl_hvmcontext (faked: it answers -ENODATA). */
extern unsigned int fake_hvmcontext_calls;
/* Calls that reached cpu_policy_ops.c (faked: -ENODATA). */
extern unsigned int fake_cpu_policy_calls;
/* What Tern's deferred work does for a destroy request: unlist d and mark it dead. */
void fake_run_deferred_destroy(struct domain *d);
/* The builder destroyed d for its own reasons (is_dead not set by the toolstack path). */
void fake_unlist(struct domain *d);

/* Console ring: append text as printk would. */
void fake_console_write(const char *s);

/* copy_to_guest fails (-EFAULT) while set: the copy-back paths. */
extern bool fake_copy_out_fails;
/* When non-zero, the n-th copy_to_guest from now fails (then it is 0 again). */
extern unsigned int fake_copy_out_fail_in;

/* Host values physinfo reports. */
extern unsigned int fake_nr_cpus;
extern uint64_t fake_total_pages, fake_free_pages, fake_max_mfn;
/* Runstate each fake vCPU reports as its running time (ns), and whether one is on a CPU. */
extern uint64_t fake_running_ns;

#endif
