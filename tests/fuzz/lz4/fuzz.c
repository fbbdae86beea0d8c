// SPDX-License-Identifier: MIT
/*
 * The LZ4 decoder (hv/common/decompress/lz4.c) on arbitrary bytes: legacy frames (what Linux
 * kernels use), LZ4 frames and skippable frames. First byte: bits 0-4 = the output capacity
 * (decoder.h); the rest is the stream. The checks are decoder.h's.
 */
#include "decoder.h"

#include "../../../hv/common/decompress/dc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    harness_log_clear();
    fuzz_check_decoder(dc_lz4, data + 1, size - 1, fuzz_caps[data[0] & 31]);
    FUZZ_CHECK(live_allocs() == 0, "%ld xmalloc blocks not freed", live_allocs());
    return 0;
}
