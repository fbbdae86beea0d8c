/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction length and memory-operand decoder, for the faults that nested paging cannot
 * resolve by itself: a write to a page the p2m maps read-only (discarded, as Xen does, and
 * the guest continues after the instruction) and a read of an address with nothing behind it
 * (the destination register receives all-ones). SVM under QEMU TCG has no NRIP save and no
 * decode assists, so the instruction bytes are decoded here: where the instruction ends,
 * whether its memory operand is read or written, and for plain loads which general register
 * receives the value and how wide it is.
 *
 * The decoder knows the legacy (non-VEX) instruction set: legacy prefixes, REX, the one-byte
 * map, the 0F, 0F 38 and 0F 3A maps, x87 and 3DNow!. VEX, EVEX and XOP encodings are refused
 * with -EOPNOTSUPP: Tern does not handle faults on them.
 */
#ifndef TERN_HVM_INSN_DECODE_H
#define TERN_HVM_INSN_DECODE_H

#include <tern/types.h>

/* The architectural limit on an instruction's length, prefixes included (SDM vol. 2, 2.3.11). */
#define INSN_MAX_LEN 15

struct insn_info {
    unsigned int length; /* total bytes, prefixes included: 1..15 */
    /*
     * The instruction's explicit memory operand (its ModRM memory form, the moffs of
     * A0-A3, or the string operands of MOVS/STOS/...) is read and/or written. Both are false
     * when the instruction has no memory operand (e.g. its ModRM names a register) or does
     * not access it (LEA, prefetches, hint NOPs, CLFLUSH, INVLPG).
     */
    bool is_write;
    bool is_read;
    bool has_modrm_mem; /* the instruction has a ModRM memory operand (mod != 3) */
    /*
     * For a plain load into a general register from memory (MOV r, m: 8A, 8B, A0, A1;
     * MOVZX/MOVSX r, m: 0F B6/B7/BE/BF; MOVSXD: 63 in 64-bit mode) the destination:
     * 0..15 = RAX..R15, whose low op_size bytes receive the value (with op_size 4 in 64-bit
     * mode the upper half is zeroed, as for any 32-bit register write). Otherwise -1.
     * A byte load into AH, CH, DH or BH (no REX prefix, ModRM.reg 4..7) is not reported
     * here (reg_dest is -1, so callers that do not know better give up): reg_dest_high8 is
     * then 0..3, meaning bits 15:8 of RAX..RBX, and -1 in every other case.
     */
    int reg_dest;
    int reg_dest_high8;
    unsigned int op_size;  /* destination size in bytes for a load (1, 2, 4, 8), else 0 */
    unsigned int src_size; /* bytes loaded from memory for reg_dest/reg_dest_high8, else 0 */
    bool sign_extend;      /* MOVSX/MOVSXD: the src_size bytes are sign-extended to op_size */
    /*
     * MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS: the operands are at rSI/rDI, which the instruction
     * advances; with a REP prefix it repeats. Callers give up on these.
     */
    bool is_string;
    /*
     * The instruction also reads or writes memory that is not its explicit operand: the
     * stack (PUSH, POP, CALL, RET, ENTER, LEAVE, INT, IRET), XLAT's table, the implicit
     * destination of MASKMOVQ/MASKMOVDQU/MOVDIR64B/ENQCMD. Discarding such an
     * instruction's write is not what the hardware would do, so callers give up.
     */
    bool implicit_mem;
    /*
     * The instruction's only effect besides advancing RIP is the write of its memory
     * operand (MOV, MOVNTI, SSE/MMX stores, SETcc, MOV from a segment register, x87
     * FST/FIST without pop): discarding the write is then exactly the hardware's behaviour
     * when the write goes nowhere. False for read-modify-write instructions, which also
     * update flags or registers from the memory value (ADD, XCHG, CMPXCHG, ...).
     */
    bool plain_store;
};

/*
 * Decode the instruction in bytes[0..avail) (avail <= 15; more is ignored) for the CPU mode:
 * 16 (real mode or a 16-bit code segment), 32 (32-bit code segment) or 64 (long mode with
 * CS.L). Reads no byte at or beyond bytes[avail]. Returns 0 with *out filled in, -EINVAL for
 * a truncated instruction (avail too short), one longer than 15 bytes, an invalid mode, or an
 * opcode that is undefined (#UD) in that mode, including a LOCK prefix on an instruction
 * that cannot take it, and -EOPNOTSUPP for VEX (C4, C5), EVEX (62) and XOP (8F) encodings.
 * UD0, UD1 and UD2 decode successfully (they are defined instructions that raise #UD).
 */
int insn_decode(const uint8_t *bytes, unsigned int avail, int mode, struct insn_info *out);

#endif
