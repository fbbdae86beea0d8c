// SPDX-License-Identifier: MIT
/*
 * insn_decode on hand-checked encodings: the memory-operand use and destination register of
 * the MOV forms Linux touches memory with, immediates and displacements by mode, prefixes,
 * and the refusals (undefined, truncated, too long, VEX/EVEX/XOP).
 */
#include "harness.h"

#include <errno.h>
#include <string.h>

#include "../../../hv/arch/x86/hvm/insn_decode.h"

/* Decode a byte string written as a literal; fails the test when rc is not as expected. */
#define DECODE(mode, str, rc_expected, info)                                               \
    do {                                                                                   \
        int _rc = insn_decode((const uint8_t *)(str), sizeof(str) - 1, (mode), (info));   \
        CHECK(_rc == (rc_expected), "%s in mode %d: rc %d, expected %d", #str, (mode), _rc, \
              (rc_expected));                                                              \
    } while (0)

/* Decode and check the length */
static struct insn_info len_is(int mode, const char *bytes, unsigned int n, unsigned int len)
{
    struct insn_info i;
    int rc = insn_decode((const uint8_t *)bytes, n, mode, &i);
    CHECK(rc == 0, "bytes %02x %02x.. in mode %d: rc %d", (uint8_t)bytes[0], (uint8_t)bytes[1],
          mode, rc);
    CHECK(i.length == len, "bytes %02x %02x.. in mode %d: length %u, expected %u",
          (uint8_t)bytes[0], (uint8_t)bytes[1], mode, i.length, len);
    return i;
}
#define LEN(mode, str, len) len_is((mode), (str), sizeof(str) - 1, (len))

TEST(linux_stores)
{
    struct insn_info i;

    i = LEN(64, "\x89\x07", 2); /* mov %eax,(%rdi) */
    CHECK(i.is_write && !i.is_read && i.has_modrm_mem && i.plain_store, "mov %%eax,(%%rdi)");
    CHECK_EQ(i.reg_dest, -1);
    CHECK(!i.is_string && !i.implicit_mem, "mov %%eax,(%%rdi): no implicit access");

    i = LEN(64, "\xc6\x03\x01", 3); /* movb $1,(%rbx) */
    CHECK(i.is_write && !i.is_read && i.plain_store, "movb $1,(%%rbx) is a plain store");

    i = LEN(64, "\x48\x89\x05\x10\x00\x00\x00", 7); /* movq %rax,0x10(%rip) */
    CHECK(i.is_write && i.has_modrm_mem && i.plain_store, "movq %%rax,0x10(%%rip)");

    i = LEN(64, "\x48\xc7\x44\x24\x08\xff\xff\xff\xff", 9); /* movq $-1,0x8(%rsp) */
    CHECK(i.is_write && i.plain_store, "movq $-1,0x8(%%rsp)");

    i = LEN(64, "\x66\x89\x0c\x4b", 4); /* mov %cx,(%rbx,%rcx,2) */
    CHECK(i.is_write && i.plain_store, "mov %%cx,(%%rbx,%%rcx,2)");

    i = LEN(64, "\x0f\x11\x07", 3); /* movups %xmm0,(%rdi) */
    CHECK(i.is_write && i.plain_store && !i.is_read, "movups store");
    i = LEN(64, "\x66\x0f\x7f\x07", 4); /* movdqa %xmm0,(%rdi) */
    CHECK(i.is_write && i.plain_store, "movdqa store");
    i = LEN(64, "\xf3\x0f\x7f\x07", 4); /* movdqu %xmm0,(%rdi) */
    CHECK(i.is_write && i.plain_store, "movdqu store");
    i = LEN(64, "\xf3\x0f\x7e\x07", 4); /* movq (%rdi),%xmm0: a load */
    CHECK(i.is_read && !i.is_write, "F3 0F 7E is a load");
    i = LEN(64, "\x66\x0f\x7e\x07", 4); /* movd %xmm0,(%rdi) */
    CHECK(i.is_write && i.plain_store, "66 0F 7E is a store");
    i = LEN(64, "\x48\x0f\xc3\x07", 4); /* movnti %rax,(%rdi) */
    CHECK(i.is_write && i.plain_store, "movnti");
    i = LEN(64, "\x0f\x94\x00", 3); /* sete (%rax) */
    CHECK(i.is_write && i.plain_store, "setcc");
    i = LEN(64, "\x8c\x18", 2); /* mov %ds,(%rax) */
    CHECK(i.is_write && i.plain_store, "mov from sreg");
    i = LEN(64, "\x0f\xae\x07", 3); /* fxsave (%rdi) */
    CHECK(i.is_write && !i.plain_store, "fxsave writes");
    i = LEN(64, "\x0f\xae\x17", 3); /* ldmxcsr (%rdi) */
    CHECK(i.is_read && !i.is_write, "ldmxcsr reads");
    i = LEN(64, "\x0f\xae\x3f", 3); /* clflush (%rdi) */
    CHECK(!i.is_read && !i.is_write && i.has_modrm_mem, "clflush accesses no data");
}

TEST(read_modify_write)
{
    struct insn_info i;

    i = LEN(64, "\x01\x07", 2); /* add %eax,(%rdi) */
    CHECK(i.is_read && i.is_write && !i.plain_store, "add to memory is read-modify-write");
    i = LEN(64, "\xf0\x48\x0f\xb1\x0f", 5); /* lock cmpxchg %rcx,(%rdi) */
    CHECK(i.is_read && i.is_write && !i.plain_store, "lock cmpxchg");
    i = LEN(64, "\x87\x07", 2); /* xchg %eax,(%rdi) */
    CHECK(i.is_read && i.is_write && !i.plain_store, "xchg");
    i = LEN(64, "\xf0\x0f\xc1\x07", 4); /* lock xadd */
    CHECK(i.is_read && i.is_write, "xadd");
    i = LEN(64, "\x39\x07", 2); /* cmp %eax,(%rdi) */
    CHECK(i.is_read && !i.is_write, "cmp only reads");
    i = LEN(64, "\x83\x3f\x00", 3); /* cmpl $0,(%rdi) */
    CHECK(i.is_read && !i.is_write, "group 1 /7 (cmp) only reads");
    i = LEN(64, "\x83\x07\x01", 3); /* addl $1,(%rdi) */
    CHECK(i.is_read && i.is_write, "group 1 /0 writes");
    i = LEN(64, "\x8d\x04\x24", 3); /* lea (%rsp),%eax */
    CHECK(!i.is_read && !i.is_write && i.has_modrm_mem, "lea accesses nothing");
    CHECK_EQ(i.reg_dest, -1);
    i = LEN(64, "\xff\x30", 2); /* push (%rax) */
    CHECK(i.is_read && i.implicit_mem, "push m: reads and uses the stack");
    i = LEN(64, "\x8f\x00", 2); /* pop (%rax) */
    CHECK(i.is_write && i.implicit_mem && !i.plain_store, "pop m");
    i = LEN(64, "\xdd\x18", 2); /* fstpl (%rax) */
    CHECK(i.is_write && !i.plain_store, "fstp pops");
    i = LEN(64, "\xd9\x10", 2); /* fsts (%rax) */
    CHECK(i.is_write && i.plain_store, "fst");
    i = LEN(64, "\xdd\x00", 2); /* fldl (%rax) */
    CHECK(i.is_read && !i.is_write, "fld");
}

TEST(linux_loads)
{
    struct insn_info i;

    i = LEN(64, "\x48\x8b\x0e", 3); /* mov (%rsi),%rcx */
    CHECK(i.is_read && !i.is_write && i.has_modrm_mem, "mov (%%rsi),%%rcx");
    CHECK_EQ(i.reg_dest, 1);
    CHECK_EQ(i.op_size, 8);
    CHECK_EQ(i.src_size, 8);
    CHECK(!i.sign_extend, "no sign extension");

    i = LEN(64, "\x0f\xb6\x10", 3); /* movzbl (%rax),%edx */
    CHECK_EQ(i.reg_dest, 2);
    CHECK_EQ(i.op_size, 4);
    CHECK_EQ(i.src_size, 1);
    CHECK(i.is_read && !i.sign_extend, "movzbl");

    i = LEN(64, "\x48\x0f\xbf\x06", 4); /* movswq (%rsi),%rax */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 8);
    CHECK_EQ(i.src_size, 2);
    CHECK(i.sign_extend, "movswq sign-extends");

    i = LEN(64, "\x66\x0f\xb6\x06", 4); /* movzbw (%rsi),%ax */
    CHECK_EQ(i.op_size, 2);
    CHECK_EQ(i.src_size, 1);

    i = LEN(64, "\x48\x63\x07", 3); /* movslq (%rdi),%rax */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 8);
    CHECK_EQ(i.src_size, 4);
    CHECK(i.sign_extend, "movslq sign-extends");

    i = LEN(64, "\x44\x8b\x48\x10", 4); /* mov 0x10(%rax),%r9d */
    CHECK_EQ(i.reg_dest, 9);
    CHECK_EQ(i.op_size, 4);

    i = LEN(64, "\x66\x8b\x07", 3); /* mov (%rdi),%ax */
    CHECK_EQ(i.op_size, 2);
    CHECK_EQ(i.reg_dest, 0);

    i = LEN(64, "\x8a\x20", 2); /* mov (%rax),%ah: not a plain register number */
    CHECK_EQ(i.reg_dest, -1);
    CHECK_EQ(i.reg_dest_high8, 0);
    CHECK_EQ(i.op_size, 1);
    i = LEN(64, "\x40\x8a\x20", 3); /* mov (%rax),%spl */
    CHECK_EQ(i.reg_dest, 4);
    CHECK_EQ(i.reg_dest_high8, -1);
    i = LEN(64, "\x45\x8a\x38", 3); /* mov (%r8),%r15b */
    CHECK_EQ(i.reg_dest, 15);
    CHECK_EQ(i.op_size, 1);

    i = LEN(64, "\x48\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 10); /* movabs 0x11..88,%rax */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 8);
    CHECK(i.is_read && !i.has_modrm_mem, "moffs load");
    i = LEN(64, "\x67\xa0\x44\x33\x22\x11", 6); /* addr32 mov 0x11223344,%al */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 1);
    i = LEN(64, "\xa3\x88\x77\x66\x55\x44\x33\x22\x11", 9); /* movabs %eax,moffs */
    CHECK(i.is_write && i.plain_store, "moffs store");

    i = LEN(64, "\x8b\xc1", 2); /* mov %ecx,%eax: no memory */
    CHECK(!i.has_modrm_mem && !i.is_read && !i.is_write, "register move");
    CHECK_EQ(i.reg_dest, -1);

    i = LEN(64, "\x48\x26\x8b\x07", 4); /* REX before a prefix is ignored: 32-bit load */
    CHECK_EQ(i.op_size, 4);
    i = LEN(64, "\x26\x48\x8b\x07", 4);
    CHECK_EQ(i.op_size, 8);

    i = LEN(32, "\x8b\x44\x24\x04", 4); /* mov 4(%esp),%eax */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 4);
    i = LEN(16, "\x8b\x46\x02", 3); /* mov 2(%bp),%ax */
    CHECK_EQ(i.reg_dest, 0);
    CHECK_EQ(i.op_size, 2);
    i = LEN(16, "\x66\x8b\x1e\x34\x12", 5); /* mov 0x1234,%ebx */
    CHECK_EQ(i.reg_dest, 3);
    CHECK_EQ(i.op_size, 4);
    i = LEN(16, "\xa1\x34\x12", 3); /* mov 0x1234,%ax */
    CHECK_EQ(i.op_size, 2);
    LEN(16, "\x67\xa1\x78\x56\x34\x12", 6);
    LEN(32, "\x67\xa1\x34\x12", 4);
}

TEST(strings)
{
    struct insn_info i;

    i = LEN(64, "\xf3\xa4", 2); /* rep movsb */
    CHECK(i.is_string && i.is_read && i.is_write && i.implicit_mem, "rep movsb");
    CHECK(!i.has_modrm_mem && !i.plain_store, "rep movsb has no ModRM operand");
    i = LEN(64, "\xf3\x48\xab", 3); /* rep stosq */
    CHECK(i.is_string && i.is_write && !i.is_read, "rep stosq");
    i = LEN(64, "\xac", 1); /* lodsb */
    CHECK(i.is_string && i.is_read && !i.is_write, "lodsb");
    CHECK_EQ(i.reg_dest, -1);
    i = LEN(32, "\x6d", 1); /* insl */
    CHECK(i.is_string && i.is_write, "ins writes memory");
}

TEST(immediates_and_branches)
{
    LEN(64, "\xf6\x00\x12", 3);                 /* testb $0x12,(%rax) */
    LEN(64, "\xf6\x10", 2);                     /* notb (%rax) */
    LEN(64, "\xf7\x00\x78\x56\x34\x12", 6);     /* testl $imm32,(%rax) */
    LEN(64, "\xf7\x08\x78\x56\x34\x12", 6);     /* test /1 */
    LEN(64, "\x66\xf7\x00\x34\x12", 5);         /* testw $imm16,(%rax) */
    LEN(64, "\x48\xf7\x00\x78\x56\x34\x12", 7); /* testq $imm32 */
    LEN(64, "\xf7\x38", 2);                     /* idivl (%rax) */
    LEN(64, "\xb8\x78\x56\x34\x12", 5);
    LEN(64, "\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", 10);
    LEN(64, "\x49\xbf\x01\x02\x03\x04\x05\x06\x07\x08", 10);
    LEN(64, "\x66\xb8\x34\x12", 4);
    LEN(16, "\xb8\x34\x12", 3);
    LEN(16, "\x66\xb8\x78\x56\x34\x12", 6);
    LEN(64, "\xc8\x10\x00\x01", 4);
    LEN(64, "\xc2\x08\x00", 3);
    LEN(64, "\xcd\x80", 2);
    LEN(64, "\x6a\x01", 2);
    LEN(64, "\x68\x78\x56\x34\x12", 5);
    LEN(64, "\x66\x68\x34\x12", 4);
    LEN(64, "\x69\x04\x24\x78\x56\x34\x12", 7); /* imul $imm32,(%rsp),%eax */
    LEN(64, "\x6b\x45\x08\x10", 4);
    LEN(64, "\xe8\x00\x00\x00\x00", 5);
    LEN(64, "\x66\xe8\x00\x00", 4); /* AMD: rel16 with 66 in 64-bit mode */
    LEN(64, "\x48\xe8\x00\x00\x00\x00", 6);
    LEN(32, "\x66\xe8\x00\x00", 4);
    LEN(16, "\xe8\x00\x00", 3);
    LEN(16, "\x66\xe9\x00\x00\x00\x00", 6);
    LEN(64, "\x0f\x84\x00\x00\x00\x00", 6);
    LEN(16, "\x0f\x84\x00\x00", 4);
    LEN(64, "\xeb\xfe", 2);
    LEN(64, "\xe3\xfe", 2);
    LEN(32, "\xea\x78\x56\x34\x12\x10\x00", 7); /* ljmp $0x10,$0x12345678 */
    LEN(16, "\xea\x34\x12\x10\x00", 5);
    LEN(32, "\x9a\x78\x56\x34\x12\x10\x00", 7); /* lcall: 6-byte pointer */
    LEN(64, "\xc7\xf8\x00\x00\x00\x00", 6);         /* xbegin rel32 */
    LEN(64, "\xc6\xf8\x01", 3);                     /* xabort $1 */
    LEN(64, "\x0f\xba\x20\x05", 4);                 /* btl $5,(%rax) */
    LEN(64, "\x0f\x3a\x0f\xc1\x08", 5);             /* palignr $8,%mm1,%mm0 */
    LEN(64, "\x66\x0f\x38\x00\xc1", 5);             /* pshufb %xmm1,%xmm0 */
    LEN(64, "\x0f\x0f\xc1\x9e", 4);                 /* pfadd %mm1,%mm0 */
    LEN(64, "\x0f\x0f\x44\x24\x08\x9e", 6);         /* pfadd 8(%rsp),%mm0 */
    LEN(64, "\x66\x0f\x78\xc1\x01\x02", 6);         /* extrq $1,$2,%xmm1 */
    LEN(64, "\x0f\x20\xc0", 3);                     /* mov %cr0,%rax */
    LEN(64, "\x0f\x20\x00", 3);                     /* mod is ignored: still a register */
    LEN(64, "\x44\x0f\x20\xc0", 4);                 /* mov %cr8,%rax */
    LEN(32, "\xf0\x0f\x20\xc0", 4);                 /* AMD: lock mov %cr0 is CR8 */
    LEN(64, "\xdd\x04\x25\x00\x10\x00\x00", 7);     /* fldl 0x1000 (SIB, no base) */
    LEN(64, "\x8b\x04\x05\x00\x10\x00\x00", 7);     /* SIB base 5, mod 0: disp32 */
    LEN(64, "\x8b\x44\x05\x00", 4);                 /* SIB base 5, mod 1: rbp + disp8 */
    LEN(64, "\x8b\x84\x05\x00\x00\x00\x00", 7);
    LEN(64, "\x41\x8b\x45\x00", 4); /* r13 + disp8 */
    LEN(64, "\x41\x8b\x04\x24", 4); /* (%r12): SIB */
    LEN(64, "\x8b\x05\x00\x00\x00\x00", 6);
    LEN(64, "\x67\x8b\x05\x00\x00\x00\x00", 7); /* EIP-relative */
    LEN(32, "\x67\x8b\x06\x34\x12", 5);         /* 16-bit addressing: [disp16] */
    LEN(16, "\x8b\x06\x34\x12", 4);
    LEN(16, "\x8b\x04", 2);
    LEN(16, "\x8b\x84\x34\x12", 4);
    LEN(16, "\x8b\x44\x12", 3);
    LEN(16, "\x8b\x04\x24", 2);                 /* no SIB with 16-bit addressing */
    LEN(16, "\x67\x8b\x04\x24", 4);
    LEN(16, "\x67\x8b\x05\x78\x56\x34\x12", 7);
}

TEST(refusals)
{
    struct insn_info i;
    uint8_t buf[16];

    DECODE(64, "\x06", -EINVAL, &i); /* push %es */
    DECODE(32, "\x06", 0, &i);
    DECODE(64, "\x27", -EINVAL, &i); /* daa */
    DECODE(64, "\xd6", -EINVAL, &i);
    DECODE(64, "\x0f\x0b", 0, &i); /* ud2 */
    CHECK_EQ(i.length, 2);
    DECODE(64, "\x0f\x04", -EINVAL, &i);
    DECODE(64, "\xfe\x10", -EINVAL, &i);     /* group 4 /2 */
    DECODE(64, "\xff\x38", -EINVAL, &i);     /* group 5 /7 */
    DECODE(64, "\xff\xd8", -EINVAL, &i);     /* callf with a register */
    DECODE(64, "\x8d\xc0", -EINVAL, &i);     /* lea with a register */
    DECODE(64, "\x8e\xc8", -EINVAL, &i);     /* mov to %cs */
    DECODE(64, "\xc7\x08\0\0\0\0", -EINVAL, &i); /* group 11 /1 */
    DECODE(64, "\x0f\x20\xc8", -EINVAL, &i);    /* %cr1 */
    DECODE(64, "\xf0\x90", -EINVAL, &i);        /* lock nop */
    DECODE(64, "\xf0\x01\xc0", -EINVAL, &i);    /* lock with a register destination */
    DECODE(64, "\xf0\x01\x00", 0, &i);
    DECODE(64, "\xf0\x8b\x00", -EINVAL, &i); /* lock mov */
    DECODE(64, "\xf0\x83\x38\x00", -EINVAL, &i); /* lock cmp */
    DECODE(64, "\x0f\xc3\xc0", -EINVAL, &i);     /* movnti with a register */
    DECODE(64, "\xf2\x0f\x28\xc0", -EINVAL, &i); /* movaps has no F2 form */
    DECODE(64, "\x0f\x38\xff\xc0", -EINVAL, &i);
    DECODE(64, "\x0f\x3a\x00\xc0\x00", -EINVAL, &i);
    DECODE(64, "\xdb\x20", -EINVAL, &i); /* x87 DB /4 memory */
    DECODE(64, "\xd9\xd8", -EINVAL, &i);

    /* VEX, EVEX, XOP */
    DECODE(64, "\xc5\xf8\x77", -EOPNOTSUPP, &i);           /* vzeroupper */
    DECODE(32, "\xc5\xf8\x77", -EOPNOTSUPP, &i);
    DECODE(64, "\xc4\xe2\x79\x18\x07", -EOPNOTSUPP, &i);   /* vbroadcastss */
    DECODE(32, "\xc4\x07", 0, &i);                         /* les (%edi),%eax */
    CHECK(i.is_read && i.length == 2, "les");
    DECODE(64, "\x62\xf1\x7c\x48\x10\x07", -EOPNOTSUPP, &i); /* vmovups zmm */
    DECODE(32, "\x62\x07", 0, &i);                          /* bound */
    DECODE(32, "\x62\xc7", -EOPNOTSUPP, &i);
    DECODE(64, "\x8f\xe9\x78\x01\xc0", -EOPNOTSUPP, &i);    /* XOP */
    DECODE(64, "\x8f\x00", 0, &i);                          /* pop (%rax) */
    DECODE(64, "\x8f\x20", -EINVAL, &i); /* group 1a /4, map-select field 0: not XOP */

    /* Truncated */
    DECODE(64, "\x89", -EINVAL, &i);
    DECODE(64, "\x48", -EINVAL, &i);
    DECODE(64, "\x66\x67", -EINVAL, &i);
    DECODE(64, "\x0f", -EINVAL, &i);
    DECODE(64, "\x0f\x38", -EINVAL, &i);
    DECODE(64, "\x8b\x04", -EINVAL, &i);
    DECODE(64, "\x8b\x05\x00\x00\x00", -EINVAL, &i);
    DECODE(64, "\x48\xb8\x01\x02\x03\x04\x05\x06\x07", -EINVAL, &i);
    DECODE(64, "\xc5", -EOPNOTSUPP, &i); /* VEX in 64-bit mode needs no second byte */
    DECODE(32, "\xc5", -EINVAL, &i);
    CHECK(insn_decode((const uint8_t *)"\x90", 0, 64, &i) == -EINVAL, "avail 0");

    /* Length limit: 14 prefixes + NOP is 15 bytes; 15 prefixes is too many */
    memset(buf, 0x2e, sizeof(buf));
    buf[14] = 0x90;
    CHECK(insn_decode(buf, 15, 64, &i) == 0 && i.length == 15, "15 bytes are allowed");
    buf[14] = 0x2e;
    buf[15] = 0x90;
    CHECK(insn_decode(buf, 16, 64, &i) == -EINVAL, "16 bytes are refused even when there");
    memset(buf, 0x66, sizeof(buf));
    buf[12] = 0x81;
    buf[13] = 0xc0; /* add $imm16,%ax: 12 + 2 + 2 = 16 */
    CHECK(insn_decode(buf, 16, 64, &i) == -EINVAL, "an immediate past 15 bytes is refused");
    buf[11] = 0x83; /* add $imm8,%ax: 11 + 2 + 1 = 14 */
    buf[12] = 0xc0;
    CHECK(insn_decode(buf, 16, 64, &i) == 0 && i.length == 14, "14 bytes");

    /* Bad arguments */
    CHECK(insn_decode((const uint8_t *)"\x90", 1, 8, &i) == -EINVAL, "mode 8");
    CHECK(insn_decode(NULL, 1, 64, &i) == -EINVAL, "no bytes");
    CHECK(insn_decode((const uint8_t *)"\x90", 1, 64, NULL) == -EINVAL, "no output");
}
