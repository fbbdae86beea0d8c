// SPDX-License-Identifier: MIT
/*
 * bzimage_payload and kernel_image_decompress on arbitrary bytes (hv/common/decompress/
 * bzimage.c, decompress.c and the decoders behind them): the path a domain's kernel module
 * takes. A payload found must lie inside the image; a decompressed kernel must be an ELF
 * file in a buffer readable to the length reported (ASan checks its last byte), and every
 * xmalloc'd block must be freed again, on success by the caller. Errors are
 * -EINVAL, -ENOSPC, -EOPNOTSUPP or -ENOMEM with a printable message.
 */
#include "fuzz.h"

#include <tern/decompress.h>
#include <tern/errno.h>
#include <tern/xmalloc.h>

#include "decompress/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { ERRLEN = 128 };
    uint8_t *block;
    const uint8_t *buf = fuzz_copy(data, size, &block);
    char *err = malloc(ERRLEN);
    const void *payload = NULL;
    size_t plen = 0;

    harness_log_clear();
    memset(err, 0x5a, ERRLEN);
    int rc = bzimage_payload(buf, size, &payload, &plen, err, ERRLEN);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL, "bzimage_payload: rc %d", rc);
    if (rc == 0) {
        const uint8_t *p = payload;
        FUZZ_CHECK(p >= buf && plen > 0 && plen <= size && (size_t)(p - buf) <= size - plen,
                   "payload at %td, %zu bytes, in a %zu-byte image", p - buf, plen, size);
    } else {
        FUZZ_CHECK_MESSAGE(err, ERRLEN);
    }

    void *elf = NULL;
    size_t elf_len = 0;
    memset(err, 0x5a, ERRLEN);
    rc = kernel_image_decompress(buf, size, &elf, &elf_len, err, ERRLEN);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC || rc == -EOPNOTSUPP ||
               rc == -ENOMEM, "kernel_image_decompress: rc %d", rc);
    if (rc == 0) {
        const uint8_t *e = elf;
        unsigned int sum = 0;
        FUZZ_CHECK(e && elf_len >= 4 && !memcmp(e, "\177ELF", 4), "not an ELF file (%zu "
                   "bytes)", elf_len);
        FUZZ_CHECK(elf_len <= DECOMPRESS_MAX_OUTPUT, "%zu bytes", elf_len);
        for (size_t i = 0; i < elf_len; i += 4096)
            sum += e[i];
        sum += e[elf_len - 1];
        (void)sum;
        xfree(elf);
    } else {
        FUZZ_CHECK(elf == NULL && elf_len == 0, "a failure left a kernel behind");
        FUZZ_CHECK_MESSAGE(err, ERRLEN);
    }
    FUZZ_CHECK(live_allocs() == 0, "%ld xmalloc blocks not freed", live_allocs());
    FUZZ_CHECK_LOG();
    free(err);
    free(block);
    return 0;
}
