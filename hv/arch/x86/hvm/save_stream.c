// SPDX-License-Identifier: MIT
/* The HVM context stream: records in a flat buffer, written and read with Xen's checks. */
#include <tern/errno.h>
#include <tern/lib.h>
#include "save_stream.h"

#define DESC_LEN ((uint32_t)sizeof(struct hvm_save_descriptor))

int hvm_stream_put(struct hvm_stream *h, uint16_t type, uint16_t instance, const void *body,
                   uint32_t len)
{
    struct hvm_save_descriptor d = { type, instance, len };

    /* cur <= size always; compare what remains so no sum can wrap. */
    if (h->size - h->cur < DESC_LEN || h->size - h->cur - DESC_LEN < len)
        return -ENOSPC;
    memcpy(h->data + h->cur, &d, DESC_LEN);
    if (len)
        memcpy(h->data + h->cur + DESC_LEN, body, len);
    h->cur += DESC_LEN + len;
    return 0;
}

int hvm_stream_peek(const struct hvm_stream *h, struct hvm_save_descriptor *d)
{
    if (h->size - h->cur < DESC_LEN)
        return -ENODATA;
    memcpy(d, h->data + h->cur, DESC_LEN); /* the guest's buffer need not be aligned */
    return 0;
}

int hvm_stream_get(struct hvm_stream *h, uint16_t type, void *dst, uint32_t len, bool strict)
{
    struct hvm_save_descriptor d;

    if (hvm_stream_peek(h, &d))
        return -EINVAL;
    if (d.typecode != type || (strict ? d.length != len : d.length > len) ||
        d.length > h->size - h->cur - DESC_LEN)
        return -EINVAL;
    memcpy(dst, h->data + h->cur + DESC_LEN, d.length);
    if (d.length < len)
        memset((uint8_t *)dst + d.length, 0, len - d.length);
    h->cur += DESC_LEN + d.length;
    return 0;
}

const void *hvm_stream_find(const uint8_t *data, uint32_t size, uint16_t type,
                            uint16_t instance, uint32_t *len)
{
    struct hvm_save_descriptor d;
    uint32_t off = 0;

    while (size - off >= DESC_LEN) {
        memcpy(&d, data + off, DESC_LEN);
        off += DESC_LEN;
        if (d.length > size - off)
            return NULL;
        if (d.typecode == type && d.instance == instance) {
            *len = d.length;
            return data + off;
        }
        if (d.typecode == HVM_SAVE_CODE_END)
            return NULL;
        off += d.length;
    }
    return NULL;
}
