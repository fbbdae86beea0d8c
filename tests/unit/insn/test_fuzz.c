// SPDX-License-Identifier: MIT
/*
 * insn_decode on random bytes (fixed seed): each input is in a heap block of exactly avail
 * bytes, so that AddressSanitizer reports any read past avail; the answer must be a length
 * within 1..min(avail, 15) and consistent fields, and the same when given only those bytes.
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../hv/arch/x86/hvm/insn_decode.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Half the inputs are plain random bytes; the others start like instructions do. */
static void fill(uint8_t *b, unsigned int n)
{
    static const uint8_t starts[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x64, 0x48, 0x41,
                                      0x0f, 0x0f, 0x0f, 0xc4, 0xc5, 0x62, 0x8f, 0xd9, 0xf7 };
    for (unsigned int k = 0; k < n; k++)
        b[k] = (uint8_t)next();
    if (next() & 1) {
        unsigned int pre = next() % 4;
        for (unsigned int k = 0; k < pre && k < n; k++)
            b[k] = starts[next() % sizeof(starts)];
        if (pre + 1 < n && (next() & 1)) {
            b[pre] = 0x0f;
            b[pre + 1] = (next() & 1) ? 0x38 : 0x3a;
        }
    }
}

static int check_one(const uint8_t *bytes, unsigned int avail, int mode, unsigned int *ok)
{
    uint8_t *heap = malloc(avail ? avail : 1);
    struct insn_info i, again;
    int rc;

    memcpy(heap, bytes, avail);
    /* exactly avail bytes: ASan stops the test on a read past them */
    rc = insn_decode(avail ? heap : heap + 1, avail, mode, &i);
    CHECK(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP, "rc %d", rc);
    if (rc == 0) {
        (*ok)++;
        CHECK(i.length >= 1 && i.length <= avail && i.length <= 15,
              "length %u with avail %u (mode %d, first byte %02x)", i.length, avail, mode,
              bytes[0]);
        CHECK(i.reg_dest >= -1 && i.reg_dest <= 15, "reg_dest %d", i.reg_dest);
        CHECK(i.reg_dest_high8 >= -1 && i.reg_dest_high8 <= 3, "reg_dest_high8 %d",
              i.reg_dest_high8);
        if (i.reg_dest >= 0 || i.reg_dest_high8 >= 0) {
            CHECK(i.is_read && !i.is_write, "a load reads (first byte %02x)", bytes[0]);
            CHECK(i.op_size == 1 || i.op_size == 2 || i.op_size == 4 || i.op_size == 8,
                  "op_size %u", i.op_size);
            CHECK(i.src_size >= 1 && i.src_size <= i.op_size, "src_size %u op_size %u",
                  i.src_size, i.op_size);
        }
        CHECK(!i.plain_store || i.is_write, "a plain store writes");
        CHECK(!i.is_string || i.implicit_mem, "strings access memory implicitly");
        CHECK(!(i.is_string && i.has_modrm_mem), "strings have no ModRM operand");
        /* the same decode from exactly its bytes, and a refusal one byte short */
        rc = insn_decode(heap, i.length, mode, &again);
        CHECK(rc == 0 && again.length == i.length && again.is_write == i.is_write &&
                  again.is_read == i.is_read && again.reg_dest == i.reg_dest,
              "decode of its own %u bytes differs (rc %d)", i.length, rc);
        rc = insn_decode(heap, i.length - 1, mode, &again);
        CHECK(rc != 0, "accepted with its last byte missing (length %u)", i.length);
    }
    free(heap);
    return rc;
}

TEST(fuzz_random_bytes)
{
    static const int modes[] = { 16, 32, 64 };
    unsigned int ok = 0;
    uint8_t bytes[15];

    for (unsigned int n = 0; n < 100000; n++) {
        unsigned int avail = next() % 16;
        fill(bytes, sizeof(bytes));
        check_one(bytes, avail, modes[n % 3], &ok);
    }
    printf("  100000 random inputs, %u decoded\n", ok);
    CHECK(ok > 30000, "too few random inputs decoded: %u", ok);
}
