/* SPDX-License-Identifier: MIT */
/*
 * The host's GNU assembler and objdump as the reference for insn_decode: a batch of items
 * (assembler source lines or raw bytes), each assembled into its own 32-byte slot, disassembled
 * with objdump, and compared with insn_decode slot by slot.
 */
#ifndef TESTS_UNIT_INSN_ASM_ORACLE_H
#define TESTS_UNIT_INSN_ASM_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLOT 32

struct asm_batch {
    int mode;          /* 16, 32 or 64 */
    char *src;         /* the assembler source being built */
    size_t len, cap;
    unsigned int n;    /* items */
    char **what;       /* per item: its source text, for messages */
    /* filled by asm_run: */
    uint8_t *img;      /* n * SLOT bytes as assembled */
    uint8_t *obj_len;  /* per item: objdump's length at the slot start, 0 when "(bad)" */
    uint8_t *obj_kind; /* OBJ_* */
    char **obj_text;   /* per item: objdump's disassembly */
};

enum { OBJ_OK = 1, OBJ_BAD, OBJ_OVERLONG };

void asm_init(struct asm_batch *b, int mode);
/* An assembler source line (one instruction). */
void asm_add_line(struct asm_batch *b, const char *line);
/* Raw bytes (at most 15), emitted with .byte. */
void asm_add_bytes(struct asm_batch *b, const uint8_t *bytes, unsigned int n);
/* Assemble and disassemble; false (with a message on stdout) when the tools failed. */
bool asm_run(struct asm_batch *b);
void asm_free(struct asm_batch *b);

/*
 * Compare insn_decode with objdump for every item. Lengths must match where both decode;
 * where objdump decodes and insn_decode refuses, excused(b, i) decides (NULL: never).
 * Returns the number of mismatches, printing the first few; *compared counts agreements.
 */
unsigned int asm_compare(struct asm_batch *b, bool (*excused)(const struct asm_batch *b,
                                                               unsigned int i, int rc),
                         unsigned int *compared);

#endif
