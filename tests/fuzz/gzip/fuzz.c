// SPDX-License-Identifier: MIT
/*
 * The gzip decoder (hv/common/decompress/gzip.c, inflate.c) on arbitrary bytes. First byte:
 * bit 7 set = raw DEFLATE (dc_inflate, no container, so that mutations reach the Huffman
 * decoding without having to keep a CRC right), clear = gzip members (dc_gzip); bits 0-4 =
 * the output capacity (decoder.h). The checks are decoder.h's, plus: the raw decoder reports
 * no more input used than it was given.
 */
#include "decoder.h"

#include "../../../hv/common/decompress/dc.h"

static int raw_inflate(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
                       size_t *outlen, char *err, size_t errlen)
{
    size_t used = (size_t)-1, pos = 0;
    int rc = dc_inflate(in, inlen, &used, out, outcap, &pos, err, errlen);

    FUZZ_CHECK(used <= inlen, "used %zu of %zu input bytes", used, inlen);
    *outlen = pos;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    harness_log_clear();
    fuzz_check_decoder(data[0] & 0x80 ? raw_inflate : dc_gzip, data + 1, size - 1,
                       fuzz_caps[data[0] & 31]);
    FUZZ_CHECK(live_allocs() == 0, "%ld xmalloc blocks not freed", live_allocs());
    return 0;
}
