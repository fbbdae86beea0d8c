/* SPDX-License-Identifier: MIT */
/* The xenstore wire protocol: message header, message types and the shared ring page. */
#ifndef TERN_PUBLIC_IO_XS_WIRE_H
#define TERN_PUBLIC_IO_XS_WIRE_H

/*
 * A domain talks to xenstored through a page (GFN HVM_PARAM_STORE_PFN) holding two byte
 * rings, and an event channel (HVM_PARAM_STORE_EVTCHN). Each message is a struct
 * xsd_sockmsg header followed by len bytes of payload, usually NUL-separated strings:
 *   READ path           -> the value (no trailing NUL)
 *   WRITE path\0value   -> "OK\0"
 *   DIRECTORY path      -> NUL-separated child names
 *   WATCH path\0token\0 -> "OK\0", and an immediate WATCH_EVENT; events carry
 *                          path\0token\0 with req_id 0
 *   TRANSACTION_START   -> decimal transaction id; TRANSACTION_END "T" commits, "F" aborts
 *   errors              -> type XS_ERROR with payload an errno name, e.g. "ENOENT\0"
 * Replies echo the request's type (or XS_ERROR), req_id and tx_id.
 */

#include <stddef.h>
#include <stdint.h>

enum xsd_sockmsg_type {
    XS_CONTROL = 0,              /* debug/control commands ("XS_DEBUG" in old code) */
    XS_DIRECTORY = 1,            /* list children of a node */
    XS_READ = 2,                 /* read a node's value */
    XS_GET_PERMS = 3,            /* read a node's permissions */
    XS_WATCH = 4,                /* add a watch on a path */
    XS_UNWATCH = 5,              /* remove a watch */
    XS_TRANSACTION_START = 6,    /* start a transaction */
    XS_TRANSACTION_END = 7,      /* commit or abort it (EAGAIN: retry) */
    XS_INTRODUCE = 8,            /* dom0: introduce a new domain's ring */
    XS_RELEASE = 9,              /* dom0: forget a domain */
    XS_GET_DOMAIN_PATH = 10,     /* "/local/domain/<id>" */
    XS_WRITE = 11,               /* write a node */
    XS_MKDIR = 12,               /* create a node */
    XS_RM = 13,                  /* remove a node and its children */
    XS_SET_PERMS = 14,           /* set a node's permissions */
    XS_WATCH_EVENT = 15,         /* server -> client: a watch fired */
    XS_ERROR = 16,               /* server -> client: error reply */
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    /* 20 was XS_RESTRICT (removed). */
    XS_RESET_WATCHES = 21,       /* remove all of the caller's watches */
    XS_DIRECTORY_PART = 22,      /* part of a large directory listing */
    /*
     * Types 23..26 were added after Xen 4.17 (in 4.21); 4.17's XS_TYPE_COUNT is 23.
     * Linux 6.1 never sends them.
     */
    XS_GET_FEATURE = 23,
    XS_SET_FEATURE = 24,
    XS_GET_QUOTA = 25,
    XS_SET_QUOTA = 26,
    XS_INVALID = 0xffff          /* never a valid type */
};

#define XS_DEBUG XS_CONTROL /* old name */

/*
 * Number of valid types in Xen 4.17 (XS_CONTROL .. XS_DIRECTORY_PART). Xen's enum has an
 * XS_TYPE_COUNT member whose value grows with new types; it is left out here.
 */
#define XS_TYPE_COUNT_4_17 23

/* Values of the "write" options of old toolstacks. */
#define XS_WRITE_NONE "NONE"
#define XS_WRITE_CREATE "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/*
 * Error replies name errno values as strings; xenstored uses: EINVAL, EACCES, EEXIST,
 * EISDIR, ENOENT, ENOMEM, ENOSPC, EIO, ENOTEMPTY, ENOSYS, EROFS, EBUSY, EAGAIN, EISCONN,
 * E2BIG, EPERM.
 */

/* Header of every message, in either direction. */
struct xsd_sockmsg {
    uint32_t type;   /* enum xsd_sockmsg_type */
    uint32_t req_id; /* chosen by the client, echoed in the reply; 0 in WATCH_EVENT */
    uint32_t tx_id;  /* transaction id, or 0 outside a transaction */
    uint32_t len;    /* payload bytes that follow, at most XENSTORE_PAYLOAD_MAX */
};

/* Positions of the strings in a WATCH_EVENT payload. */
enum xs_watch_type {
    XS_WATCH_PATH = 0,
    XS_WATCH_TOKEN
};

/* ---- The ring page -------------------------------------------------------------------- */

#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
/* Free-running index reduced to a byte offset in a ring. */
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

/*
 * The page. req carries client -> xenstored messages, rsp replies and watch events. The
 * indices run freely; prod - cons is at most XENSTORE_RING_SIZE. A message may wrap and
 * may be split over several ring fills. After producing, write-barrier, update prod,
 * notify the event channel.
 */
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE]; /* requests to xenstored */
    char rsp[XENSTORE_RING_SIZE]; /* replies and watch events */
    XENSTORE_RING_IDX req_cons;   /* written by xenstored */
    XENSTORE_RING_IDX req_prod;   /* written by the guest */
    XENSTORE_RING_IDX rsp_cons;   /* written by the guest */
    XENSTORE_RING_IDX rsp_prod;   /* written by xenstored */
    uint32_t server_features;     /* XENSTORE_SERVER_FEATURE_*, set by xenstored */
    uint32_t connection;          /* XENSTORE_CONNECTED / _RECONNECT. Linux waits unless 0 */
    uint32_t error;               /* XENSTORE_ERROR_*, with SERVER_FEATURE_ERROR */
    /*
     * Added after Xen 4.17 (in 4.21), in bytes 4.17 left unused: the domain's store port
     * for xenstored to signal, filled in for domains built by the hypervisor; 0 = unused.
     */
    uint32_t evtchn_port;
};

/* Payload limit of one message. Exceeding it is a protocol error. */
#define XENSTORE_PAYLOAD_MAX 4096
/* Path limits; exceeding them gets an error reply. */
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/* server_features bits. */
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1 /* the ring can be reconnected */
#define XENSTORE_SERVER_FEATURE_ERROR 2        /* the error field is maintained */
/* Added after Xen 4.17 (in 4.22): */
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH 4   /* XS_WATCH takes a depth argument */
#define XENSTORE_SERVER_FEATURE_DOMID_ANY 8    /* permissions may name "any domain" */

/* connection values. */
#define XENSTORE_CONNECTED 0 /* steady state */
#define XENSTORE_RECONNECT 1 /* reconnection in progress */

/* error values. */
#define XENSTORE_ERROR_NONE 0    /* no error */
#define XENSTORE_ERROR_COMM 1    /* communication problem */
#define XENSTORE_ERROR_RINGIDX 2 /* invalid ring index */
#define XENSTORE_ERROR_PROTO 3   /* protocol violation (e.g. payload too long) */

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg size");
_Static_assert(offsetof(struct xsd_sockmsg, req_id) == 4, "req_id");
_Static_assert(offsetof(struct xsd_sockmsg, tx_id) == 8, "tx_id");
_Static_assert(offsetof(struct xsd_sockmsg, len) == 12, "len");
_Static_assert(sizeof(struct xenstore_domain_interface) == 2080, "xenstore ring page size");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "rsp");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048, "req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052, "req_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056, "rsp_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060, "rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 2064,
               "server_features");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) == 2068, "connection");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072, "error");
_Static_assert(offsetof(struct xenstore_domain_interface, evtchn_port) == 2076, "evtchn_port");

#endif /* TERN_PUBLIC_IO_XS_WIRE_H */
