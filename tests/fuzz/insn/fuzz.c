// SPDX-License-Identifier: MIT
/*
 * insn_decode on arbitrary bytes (hv/arch/x86/hvm/insn_decode.c): the bytes a guest had at
 * RIP when its access faulted. First byte: bits 0-1 the CPU mode (16, 32, 64; 3 = an invalid
 * mode, which must be refused); the rest are the instruction bytes, all of them passed as
 * avail in an exact-size heap block, so that ASan reports a read at or beyond avail.
 *
 * A decoded instruction must be 1..15 bytes and no longer than avail, with consistent fields
 * (a load names a register and sizes, a plain store writes, strings are implicit accesses
 * without a ModRM operand); decoding exactly its bytes must give the same answer, and one
 * byte fewer must be refused.
 */
#include "fuzz.h"

#include <tern/errno.h>

#include "../../../hv/arch/x86/hvm/insn_decode.h"

static void check_fields(const struct insn_info *i, unsigned int avail)
{
    FUZZ_CHECK(i->length >= 1 && i->length <= INSN_MAX_LEN && i->length <= avail,
               "length %u with %u bytes", i->length, avail);
    FUZZ_CHECK(i->reg_dest >= -1 && i->reg_dest <= 15, "reg_dest %d", i->reg_dest);
    FUZZ_CHECK(i->reg_dest_high8 >= -1 && i->reg_dest_high8 <= 3, "reg_dest_high8 %d",
               i->reg_dest_high8);
    FUZZ_CHECK(i->reg_dest < 0 || i->reg_dest_high8 < 0, "two destinations");
    if (i->reg_dest >= 0 || i->reg_dest_high8 >= 0) {
        FUZZ_CHECK(i->is_read && !i->is_write, "a load must read only");
        FUZZ_CHECK(i->op_size == 1 || i->op_size == 2 || i->op_size == 4 || i->op_size == 8,
                   "op_size %u", i->op_size);
        FUZZ_CHECK(i->src_size >= 1 && i->src_size <= i->op_size, "src_size %u, op_size %u",
                   i->src_size, i->op_size);
    } else {
        FUZZ_CHECK(i->op_size == 0 && i->src_size == 0,
                   "sizes %u/%u without a destination", i->op_size, i->src_size);
    }
    FUZZ_CHECK(!i->plain_store || i->is_write, "a plain store must write");
    FUZZ_CHECK(!i->is_string || i->implicit_mem, "strings access memory implicitly");
    FUZZ_CHECK(!(i->is_string && i->has_modrm_mem), "strings have no ModRM operand");
}

/* Decodes bytes[0, avail) from an exact-size heap copy. */
static int decode(const uint8_t *bytes, unsigned int avail, int mode, struct insn_info *out)
{
    uint8_t *block;
    const uint8_t *copy = fuzz_copy(bytes, avail, &block);
    int rc = insn_decode(copy, avail, mode, out);

    free(block);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int modes[3] = { 16, 32, 64 };
    struct insn_info info, again;

    if (size < 1 || size - 1 > 64)
        return 0;
    int mode = (data[0] & 3) == 3 ? data[0] : modes[data[0] & 3];
    unsigned int avail = (unsigned int)(size - 1);
    const uint8_t *bytes = data + 1;

    memset(&info, 0x5a, sizeof(info));
    int rc = decode(bytes, avail, mode, &info);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP, "rc %d", rc);
    if ((data[0] & 3) == 3) {
        FUZZ_CHECK(rc == -EINVAL, "mode %d accepted", mode);
        return 0;
    }
    if (rc)
        return 0;
    check_fields(&info, avail);
    memset(&again, 0x5a, sizeof(again));
    rc = decode(bytes, info.length, mode, &again);
    FUZZ_CHECK(rc == 0 && !memcmp(&info, &again, sizeof(info)),
               "decoding exactly its %u bytes gave rc %d, length %u", info.length, rc,
               again.length);
    rc = decode(bytes, info.length - 1, mode, &again);
    FUZZ_CHECK(rc == -EINVAL, "accepted with its last byte missing (length %u): rc %d",
               info.length, rc);
    return 0;
}
