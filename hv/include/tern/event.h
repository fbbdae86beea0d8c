/* SPDX-License-Identifier: MIT */
/*
 * Event channels (2-level ABI): the internal interface of common/event_channel.c.
 *
 * Each domain has up to EVTCHN_2L_NR_CHANNELS ports; port 0 is reserved and never handed
 * out. The port table grows on demand in buckets of EVTCHNS_PER_BUCKET ports, so an idle
 * domain costs about 1.6 KiB. Delivery follows Xen's 2-level rules on the guest's
 * shared_info (pending/mask bitmaps) and vcpu_info (pending_sel, upcall_pending).
 *
 * Life cycle, called by domain.c:
 *   evtchn_init(d)     in domain_create(), after d->domain_id is set and before any vCPU
 *                      can run;
 *   evtchn_destroy(d)  in domain_destroy(), after every vCPU and timer of d has stopped and
 *                      before d's memory (shared_info, vcpu_info pages) is released: closes
 *                      every port (interdomain peers become unbound) and frees the table;
 *   evtchn_free(d)     when the struct domain itself is freed (last domain_put()): frees the
 *                      small remaining header, which outlives evtchn_destroy() so that
 *                      another domain still holding a reference sees an empty table rather
 *                      than freed memory.
 *
 * Locking: one lock per domain, always taken with interrupts disabled, because timers
 * deliver VIRQs from interrupt context. Two domains' locks are taken lower domid first.
 */
#ifndef TERN_EVENT_H
#define TERN_EVENT_H

#include <public/event_channel.h>
#include <public/xen.h>
#include <tern/types.h>

struct domain;
struct vcpu;

/* EVTCHN_2L_NR_CHANNELS (4096) comes from public/event_channel.h. */
#define EVTCHNS_PER_BUCKET 64
/* Tern-side ports (remote end is the hypervisor: console, ...) per domain. */
#define EVTCHN_MAX_XEN_PORTS 4

/* Called with no event lock held when the guest sends on a Tern-side port. */
typedef void (*evtchn_notify_fn)(struct domain *d, evtchn_port_t port, void *data);
typedef bool (*evtchn_handover_fn)(struct domain *d, evtchn_port_t port, struct domain *binder,
                                   void *data);

int evtchn_init(struct domain *d);
/*
 * The highest port d may have (Xen's max_evtchn_port from createdomain: libxl's
 * max_event_channels, 1023 by default), capped at the table's size; ports above it already
 * handed out stay. Called by domctl createdomain before the domain runs.
 */
void evtchn_set_max_port(struct domain *d, uint32_t max_port);
void evtchn_destroy(struct domain *d);
void evtchn_free(struct domain *d);

/*
 * Raise VIRQ virq for v: a per-vCPU VIRQ (VIRQ_TIMER, ...) bound on v, or a global VIRQ
 * (VIRQ_CONSOLE, ...) bound on the domain (pass any vCPU of it; it lands on the vCPU the port
 * is bound to). Safe from interrupt context. 0, -ENOENT if nothing is bound, -EINVAL.
 */
int evtchn_send_virq(struct vcpu *v, unsigned int virq);

/*
 * Domain-builder helpers; no policy hook is asked, the caller is Tern itself.
 * alloc: a new port of d in state unbound, which only domain `remote` may bind to.
 * bind:  a new port of ld connected to rd's unbound port rport (reserved for ld).
 * 0 or -EINVAL (bad port or state), -ENOSPC (table full), -ENOMEM.
 */
int evtchn_alloc_unbound_port(struct domain *d, domid_t remote, evtchn_port_t *port);
int evtchn_bind_interdomain_ports(struct domain *ld, struct domain *rd, evtchn_port_t rport,
                                  evtchn_port_t *lport);

/*
 * A port of d whose remote end is Tern. The guest sees an interdomain channel to DOMID_XEN
 * (EVTCHNOP_status); EVTCHNOP_send on it calls notify(d, port, data) with no lock held. The
 * guest may move it to another vCPU (EVTCHNOP_bind_vcpu) but cannot close it (-EINVAL), and
 * EVTCHNOP_reset keeps it, as Xen does for its own channels. Tern raises the guest side with
 * evtchn_raise(d, port). The port is released by evtchn_destroy().
 * 0, -EINVAL, -ENOSPC (table full, or EVTCHN_MAX_XEN_PORTS in use), -ENOMEM.
 */
int evtchn_alloc_xen_port(struct domain *d, evtchn_notify_fn notify, void *data,
                          evtchn_port_t *port);

/*
 * Let a privileged domain other than d take over d's Tern-side port: its
 * EVTCHNOP_bind_interdomain to the port (as to an unbound port reserved for it) calls
 * handover(d, port, binder, data) under both domains' event-channel locks with interrupts
 * off; when that returns true the port becomes an ordinary interdomain channel with the
 * binder's new port, and Tern's notify is not called again. Anyone else binding it still
 * gets -EINVAL, as Xen gives for a port that is not unbound. A NULL handover withdraws the
 * offer: once that returned, no handover call runs or starts. 0 or -EINVAL (not, or no
 * longer, a Tern-side port).
 */
int evtchn_xen_port_allow_handover(struct domain *d, evtchn_port_t port,
                                   evtchn_handover_fn handover);

/*
 * Make port pending on the vCPU it is currently bound to (the notify vCPU, which
 * EVTCHNOP_bind_vcpu may move). For Tern-side ports and the like. 0 or -EINVAL.
 */
int evtchn_raise(struct domain *d, evtchn_port_t port);

/*
 * The 2-level delivery of port to v (pvh-abi.md section 4): set the pending bit; if it was
 * clear and the port is unmasked, set v's selector bit and upcall_pending and kick v when
 * upcall_pending goes 0 -> 1; wake any vCPU of the domain polling the port, even if masked.
 * Lock-free (atomics on guest memory): callable with any event lock held and from interrupt
 * context. The caller picks v; most callers want evtchn_raise() instead.
 */
void evtchn_set_pending(struct vcpu *v, evtchn_port_t port);

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);
/* Is port inside d's allocated port table (Xen's port_is_valid)? */
bool evtchn_port_valid(struct domain *d, evtchn_port_t port);
/* v's evtchn_upcall_pending: the upcall vector is due (level-like, no EOI). */
bool vcpu_has_pending_upcall(struct vcpu *v);

/* Print d's bound ports with their state, notify vCPU and pending/mask bits. */
void evtchn_debug_dump(struct domain *d);

#endif
