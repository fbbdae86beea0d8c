/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as the reference for the instruction emulator: an instruction is encoded into
 * an executable arena below 2 GiB, run natively from a register state (with its memory
 * operand in the arena), then run again by x86_emulate() from the same state and memory with
 * operations that access the arena directly; registers, the defined flags and memory must
 * come out the same.
 */
#ifndef TESTS_UNIT_EMULATE_NATIVE_H
#define TESTS_UNIT_EMULATE_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../hv/arch/x86/hvm/emulate_alu.h"
#include "../../../hv/arch/x86/hvm/x86_emulate.h"

/* The arena: code at the start, then the data page the operands point into, then a stack. */
#define ARENA_SIZE 0x40000
#define DATA_OFF 0x10000
#define DATA_SIZE 0x1000
#define STACK_TOP_OFF 0x3f000

extern uint8_t *arena;
/* Where the operand data lives (arena + DATA_OFF + 0x800: room below for negative offsets). */
extern uint8_t *data;
/* A stub that ends native execution, for CALL/JMP targets. */
extern uint64_t native_exit_stub;

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

struct cpu {
    uint64_t gpr[16];
    uint64_t rflags;
};

void arena_init(void);

/* An instruction being built. */
struct enc {
    uint8_t b[32];
    unsigned int n;
};
void enc_bytes(struct enc *e, const uint8_t *p, unsigned int n);
void enc_u8(struct enc *e, uint8_t v);
void enc_imm(struct enc *e, uint64_t v, unsigned int n);

/* Memory operand addressing forms, relative to data (the register values are set up by
 * form_setup so the effective address lands at data + off). */
enum amode {
    AM_BASE,       /* [rbx] */
    AM_DISP8,      /* [rbx + d8] */
    AM_DISP32,     /* [rbx + d32] */
    AM_SIB,        /* [rbx + rsi*4 + d8] */
    AM_RSP,        /* [rsp + d8] */
    AM_RBP,        /* [rbp + d8] */
    AM_RIP,        /* [rip + d32] */
    AM_R13,        /* [r13 + d8] (REX.B) */
    AM_NOBASE,     /* [rsi*8 + d32] */
    AM_ADDR32,     /* 67: [ebx + d8] */
    AM_COUNT
};

/*
 * Encode prefixes + REX + opcode (map 2: 0F first) + ModRM(reg, memory at data + off in
 * the amode) + imm. rexw/rexr/legacy prefixes as given; pfx: bytes before REX (e.g. 66, F0).
 * Sets up the base/index registers in *cpu for the amode.
 */
void enc_mem_insn(struct enc *e, struct cpu *cpu, const uint8_t *pfx, unsigned int npfx,
                  bool rexw, unsigned int reg, const uint8_t *op, unsigned int nop,
                  enum amode am, int off, uint64_t imm, unsigned int nimm);

/* Run e natively from *in; *out gets the registers and flags after it. */
void native_run(const struct enc *e, const struct cpu *in, struct cpu *out);

/* The emulator's view: a 64-bit user-mode state equal to *in at the arena's code. */
void emul_state(struct x86_emul_state *s, const struct cpu *in);
/* Run the emulator once; returns its code. Memory accesses outside the arena fail the test. */
int emul_run(const struct enc *e, struct x86_emul_state *s, struct x86_emul_ctxt *out);
extern const struct x86_emul_ops arena_ops;
/* Accesses seen by arena_ops since the last reset. */
extern unsigned int arena_reads, arena_writes, arena_cmpxchgs;

/*
 * The whole comparison: the data area is filled from mem (DATA_SIZE bytes), e runs natively
 * from in, then the emulator runs from the same state; registers, flags outside undef, RIP
 * (code start + length) and the data area must agree. what names the case in messages.
 * Returns false (after reporting) on a mismatch.
 */
bool compare_one(const char *what, const struct enc *e, const struct cpu *in,
                 const uint8_t *mem, uint64_t undef_flags);

#endif
