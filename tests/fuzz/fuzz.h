/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the libFuzzer targets (tests/fuzz/<target>/fuzz.c). Each target is built
 * from the hypervisor's sources with -DUNIT_TEST, tests/unit/harness.c (for printk) and
 * libFuzzer, under AddressSanitizer and UBSan; a broken invariant aborts, which libFuzzer
 * reports as a crash and saves the input.
 */
#ifndef TERN_FUZZ_H
#define TERN_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A promise of the parser that this input broke: say which, then abort (a libFuzzer crash). */
#define FUZZ_CHECK(cond, ...)                                                              \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant '%s' broken: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/*
 * A heap copy of exactly len bytes (one byte allocated when len is 0, pointed past): any
 * read beyond what the parser was given is then an AddressSanitizer report.
 */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t len, uint8_t **block)
{
    *block = malloc(len ? len : 1);
    if (len)
        memcpy(*block, data, len);
    return len ? *block : *block + 1;
}

/* Whether s[0, size) holds a NUL, i.e. the string is terminated inside its buffer. */
static inline bool fuzz_terminated(const char *s, size_t size)
{
    return memchr(s, 0, size) != NULL;
}

/* Whether the NUL-terminated s has only printable ASCII (and newlines when lines is set). */
static inline bool fuzz_printable(const char *s, bool lines)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 || c >= 0x7f) && !(lines && c == '\n'))
            return false;
    }
    return true;
}

/*
 * An error message a parser left in err[0, errlen) when it failed: terminated inside the
 * buffer, not empty, and printable, since it goes to the console as it is.
 */
#define FUZZ_CHECK_MESSAGE(err, errlen)                                                    \
    do {                                                                                   \
        FUZZ_CHECK(fuzz_terminated(err, errlen), "error message not NUL-terminated");      \
        FUZZ_CHECK((err)[0] != 0, "failed without an error message");                     \
        FUZZ_CHECK(fuzz_printable(err, false), "unprintable error message \"%s\"", err);   \
    } while (0)

/* What the parser printed through printk: whole lines of printable text. */
#define FUZZ_CHECK_LOG()                                                                   \
    FUZZ_CHECK(fuzz_printable(harness_log(), true), "unprintable printk output \"%s\"",   \
               harness_log())

#endif
