// SPDX-License-Identifier: MIT
// Linux bzImage kernels: find the compressed payload, decompress it into an ELF vmlinux.
#include <tern/decompress.h>
#include <tern/xmalloc.h>

#include "dc.h"

/*
 * The setup header (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1, "HdrS" at 0x202,
 * the protocol version at 0x206; from 2.08 on, payload_offset and payload_length at 0x248 and
 * 0x24c locate the compressed kernel relative to the protected-mode code, which starts after
 * the boot sector and setup_sects sectors of real-mode setup.
 */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END 0x250

static bool is_bzimage(const uint8_t *b, size_t len)
{
    return len >= HDR_MAGIC + 4 && !memcmp(b + HDR_MAGIC, "HdrS", 4);
}

int bzimage_payload(const void *buf, size_t len, const void **payload, size_t *plen,
                    char *err, size_t errlen)
{
    const uint8_t *b = buf;
    if (!b || len < HDR_END)
        return dc_fail(err, errlen, -EINVAL, "bzImage: %zu bytes is too short for a setup "
                       "header", len);
    if (!is_bzimage(b, len))
        return dc_fail(err, errlen, -EINVAL, "bzImage: no \"HdrS\" setup header at 0x202");
    uint16_t version = dc_le16(b + HDR_VERSION);
    if (version < 0x208)
        return dc_fail(err, errlen, -EINVAL, "bzImage: boot protocol %u.%02u is older than "
                       "2.08, which has no payload fields", version >> 8, version & 0xff);
    unsigned int sects = b[HDR_SETUP_SECTS] ? b[HDR_SETUP_SECTS] : 4; /* 0 means 4 */
    uint64_t pm = (uint64_t)(sects + 1) * 512;
    uint64_t off = dc_le32(b + HDR_PAYLOAD_OFFSET), size = dc_le32(b + HDR_PAYLOAD_LENGTH);
    /* u32 + u32 + (256 * 512) cannot overflow 64 bits. */
    if (pm > len)
        return dc_fail(err, errlen, -EINVAL, "bzImage: %u setup sectors extend past the end "
                       "of the %zu-byte file", sects, len);
    if (size == 0 || pm + off + size > len)
        return dc_fail(err, errlen, -EINVAL, "bzImage: payload [%#llx, +%#llx) is outside the "
                       "%zu-byte file", (unsigned long long)(pm + off),
                       (unsigned long long)size, len);
    *payload = b + pm + off;
    *plen = (size_t)size;
    return 0;
}

static int try_size(const uint8_t *in, size_t inlen, size_t cap, void **elf, size_t *elf_len,
                    char *err, size_t errlen)
{
    uint8_t *out = xmalloc_bytes(cap);
    size_t n = 0;
    if (!out)
        return dc_fail(err, errlen, -ENOMEM, "no memory for a %zu-byte kernel", cap);
    int rc = decompress(in, inlen, out, cap, &n, err, errlen);
    if (rc) {
        xfree(out);
        return rc;
    }
    if (n < 4 || memcmp(out, "\177ELF", 4)) {
        xfree(out);
        return dc_fail(err, errlen, -EINVAL, "the decompressed kernel (%zu bytes) is not an "
                       "ELF file", n);
    }
    *elf = out;
    *elf_len = n;
    return 0;
}

int kernel_image_decompress(const void *buf, size_t len, void **elf, size_t *elf_len,
                            char *err, size_t errlen)
{
    const uint8_t *in = buf;
    const void *p = NULL;
    size_t plen = len;
    size_t hint = 0;
    int rc;

    *elf = NULL;
    *elf_len = 0;
    if (is_bzimage(in, len)) {
        rc = bzimage_payload(buf, len, &p, &plen, err, errlen);
        if (rc)
            return rc;
        in = p;
        const char *fmt = decompress_format(in, plen);
        /*
         * The kernel build appends the uncompressed size as a le32 to every payload (for
         * gzip it is the trailer's ISIZE anyway) and the boot stub relies on it, so it is the
         * size to allocate; for the other formats those 4 bytes are not part of the stream.
         */
        if (plen >= 8) {
            hint = dc_le32(in + plen - 4);
            if (fmt && strcmp(fmt, "gzip"))
                plen -= 4;
        }
    } else if (decompress_format(in, len)) {
        if (len >= 18 && !strcmp(decompress_format(in, len), "gzip"))
            hint = dc_le32(in + len - 4); /* ISIZE (RFC 1952 2.3.1), the size mod 2^32 */
    } else {
        return dc_fail(err, errlen, -EINVAL, "kernel image is neither a bzImage nor a "
                       "compressed stream");
    }

    if (!decompress_format(in, plen)) {
        /* An uncompressed payload (CONFIG_KERNEL_UNCOMPRESSED) is the ELF file itself. */
        if (plen < 4 || memcmp(in, "\177ELF", 4))
            return dc_fail(err, errlen, -EINVAL, "bzImage payload is in no known compression "
                           "format and is not ELF");
        uint8_t *copy = xmalloc_bytes(plen);
        if (!copy)
            return dc_fail(err, errlen, -ENOMEM, "no memory for a %zu-byte kernel", plen);
        memcpy(copy, in, plen);
        *elf = copy;
        *elf_len = plen;
        return 0;
    }

    if (hint && hint <= DECOMPRESS_MAX_OUTPUT) {
        rc = try_size(in, plen, hint, elf, elf_len, err, errlen);
        if (rc != -ENOSPC)
            return rc;
    }
    /* No usable size: grow from 4 times the input, doubling, up to the limit. */
    size_t cap = plen < MB(64) ? MAX(plen * 4, (size_t)MB(1)) : (size_t)DECOMPRESS_MAX_OUTPUT;
    for (;;) {
        cap = MIN(cap, (size_t)DECOMPRESS_MAX_OUTPUT);
        rc = try_size(in, plen, cap, elf, elf_len, err, errlen);
        if (rc != -ENOSPC || cap >= DECOMPRESS_MAX_OUTPUT)
            return rc;
        cap *= 2;
    }
}
