/* SPDX-License-Identifier: MIT */
/* sched_op (hypercall 29): yield, block, poll and shut down. */
#ifndef TERN_PUBLIC_SCHED_H
#define TERN_PUBLIC_SCHED_H

/* sched_op(cmd, arg_gva). Unknown cmds return -ENOSYS. */

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/event_channel.h>

/* Give up the physical CPU to another runnable vCPU, if any. arg unused. Returns 0. */
#define SCHEDOP_yield 0

/*
 * Block until an event is pending for this vCPU. arg unused. For PV this also clears
 * evtchn_upcall_mask; PVH/HVM guests idle with HLT instead.
 */
#define SCHEDOP_block 1

/* Shut the calling domain down: arg = struct sched_shutdown. Does not return on success. */
#define SCHEDOP_shutdown 2

/*
 * Block until one of the listed ports is pending, the timeout passes, or an upcall is
 * deliverable: arg = struct sched_poll. Returns 0 at once if a listed port is already
 * pending, whether masked or not. Ports must be valid ports of the caller (else
 * -EINVAL); the list must be readable (else -EFAULT).
 */
#define SCHEDOP_poll 3

/* Shut another domain down (privileged): arg = struct sched_remote_shutdown. */
#define SCHEDOP_remote_shutdown 4

/*
 * Record the reason of a later shutdown (e.g. before a watchdog fires or a triple fault):
 * arg = struct sched_shutdown. Returns 0 and keeps running.
 */
#define SCHEDOP_shutdown_code 5

/*
 * Create, refresh or destroy a domain watchdog: arg = struct sched_watchdog. With id 0 a
 * new watchdog is created and its id (>= 1) returned, or -ENOSPC; otherwise watchdog id is
 * re-armed, or destroyed if timeout is 0 (-EINVAL if id is not in use). If a watchdog
 * expires the domain is shut down with SHUTDOWN_watchdog.
 */
#define SCHEDOP_watchdog 6

/*
 * dom0 only: pin the calling vCPU to physical CPU pcpu temporarily (for firmware calls),
 * or undo it with pcpu < 0: arg = struct sched_pin_override.
 */
#define SCHEDOP_pin_override 7

/* Shutdown reasons (SHUTDOWN_*). */
#define SHUTDOWN_poweroff 0   /* exited normally: clean up and destroy */
#define SHUTDOWN_reboot 1     /* clean up, destroy, then restart */
#define SHUTDOWN_suspend 2    /* clean up, save the suspend state, destroy */
#define SHUTDOWN_crash 3      /* the domain crashed (Linux uses it on panic) */
#define SHUTDOWN_watchdog 4   /* restart because a watchdog expired */
/*
 * Domain asked to be reset to its initial state keeping its memory (kexec): the toolstack
 * takes the domain's memory over into a fresh domain.
 */
#define SHUTDOWN_soft_reset 5
#define SHUTDOWN_MAX 5        /* highest valid reason; larger ones give -EINVAL */

/* arg of SCHEDOP_shutdown and SCHEDOP_shutdown_code. */
struct sched_shutdown {
    uint32_t reason; /* IN: SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

/*
 * arg of SCHEDOP_poll; it blocks the calling vCPU. A send to any listed port wakes it,
 * even if the port is masked. Linux's PV spinlocks poll one port with timeout 0 and BUG
 * if the call fails.
 */
struct sched_poll {
    uint64_t ports_gva; /* IN: array of nr_ports evtchn_port_t */
    uint32_t nr_ports;  /* IN: number of ports, at most 128 (else -EINVAL) */
    uint32_t pad; /* IN: padding, ignored */
    uint64_t timeout;   /* IN: absolute system time (ns) to give up at; 0 = no timeout */
};
typedef struct sched_poll sched_poll_t;

/* arg of SCHEDOP_remote_shutdown. */
struct sched_remote_shutdown {
    domid_t domain_id; /* IN: domain to shut down */
    uint16_t pad; /* IN: padding, ignored */
    uint32_t reason;   /* IN: SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

/* arg of SCHEDOP_watchdog. */
struct sched_watchdog {
    uint32_t id;      /* IN: watchdog id, or 0 to create a new one */
    uint32_t timeout; /* IN: seconds until expiry; 0 destroys the watchdog */
};
typedef struct sched_watchdog sched_watchdog_t;

/* arg of SCHEDOP_pin_override. */
struct sched_pin_override {
    int32_t pcpu; /* IN: physical CPU to pin to, or negative to remove the override */
};
typedef struct sched_pin_override sched_pin_override_t;

_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown size");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll size");
_Static_assert(offsetof(struct sched_poll, nr_ports) == 8, "sched_poll.nr_ports");
_Static_assert(offsetof(struct sched_poll, timeout) == 16, "sched_poll.timeout");
_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown size");
_Static_assert(offsetof(struct sched_remote_shutdown, reason) == 4, "remote.reason");
_Static_assert(sizeof(struct sched_watchdog) == 8, "sched_watchdog size");
_Static_assert(sizeof(struct sched_pin_override) == 4, "sched_pin_override size");

#endif /* TERN_PUBLIC_SCHED_H */
