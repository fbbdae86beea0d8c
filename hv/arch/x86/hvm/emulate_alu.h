/* SPDX-License-Identifier: MIT */
/*
 * Integer arithmetic of the instruction emulator with the flags x86 defines for it (Intel SDM
 * vol. 1 appendix A, vol. 2 instruction pages; AMD APM vol. 3), computed in plain C so the
 * result does not depend on the compiler or on the host's flags. Sizes are in bytes (1, 2, 4,
 * 8); operands are taken modulo 2^(8*size) and results come back that way. Each function
 * changes only the flags the instruction defines; where the architecture leaves a flag
 * undefined, the comment says what is done.
 */
#ifndef HVM_EMULATE_ALU_H
#define HVM_EMULATE_ALU_H

#include <tern/types.h>

#define X86_EFLAGS_CF 0x0001u
#define X86_EFLAGS_PF 0x0004u
#define X86_EFLAGS_AF 0x0010u
#define X86_EFLAGS_ZF 0x0040u
#define X86_EFLAGS_SF 0x0080u
#define X86_EFLAGS_TF 0x0100u
#define X86_EFLAGS_IF 0x0200u
#define X86_EFLAGS_DF 0x0400u
#define X86_EFLAGS_OF 0x0800u
#define X86_EFLAGS_AC 0x40000u
#define X86_EFLAGS_VM 0x20000u
#define X86_EFLAGS_ARITH                                                                   \
    (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | X86_EFLAGS_SF |      \
     X86_EFLAGS_OF)

/* All-ones of size bytes, and the value sign-extended from size bytes to 64 bits. */
uint64_t alu_mask(unsigned int size);
uint64_t alu_sext(uint64_t val, unsigned int size);

/* The eight ALU operations of opcodes 00-3F and group 1 (ModRM.reg order). */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
/*
 * dst op src; CF is the carry/borrow input of ADC and SBB. CMP returns dst - src like SUB (the
 * caller does not store it). OR/AND/XOR clear CF and OF and, like current AMD and Intel
 * processors, AF (architecturally undefined).
 */
uint64_t alu_arith(enum alu_op op, uint64_t dst, uint64_t src, unsigned int size,
                   uint64_t *flags);
/* TEST: the flags of AND, nothing stored. */
void alu_test(uint64_t a, uint64_t b, unsigned int size, uint64_t *flags);
/* INC/DEC: the flags of ADD/SUB with 1, CF unchanged. */
uint64_t alu_incdec(bool dec, uint64_t dst, unsigned int size, uint64_t *flags);
/* NEG: 0 - dst; CF = (dst != 0). */
uint64_t alu_neg(uint64_t dst, unsigned int size, uint64_t *flags);

/* Group 2 (ModRM.reg order): ROL ROR RCL RCR SHL SHR SAL (= SHL) SAR. */
enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };
/*
 * The count is masked to 5 bits (6 with an 8-byte operand); a masked count of 0 changes
 * nothing. OF is defined for a count of 1 only; for other counts the count-1 formula is
 * applied anyway. AF (undefined for shifts) is cleared. Shift counts beyond the width of a
 * byte or word operand (undefined CF) give the bit a wider register would have shifted out.
 */
uint64_t alu_shift(enum shift_op op, uint64_t dst, unsigned int count, unsigned int size,
                   uint64_t *flags);

/*
 * MUL/IMUL with one operand: acc * src into hi:lo (each size bytes); CF = OF = the high half
 * is significant. SF, ZF, PF (undefined) follow the low half, AF is cleared.
 */
void alu_mul(bool is_signed, uint64_t acc, uint64_t src, unsigned int size, uint64_t *lo,
             uint64_t *hi, uint64_t *flags);
/* IMUL with two or three operands: the truncated product; CF = OF = it was truncated. */
uint64_t alu_imul_trunc(uint64_t a, uint64_t b, unsigned int size, uint64_t *flags);
/*
 * DIV/IDIV of hi:lo (each size bytes) by divisor. false when the processor raises #DE
 * (divisor 0 or a quotient that does not fit). Flags are undefined and left unchanged.
 */
bool alu_div(bool is_signed, uint64_t hi, uint64_t lo, uint64_t divisor, unsigned int size,
             uint64_t *quot, uint64_t *rem);

/* Condition code cc (0-15: O NO B AE E NE BE A S NS P NP L GE LE G) against flags. */
bool alu_cond(unsigned int cc, uint64_t flags);

#endif
