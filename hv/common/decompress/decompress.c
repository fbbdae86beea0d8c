// SPDX-License-Identifier: MIT
// decompress(): picks the decoder by the stream's magic number.
#include <tern/decompress.h>

#include "dc.h"

struct format {
    const char *name;
    uint8_t magic[6];
    uint8_t magic_len;
    int (*decode)(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
                  size_t *outlen, char *err, size_t errlen);
};

static const struct format formats[] = {
    { "gzip", { 0x1f, 0x8b }, 2, dc_gzip },                           /* RFC 1952 2.3.1 */
    { "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, dc_xz },           /* .xz 2.1.1.1 */
    { "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, dc_lz4 },                 /* legacy frame */
    { "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4, dc_lz4 },                 /* LZ4 frame */
    { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, dc_zstd },               /* RFC 8878 3.1.1 */
};

static const struct format *find_format(const void *in, size_t inlen)
{
    if (!in)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (inlen >= formats[i].magic_len &&
            !memcmp(in, formats[i].magic, formats[i].magic_len))
            return &formats[i];
    return NULL;
}

const char *decompress_format(const void *in, size_t inlen)
{
    const struct format *f = find_format(in, inlen);
    return f ? f->name : NULL;
}

int decompress(const void *in, size_t inlen, void *out, size_t outcap, size_t *outlen,
               char *err, size_t errlen)
{
    const struct format *f = find_format(in, inlen);
    *outlen = 0;
    if (err && errlen)
        err[0] = 0;
    if (!f)
        return dc_fail(err, errlen, -EINVAL, "unknown compression format (magic %02x %02x)",
                       inlen > 0 ? ((const uint8_t *)in)[0] : 0,
                       inlen > 1 ? ((const uint8_t *)in)[1] : 0);
    if (!out && outcap)
        return dc_fail(err, errlen, -EINVAL, "%s: no output buffer", f->name);
    return f->decode(in, inlen, out, outcap, outlen, err, errlen);
}
