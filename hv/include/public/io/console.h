/* SPDX-License-Identifier: MIT */
/* The PV console ring page (hvc0 in Linux) shared between a guest and its console backend. */
#ifndef TERN_PUBLIC_IO_CONSOLE_H
#define TERN_PUBLIC_IO_CONSOLE_H

/*
 * The page sits at GFN HVM_PARAM_CONSOLE_PFN of the guest; its notifications go over the
 * event channel HVM_PARAM_CONSOLE_EVTCHN (public/hvm/params.h). Two byte rings:
 *   out: guest -> backend (the guest produces, advances out_prod; backend advances out_cons)
 *   in:  backend -> guest (the backend produces, advances in_prod; guest advances in_cons)
 * Indices run freely (they wrap at 2^32) and are reduced with MASK_XENCONS_IDX. A producer
 * writes the bytes, issues a write barrier, updates its index, then notifies the event
 * channel. prod - cons is the number of unread bytes and never exceeds the ring size.
 */

#include <stddef.h>
#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

/* Index idx reduced to a byte offset in ring (an array whose size is a power of two). */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

/* Ring sizes (Tern names). */
#define XENCONS_IN_SIZE 1024
#define XENCONS_OUT_SIZE 2048

struct xencons_interface {
    char in[XENCONS_IN_SIZE];   /* backend -> guest bytes */
    char out[XENCONS_OUT_SIZE]; /* guest -> backend bytes */
    XENCONS_RING_IDX in_cons;   /* written by the guest */
    XENCONS_RING_IDX in_prod;   /* written by the backend */
    XENCONS_RING_IDX out_cons;  /* written by the backend */
    XENCONS_RING_IDX out_prod;  /* written by the guest */
};

_Static_assert(sizeof(struct xencons_interface) == 3088, "xencons_interface size");
_Static_assert(offsetof(struct xencons_interface, out) == 1024, "out");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 3072, "in_cons");
_Static_assert(offsetof(struct xencons_interface, in_prod) == 3076, "in_prod");
_Static_assert(offsetof(struct xencons_interface, out_cons) == 3080, "out_cons");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 3084, "out_prod");
_Static_assert((XENCONS_IN_SIZE & (XENCONS_IN_SIZE - 1)) == 0, "in size power of two");
_Static_assert((XENCONS_OUT_SIZE & (XENCONS_OUT_SIZE - 1)) == 0, "out size power of two");

#endif /* TERN_PUBLIC_IO_CONSOLE_H */
