/* SPDX-License-Identifier: MIT */
/*
 * The x86 instruction emulator: executes one instruction on a copy of the vCPU's registers,
 * reaching memory only through an operations table, so that the same code completes guest
 * accesses to unbacked and emulated memory in Tern and runs on the host in unit tests against
 * a fake memory.
 *
 * What it executes (the forms a guest can aim at memory that is not plain RAM, and the control
 * register writes Tern intercepts):
 *   MOV (88-8C, A0-A3 moffs, C6/C7 immediate), MOVZX, MOVSX, MOVSXD, MOVNTI;
 *   ADD OR ADC SBB AND SUB XOR CMP (00-3B, group 1: 80-83), TEST (84/85, F6/F7 /0 /1),
 *   INC DEC (FE, FF), NOT NEG MUL IMUL DIV IDIV (F6/F7), IMUL (0F AF, 69, 6B),
 *   shifts and rotates by 1, CL and imm8 (D0-D3, C0/C1);
 *   XCHG (86/87), CMPXCHG (0F B0/B1), CMPXCHG8B/16B (0F C7 /1), XADD (0F C0/C1), LOCK where
 *   the architecture allows it;
 *   BT BTS BTR BTC with register (0F A3 AB B3 BB) and immediate (0F BA) bit offsets;
 *   SETcc, CMOVcc; PUSH and POP of memory (FF /6, 8F /0); CALL and JMP near through memory
 *   (FF /2, /4);
 *   MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE;
 *   MOV to CR0/CR2/CR3/CR4 (0F 22), LMSW (0F 01 /6), CLTS (0F 06) through ops->write_cr.
 * Anything else is X86EMUL_UNHANDLEABLE, with the reason in ctxt->why.
 *
 * Addresses: effective addresses are computed with the instruction's address size, then
 * segmented (64-bit mode: FS/GS bases and a canonical check; otherwise base, limit and type
 * checks) into linear addresses, which is what the operations receive. The operations do the
 * paging. Faults are reported as the processor would: #GP(0)/#SS(0) for segmentation and
 * non-canonical addresses, #PF from the operations, #DE, #UD (LOCK on a form that cannot take
 * it), #GP(0) for control-register writes at CPL > 0.
 */
#ifndef HVM_X86_EMULATE_H
#define HVM_X86_EMULATE_H

#include <tern/types.h>

enum x86_segment { x86_seg_es, x86_seg_cs, x86_seg_ss, x86_seg_ds, x86_seg_fs, x86_seg_gs,
                   X86_NR_SEGS };

/* A segment register as the VMCB holds it (attr: type, S, DPL, P, AVL, L, D/B, G packed). */
struct x86_seg_reg {
    uint16_t sel;
    uint16_t attr;
    uint32_t limit; /* byte granular (granularity already applied) */
    uint64_t base;
};

#define X86_SEG_ATTR_P (1u << 7)
#define X86_SEG_ATTR_L (1u << 9)
#define X86_SEG_ATTR_DB (1u << 10)

/* The register state the emulator reads and (on success or a fault) writes back. */
struct x86_emul_state {
    uint64_t gpr[16]; /* RAX RCX RDX RBX RSP RBP RSI RDI R8-R15: instruction encoding order */
    uint64_t rip;
    uint64_t rflags;
    struct x86_seg_reg seg[X86_NR_SEGS];
    uint64_t cr0, cr4, efer;
    unsigned int cpl;
};

enum {
    X86EMUL_OKAY,          /* done: commit the state */
    X86EMUL_EXCEPTION,     /* deliver ctxt->exn; commit the state (a REP's progress) */
    X86EMUL_UNHANDLEABLE,  /* cannot: ctxt->why says why; nothing to commit */
    X86EMUL_RETRY,         /* a LOCKed update lost a race: re-run the instruction */
};

struct x86_emul_ctxt;

/*
 * Memory and control registers. Each returns an X86EMUL_* code; on X86EMUL_EXCEPTION it has
 * filled ctxt->exn (e.g. a #PF with its error code and CR2). Accesses are at most 16 bytes
 * and may cross a page boundary; len is the operand's size.
 */
struct x86_emul_ops {
    int (*read)(struct x86_emul_ctxt *c, uint64_t linear, void *buf, unsigned int len);
    int (*write)(struct x86_emul_ctxt *c, uint64_t linear, const void *buf, unsigned int len);
    /*
     * Atomically: if memory holds *old, store *new (*ok = true); otherwise *ok = false and
     * *old receives what memory holds. Used for LOCKed and XCHG updates.
     */
    int (*cmpxchg)(struct x86_emul_ctxt *c, uint64_t linear, void *old, const void *new,
                   unsigned int len, bool *ok);
    /* MOV to CRn, LMSW, CLTS: validate and apply (X86EMUL_EXCEPTION for a #GP). May be NULL. */
    int (*write_cr)(struct x86_emul_ctxt *c, unsigned int cr, uint64_t val);
    /* The current CRn (for LMSW and CLTS, which change part of CR0). May be NULL. */
    int (*read_cr)(struct x86_emul_ctxt *c, unsigned int cr, uint64_t *val);
};

struct x86_emul_exception {
    uint8_t vector;
    bool has_error;
    uint32_t error;
    uint64_t cr2; /* for #PF */
};

struct x86_emul_ctxt {
    /* in */
    const struct x86_emul_ops *ops;
    struct x86_emul_state *state; /* read, and updated as the return code says */
    const uint8_t *insn;          /* the bytes at CS:RIP */
    unsigned int insn_avail;      /* how many (1..15) */
    unsigned int max_reps;        /* REP iterations per call (0: a default); then OKAY with
                                   * RIP unchanged, so the instruction continues later */
    void *priv;                   /* the caller's */
    /* out */
    unsigned int insn_len;        /* once decoded */
    struct x86_emul_exception exn;
    const char *why;              /* X86EMUL_UNHANDLEABLE: the reason */
};

/* Execute the instruction at ctxt->insn. */
int x86_emulate(struct x86_emul_ctxt *ctxt);

/* The execution mode of a state: 16, 32 or 64; 0 for virtual-8086 mode (not emulated). */
int x86_emul_mode(const struct x86_emul_state *s);

#endif
