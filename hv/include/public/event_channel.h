/* SPDX-License-Identifier: MIT */
/* event_channel_op (hypercall 32): create, bind, signal and close event channels. */
#ifndef TERN_PUBLIC_EVENT_CHANNEL_H
#define TERN_PUBLIC_EVENT_CHANNEL_H

/*
 * event_channel_op(cmd, arg_gva). An event channel is a port number in a domain's port
 * table. Each port is bound to one vCPU (vCPU 0 unless moved with EVTCHNOP_bind_vcpu);
 * its events set a pending bit and raise an upcall on that vCPU (see vcpu_info in
 * public/xen.h for the 2-level delivery). Port 0 is never allocated.
 *
 * Errors common to all ops: -EFAULT (argument not readable/writable), -EINVAL (bad port,
 * vCPU or VIRQ), -ESRCH (no such domain), -EPERM (not allowed on that domain),
 * -ENOSPC (port table full), -ENOSYS (unknown cmd).
 */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11 /* FIFO ABI; -ENOSYS makes Linux use 2-level */
#define EVTCHNOP_expand_array 12 /* FIFO ABI */
#define EVTCHNOP_set_priority 13 /* FIFO ABI */
/* Continuation of EVTCHNOP_reset; internal to Xen (its header hides it from guests). */
#define EVTCHNOP_reset_cont 14

typedef uint32_t evtchn_port_t;

/* Ports of the 2-level ABI: 64 selector bits x 64 bits per word. */
#define EVTCHN_2L_NR_CHANNELS 4096
#define NR_EVENT_CHANNELS EVTCHN_2L_NR_CHANNELS

/*
 * EVTCHNOP_alloc_unbound: allocate a port in domain dom that domain remote_dom may later
 * connect to with EVTCHNOP_bind_interdomain. dom must be DOMID_SELF (or the caller's id)
 * unless the caller is privileged. remote_dom may be DOMID_SELF.
 */
struct evtchn_alloc_unbound {
    domid_t dom;        /* IN: domain that gets the port */
    domid_t remote_dom; /* IN: domain allowed to connect */
    evtchn_port_t port; /* OUT: the new port in dom */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/*
 * EVTCHNOP_bind_interdomain: connect a new local port to remote_port of remote_dom, which
 * must be unbound and allow the caller as its remote end. Both ends become interdomain;
 * a send on either sets the other pending. The new port is bound to vCPU 0.
 */
struct evtchn_bind_interdomain {
    domid_t remote_dom;         /* IN: domain owning the unbound port */
    uint16_t pad; /* IN: padding, ignored */
    evtchn_port_t remote_port;  /* IN: that port */
    evtchn_port_t local_port;   /* OUT: the new local port */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/*
 * EVTCHNOP_bind_virq: bind a VIRQ_* (public/xen.h) to a new port on vCPU vcpu. Per-vCPU
 * VIRQs (e.g. VIRQ_TIMER) are bound once per vCPU; global ones only on one vCPU. Binding
 * an already bound (virq, vcpu) returns -EEXIST.
 */
struct evtchn_bind_virq {
    uint32_t virq;      /* IN: VIRQ_* */
    uint32_t vcpu;      /* IN: vCPU to deliver on */
    evtchn_port_t port; /* OUT: the new port */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* EVTCHNOP_bind_pirq: bind a physical IRQ (pirq) to a new port. Privileged/PV only. */
struct evtchn_bind_pirq {
    uint32_t pirq;      /* IN: physical IRQ number in the domain's pirq space */
#define BIND_PIRQ__WILL_SHARE 1
    uint32_t flags;     /* IN: BIND_PIRQ__* */
    evtchn_port_t port; /* OUT: the new port */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/*
 * EVTCHNOP_bind_ipi: allocate a port on vCPU vcpu for inter-processor notifications. A
 * send on it sets the same port pending (on its bound vCPU).
 */
struct evtchn_bind_ipi {
    uint32_t vcpu;      /* IN: vCPU to deliver on */
    evtchn_port_t port; /* OUT: the new port */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/*
 * EVTCHNOP_close: close a port of the calling domain. An interdomain peer port goes back
 * to unbound. Linux BUGs if this fails for a port it owns.
 */
struct evtchn_close {
    evtchn_port_t port; /* IN: port to close */
};
typedef struct evtchn_close evtchn_close_t;

/*
 * EVTCHNOP_send: signal a port of the calling domain. ipi: the port itself becomes
 * pending; interdomain: the peer's port; unbound: nothing, success. Other types: -EINVAL.
 */
struct evtchn_send {
    evtchn_port_t port; /* IN: local port */
};
typedef struct evtchn_send evtchn_send_t;

/*
 * EVTCHNOP_status: describe port of domain dom (DOMID_SELF, or any domain if privileged).
 */
#define EVTCHNSTAT_closed 0      /* not in use */
#define EVTCHNSTAT_unbound 1     /* waiting for an interdomain connection */
#define EVTCHNSTAT_interdomain 2 /* connected to a port of another (or the same) domain */
#define EVTCHNSTAT_pirq 3        /* bound to a physical IRQ */
#define EVTCHNSTAT_virq 4        /* bound to a VIRQ */
#define EVTCHNSTAT_ipi 5         /* bound for IPIs */

struct evtchn_status {
    domid_t dom;        /* IN: domain owning the port */
    uint16_t pad0; /* IN: padding, ignored */
    evtchn_port_t port; /* IN: port to describe */
    uint32_t status;    /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;      /* OUT: vCPU the port is bound to */
    union {
        struct {
            domid_t dom;        /* OUT: domain allowed to connect */
        } unbound;              /* EVTCHNSTAT_unbound */
        struct {
            domid_t dom;        /* OUT: peer domain */
            uint16_t pad; /* OUT: padding */
            evtchn_port_t port; /* OUT: peer port */
        } interdomain;          /* EVTCHNSTAT_interdomain */
        uint32_t pirq;          /* OUT: EVTCHNSTAT_pirq */
        uint32_t virq;          /* OUT: EVTCHNSTAT_virq */
    } u;
};
typedef struct evtchn_status evtchn_status_t;

/*
 * EVTCHNOP_bind_vcpu: deliver future events of port to vCPU vcpu. Allowed for
 * interdomain, unbound and pirq ports and for global VIRQs; per-vCPU VIRQs and IPIs
 * return -EINVAL. Linux ignores failures.
 */
struct evtchn_bind_vcpu {
    evtchn_port_t port; /* IN: local port */
    uint32_t vcpu;      /* IN: new target vCPU */
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/*
 * EVTCHNOP_unmask: clear the port's mask bit. If the port is pending, set its selector
 * bit and upcall_pending on the bound vCPU and raise the upcall, so no event is lost.
 */
struct evtchn_unmask {
    evtchn_port_t port; /* IN: local port */
};
typedef struct evtchn_unmask evtchn_unmask_t;

/*
 * EVTCHNOP_reset: close all ports of domain dom (DOMID_SELF, or any if privileged) and
 * return the domain to the 2-level ABI.
 */
struct evtchn_reset {
    domid_t dom; /* IN: domain to reset */
};
typedef struct evtchn_reset evtchn_reset_t;

/* ---- FIFO ABI (optional; Tern may return -ENOSYS for init_control) ------------------- */

/* EVTCHNOP_init_control: register vcpu's FIFO control block and switch to the FIFO ABI. */
struct evtchn_init_control {
    uint64_t control_gfn; /* IN: guest frame holding the control block */
    uint32_t offset;      /* IN: offset of the control block in that frame */
    uint32_t vcpu;        /* IN: vCPU whose control block this is */
    uint8_t link_bits;    /* OUT: EVTCHN_FIFO_LINK_BITS */
    uint8_t _pad[7]; /* OUT: padding */
};
typedef struct evtchn_init_control evtchn_init_control_t;

/* EVTCHNOP_expand_array: add a page of event words. */
struct evtchn_expand_array {
    uint64_t array_gfn; /* IN: guest frame of the new event-word page */
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

/* EVTCHNOP_set_priority: FIFO priority of a port. */
struct evtchn_set_priority {
    evtchn_port_t port; /* IN: local port */
    uint32_t priority;  /* IN: EVTCHN_FIFO_PRIORITY_MAX (0) .. _MIN (15) */
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

#define EVTCHN_FIFO_PRIORITY_MAX 0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15
#define EVTCHN_FIFO_MAX_QUEUES (EVTCHN_FIFO_PRIORITY_MIN + 1)

/* One 32-bit event word per port: flag bits 31..28, link to the next port in 16..0. */
typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING 31
#define EVTCHN_FIFO_MASKED 30
#define EVTCHN_FIFO_LINKED 29
#define EVTCHN_FIFO_BUSY 28
#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

/* Per-vCPU FIFO control block, in guest memory. */
struct evtchn_fifo_control_block {
    uint32_t ready;                          /* bit q: queue q is non-empty */
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];   /* first port of each queue */
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

/* ---- Layout checks -------------------------------------------------------------------- */

_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound size");
_Static_assert(offsetof(struct evtchn_alloc_unbound, remote_dom) == 2, "remote_dom");
_Static_assert(offsetof(struct evtchn_alloc_unbound, port) == 4, "port");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain size");
_Static_assert(offsetof(struct evtchn_bind_interdomain, remote_port) == 4, "remote_port");
_Static_assert(offsetof(struct evtchn_bind_interdomain, local_port) == 8, "local_port");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq size");
_Static_assert(offsetof(struct evtchn_bind_virq, vcpu) == 4, "vcpu");
_Static_assert(offsetof(struct evtchn_bind_virq, port) == 8, "port");
_Static_assert(sizeof(struct evtchn_bind_pirq) == 12, "evtchn_bind_pirq size");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi size");
_Static_assert(sizeof(struct evtchn_close) == 4, "evtchn_close size");
_Static_assert(sizeof(struct evtchn_send) == 4, "evtchn_send size");
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status size");
_Static_assert(offsetof(struct evtchn_status, port) == 4, "status.port");
_Static_assert(offsetof(struct evtchn_status, status) == 8, "status.status");
_Static_assert(offsetof(struct evtchn_status, vcpu) == 12, "status.vcpu");
_Static_assert(offsetof(struct evtchn_status, u) == 16, "status.u");
_Static_assert(offsetof(struct evtchn_status, u.interdomain.port) == 20, "u.interdomain.port");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "evtchn_bind_vcpu size");
_Static_assert(sizeof(struct evtchn_unmask) == 4, "evtchn_unmask size");
_Static_assert(sizeof(struct evtchn_reset) == 2, "evtchn_reset size");
_Static_assert(sizeof(struct evtchn_init_control) == 24, "evtchn_init_control size");
_Static_assert(offsetof(struct evtchn_init_control, link_bits) == 16, "link_bits");
_Static_assert(sizeof(struct evtchn_expand_array) == 8, "evtchn_expand_array size");
_Static_assert(sizeof(struct evtchn_set_priority) == 8, "evtchn_set_priority size");
_Static_assert(sizeof(struct evtchn_fifo_control_block) == 72, "fifo control block size");

#endif /* TERN_PUBLIC_EVENT_CHANNEL_H */
