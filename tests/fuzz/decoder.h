/* SPDX-License-Identifier: MIT */
/*
 * The checks shared by the decompressor targets (gzip, xz, lz4, zstd): the first input byte
 * picks the output capacity (and, for some targets, a mode), the rest is the stream.
 *
 * A decoder is given an output buffer of exactly its capacity, so that ASan reports any write
 * past it, and runs more than once on the same stream: with the buffer first filled with 00
 * then with FF bytes (a decoder that reads output it has not written gives two different
 * results), and after a success with exactly the size it produced, which must work, and one
 * byte less, which must fail with -ENOSPC (kernel_image_decompress relies on that to retry
 * with a bigger buffer). Errors are one of the documented codes with a printable message.
 */
#ifndef TERN_FUZZ_DECODER_H
#define TERN_FUZZ_DECODER_H

#include "fuzz.h"

#include <tern/errno.h>

#include "decompress/util.h" /* live_allocs(): the xmalloc of the decompress unit suite */

typedef int (*fuzz_decoder_fn)(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
                               size_t *outlen, char *err, size_t errlen);

/* Output capacities chosen by the low five bits of the first byte: small ones find the
 * boundary cases, 1 MiB lets real streams finish. */
static const size_t fuzz_caps[32] = {
    0,     1,     2,     3,     4,      5,      7,      8,      15,      16,      31,
    32,    63,    64,    100,   127,    128,    255,    256,    1000,    1024,    4095,
    4096,  10000, 16384, 32768, 65535,  65536,  131072, 262144, 1 << 20, 1 << 20,
};

struct fuzz_run {
    int rc;
    size_t outlen;
    uint8_t *block; /* the output buffer's allocation (out may point past it when empty) */
    uint8_t *out;
};

/* One decode into a fresh buffer of exactly outcap bytes filled with fill. */
static inline void fuzz_run_decoder(fuzz_decoder_fn fn, const uint8_t *in, size_t inlen,
                                    size_t outcap, uint8_t fill, bool with_err,
                                    struct fuzz_run *r)
{
    enum { ERRLEN = 96 };
    char *err = with_err ? malloc(ERRLEN) : NULL;

    r->block = malloc(outcap ? outcap : 1);
    memset(r->block, fill, outcap ? outcap : 1);
    r->out = outcap ? r->block : r->block + 1;
    r->outlen = (size_t)-1;
    if (err)
        memset(err, 0x5a, ERRLEN);
    r->rc = fn(in, inlen, r->out, outcap, &r->outlen, err, with_err ? ERRLEN : 0);
    FUZZ_CHECK(r->rc == 0 || r->rc == -EINVAL || r->rc == -ENOSPC || r->rc == -EOPNOTSUPP,
               "rc %d", r->rc);
    FUZZ_CHECK(r->outlen <= outcap, "%zu bytes produced into a %zu-byte buffer", r->outlen,
               outcap);
    if (err && r->rc)
        FUZZ_CHECK_MESSAGE(err, ERRLEN);
    free(err);
}

static inline void fuzz_run_free(struct fuzz_run *r)
{
    free(r->block);
}

/* The whole check of one stream with a decoder, at capacity outcap. */
static inline void fuzz_check_decoder(fuzz_decoder_fn fn, const uint8_t *data, size_t size,
                                      size_t outcap)
{
    struct fuzz_run a, b;
    uint8_t *block;
    const uint8_t *in = fuzz_copy(data, size, &block);

    fuzz_run_decoder(fn, in, size, outcap, 0x00, true, &a);
    if (a.rc == 0) {
        fuzz_run_decoder(fn, in, size, a.outlen, 0xff, false, &b);
        FUZZ_CHECK(b.rc == 0 && b.outlen == a.outlen, "with exactly the %zu bytes it "
                   "produced: rc %d, %zu bytes", a.outlen, b.rc, b.outlen);
        FUZZ_CHECK(!memcmp(a.out, b.out, a.outlen), "a second decode gave other bytes");
        fuzz_run_free(&b);
        if (a.outlen) {
            fuzz_run_decoder(fn, in, size, a.outlen - 1, 0xff, true, &b);
            FUZZ_CHECK(b.rc == -ENOSPC, "one byte short of the %zu it needs: rc %d, not "
                       "-ENOSPC", a.outlen, b.rc);
            fuzz_run_free(&b);
        }
    } else {
        fuzz_run_decoder(fn, in, size, outcap, 0xff, false, &b);
        FUZZ_CHECK(b.rc == a.rc && b.outlen == a.outlen, "decoded again into a buffer of FF "
                   "bytes: rc %d and %zu bytes, first %d and %zu", b.rc, b.outlen, a.rc,
                   a.outlen);
        FUZZ_CHECK(!memcmp(a.out, b.out, a.outlen), "a second decode gave other bytes");
        fuzz_run_free(&b);
    }
    fuzz_run_free(&a);
    free(block);
}

#endif
