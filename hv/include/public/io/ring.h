/* SPDX-License-Identifier: MIT */
/* Layout and rules of the generic shared request/response ring used by PV devices. */
#ifndef TERN_PUBLIC_IO_RING_H
#define TERN_PUBLIC_IO_RING_H

/*
 * Split drivers (blkif, netif, ...) share one page per ring, granted by the frontend and
 * mapped by the backend. The page starts with the 64-byte header below, followed by an
 * array of slots; each slot is a union of the protocol's request and response, so its
 * size is the larger of the two. Xen describes this with the DEFINE_RING_TYPES macro
 * family; here only the layout and the rules are given, and protocols declare their own
 * slot types.
 *
 * Rules:
 *  - Indices (RING_IDX) run freely and wrap at 2^32; slot = idx & (nr_slots - 1).
 *  - The frontend produces requests (req_prod) and consumes responses; the backend the
 *    reverse. Each side keeps its consumer index privately.
 *  - Initial state: req_prod = rsp_prod = 0, req_event = rsp_event = 1.
 *  - A producer writes the slots, issues a write barrier, then publishes prod. It
 *    notifies the peer's event channel only if the peer asked for it:
 *      notify = (RING_IDX)(new_prod - event) < (RING_IDX)(new_prod - old_prod)
 *    where event is req_event (frontend producing) or rsp_event (backend producing).
 *  - A consumer that runs dry sets its event index to cons + 1, issues a full barrier,
 *    and checks for new work again before sleeping.
 */

#include <stddef.h>
#include <stdint.h>

typedef uint32_t RING_IDX;

/* Bytes of the shared header; slots start at this offset of the page. */
#define XEN_RING_HEADER_SIZE 64

/* The start of every shared ring page (Xen's struct <name>_sring without its slots). */
struct xen_sring_header {
    RING_IDX req_prod;  /* written by the frontend: requests produced */
    RING_IDX req_event; /* written by the backend: notify when req_prod passes this */
    RING_IDX rsp_prod;  /* written by the backend: responses produced */
    RING_IDX rsp_event; /* written by the frontend: notify when rsp_prod passes this */
    uint8_t pvt[4];     /* protocol-private (netif: smartpoll_active in byte 0); else 0 */
    uint8_t pad[44];
};

/*
 * Number of slots in a ring of ring_bytes bytes (usually 4096 << ring-page-order) whose
 * slots are slot_bytes long: the largest power of two that fits after the header.
 * Examples with one 4 KiB page: blkif (112-byte slots) 32, netif tx (12) and rx (8) 256.
 */
static inline uint32_t xen_ring_nr_slots(uint32_t ring_bytes, uint32_t slot_bytes)
{
    uint32_t fit = (ring_bytes - XEN_RING_HEADER_SIZE) / slot_bytes;
    uint32_t n = 1;

    if (fit == 0)
        return 0;
    while (n * 2 <= fit)
        n *= 2;
    return n;
}

/* Whether a producer that moved prod from old_prod to new_prod must notify (see above). */
static inline int xen_ring_need_notify(RING_IDX new_prod, RING_IDX old_prod, RING_IDX event)
{
    return (RING_IDX)(new_prod - event) < (RING_IDX)(new_prod - old_prod);
}

_Static_assert(sizeof(struct xen_sring_header) == XEN_RING_HEADER_SIZE, "sring header size");
_Static_assert(offsetof(struct xen_sring_header, req_event) == 4, "req_event");
_Static_assert(offsetof(struct xen_sring_header, rsp_prod) == 8, "rsp_prod");
_Static_assert(offsetof(struct xen_sring_header, rsp_event) == 12, "rsp_event");
_Static_assert(offsetof(struct xen_sring_header, pvt) == 16, "pvt");
_Static_assert(offsetof(struct xen_sring_header, pad) == 20, "pad");

#endif /* TERN_PUBLIC_IO_RING_H */
