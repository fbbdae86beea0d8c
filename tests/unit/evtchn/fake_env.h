/* SPDX-License-Identifier: MIT */
/*
 * Fakes for what hv/common/event_channel.c calls outside itself: domains with host-memory
 * shared_info and vCPUs, the current vCPU, guest copies (a gva is a host pointer), kicks,
 * pause flags, the XSM hooks and the heap.
 */
#ifndef EVTCHN_FAKE_ENV_H
#define EVTCHN_FAKE_ENV_H

#include <public/event_channel.h>
#include <tern/domain.h>
#include <tern/event.h>
#include <tern/hypercall.h>

/* copy_from_guest/copy_to_guest fail with -EFAULT on this address. */
#define FAKE_BAD_GVA 0xdead0000ULL

/* Free everything a previous (possibly failed) test left, then start from scratch. */
void fake_setup(void);
/* Create domain id with nr_vcpus vCPUs (vcpu_info inside its shared_info), evtchn_init'ed. */
struct domain *fake_domain(domid_t id, unsigned int nr_vcpus);
/* evtchn_destroy + evtchn_free, then check the references it left and free the domain. */
void fake_domain_free(struct domain *d);
/* Tear down every domain; CHECKs that no heap block and no domain reference leaked. */
void fake_teardown(void);

/* Hypercall as vCPU v: sets current, then do_event_channel_op(cmd, &arg). */
long fake_op(struct vcpu *v, int cmd, void *arg);

/* Kicks of v since the last fake_clear_kicks(). */
unsigned int fake_kicks(const struct vcpu *v);
unsigned int fake_total_kicks(void);
/* Calls of hypercall_unknown_subop() so far. */
unsigned int fake_unknown_subops(void);
void fake_clear_kicks(void);

/* Guest view helpers. */
void fake_guest_ack(struct vcpu *v); /* what Linux does first: clear upcall_pending, sel */
void fake_mask(struct domain *d, evtchn_port_t p, bool masked);
bool fake_sel_bit(const struct vcpu *v, unsigned int word);

/* Policy fake: the dummy rules (self or privileged), or deny everything. */
extern bool fake_xsm_deny;
/* Heap fake: blocks live, and "fail the next n-th allocation" (0 = never). */
extern long fake_heap_live;
extern unsigned int fake_heap_fail_in;
/* copy_to_guest fails (-EFAULT) while set, to test the copy-back path. */
extern bool fake_copy_out_fails;

/* Op wrappers returning the port (or a negative errno). */
long fake_alloc_unbound(struct vcpu *v, domid_t dom, domid_t remote);
long fake_bind_interdomain(struct vcpu *v, domid_t rdom, evtchn_port_t rport);
long fake_bind_virq(struct vcpu *v, uint32_t virq, uint32_t vcpu);
long fake_bind_ipi(struct vcpu *v, uint32_t vcpu);
long fake_port_op(struct vcpu *v, int cmd, evtchn_port_t port); /* close/send/unmask */
long fake_bind_vcpu(struct vcpu *v, evtchn_port_t port, uint32_t vcpu);
long fake_status(struct vcpu *v, domid_t dom, evtchn_port_t port, struct evtchn_status *st);
long fake_reset(struct vcpu *v, domid_t dom);

/* FIFO tests (fake_frames.c): a zeroed host page as d's RAM at gfn; the references Tern
 * holds on it now; fake_frames_release() checks Tern let go of all of them and frees. */
void *fake_guest_frame(struct domain *d, uint64_t gfn);
unsigned int fake_frame_refs(const void *va);
void fake_frames_release(void);
void fake_frames_forget(void); /* free without checking (a failed test's leftovers) */

#endif
