/* SPDX-License-Identifier: MIT */
/*
 * Domains and vCPUs: the generic part. Architecture state is embedded as struct arch_domain /
 * struct arch_vcpu (asm/domain.h); subsystems with a lot of state (event channels, grant
 * tables) hang theirs off opaque pointers they allocate in their own *_init(d).
 *
 * Life cycle: domain_create() -> vcpu_create() for each vCPU -> (builder loads memory and
 * sets the boot state) -> domain_unpause() ... domain_shutdown(reason) -> domain_destroy().
 * domain_destroy() returns every page: Tern's free-page count is back to its value before
 * domain_create().
 */
#ifndef TERN_DOMAIN_H
#define TERN_DOMAIN_H

#include <asm/domain.h>
#include <public/xen.h>
#include <tern/memory.h>
#include <tern/page_alloc.h>
#include <tern/spinlock.h>
#include <tern/timer.h>
#include <tern/types.h>

#define MAX_VIRT_CPUS 128
#define DOMAIN_NAME_LEN 64
#define TERN_NR_VIRQS 24
#define TERN_NR_HVM_PARAMS 64

/* vcpu->pause_flags */
#define VPF_down (1u << 0)    /* not brought up (VCPUOP_down, or never initialised) */
#define VPF_blocked (1u << 1) /* SCHEDOP_block / HLT: waiting for an event */
#define VPF_polling (1u << 2) /* SCHEDOP_poll in progress */

/* Xen's runstates (public/vcpu.h RUNSTATE_*) */
enum vcpu_runstate { VRS_running = 0, VRS_runnable = 1, VRS_blocked = 2, VRS_offline = 3 };

struct vcpu {
    unsigned int vcpu_id;
    struct domain *domain;

    /* scheduling (sched/core.c) */
    unsigned int processor;      /* pCPU it runs on or is queued on */
    unsigned int home_cpu;       /* where sched_add_vcpu() placed it */
    uint64_t affinity;           /* pCPUs it may run on, bit n = CPU n */
    volatile uint32_t pause_flags; /* VPF_*: runnable only when 0 and the domain is unpaused */
    volatile bool is_running;    /* in guest mode or being handled on a pCPU right now */
    bool on_runqueue;
    struct vcpu *rq_next;
    s_time_t slice_end;
    enum vcpu_runstate runstate;
    s_time_t runstate_entry;
    s_time_t runstate_time[4];
    uint64_t runstate_guest_gva; /* VCPUOP_register_runstate_memory_area, 0 = none */
    uint64_t time_area_gva;      /* VCPUOP_register_vcpu_time_memory_area, 0 = none */

    /* events (event_channel.c) */
    struct vcpu_info *vcpu_info; /* Tern's pointer to the guest's vcpu_info */
    bool vcpu_info_registered;   /* VCPUOP_register_vcpu_info done (allowed once) */
    struct page_info *vcpu_info_page; /* its frame, referenced while registered */
    uint32_t virq_to_evtchn[TERN_NR_VIRQS];
    uint32_t poll_ports[128];    /* SCHEDOP_poll: the ports being polled */
    unsigned int nr_poll_ports;
    struct timer poll_timer;

    /* time (vcpu.c): VCPUOP_set_singleshot_timer, set_periodic_timer */
    struct timer singleshot_timer;
    struct timer periodic_timer;
    uint64_t periodic_period;
    bool is_initialised;         /* has a register state (boot, or VCPUOP_initialise) */

    /* hypercalls: the multicall entry being run (its args take continuations), or NULL */
    struct multicall_entry *mc_call;

    struct arch_vcpu arch;
};

#define HYPERCALL_PROFILE_SLOTS 48 /* numbers 0-46, then one slot for all others */

struct domain {
    domid_t domain_id;
    char name[DOMAIN_NAME_LEN];
    spinlock_t lock;
    unsigned int refcount;       /* domain_get()/domain_put(); freed at 0 after destroy */
    struct domain *next;         /* domain list, by id */

    unsigned int max_vcpus;
    struct vcpu *vcpu[MAX_VIRT_CPUS];

    unsigned int pause_count;    /* domain_pause() nesting; runs only at 0 */
    unsigned int controller_pause_count; /* the toolstack's share of it (domctl.c) */
    uint8_t handle[16];          /* the toolstack's UUID for it (XEN_DOMCTL_createdomain) */
    bool controller_created;     /* by XEN_DOMCTL_createdomain: the toolstack decides its end */
    bool creation_finished;      /* its controller unpaused it once: the CPU policy is fixed */
    bool is_xenstore;            /* XEN_DOMCTL_CDF_xs_domain */
    bool destroy_requested;      /* XEN_DOMCTL_destroydomain: Tern's context tears it down */
    bool is_dead;                /* domain_destroy() returned: references alone keep it */
    uint64_t paging_mempool_size; /* XEN_DOMCTL_set_paging_mempool_size, recorded only */
    bool is_shutting_down;
    bool is_shut_down;
    bool is_dying;
    unsigned int vcpu_users;     /* toolstack calls using d->vcpu[] (domain_vcpus_get) */
    int shutdown_code;           /* SHUTDOWN_*; -1 until recorded or shut down */
    bool is_privileged;          /* dom0 and control domains */

    /* memory (memory.c, page_ref.c, p2m) */
    spinlock_t page_alloc_lock;  /* the page lists and tot_pages */
    uint64_t tot_pages;          /* frames owned (on either list) */
    uint64_t max_pages;          /* maxmem */
    uint64_t outstanding_pages;  /* XENMEM_claim_pages: claimed, not yet allocated */
    struct page_list page_list;  /* frames d owns with their allocation reference */
    struct page_list relinquished; /* frames d still owns after destruction, used elsewhere */
    bool pages_dying;            /* domain_relinquish_pages() began: no new frames */
    spinlock_t physmap_lock;     /* orders add/remove_from_physmap of shared frames */
    struct page_info *shared_info_page;
    struct shared_info *shared_info;
    uint64_t tern_overhead_bytes; /* Tern's own memory for this domain (structs, NPT) */
    /* Hypercalls by number (multicall entries counted too) and the ns spent in them, for
     * the 'e' debug key and the teardown summary (common/hypercall.c). */
    uint64_t hypercall_count[HYPERCALL_PROFILE_SLOTS];
    uint64_t hypercall_ns[HYPERCALL_PROFILE_SLOTS];
    uint64_t shared_info_gfn;     /* where the guest mapped shared_info, ~0 = nowhere */
    struct domain_e820 *e820;     /* XENMEM_memory_map */
    unsigned int nr_e820;

    /* subsystems */
    struct evtchn_domain *evtchn;    /* event_channel.c */
    struct grant_table *grant_table; /* grant_table.c */
    struct domain_console *console;  /* domain_console.c */
    uint64_t hvm_params[TERN_NR_HVM_PARAMS];
    uint32_t vm_assist;          /* VMASST_TYPE_* bits enabled */
    bool compat_hypercall_logged;
    bool unbacked_access_logged;

    /* boot-time configuration, kept for on_reboot = "restart" (domain_build.c) */
    struct boot_domain *boot;

    struct arch_domain arch;
};

/* Create a domain with max_vcpus vCPU slots; paused (pause_count 1). NULL + *rc on failure. */
struct domain *domain_create(domid_t domid, const char *name, unsigned int max_vcpus,
                             int *rc);
struct vcpu *vcpu_create(struct domain *d, unsigned int vcpu_id);
/* Lookup with a reference, or NULL. DOMID_SELF is resolved by the caller. */
struct domain *domain_get_by_id(domid_t domid);
/* The domain with the smallest id >= from, dying ones included (getdomaininfo's rule), with a
 * reference for domain_put(); NULL if none. */
struct domain *domain_get_next(domid_t from);
void domain_get(struct domain *d);
void domain_put(struct domain *d);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* From a vCPU (a hypercall): d stops at its vCPUs' next exit, which an IPI forces now; not
 * waiting for that, as a vCPU never waits for another (sched/core.c). */
void domain_pause_nosync(struct domain *d);
/* Record the reason and stop every vCPU; the domain stays until domain_destroy(). */
void domain_shutdown(struct domain *d, int reason);
/* The guest broke (triple fault, unhandled exit): log and shut down with SHUTDOWN_crash. */
void domain_crash(struct domain *d, const char *why);
/* Tear down: vCPUs, event channels, grants, memory; the struct goes at the last reference. */
void domain_destroy(struct domain *d);
/* Iterate over all domains (under the domain list lock). */
void for_each_domain(void (*fn)(struct domain *d, void *arg), void *arg);
unsigned int domain_count(void);

const char *shutdown_reason_name(int reason);
/* Called once when d starts shutting down: the builder/toolstack decides what follows
 * (destroy, restart, preserve), from the scheduler's context once d is off every CPU. */
void domain_shutdown_notify(struct domain *d);
/* Drop the reference on v's registered vcpu_info frame (vCPU teardown). */
void vcpu_release_vcpu_info(struct vcpu *v);
/*
 * Toolstack calls that read or change d's vCPUs (domctls, getdomaininfo) run between these:
 * get fails once d is dying, and domain_destroy() waits for the calls in progress before it
 * tears the vCPUs down. Holders never wait on a vCPU of d, so that wait is bounded.
 */
bool domain_vcpus_get(struct domain *d);
void domain_vcpus_put(struct domain *d);
/* Take v down (VCPUOP_down; HLT with interrupts off, "why" says which, for the log); the
 * last vCPU down powers the domain off. Never waits for v. common/vcpu.c. */
void vcpu_take_down(struct vcpu *v, const char *why);
/* vCPU timers (VCPUOP_set_singleshot_timer, SCHEDOP_poll timeouts): common/vcpu.c. */
void vcpu_timers_init(struct vcpu *v);
void vcpu_timers_kill(struct vcpu *v);
/* Runstate accounting (sched/core.c) and the guest's registered copy of it. */
struct vcpu_runstate_info;
void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info);
void vcpu_runstate_publish(struct vcpu *v);

/* The vCPU running on this pCPU, or NULL in Tern's own context. */
struct vcpu *current_vcpu(void);
void set_current_vcpu(struct vcpu *v);
#define current (current_vcpu())

#endif
