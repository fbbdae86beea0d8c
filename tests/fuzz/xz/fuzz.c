// SPDX-License-Identifier: MIT
/*
 * The xz decoder (hv/common/decompress/xz.c, lzma2.c) on arbitrary bytes. First byte: bit 7
 * set = a raw LZMA2 stream (dc_lzma2, so that mutations reach the range decoder without
 * having to keep the container's CRCs right), clear = .xz streams (dc_xz: blocks, BCJ x86,
 * checks, index); bits 0-4 = the output capacity (decoder.h). The checks are decoder.h's,
 * plus: the raw decoder reports no more input used than it was given.
 */
#include "decoder.h"

#include "../../../hv/common/decompress/dc.h"

static int raw_lzma2(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
                     size_t *outlen, char *err, size_t errlen)
{
    size_t used = (size_t)-1, pos = 0;
    int rc = dc_lzma2(in, inlen, &used, out, outcap, &pos, 0, err, errlen);

    FUZZ_CHECK(used <= inlen, "used %zu of %zu input bytes", used, inlen);
    *outlen = pos;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    harness_log_clear();
    fuzz_check_decoder(data[0] & 0x80 ? raw_lzma2 : dc_xz, data + 1, size - 1,
                       fuzz_caps[data[0] & 31]);
    FUZZ_CHECK(live_allocs() == 0, "%ld xmalloc blocks not freed", live_allocs());
    return 0;
}
