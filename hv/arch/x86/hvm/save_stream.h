/* SPDX-License-Identifier: MIT */
/*
 * The HVM context stream (XEN_DOMCTL_get/sethvmcontext) as Xen 4.17 writes and reads it:
 * descriptors and bodies in a flat buffer. Pure functions, so the unit tests run them on the
 * host; save.c fills and applies the records.
 */
#ifndef HVM_SAVE_STREAM_H
#define HVM_SAVE_STREAM_H

#include <public/arch-x86/hvm/save.h>
#include <tern/types.h>

struct hvm_stream {
    uint8_t *data;
    uint32_t size;                /* bytes in data */
    uint32_t cur;                 /* next byte to write or read */
};

/* Append a record; -ENOSPC (nothing written) when descriptor + body do not fit. */
int hvm_stream_put(struct hvm_stream *h, uint16_t type, uint16_t instance, const void *body,
                   uint32_t len);

/* The descriptor at cur without consuming it: 0, or -ENODATA if fewer than 8 bytes remain. */
int hvm_stream_peek(const struct hvm_stream *h, struct hvm_save_descriptor *d);

/*
 * Consume the record at cur as Xen's _hvm_check_entry/_hvm_read_entry: it must be of type,
 * its body within the buffer and of length len (strict) or at most len (zero-extended into
 * dst). 0 and the body in dst, or -EINVAL (nothing consumed).
 */
int hvm_stream_get(struct hvm_stream *h, uint16_t type, void *dst, uint32_t len, bool strict);

/*
 * libxenguest's hvm_get_save_record: the body of the record (type, instance) in a whole
 * stream of size bytes, scanning until END or the first record that does not fit; NULL if
 * absent. *len receives its length.
 */
const void *hvm_stream_find(const uint8_t *data, uint32_t size, uint16_t type,
                            uint16_t instance, uint32_t *len);

#endif

/*
 * A CPU record to be loaded (save_check.c): Xen 4.17's hvm_load_cpu_ctxt checks in its order
 * (pad0, CR0, CR4, EFER, CR3, flags, TSC_AUX), then what VMRUN would refuse (cr_rules.c's
 * whole-state rules, DR6/DR7 bits 63:32, reserved RFLAGS bits, CS.L with CS.D in long mode),
 * and what Tern cannot re-inject (a pending event). NULL, or why it is -EINVAL.
 */
struct cr_caps;
const char *hvm_cpu_record_check(const struct cr_caps *caps, const struct hvm_hw_cpu *c);

/* Xen's UNFOLD_ARBYTES: arbytes saved raw from a VMCS by old Xen, moved to the packed form. */
uint32_t hvm_unfold_arbytes(uint32_t ar);
