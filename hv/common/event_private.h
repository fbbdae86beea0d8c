/* SPDX-License-Identifier: MIT */
/*
 * What event_channel.c (ports, bindings, 2-level delivery) and event_fifo.c (the FIFO ABI)
 * share. Nothing outside those two files includes this.
 *
 * A domain starts with the 2-level ABI (bits in shared_info). EVTCHNOP_init_control switches
 * it to FIFO: e->fifo is published once its per-vCPU queues exist, and from then on delivery,
 * unmasking and pending checks go through event_fifo.c. EVTCHNOP_reset switches back.
 *
 * Locking: e->lock guards the port table and the bindings (as before). The FIFO queues have a
 * lock each, taken innermost: a peer raising one of our ports holds its own e->lock, not
 * ours, so the queues cannot rely on ours. Guest-visible event words and control blocks are
 * changed only with atomic operations, because the guest changes them too.
 */
#ifndef EVENT_PRIVATE_H
#define EVENT_PRIVATE_H

#include <public/event_channel.h>
#include <tern/domain.h>
#include <tern/event.h>
#include <tern/spinlock.h>

enum evtchn_state {
    ECS_FREE = 0,    /* 0 on purpose: new buckets come zeroed from xmalloc */
    ECS_RESERVED,    /* port 0 */
    ECS_UNBOUND,     /* waiting for remote_domid to bind to it */
    ECS_INTERDOMAIN, /* connected to remote_dom:remote_port, or to Tern (xen_slot) */
    ECS_VIRQ,
    ECS_IPI,
};

/* One port. 24 bytes, so a bucket of 64 ports is 1.5 KiB. */
struct evtchn {
    uint8_t state;        /* ECS_* */
    uint8_t xen_slot;     /* remote end is Tern: 1 + index into xen_ports[]; else 0 */
    uint16_t notify_vcpu; /* the vCPU whose selector/upcall (or FIFO queue) the port raises */
    union {
        uint32_t virq;             /* ECS_VIRQ */
        evtchn_port_t remote_port; /* ECS_INTERDOMAIN with a domain */
    };
    union {
        domid_t remote_domid;      /* ECS_UNBOUND: the only domain allowed to bind */
        struct domain *remote_dom; /* ECS_INTERDOMAIN: the peer, NULL when it is Tern */
    };
    /* FIFO ABI */
    uint8_t priority;      /* queue it goes on (EVTCHN_FIFO_PRIORITY_*) */
    uint8_t fifo_saved;    /* raised while its event word had no page yet */
    uint8_t last_priority; /* the queue it was last linked on: priority and vCPU */
    uint8_t pad;
    uint16_t last_vcpu;
    uint16_t pad2;
};

struct xen_port {
    evtchn_notify_fn notify; /* NULL: slot free */
    void *data;
    evtchn_handover_fn handover; /* a privileged domain may bind the port (NULL: nobody) */
};

#define NR_BUCKETS (EVTCHN_2L_NR_CHANNELS / EVTCHNS_PER_BUCKET)
#define BUCKET_BYTES (sizeof(struct evtchn) * EVTCHNS_PER_BUCKET)

struct evtchn_fifo;

struct evtchn_domain {
    spinlock_t lock;
    bool dying;          /* evtchn_destroy() has begun: no new ports */
    unsigned int valid;  /* ports below this have a bucket (buckets are allocated in order) */
    unsigned int max_port; /* no port above it is handed out (createdomain's max_evtchn_port) */
    struct evtchn *bucket[NR_BUCKETS];
    struct xen_port xen_ports[EVTCHN_MAX_XEN_PORTS];
    struct evtchn_fifo *fifo; /* the FIFO ABI's state, NULL under the 2-level ABI */
};

/* The port's entry if it is inside the table (caller holds d's lock, or knows the port
 * cannot go: buckets are never freed while the domain lives). */
struct evtchn *evtchn_port_chn(struct domain *d, evtchn_port_t port);
/* vCPU vcpu_id of d if it exists; guest-supplied ids are checked here. */
struct vcpu *evtchn_vcpu_of(struct domain *d, uint32_t vcpu_id);
/* Set v's upcall_pending and kick it on the 0 -> 1 edge (both ABIs). */
void evtchn_mark_upcall_pending(struct vcpu *v);
/* SCHEDOP_poll waiters on port are woken, masked or not. */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port);

/* ---- event_fifo.c ---------------------------------------------------------------------- */

/* EVTCHNOP_init_control / expand_array (the caller is d's own vCPU). */
int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *ic);
int evtchn_fifo_expand_array(struct domain *d, uint64_t gfn);
/* FIFO delivery of chn (port) to vCPU v; safe without d's lock (see above). */
void evtchn_fifo_set_pending(struct domain *d, struct evtchn_fifo *f, struct vcpu *v,
                             struct evtchn *chn, evtchn_port_t port);
void evtchn_fifo_clear_pending(struct evtchn_fifo *f, evtchn_port_t port);
void evtchn_fifo_unmask(struct domain *d, struct evtchn_fifo *f, struct evtchn *chn,
                        evtchn_port_t port);
bool evtchn_fifo_is_pending(struct evtchn_fifo *f, evtchn_port_t port);
bool evtchn_fifo_is_masked(struct evtchn_fifo *f, evtchn_port_t port);
/* Still on a queue (LINKED): such a port is not handed out again until the guest unlinks. */
bool evtchn_fifo_is_busy(struct evtchn_fifo *f, evtchn_port_t port);
/* Back to the 2-level ABI (reset) or gone (destroy): every mapped frame is let go.
 * Caller holds d's lock. */
void evtchn_fifo_destroy(struct domain *d);

#endif
