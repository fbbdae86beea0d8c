// SPDX-License-Identifier: MIT
/*
 * Every supported memory-operand form, run natively and by the emulator from the same state
 * (native.c): ALU, group 1, TEST, XCHG, MOV forms, group 3, INC/DEC, shifts and rotates,
 * MOVZX/MOVSX/MOVSXD, IMUL, BT*, CMPXCHG, CMPXCHG8B/16B, XADD, SETcc, CMOVcc, PUSH/POP,
 * CALL/JMP through memory, LOCK forms, every addressing form and the byte registers.
 */
#include "native.h"
#include "harness.h"

#include <stdio.h>
#include <string.h>

/* Values that reach the carry, overflow, sign and parity edges of every size. */
static const uint64_t vals[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
    0x123456789abcdef0ULL, 0xfedcba9876543210ULL, 0x5555aaaa33cc0ff0ULL,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static const uint64_t flag_inputs[] = { 0, X86_EFLAGS_CF, X86_EFLAGS_ARITH };

static uint8_t mem[DATA_SIZE];
static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random background memory, with v at the operand (data + 0) and w after it. */
static void fill(uint64_t v, uint64_t w)
{
    for (unsigned int i = 0; i < DATA_SIZE; i += 8) {
        uint64_t r = rnd();
        memcpy(mem + i, &r, 8);
    }
    memcpy(mem + (data - arena - DATA_OFF), &v, 8);
    memcpy(mem + (data - arena - DATA_OFF) + 8, &w, 8);
}

static void base_cpu(struct cpu *c, uint64_t flags)
{
    for (int i = 0; i < 16; i++)
        c->gpr[i] = 0x1111111111111111ULL * (uint64_t)(i + 1);
    c->gpr[RSP] = (uint64_t)(uintptr_t)(arena + STACK_TOP_OFF);
    c->rflags = flags;
}

/* Sizes of a form: byte opcodes have 1, the others 2 (66), 4 and 8 (REX.W). */
static unsigned int nsizes(bool byte)
{
    return byte ? 1 : 3;
}

static unsigned int size_at(bool byte, unsigned int i)
{
    return byte ? 1 : i == 0 ? 2 : i == 1 ? 4 : 8;
}

static const uint8_t p66[] = { 0x66 };

/*
 * One form over the value matrix: memory value x register value x input flags, with the
 * register operand in RDX (reg == -1) or a group digit in ModRM.reg; imm bytes follow.
 */
static void run_form(const char *name, const uint8_t *op, unsigned int nop, int reg, bool byte,
                     unsigned int nimm, uint64_t undef, enum amode am)
{
    char what[96];

    for (unsigned int si = 0; si < nsizes(byte); si++) {
        unsigned int size = size_at(byte, si);
        if (nop == 2 && op[1] == 0xc3 && size == 2)
            continue; /* MOVNTI has no 16-bit form */
        for (unsigned int a = 0; a < NVALS; a++) {
            for (unsigned int b = 0; b < NVALS; b += (a % 3) + 1) {
                for (unsigned int f = 0; f < 3; f++) {
                    struct cpu c;
                    struct enc e;
                    base_cpu(&c, flag_inputs[f]);
                    c.gpr[RDX] = vals[b];
                    c.gpr[RAX] = vals[(a + b) % NVALS];
                    c.gpr[RCX] = vals[(a * 7 + b) % NVALS];
                    fill(vals[a], vals[b] ^ 0x5a5a);
                    enc_mem_insn(&e, &c, p66, size == 2, size == 8,
                                 reg < 0 ? RDX : (unsigned int)reg, op, nop, am, 0,
                                 vals[(a + 3 * b) % NVALS],
                                 nimm == 4 && size == 2 ? 2 : nimm); /* Iz */
                    snprintf(what, sizeof(what), "%s size %u mem %#llx reg %#llx", name, size,
                             (unsigned long long)vals[a], (unsigned long long)vals[b]);
                    compare_one(what, &e, &c, mem, undef);
                }
            }
        }
    }
}

#define OP1(x) ((const uint8_t[]){ x }), 1
#define OP2(x) ((const uint8_t[]){ 0x0f, x }), 2

TEST(alu_register_forms)
{
    static const char *const names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor",
                                          "cmp" };
    char name[32];

    arena_init();
    for (unsigned int op = 0; op < 8; op++) {
        /* AF is undefined after the logic operations. */
        uint64_t undef = (op == 1 || op == 4 || op == 6) ? X86_EFLAGS_AF : 0;
        for (unsigned int form = 0; form < 4; form++) {
            uint8_t opc = (uint8_t)(op << 3 | form);
            snprintf(name, sizeof(name), "%s %02x", names[op], opc);
            run_form(name, &opc, 1, -1, !(form & 1), 0, undef, AM_DISP8);
        }
    }
}

TEST(group1_immediates)
{
    char name[32];

    arena_init();
    for (unsigned int r = 0; r < 8; r++) {
        uint64_t undef = (r == 1 || r == 4 || r == 6) ? X86_EFLAGS_AF : 0;
        snprintf(name, sizeof(name), "80 /%u", r);
        run_form(name, OP1(0x80), (int)r, true, 1, undef, AM_DISP8);
        snprintf(name, sizeof(name), "81 /%u", r);
        run_form(name, OP1(0x81), (int)r, false, 4, undef, AM_DISP8);
        snprintf(name, sizeof(name), "83 /%u", r);
        run_form(name, OP1(0x83), (int)r, false, 1, undef, AM_DISP32);
    }
}

TEST(test_xchg_mov)
{
    arena_init();
    run_form("test 84", OP1(0x84), -1, true, 0, X86_EFLAGS_AF, AM_BASE);
    run_form("test 85", OP1(0x85), -1, false, 0, X86_EFLAGS_AF, AM_BASE);
    run_form("test f6 /0", OP1(0xf6), 0, true, 1, X86_EFLAGS_AF, AM_BASE);
    run_form("test f7 /0", OP1(0xf7), 0, false, 4, X86_EFLAGS_AF, AM_BASE);
    run_form("xchg 86", OP1(0x86), -1, true, 0, 0, AM_SIB);
    run_form("xchg 87", OP1(0x87), -1, false, 0, 0, AM_SIB);
    run_form("mov 88", OP1(0x88), -1, true, 0, 0, AM_DISP8);
    run_form("mov 89", OP1(0x89), -1, false, 0, 0, AM_DISP8);
    run_form("mov 8a", OP1(0x8a), -1, true, 0, 0, AM_DISP8);
    run_form("mov 8b", OP1(0x8b), -1, false, 0, 0, AM_DISP8);
    run_form("mov c6", OP1(0xc6), 0, true, 1, 0, AM_RIP);
    run_form("mov c7", OP1(0xc7), 0, false, 4, 0, AM_RIP);
    run_form("movnti", OP2(0xc3), -1, false, 0, 0, AM_DISP8);
}

TEST(mov_segment_and_moffs)
{
    char what[64];

    arena_init();
    for (unsigned int sreg = 0; sreg < 6; sreg++) {
        for (unsigned int si = 0; si < 3; si++) {
            struct cpu c;
            struct enc e;
            base_cpu(&c, 0);
            fill(~0ULL, ~0ULL);
            enc_mem_insn(&e, &c, p66, si == 0, si == 2, sreg, OP1(0x8c), AM_DISP8, 0, 0, 0);
            snprintf(what, sizeof(what), "mov %%sreg%u to memory (size %u)", sreg, si);
            compare_one(what, &e, &c, mem, 0);
        }
    }
    /* A0-A3 with a 64-bit offset, each operand size. */
    for (uint8_t op = 0xa0; op <= 0xa3; op++) {
        for (unsigned int si = 0; si < nsizes(!(op & 1)); si++) {
            unsigned int size = size_at(!(op & 1), si);
            struct cpu c;
            struct enc e = { .n = 0 };
            base_cpu(&c, 0);
            c.gpr[RAX] = 0x0123456789abcdefULL;
            fill(0xfedcba9876543210ULL, 0);
            if (size == 2)
                enc_u8(&e, 0x66);
            if (size == 8)
                enc_u8(&e, 0x48);
            enc_u8(&e, op);
            enc_imm(&e, (uint64_t)(uintptr_t)data + 1, 8);
            snprintf(what, sizeof(what), "mov moffs %02x size %u", op, size);
            compare_one(what, &e, &c, mem, 0);
        }
    }
}

/* Would DIV/IDIV of this dividend by d fault? (then it is not run natively) */
static bool div_faults(bool sign, unsigned int size, uint64_t rax, uint64_t rdx, uint64_t d)
{
    unsigned int bits = size * 8;
    uint64_t m = alu_mask(size);

    d &= m;
    if (!d)
        return true;
    if (size == 1) {
        rdx = (rax >> 8) & 0xff;
        rax &= 0xff;
    }
    unsigned __int128 n = ((unsigned __int128)(rdx & m) << bits) | (rax & m);
    if (!sign)
        return n / d > m;
    __int128 sn = bits == 64 ? (__int128)n : (__int128)alu_sext((uint64_t)n, size * 2);
    if (bits == 64)
        sn = (__int128)(((unsigned __int128)rdx << 64) | rax);
    if (bits == 64 && (unsigned __int128)sn == (unsigned __int128)1 << 127 &&
        alu_sext(d, size) == ~0ULL)
        return true;
    __int128 q = sn / (__int128)(int64_t)alu_sext(d, size);
    __int128 lim = (__int128)1 << (bits - 1);
    return q >= lim || q < -lim;
}

TEST(group3_not_neg_mul_div)
{
    char what[96];

    arena_init();
    for (unsigned int r = 2; r < 8; r++) {
        uint64_t undef = r <= 3 ? 0 : r <= 5 ? (X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF |
                                               X86_EFLAGS_PF)
                                             : X86_EFLAGS_ARITH;
        for (unsigned int op = 0xf6; op <= 0xf7; op++) {
            for (unsigned int si = 0; si < nsizes(op == 0xf6); si++) {
                unsigned int size = size_at(op == 0xf6, si);
                for (unsigned int a = 0; a < NVALS; a++) {
                    for (unsigned int b = 0; b < NVALS; b++) {
                        struct cpu c;
                        struct enc e;
                        uint8_t opc = (uint8_t)op;
                        base_cpu(&c, b & 1 ? X86_EFLAGS_ARITH : 0);
                        c.gpr[RAX] = vals[b];
                        c.gpr[RDX] = vals[(a + b) % NVALS] >> (b % 4) * 8;
                        fill(vals[a], 0);
                        if (r >= 6 && div_faults(r == 7, size, c.gpr[RAX], c.gpr[RDX], vals[a]))
                            continue;
                        enc_mem_insn(&e, &c, p66, size == 2, size == 8, r, &opc, 1, AM_DISP8,
                                     0, 0, 0);
                        snprintf(what, sizeof(what), "%02x /%u size %u mem %#llx rax %#llx",
                                 op, r, size, (unsigned long long)vals[a],
                                 (unsigned long long)vals[b]);
                        compare_one(what, &e, &c, mem, undef);
                    }
                }
            }
        }
    }
}

TEST(inc_dec)
{
    arena_init();
    run_form("inc fe /0", OP1(0xfe), 0, true, 0, 0, AM_R13);
    run_form("dec fe /1", OP1(0xfe), 1, true, 0, 0, AM_R13);
    run_form("inc ff /0", OP1(0xff), 0, false, 0, 0, AM_R13);
    run_form("dec ff /1", OP1(0xff), 1, false, 0, 0, AM_R13);
}

TEST(shifts_and_rotates)
{
    static const unsigned int counts[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63,
                                           64, 65, 255 };
    char what[96];

    arena_init();
    for (unsigned int r = 0; r < 8; r++) {
        for (unsigned int op = 0; op < 6; op++) {
            static const uint8_t ops[6] = { 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3 };
            bool byte = !(ops[op] & 1);
            for (unsigned int si = 0; si < nsizes(byte); si++) {
                unsigned int size = size_at(byte, si), bits = size * 8;
                for (unsigned int k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
                    unsigned int count = ops[op] >= 0xd2 ? counts[k] : ops[op] >= 0xd0 ? 1
                                                                                      : counts[k];
                    unsigned int mc = count & (size == 8 ? 63 : 31);
                    uint64_t undef = X86_EFLAGS_AF;
                    if (mc != 1)
                        undef |= X86_EFLAGS_OF;
                    if ((r == 4 || r == 5 || r == 6) && mc >= bits)
                        undef |= X86_EFLAGS_CF;
                    for (unsigned int a = 0; a < NVALS; a += 2) {
                        for (unsigned int f = 0; f < 2; f++) {
                            struct cpu c;
                            struct enc e;
                            base_cpu(&c, f ? X86_EFLAGS_ARITH : 0);
                            c.gpr[RCX] = count | 0xff00;
                            fill(vals[a], vals[a + 1 < NVALS ? a + 1 : 0]);
                            enc_mem_insn(&e, &c, p66, size == 2, size == 8, r, &ops[op], 1,
                                         AM_DISP8, 0, count, ops[op] <= 0xc1);
                            snprintf(what, sizeof(what), "%02x /%u size %u count %u val %#llx",
                                     ops[op], r, size, count, (unsigned long long)vals[a]);
                            compare_one(what, &e, &c, mem, undef);
                        }
                    }
                    if (ops[op] == 0xd0 || ops[op] == 0xd1)
                        break; /* by 1: one count */
                }
            }
        }
    }
}

TEST(movzx_movsx_movsxd)
{
    arena_init();
    run_form("movzx b6", OP2(0xb6), -1, false, 0, 0, AM_DISP8);
    run_form("movzx b7", OP2(0xb7), -1, false, 0, 0, AM_DISP8);
    run_form("movsx be", OP2(0xbe), -1, false, 0, 0, AM_DISP8);
    run_form("movsx bf", OP2(0xbf), -1, false, 0, 0, AM_DISP8);
    run_form("movsxd 63", OP1(0x63), -1, false, 0, 0, AM_DISP8);
}

TEST(imul_forms)
{
    uint64_t undef = X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF;

    arena_init();
    run_form("imul 0f af", OP2(0xaf), -1, false, 0, undef, AM_DISP8);
    run_form("imul 69", OP1(0x69), -1, false, 4, undef, AM_DISP8);
    run_form("imul 6b", OP1(0x6b), -1, false, 1, undef, AM_DISP8);
}

TEST(bit_tests)
{
    /* Register offsets reach memory around the operand, both directions. */
    static const int64_t offsets[] = { 0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, 200, 1000,
                                       -1, -8, -9, -16, -17, -32, -33, -64, -65, -1000 };
    uint64_t undef = X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF;
    char what[96];

    arena_init();
    for (unsigned int k = 0; k < 4; k++) {
        uint8_t op = (uint8_t)(0xa3 + 8 * k);
        for (unsigned int si = 0; si < 3; si++) {
            unsigned int size = size_at(false, si);
            for (unsigned int o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
                for (unsigned int lock = 0; lock < (k ? 2u : 1u); lock++) {
                    struct cpu c;
                    struct enc e;
                    uint8_t pfx[2];
                    unsigned int np = 0;
                    base_cpu(&c, o & 1 ? X86_EFLAGS_ARITH : 0);
                    /* a 16-bit offset can only reach +-4 KiB: keep inside the arena */
                    c.gpr[RDX] = (uint64_t)offsets[o];
                    fill(vals[o % NVALS], vals[(o + 5) % NVALS]);
                    if (lock)
                        pfx[np++] = 0xf0;
                    if (size == 2)
                        pfx[np++] = 0x66;
                    uint8_t opc[2] = { 0x0f, op };
                    enc_mem_insn(&e, &c, pfx, np, size == 8, RDX, opc, 2, AM_DISP8, 0, 0, 0);
                    snprintf(what, sizeof(what), "%sbt%c size %u offset %lld",
                             lock ? "lock " : "", "xsrc"[k], size, (long long)offsets[o]);
                    compare_one(what, &e, &c, mem, undef);
                }
            }
        }
    }
    for (unsigned int r = 4; r < 8; r++) {
        char name[32];
        snprintf(name, sizeof(name), "bt 0f ba /%u", r);
        run_form(name, OP2(0xba), (int)r, false, 1, undef, AM_DISP8);
    }
}

TEST(cmpxchg_xadd)
{
    char what[96];

    arena_init();
    /* CMPXCHG with the accumulator equal to memory, then different. */
    for (unsigned int op = 0xb0; op <= 0xb1; op++) {
        for (unsigned int si = 0; si < nsizes(op == 0xb0); si++) {
            unsigned int size = size_at(op == 0xb0, si);
            for (unsigned int a = 0; a < NVALS; a++) {
                for (unsigned int eq = 0; eq < 2; eq++) {
                    for (unsigned int lock = 0; lock < 2; lock++) {
                        struct cpu c;
                        struct enc e;
                        uint8_t pfx[2], opc[2] = { 0x0f, (uint8_t)op };
                        unsigned int np = 0;
                        base_cpu(&c, 0);
                        c.gpr[RAX] = eq ? vals[a] : vals[(a + 1) % NVALS];
                        c.gpr[RDX] = vals[(a + 7) % NVALS];
                        fill(vals[a], 0);
                        if (lock)
                            pfx[np++] = 0xf0;
                        if (size == 2)
                            pfx[np++] = 0x66;
                        enc_mem_insn(&e, &c, pfx, np, size == 8, RDX, opc, 2, AM_DISP8, 0, 0,
                                     0);
                        snprintf(what, sizeof(what), "%scmpxchg size %u mem %#llx %s",
                                 lock ? "lock " : "", size, (unsigned long long)vals[a],
                                 eq ? "equal" : "different");
                        compare_one(what, &e, &c, mem, 0);
                    }
                }
            }
        }
    }
    run_form("xadd 0f c0", OP2(0xc0), -1, true, 0, 0, AM_DISP8);
    run_form("xadd 0f c1", OP2(0xc1), -1, false, 0, 0, AM_DISP8);

    /* CMPXCHG8B and CMPXCHG16B (16-byte aligned). */
    for (unsigned int wide = 0; wide < 2; wide++) {
        for (unsigned int eq = 0; eq < 2; eq++) {
            for (unsigned int lock = 0; lock < 2; lock++) {
                struct cpu c;
                struct enc e;
                uint8_t pfx[1] = { 0xf0 }, opc[2] = { 0x0f, 0xc7 };
                base_cpu(&c, X86_EFLAGS_ARITH);
                fill(0x1122334455667788ULL, 0x99aabbccddeeff00ULL);
                c.gpr[RAX] = eq ? (wide ? 0x1122334455667788ULL : 0xaaaaaaaa55667788ULL) : 5;
                c.gpr[RDX] = eq ? (wide ? 0x99aabbccddeeff00ULL : 0xbbbbbbbb11223344ULL) : 6;
                enc_mem_insn(&e, &c, pfx, lock, wide, 1, opc, 2, AM_BASE, 0, 0, 0);
                snprintf(what, sizeof(what), "%scmpxchg%s %s", lock ? "lock " : "",
                         wide ? "16b" : "8b", eq ? "equal" : "different");
                compare_one(what, &e, &c, mem, 0);
            }
        }
    }
}

TEST(setcc_cmovcc)
{
    static const uint64_t flag_sets[] = {
        0, X86_EFLAGS_CF, X86_EFLAGS_ZF, X86_EFLAGS_SF, X86_EFLAGS_OF, X86_EFLAGS_PF,
        X86_EFLAGS_SF | X86_EFLAGS_OF, X86_EFLAGS_ZF | X86_EFLAGS_SF, X86_EFLAGS_ARITH,
    };
    char what[64];

    arena_init();
    for (unsigned int cc = 0; cc < 16; cc++) {
        for (unsigned int f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
            for (unsigned int si = 0; si < 3; si++) {
                unsigned int size = size_at(false, si);
                struct cpu c;
                struct enc e;
                uint8_t set[2] = { 0x0f, (uint8_t)(0x90 + cc) };
                uint8_t cmov[2] = { 0x0f, (uint8_t)(0x40 + cc) };
                base_cpu(&c, flag_sets[f]);
                c.gpr[RDX] = 0xfedcba9876543210ULL;
                fill(0x0123456789abcdefULL, 0);
                enc_mem_insn(&e, &c, NULL, 0, false, 0, set, 2, AM_DISP8, 3, 0, 0);
                snprintf(what, sizeof(what), "setcc %u flags %#llx", cc,
                         (unsigned long long)flag_sets[f]);
                compare_one(what, &e, &c, mem, 0);
                enc_mem_insn(&e, &c, p66, size == 2, size == 8, RDX, cmov, 2, AM_DISP8, 0, 0,
                             0);
                snprintf(what, sizeof(what), "cmov%u size %u flags %#llx", cc, size,
                         (unsigned long long)flag_sets[f]);
                compare_one(what, &e, &c, mem, 0);
            }
        }
    }
}

TEST(push_pop_call_jmp)
{
    char what[64];

    arena_init();
    for (unsigned int am = 0; am < AM_COUNT; am++) {
        for (unsigned int w = 0; w < 2; w++) {
            struct cpu c;
            struct enc e;
            /* The stack below the operand, in the data area; [rsp+d8] forms use it as is. */
            base_cpu(&c, 0);
            c.gpr[RSP] = (uint64_t)(uintptr_t)(data + 0x400);
            fill(0x8877665544332211ULL, 0x1234);
            enc_mem_insn(&e, &c, p66, w, false, 6, OP1(0xff), (enum amode)am, 0, 0, 0);
            snprintf(what, sizeof(what), "push mem amode %u%s", am, w ? " (66)" : "");
            compare_one(what, &e, &c, mem, 0);

            base_cpu(&c, 0);
            c.gpr[RSP] = (uint64_t)(uintptr_t)(data + 0x400);
            fill(0x8877665544332211ULL, 0x1234);
            enc_mem_insn(&e, &c, p66, w, false, 0, OP1(0x8f), (enum amode)am, 0x10, 0, 0);
            snprintf(what, sizeof(what), "pop mem amode %u%s", am, w ? " (66)" : "");
            compare_one(what, &e, &c, mem, 0);
        }
    }
    /* Near CALL and JMP through memory land on the exit stub. */
    for (unsigned int r = 2; r <= 4; r += 2) {
        struct cpu c;
        struct enc e;
        base_cpu(&c, 0);
        c.gpr[RSP] = (uint64_t)(uintptr_t)(data + 0x400);
        fill(native_exit_stub, 0);
        enc_mem_insn(&e, &c, NULL, 0, false, r, OP1(0xff), AM_DISP8, 0, 0, 0);
        snprintf(what, sizeof(what), "%s through memory", r == 2 ? "call" : "jmp");
        compare_one(what, &e, &c, mem, 0);
    }
}

TEST(lock_forms)
{
    static const uint8_t lock[] = { 0xf0 };
    char name[32];

    arena_init();
    for (unsigned int op = 0; op < 7; op++) { /* not CMP */
        uint64_t undef = (op == 1 || op == 4 || op == 6) ? X86_EFLAGS_AF : 0;
        for (unsigned int form = 0; form < 2; form++) {
            uint8_t opc[1] = { (uint8_t)(op << 3 | form) };
            struct cpu c;
            struct enc e;
            base_cpu(&c, X86_EFLAGS_CF);
            c.gpr[RDX] = 0x0f0f0f0f0f0f0f0fULL;
            fill(0x8000000000000001ULL, 0);
            enc_mem_insn(&e, &c, lock, 1, form, RDX, opc, 1, AM_DISP8, 0, 0, 0);
            snprintf(name, sizeof(name), "lock %02x", opc[0]);
            compare_one(name, &e, &c, mem, undef);
        }
    }
    for (unsigned int r = 0; r < 7; r++) {
        struct cpu c;
        struct enc e;
        base_cpu(&c, 0);
        fill(0x7fffffff, 0);
        enc_mem_insn(&e, &c, lock, 1, false, r, OP1(0x83), AM_DISP8, 0, 0x81, 1);
        snprintf(name, sizeof(name), "lock 83 /%u", r);
        compare_one(name, &e, &c, mem, (r == 1 || r == 4 || r == 6) ? X86_EFLAGS_AF : 0);
    }
    static const struct { uint8_t op; unsigned int r; } un[] = {
        { 0xf6, 2 }, { 0xf7, 2 }, { 0xf6, 3 }, { 0xf7, 3 }, { 0xfe, 0 }, { 0xfe, 1 },
        { 0xff, 0 }, { 0xff, 1 },
    };
    for (unsigned int i = 0; i < sizeof(un) / sizeof(un[0]); i++) {
        struct cpu c;
        struct enc e;
        base_cpu(&c, 0);
        fill(0x80, 0);
        enc_mem_insn(&e, &c, lock, 1, true, un[i].r, &un[i].op, 1, AM_DISP8, 0, 0, 0);
        snprintf(name, sizeof(name), "lock %02x /%u", un[i].op, un[i].r);
        compare_one(name, &e, &c, mem, 0);
    }
}

TEST(addressing_forms)
{
    char what[64];

    arena_init();
    for (unsigned int am = 0; am < AM_COUNT; am++) {
        for (int off = -0x10; off <= 0x10; off += 0x8) {
            static const uint8_t ops[] = { 0x01, 0x2b, 0x89, 0x8b, 0x31, 0x85 };
            for (unsigned int i = 0; i < sizeof(ops); i++) {
                struct cpu c;
                struct enc e;
                base_cpu(&c, 0);
                c.gpr[RDX] = 0x0102030405060708ULL;
                fill(0xa0b0c0d0e0f00010ULL, 0);
                enc_mem_insn(&e, &c, NULL, 0, true, RDX, &ops[i], 1, (enum amode)am, off, 0,
                             0);
                snprintf(what, sizeof(what), "op %02x amode %u offset %d", ops[i], am, off);
                compare_one(what, &e, &c, mem, X86_EFLAGS_AF);
            }
        }
    }
}

TEST(byte_registers)
{
    char what[64];

    arena_init();
    /* ModRM.reg 4-7 without REX are AH CH DH BH; with any REX, SPL BPL SIL DIL. */
    for (unsigned int reg = 0; reg < 8; reg++) {
        for (unsigned int rex = 0; rex < 2; rex++) {
            static const uint8_t ops[] = { 0x00, 0x02, 0x88, 0x8a, 0x86, 0x38 };
            for (unsigned int i = 0; i < sizeof(ops); i++) {
                struct cpu c;
                struct enc e;
                base_cpu(&c, 0);
                if (reg == RBX || reg == RSP)
                    continue; /* the base register and the stack pointer */
                fill(0x80c3, 0);
                enc_mem_insn(&e, &c, NULL, 0, false, reg | (rex ? 0x100u : 0u), &ops[i], 1,
                             AM_R13, 0, 0, 0);
                snprintf(what, sizeof(what), "op %02x reg %u%s", ops[i], reg,
                             rex ? " with REX" : "");
                compare_one(what, &e, &c, mem, 0);
            }
        }
    }
}

TEST(string_instructions)
{
    static const uint8_t ops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
    static const uint8_t reps[] = { 0, 0xf3, 0xf2 };
    static const uint64_t counts[] = { 0, 1, 2, 7, 33 };
    char what[96];

    arena_init();
    for (unsigned int i = 0; i < sizeof(ops); i++) {
        bool byte = !(ops[i] & 1);
        for (unsigned int si = 0; si < nsizes(byte); si++) {
            unsigned int size = size_at(byte, si);
            for (unsigned int r = 0; r < 3; r++) {
                for (unsigned int k = 0; k < 5; k++) {
                    for (unsigned int df = 0; df < 2; df++) {
                        for (unsigned int a32 = 0; a32 < 2; a32++) {
                            struct cpu c;
                            struct enc e = { .n = 0 };
                            base_cpu(&c, df ? X86_EFLAGS_DF : 0);
                            fill(0x0101010101010101ULL, 0x0101010101010101ULL);
                            /* equal runs with a difference at a few places, so REPE and
                             * REPNE stop early sometimes */
                            for (unsigned int j = 0; j < 0x100; j++) {
                                data[0x200 + j] = (uint8_t)(j % 5 ? 0x33 : j);
                                data[-0x300 + (int)j] = (uint8_t)(j % 3 ? 0x33 : 0x44);
                            }
                            memcpy(mem, arena + DATA_OFF, DATA_SIZE);
                            c.gpr[RSI] = (uint64_t)(uintptr_t)(data + 0x200 + 0x80);
                            c.gpr[RDI] = (uint64_t)(uintptr_t)(data - 0x300 + 0x80);
                            c.gpr[RAX] = 0x3333333333333333ULL;
                            c.gpr[RCX] = counts[k] | (a32 ? 0xabcd00000000ULL : 0);
                            if (a32)
                                enc_u8(&e, 0x67);
                            if (reps[r])
                                enc_u8(&e, reps[r]);
                            if (size == 2)
                                enc_u8(&e, 0x66);
                            if (size == 8)
                                enc_u8(&e, 0x48);
                            enc_u8(&e, ops[i]);
                            snprintf(what, sizeof(what), "%02x rep %02x size %u count %llu%s%s",
                                     ops[i], reps[r], size, (unsigned long long)counts[k],
                                     df ? " std" : "", a32 ? " addr32" : "");
                            compare_one(what, &e, &c, mem, 0);
                        }
                    }
                }
            }
        }
    }
}
