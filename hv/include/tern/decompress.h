/* SPDX-License-Identifier: MIT */
/*
 * Kernel image decompression: Linux bzImage payloads and the one-shot decompressors for the
 * formats Linux compresses them with (gzip, xz, LZ4 legacy/frame, zstd) (hv/common/decompress).
 *
 * All functions read only inside their input buffer and write only inside their output buffer,
 * whatever the bytes are; on failure they return a negative errno and, when err is not NULL,
 * a message in err[0, errlen).
 */
#ifndef TERN_DECOMPRESS_H
#define TERN_DECOMPRESS_H

#include <tern/types.h>

/* The largest output kernel_image_decompress will allocate. */
#define DECOMPRESS_MAX_OUTPUT MB(256)

/*
 * Finds the compressed payload of a Linux bzImage (boot protocol 2.08 or later): *payload
 * points into buf, *plen bytes long. Returns 0, or -EINVAL when buf is not such a bzImage or
 * its header points outside buf.
 */
int bzimage_payload(const void *buf, size_t len, const void **payload, size_t *plen,
                    char *err, size_t errlen);

/*
 * Decompresses in[0, inlen) into out[0, outcap), the format found by its magic number; the
 * output buffer is the decompressor's dictionary, so the whole stream is done in one call.
 * Sets *outlen to the bytes produced. Returns 0; -EINVAL for input that is corrupt,
 * truncated or in no supported format; -ENOSPC when outcap is too small; -EOPNOTSUPP for a
 * valid stream using an unsupported feature (xz SHA-256 check, zstd dictionary...);
 * -ENOMEM when working memory cannot be had.
 */
int decompress(const void *in, size_t inlen, void *out, size_t outcap, size_t *outlen,
               char *err, size_t errlen);

/* The name of the format decompress() would use for in ("gzip", "xz", ...), or NULL. */
const char *decompress_format(const void *in, size_t inlen);

/*
 * Turns a kernel image into its uncompressed ELF file: a bzImage's payload (or a bare
 * compressed stream) is decompressed into a new xmalloc'd buffer *elf of *elf_len bytes, which
 * the caller frees with xfree. Returns 0 or a negative errno with a message.
 */
int kernel_image_decompress(const void *buf, size_t len, void **elf, size_t *elf_len,
                            char *err, size_t errlen);

#endif
