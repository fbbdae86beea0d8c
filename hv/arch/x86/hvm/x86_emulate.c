// SPDX-License-Identifier: MIT
/*
 * The x86 instruction emulator (x86_emulate.h): prefixes, ModRM/SIB and immediates decoded
 * for the supported opcodes, effective addresses segmented into linear ones, then each
 * instruction executed on a working copy of the registers with its memory accesses going
 * through the caller's operations. The length found is checked against insn_decode.c, the
 * decoder the rest of Tern trusts, so that a disagreement between the two is refused rather
 * than executed.
 */
#include <tern/lib.h>
#include "emulate_alu.h"
#include "insn_decode.h"
#include "x86_emulate.h"

#define EXC_DE 0
#define EXC_UD 6
#define EXC_SS 12
#define EXC_GP 13

#define CR0_PE (1ULL << 0)
#define CR0_TS (1ULL << 3)
#define EFER_LMA (1ULL << 10)

#define REG_RAX 0
#define REG_RCX 1
#define REG_RDX 2
#define REG_RBX 3
#define REG_RSP 4
#define REG_RBP 5
#define REG_RSI 6
#define REG_RDI 7
#define REG_RIP 16 /* as a base register: RIP-relative */
#define REG_NONE (-1)

/* REP iterations per call when the caller does not say. */
#define DEFAULT_MAX_REPS 256

/* How the bytes after the opcode are laid out. */
enum imm_kind { IMM_NONE, IMM_B, IMM_Z, IMM_MOFFS, IMM_GRP3 };

struct emul {
    struct x86_emul_ctxt *c;
    struct x86_emul_state r; /* working copy, committed by x86_emulate() */
    int mode;
    unsigned int pos;        /* bytes decoded so far */
    /* prefixes */
    bool opsize_pfx, adsize_pfx, lock;
    uint8_t rep;             /* 0, 0xf2 or 0xf3: the last one given */
    int seg_ovr;             /* x86_seg_*, or -1 */
    uint8_t rex;             /* the REX byte, 0 without one */
    /* opcode */
    unsigned int map;        /* 1: one-byte map, 2: 0F map */
    uint8_t op;
    unsigned int opsize, adsize;
    /* ModRM */
    bool has_modrm, mem;
    unsigned int mod, reg, rm; /* reg with REX.R; rm with REX.B (register forms) */
    /* memory operand: base + index * scale + disp, adsize-masked, then segmented */
    int base, index;
    unsigned int scale;
    uint64_t disp;
    int seg;
    uint64_t imm;
    /* a REP instruction made progress: commit it even if a later iteration faults */
    bool partial;
    /* RIP is already where execution continues (a branch, or a REP stopped early) */
    bool no_advance;
};

/* ---- small helpers ---- */

static int raise(struct emul *e, unsigned int vector, bool has_error, uint32_t error)
{
    e->c->exn = (struct x86_emul_exception){ .vector = (uint8_t)vector,
                                             .has_error = has_error,
                                             .error = error };
    return X86EMUL_EXCEPTION;
}

static int unhandleable(struct emul *e, const char *why)
{
    e->c->why = why;
    return X86EMUL_UNHANDLEABLE;
}

#define TRY(expr)                                                                          \
    do {                                                                                   \
        int rc_ = (expr);                                                                  \
        if (rc_ != X86EMUL_OKAY)                                                           \
            return rc_;                                                                    \
    } while (0)

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

int x86_emul_mode(const struct x86_emul_state *s)
{
    uint16_t cs = s->seg[x86_seg_cs].attr;

    if (!(s->cr0 & CR0_PE))
        return 16;
    if (s->rflags & X86_EFLAGS_VM)
        return 0;
    if ((s->efer & EFER_LMA) && (cs & X86_SEG_ATTR_L))
        return 64;
    return (cs & X86_SEG_ATTR_DB) ? 32 : 16;
}

/* General registers with the x86 write rules: 32-bit writes zero the upper half, 8- and
 * 16-bit writes keep the rest; without REX, byte registers 4-7 are AH, CH, DH, BH. */
static bool is_high8(const struct emul *e, unsigned int reg, unsigned int size)
{
    return size == 1 && !e->rex && reg >= 4 && reg < 8;
}

static uint64_t get_gpr(const struct emul *e, unsigned int reg, unsigned int size)
{
    if (is_high8(e, reg, size))
        return (e->r.gpr[reg - 4] >> 8) & 0xff;
    return e->r.gpr[reg] & alu_mask(size);
}

static void set_gpr(struct emul *e, unsigned int reg, unsigned int size, uint64_t val)
{
    uint64_t *slot;

    if (is_high8(e, reg, size)) {
        slot = &e->r.gpr[reg - 4];
        *slot = (*slot & ~0xff00ULL) | ((val & 0xff) << 8);
        return;
    }
    slot = &e->r.gpr[reg];
    if (size == 8)
        *slot = val;
    else if (size == 4)
        *slot = (uint32_t)val;
    else
        *slot = (*slot & ~alu_mask(size)) | (val & alu_mask(size));
}

static void set_flags(struct emul *e, uint64_t flags, uint64_t which)
{
    e->r.rflags = (e->r.rflags & ~which) | (flags & which);
}

/* ---- segmentation ---- */

static int seg_fault(struct emul *e, int seg)
{
    return raise(e, seg == x86_seg_ss ? EXC_SS : EXC_GP, true, 0);
}

/* Segment ea (already masked to the address size) for an access of size bytes. */
static int linearize(struct emul *e, int seg, uint64_t ea, unsigned int size, bool write,
                     uint64_t *lin)
{
    const struct x86_seg_reg *s = &e->r.seg[seg];
    uint64_t last = ea + size - 1;

    if (e->mode == 64) {
        uint64_t base = (seg == x86_seg_fs || seg == x86_seg_gs) ? s->base : 0;
        if (!canonical(base + ea) || !canonical(base + last))
            return seg_fault(e, seg);
        *lin = base + ea;
        return X86EMUL_OKAY;
    }
    if (e->r.cr0 & CR0_PE) {
        unsigned int type = s->attr & 0xf;
        if (!(s->attr & X86_SEG_ATTR_P))
            return seg_fault(e, seg); /* a null selector was loaded: the segment is unusable */
        if (type & 8) {
            /* code: never writable, readable only with R */
            if (write || !(type & 2))
                return seg_fault(e, seg);
        } else if (write && !(type & 2)) {
            return seg_fault(e, seg);
        }
        if (!(type & 8) && (type & 4)) {
            /* expand-down: valid offsets are above the limit */
            uint64_t upper = (s->attr & X86_SEG_ATTR_DB) ? 0xffffffffULL : 0xffffULL;
            if (ea <= s->limit || last > upper)
                return seg_fault(e, seg);
            *lin = (s->base + ea) & 0xffffffffULL;
            return X86EMUL_OKAY;
        }
    }
    if (last > s->limit)
        return seg_fault(e, seg);
    *lin = (s->base + ea) & 0xffffffffULL;
    return X86EMUL_OKAY;
}

static int mem_read(struct emul *e, int seg, uint64_t ea, void *buf, unsigned int size)
{
    uint64_t lin;

    TRY(linearize(e, seg, ea, size, false, &lin));
    return e->c->ops->read(e->c, lin, buf, size);
}

static int mem_write(struct emul *e, int seg, uint64_t ea, const void *buf, unsigned int size)
{
    uint64_t lin;

    TRY(linearize(e, seg, ea, size, true, &lin));
    return e->c->ops->write(e->c, lin, buf, size);
}

/* ---- decoding ---- */

static bool fetch(struct emul *e, unsigned int n, uint64_t *val)
{
    uint64_t v = 0;

    if (n > e->c->insn_avail - e->pos || e->pos + n > INSN_MAX_LEN)
        return false;
    for (unsigned int i = 0; i < n; i++)
        v |= (uint64_t)e->c->insn[e->pos + i] << (8 * i);
    e->pos += n;
    *val = v;
    return true;
}

static uint64_t addr_mask(const struct emul *e)
{
    return alu_mask(e->adsize);
}

/* The operand's effective address from the current registers (POP recomputes it after
 * moving RSP), masked to the address size. */
static uint64_t effective_address(const struct emul *e)
{
    uint64_t ea = e->disp;

    if (e->base == REG_RIP)
        ea += e->r.rip + e->pos;
    else if (e->base != REG_NONE)
        ea += e->r.gpr[e->base];
    if (e->index != REG_NONE)
        ea += e->r.gpr[e->index] << e->scale;
    return ea & addr_mask(e);
}

/* ModRM, SIB and displacement (SDM vol. 2 tables 2-1 to 2-3). */
static bool decode_modrm(struct emul *e)
{
    uint64_t b, disp = 0;

    if (!fetch(e, 1, &b))
        return false;
    e->has_modrm = true;
    e->mod = (unsigned int)b >> 6;
    e->reg = (((unsigned int)b >> 3) & 7) | ((e->rex & 4u) << 1);
    e->rm = (unsigned int)b & 7;
    e->base = e->index = REG_NONE;
    e->scale = 0;
    e->seg = x86_seg_ds;
    /* MOV to/from CRn names a register whatever mod says (no SIB, no displacement). */
    if (e->mod == 3 || (e->map == 2 && e->op == 0x22)) {
        e->rm |= (e->rex & 1u) << 3;
        return true;
    }
    e->mem = true;
    if (e->adsize == 2) {
        static const int base16[8] = { REG_RBX, REG_RBX, REG_RBP, REG_RBP,
                                       REG_RSI, REG_RDI, REG_RBP, REG_RBX };
        static const int index16[8] = { REG_RSI, REG_RDI, REG_RSI, REG_RDI,
                                        REG_NONE, REG_NONE, REG_NONE, REG_NONE };
        if (e->mod == 0 && e->rm == 6) {
            if (!fetch(e, 2, &disp))
                return false;
            e->disp = disp;
        } else {
            e->base = base16[e->rm];
            e->index = index16[e->rm];
            if (e->base == REG_RBP)
                e->seg = x86_seg_ss;
            if (e->mod == 1) {
                if (!fetch(e, 1, &disp))
                    return false;
                disp = alu_sext(disp, 1);
            } else if (e->mod == 2 && !fetch(e, 2, &disp)) {
                return false;
            }
            e->disp = disp;
        }
        return true;
    }
    unsigned int base = e->rm | ((e->rex & 1u) << 3);
    if (e->rm == 4) {
        uint64_t sib;
        if (!fetch(e, 1, &sib))
            return false;
        unsigned int idx = (((unsigned int)sib >> 3) & 7) | ((e->rex & 2u) << 2);
        e->scale = (unsigned int)sib >> 6;
        e->index = idx == 4 ? REG_NONE : (int)idx;
        base = ((unsigned int)sib & 7) | ((e->rex & 1u) << 3);
        if (e->mod == 0 && (sib & 7) == 5)
            base = ~0u; /* no base: disp32 */
    } else if (e->mod == 0 && e->rm == 5) {
        base = e->mode == 64 ? REG_RIP : ~0u;
    }
    if (base != ~0u) {
        e->base = (int)base;
        if (base == REG_RSP || base == REG_RBP)
            e->seg = x86_seg_ss;
    }
    if (e->mod == 1) {
        if (!fetch(e, 1, &disp))
            return false;
        disp = alu_sext(disp, 1);
    } else if (e->mod == 2 || base == ~0u || base == REG_RIP) {
        if (!fetch(e, 4, &disp))
            return false;
        disp = alu_sext(disp, 4);
    }
    e->disp = disp;
    return true;
}

/*
 * Which supported opcodes take a ModRM byte and which immediate; false for the ones the
 * emulator does not execute.
 */
static bool opcode_shape(const struct emul *e, bool *modrm, enum imm_kind *imm)
{
    uint8_t op = e->op;

    *modrm = false;
    *imm = IMM_NONE;
    if (e->map == 2) {
        switch (op) {
        case 0x06: /* CLTS */
            return true;
        case 0x01: case 0x22: case 0xa3: case 0xab: case 0xaf: case 0xb0: case 0xb1:
        case 0xb3: case 0xb6: case 0xb7: case 0xbb: case 0xbe: case 0xbf: case 0xc0:
        case 0xc1: case 0xc3: case 0xc7:
            *modrm = true;
            return true;
        case 0xba:
            *modrm = true;
            *imm = IMM_B;
            return true;
        default:
            if ((op & 0xf0) == 0x40 || (op & 0xf0) == 0x90) { /* CMOVcc, SETcc */
                *modrm = true;
                return true;
            }
            return false;
        }
    }
    if (op < 0x40) { /* ALU r/m forms; the AL/rAX immediate forms never touch memory */
        *modrm = true;
        return (op & 7) < 4;
    }
    switch (op) {
    case 0x63: /* MOVSXD (ARPL outside 64-bit mode) */
        *modrm = true;
        return e->mode == 64;
    case 0x69: case 0x81: case 0xc7:
        *modrm = true;
        *imm = IMM_Z;
        return true;
    case 0x6b: case 0x80: case 0x82: case 0x83: case 0xc0: case 0xc1: case 0xc6:
        *modrm = true;
        *imm = IMM_B;
        return true;
    case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a:
    case 0x8b: case 0x8c: case 0x8f: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
    case 0xfe: case 0xff:
        *modrm = true;
        return true;
    case 0xf6: case 0xf7:
        *modrm = true;
        *imm = IMM_GRP3;
        return true;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        *imm = IMM_MOFFS;
        return true;
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac:
    case 0xad: case 0xae: case 0xaf:
        return true;
    default:
        return false;
    }
}

/* May this instruction take a LOCK prefix (with a memory destination)? */
static bool lockable(const struct emul *e)
{
    unsigned int r = e->reg & 7;

    if (!e->mem)
        return false;
    if (e->map == 2) {
        switch (e->op) {
        case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1: case 0xc0: case 0xc1:
            return true;
        case 0xba:
            return r >= 5;
        case 0xc7:
            return r == 1;
        default:
            return false;
        }
    }
    if (e->op < 0x40)
        return (e->op & 7) < 2 && (e->op >> 3) != ALU_CMP;
    switch (e->op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return r != 7;
    case 0x86: case 0x87:
        return true;
    case 0xf6: case 0xf7:
        return r == 2 || r == 3;
    case 0xfe: case 0xff:
        return r <= 1;
    default:
        return false;
    }
}

static void set_sizes(struct emul *e)
{
    if (e->mode == 64) {
        e->opsize = (e->rex & 8) ? 8 : e->opsize_pfx ? 2 : 4;
        e->adsize = e->adsize_pfx ? 4 : 8;
    } else if (e->mode == 32) {
        e->opsize = e->opsize_pfx ? 2 : 4;
        e->adsize = e->adsize_pfx ? 2 : 4;
    } else {
        e->opsize = e->opsize_pfx ? 4 : 2;
        e->adsize = e->adsize_pfx ? 4 : 2;
    }
}

/* Prefixes, opcode, ModRM and immediate. X86EMUL_UNHANDLEABLE for what is not supported. */
static int decode(struct emul *e)
{
    uint64_t b;
    bool modrm;
    enum imm_kind imm;

    e->seg_ovr = -1;
    for (;;) {
        if (!fetch(e, 1, &b))
            return unhandleable(e, "truncated instruction");
        switch (b) {
        case 0x66: e->opsize_pfx = true; break;
        case 0x67: e->adsize_pfx = true; break;
        case 0xf0: e->lock = true; break;
        case 0xf2: case 0xf3: e->rep = (uint8_t)b; break;
        case 0x26: e->seg_ovr = x86_seg_es; break;
        case 0x2e: e->seg_ovr = x86_seg_cs; break;
        case 0x36: e->seg_ovr = x86_seg_ss; break;
        case 0x3e: e->seg_ovr = x86_seg_ds; break;
        case 0x64: e->seg_ovr = x86_seg_fs; break;
        case 0x65: e->seg_ovr = x86_seg_gs; break;
        default:
            if (e->mode == 64 && (b & 0xf0) == 0x40) {
                e->rex = (uint8_t)b;
                continue; /* only a REX directly before the opcode counts */
            }
            goto opcode;
        }
        e->rex = 0;
    }
opcode:
    e->map = 1;
    e->op = (uint8_t)b;
    if (b == 0x0f) {
        if (!fetch(e, 1, &b))
            return unhandleable(e, "truncated instruction");
        e->map = 2;
        e->op = (uint8_t)b;
    }
    set_sizes(e);
    if (!opcode_shape(e, &modrm, &imm))
        return unhandleable(e, "opcode not emulated");
    if (modrm && !decode_modrm(e))
        return unhandleable(e, "truncated instruction");
    if (e->mem && e->seg_ovr >= 0)
        e->seg = e->seg_ovr;

    unsigned int n = 0;
    switch (imm) {
    case IMM_B:
        n = 1;
        break;
    case IMM_Z:
        n = e->opsize == 2 ? 2 : 4;
        break;
    case IMM_MOFFS:
        n = e->adsize;
        break;
    case IMM_GRP3:
        if ((e->reg & 7) <= 1)
            n = e->op == 0xf6 ? 1 : e->opsize == 2 ? 2 : 4;
        break;
    default:
        break;
    }
    if (n && !fetch(e, n, &e->imm))
        return unhandleable(e, "truncated instruction");
    if (imm == IMM_Z || (imm == IMM_GRP3 && n > 1))
        e->imm = alu_sext(e->imm, n);
    if (imm == IMM_MOFFS) {
        e->mem = true;
        e->base = e->index = REG_NONE;
        e->disp = e->imm;
        e->seg = e->seg_ovr >= 0 ? e->seg_ovr : x86_seg_ds;
    }
    return X86EMUL_OKAY;
}

/* ---- operands ---- */

/* The ModRM r/m operand, or a memory operand at an effective address. */
struct opnd {
    bool mem;
    unsigned int reg; /* register forms */
    unsigned int size;
    int seg;
    uint64_t ea;
};

static struct opnd rm_opnd(const struct emul *e, unsigned int size)
{
    return (struct opnd){ .mem = e->mem, .reg = e->rm, .size = size, .seg = e->seg,
                          .ea = e->mem ? effective_address(e) : 0 };
}

static int opnd_read(struct emul *e, const struct opnd *o, uint64_t *val)
{
    if (!o->mem) {
        *val = get_gpr(e, o->reg, o->size);
        return X86EMUL_OKAY;
    }
    *val = 0;
    TRY(mem_read(e, o->seg, o->ea, val, o->size));
    *val &= alu_mask(o->size);
    return X86EMUL_OKAY;
}

/* Read a destination that will be written: the write permission is checked up front, as the
 * processor does for a read-modify-write. */
static int opnd_read_rmw(struct emul *e, const struct opnd *o, uint64_t *val)
{
    uint64_t lin;

    if (o->mem)
        TRY(linearize(e, o->seg, o->ea, o->size, true, &lin));
    return opnd_read(e, o, val);
}

static int opnd_write(struct emul *e, const struct opnd *o, uint64_t val)
{
    if (!o->mem) {
        set_gpr(e, o->reg, o->size, val);
        return X86EMUL_OKAY;
    }
    return mem_write(e, o->seg, o->ea, &val, o->size);
}

/*
 * Write back a read-modify-write result. A locked update (LOCK, or XCHG with memory) goes
 * through cmpxchg against the value read; when memory changed meanwhile the instruction is
 * run again from the start, as if the processor had held the bus from the beginning.
 */
static int opnd_update(struct emul *e, const struct opnd *o, uint64_t old, uint64_t val,
                       bool locked)
{
    uint64_t lin;
    bool ok;

    if (!o->mem || !locked)
        return opnd_write(e, o, val);
    TRY(linearize(e, o->seg, o->ea, o->size, true, &lin));
    TRY(e->c->ops->cmpxchg(e->c, lin, &old, &val, o->size, &ok));
    return ok ? X86EMUL_OKAY : X86EMUL_RETRY;
}

/* ---- the stack ---- */

static unsigned int stack_size(const struct emul *e)
{
    if (e->mode == 64)
        return 8;
    return (e->r.seg[x86_seg_ss].attr & X86_SEG_ATTR_DB) ? 4 : 2;
}

static int push(struct emul *e, uint64_t val, unsigned int size)
{
    unsigned int ss = stack_size(e);
    uint64_t sp = (e->r.gpr[REG_RSP] - size) & alu_mask(ss);

    TRY(mem_write(e, x86_seg_ss, sp, &val, size));
    set_gpr(e, REG_RSP, ss, sp);
    return X86EMUL_OKAY;
}

/* ---- instruction groups ---- */

/* 00-3B: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev */
static int exec_alu(struct emul *e)
{
    enum alu_op op = (enum alu_op)(e->op >> 3);
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, s, res, flags = e->r.rflags;

    if ((e->op & 7) < 2) { /* memory/register destination */
        TRY(op == ALU_CMP ? opnd_read(e, &rm, &d) : opnd_read_rmw(e, &rm, &d));
        s = get_gpr(e, e->reg, size);
        res = alu_arith(op, d, s, size, &flags);
        if (op != ALU_CMP)
            TRY(opnd_update(e, &rm, d, res, e->lock));
    } else {
        TRY(opnd_read(e, &rm, &s));
        d = get_gpr(e, e->reg, size);
        res = alu_arith(op, d, s, size, &flags);
        if (op != ALU_CMP)
            set_gpr(e, e->reg, size, res);
    }
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* 80-83: group 1 with an immediate */
static int exec_group1(struct emul *e)
{
    enum alu_op op = (enum alu_op)(e->reg & 7);
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, res, flags = e->r.rflags;
    uint64_t imm = e->op == 0x81 ? e->imm : alu_sext(e->imm, 1);

    if (e->op == 0x82 && e->mode == 64)
        return raise(e, EXC_UD, false, 0);
    TRY(op == ALU_CMP ? opnd_read(e, &rm, &d) : opnd_read_rmw(e, &rm, &d));
    res = alu_arith(op, d, imm, size, &flags);
    if (op != ALU_CMP)
        TRY(opnd_update(e, &rm, d, res, e->lock));
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* C0/C1 (imm8), D0/D1 (1), D2/D3 (CL): group 2 */
static int exec_shift(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1, count;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, res, flags = e->r.rflags;

    if (e->op <= 0xc1)
        count = (unsigned int)e->imm & 0xff;
    else if (e->op <= 0xd1)
        count = 1;
    else
        count = (unsigned int)get_gpr(e, REG_RCX, 1);
    TRY(opnd_read_rmw(e, &rm, &d));
    res = alu_shift((enum shift_op)(e->reg & 7), d, count, size, &flags);
    /* A masked count of 0 is a no-op, with no write either. */
    if (!(count & (size == 8 ? 63 : 31)))
        return X86EMUL_OKAY;
    TRY(opnd_write(e, &rm, res));
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* F6/F7: group 3 */
static int exec_group3(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1, r = e->reg & 7;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, res, flags = e->r.rflags, lo, hi, q, rem;

    switch (r) {
    case 0: case 1: /* TEST */
        TRY(opnd_read(e, &rm, &d));
        alu_test(d, e->imm, size, &flags);
        break;
    case 2: /* NOT */
        TRY(opnd_read_rmw(e, &rm, &d));
        return opnd_update(e, &rm, d, ~d & alu_mask(size), e->lock);
    case 3: /* NEG */
        TRY(opnd_read_rmw(e, &rm, &d));
        res = alu_neg(d, size, &flags);
        TRY(opnd_update(e, &rm, d, res, e->lock));
        break;
    case 4: case 5: /* MUL, IMUL */
        TRY(opnd_read(e, &rm, &d));
        alu_mul(r == 5, get_gpr(e, REG_RAX, size), d, size, &lo, &hi, &flags);
        if (size == 1) {
            set_gpr(e, REG_RAX, 2, (hi << 8) | lo);
        } else {
            set_gpr(e, REG_RAX, size, lo);
            set_gpr(e, REG_RDX, size, hi);
        }
        break;
    default: /* DIV, IDIV */
        TRY(opnd_read(e, &rm, &d));
        if (size == 1) {
            lo = get_gpr(e, REG_RAX, 1);
            hi = (get_gpr(e, REG_RAX, 2) >> 8) & 0xff;
        } else {
            lo = get_gpr(e, REG_RAX, size);
            hi = get_gpr(e, REG_RDX, size);
        }
        if (!alu_div(r == 7, hi, lo, d, size, &q, &rem))
            return raise(e, EXC_DE, false, 0);
        if (size == 1) {
            set_gpr(e, REG_RAX, 2, (rem << 8) | q);
        } else {
            set_gpr(e, REG_RAX, size, q);
            set_gpr(e, REG_RDX, size, rem);
        }
        return X86EMUL_OKAY; /* flags undefined: left as they were */
    }
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* Near CALL/JMP through memory (FF /2, /4). */
static int exec_branch(struct emul *e, bool call)
{
    unsigned int size = e->mode == 64 ? 8 : e->opsize;
    struct opnd rm = rm_opnd(e, size);
    uint64_t target;

    if (e->mode == 64 && e->opsize_pfx)
        return unhandleable(e, "16-bit near branch in 64-bit mode");
    TRY(opnd_read(e, &rm, &target));
    if (e->mode == 64 ? !canonical(target)
                      : target > e->r.seg[x86_seg_cs].limit)
        return raise(e, EXC_GP, true, 0);
    if (call)
        TRY(push(e, (e->r.rip + e->pos) & alu_mask(size), size));
    e->r.rip = target;
    e->no_advance = true;
    return X86EMUL_OKAY;
}

/* FE, FF */
static int exec_group45(struct emul *e)
{
    unsigned int r = e->reg & 7, size = e->op == 0xfe ? 1 : e->opsize;
    uint64_t d, res, flags = e->r.rflags;

    if (r <= 1) {
        struct opnd rm = rm_opnd(e, size);
        TRY(opnd_read_rmw(e, &rm, &d));
        res = alu_incdec(r == 1, d, size, &flags);
        TRY(opnd_update(e, &rm, d, res, e->lock));
        set_flags(e, flags, X86_EFLAGS_ARITH);
        return X86EMUL_OKAY;
    }
    if (e->op == 0xfe)
        return raise(e, EXC_UD, false, 0);
    switch (r) {
    case 2:
    case 4:
        return exec_branch(e, r == 2);
    case 6: { /* PUSH Ev */
        unsigned int psize = e->mode == 64 ? (e->opsize_pfx ? 2 : 8) : e->opsize;
        struct opnd rm = rm_opnd(e, psize);
        TRY(opnd_read(e, &rm, &d));
        return push(e, d, psize);
    }
    default:
        return unhandleable(e, "far branch or reserved group 5 form");
    }
}

/* 8F /0: POP Ev. RSP moves before the destination's address is computed. */
static int exec_pop(struct emul *e)
{
    unsigned int size = e->mode == 64 ? (e->opsize_pfx ? 2 : 8) : e->opsize;
    unsigned int ss = stack_size(e);
    uint64_t sp = e->r.gpr[REG_RSP] & alu_mask(ss), val = 0;

    if ((e->reg & 7) != 0)
        return unhandleable(e, "8F with ModRM.reg != 0 (XOP)");
    TRY(mem_read(e, x86_seg_ss, sp, &val, size));
    set_gpr(e, REG_RSP, ss, sp + size);
    struct opnd rm = rm_opnd(e, size);
    return opnd_write(e, &rm, val);
}

static int exec_xchg(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, s = get_gpr(e, e->reg, size);

    TRY(opnd_read_rmw(e, &rm, &d));
    TRY(opnd_update(e, &rm, d, s, true)); /* XCHG with memory is always locked */
    set_gpr(e, e->reg, size, d);
    return X86EMUL_OKAY;
}

static int exec_mov(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t v;

    switch (e->op) {
    case 0x88: case 0x89:
        return opnd_write(e, &rm, get_gpr(e, e->reg, size));
    case 0x8a: case 0x8b:
        TRY(opnd_read(e, &rm, &v));
        set_gpr(e, e->reg, size, v);
        return X86EMUL_OKAY;
    case 0x8c: /* MOV Ev,Sw: a 16-bit store to memory, zero-extended into a register */
        if ((e->reg & 7) > 5)
            return raise(e, EXC_UD, false, 0);
        v = e->r.seg[e->reg & 7].sel;
        if (rm.mem)
            rm.size = 2;
        return opnd_write(e, &rm, v);
    case 0xc6: case 0xc7:
        if ((e->reg & 7) != 0)
            return unhandleable(e, "XABORT/XBEGIN");
        return opnd_write(e, &rm, e->op == 0xc6 ? e->imm : e->imm & alu_mask(size));
    default: { /* A0-A3: moffs */
        struct opnd m = { .mem = true, .size = size, .seg = e->seg,
                          .ea = e->disp & addr_mask(e) };
        if (e->op <= 0xa1) {
            TRY(opnd_read(e, &m, &v));
            set_gpr(e, REG_RAX, size, v);
            return X86EMUL_OKAY;
        }
        return opnd_write(e, &m, get_gpr(e, REG_RAX, size));
    }
    }
}

/* 0F B6/B7/BE/BF MOVZX/MOVSX, 63 MOVSXD */
static int exec_movx(struct emul *e)
{
    unsigned int src = e->map == 1 ? (e->opsize == 8 ? 4 : e->opsize) : (e->op & 1) ? 2 : 1;
    bool sext = e->map == 1 || e->op >= 0xbe;
    struct opnd rm = rm_opnd(e, src);
    uint64_t v;

    TRY(opnd_read(e, &rm, &v));
    set_gpr(e, e->reg, e->opsize, sext ? alu_sext(v, src) : v);
    return X86EMUL_OKAY;
}

/* IMUL Gv,Ev (0F AF), Gv,Ev,Iz (69), Gv,Ev,Ib (6B) */
static int exec_imul(struct emul *e)
{
    struct opnd rm = rm_opnd(e, e->opsize);
    uint64_t s, other, res, flags = e->r.rflags;

    TRY(opnd_read(e, &rm, &s));
    if (e->map == 2)
        other = get_gpr(e, e->reg, e->opsize);
    else
        other = e->op == 0x69 ? e->imm : alu_sext(e->imm, 1);
    res = alu_imul_trunc(s, other, e->opsize, &flags);
    set_gpr(e, e->reg, e->opsize, res);
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* BT BTS BTR BTC: 0F A3 AB B3 BB (register offset), 0F BA /4-7 (imm8 offset) */
static int exec_bt(struct emul *e)
{
    unsigned int size = e->opsize, bits = size * 8, shift = size == 2 ? 4 : size == 4 ? 5 : 6;
    unsigned int kind = e->op == 0xba ? (e->reg & 7) - 4 : (e->op >> 3) & 3;
    struct opnd rm = rm_opnd(e, size);
    uint64_t off, d, res;

    if (e->op == 0xba) {
        if ((e->reg & 7) < 4)
            return raise(e, EXC_UD, false, 0);
        off = e->imm & (bits - 1);
    } else {
        /* A register offset reaches beyond the operand: the address moves by whole
         * operand-sized units, signed (SDM vol. 2, BT: "bit offset operand"). */
        int64_t raw = (int64_t)alu_sext(get_gpr(e, e->reg, size), size);
        if (rm.mem)
            rm.ea = (rm.ea + (uint64_t)((raw >> shift) * (int64_t)size)) & addr_mask(e);
        off = (uint64_t)raw & (bits - 1);
    }
    TRY(kind == 0 ? opnd_read(e, &rm, &d) : opnd_read_rmw(e, &rm, &d));
    bool bit = (d >> off) & 1;
    set_flags(e, bit ? X86_EFLAGS_CF : 0, X86_EFLAGS_CF);
    if (kind == 0)
        return X86EMUL_OKAY;
    res = kind == 1 ? d | (1ULL << off) : kind == 2 ? d & ~(1ULL << off) : d ^ (1ULL << off);
    return opnd_update(e, &rm, d, res, e->lock);
}

static int exec_cmpxchg(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, acc = get_gpr(e, REG_RAX, size), flags = e->r.rflags;

    TRY(opnd_read_rmw(e, &rm, &d));
    alu_arith(ALU_CMP, acc, d, size, &flags);
    if (flags & X86_EFLAGS_ZF)
        TRY(opnd_update(e, &rm, d, get_gpr(e, e->reg, size), e->lock));
    else
        set_gpr(e, REG_RAX, size, d);
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* 0F C7 /1: CMPXCHG8B / CMPXCHG16B (REX.W) */
static int exec_cmpxchg8b(struct emul *e)
{
    unsigned int half = (e->rex & 8) ? 8 : 4;
    uint64_t m[2] = { 0, 0 }, want[2], put[2], lin;
    bool ok;

    if ((e->reg & 7) != 1)
        return unhandleable(e, "group 9 form not emulated");
    if (!e->mem)
        return raise(e, EXC_UD, false, 0);
    uint64_t ea = effective_address(e);
    if (half == 8 && (ea & 15))
        return raise(e, EXC_GP, true, 0);
    TRY(linearize(e, e->seg, ea, half * 2, true, &lin));
    TRY(e->c->ops->read(e->c, lin, m, half * 2));
    if (half == 4) {
        want[0] = get_gpr(e, REG_RAX, 4) | (get_gpr(e, REG_RDX, 4) << 32);
        put[0] = get_gpr(e, REG_RBX, 4) | (get_gpr(e, REG_RCX, 4) << 32);
        want[1] = put[1] = 0;
    } else {
        want[0] = e->r.gpr[REG_RAX];
        want[1] = e->r.gpr[REG_RDX];
        put[0] = e->r.gpr[REG_RBX];
        put[1] = e->r.gpr[REG_RCX];
    }
    if (!memcmp(m, want, half * 2)) {
        if (e->lock) {
            TRY(e->c->ops->cmpxchg(e->c, lin, m, put, half * 2, &ok));
            if (!ok)
                return X86EMUL_RETRY;
        } else {
            TRY(e->c->ops->write(e->c, lin, put, half * 2));
        }
        set_flags(e, X86_EFLAGS_ZF, X86_EFLAGS_ZF);
        return X86EMUL_OKAY;
    }
    if (half == 4) {
        set_gpr(e, REG_RAX, 4, m[0]);
        set_gpr(e, REG_RDX, 4, m[0] >> 32);
    } else {
        e->r.gpr[REG_RAX] = m[0];
        e->r.gpr[REG_RDX] = m[1];
    }
    set_flags(e, 0, X86_EFLAGS_ZF);
    return X86EMUL_OKAY;
}

static int exec_xadd(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1;
    struct opnd rm = rm_opnd(e, size);
    uint64_t d, res, flags = e->r.rflags;

    TRY(opnd_read_rmw(e, &rm, &d));
    res = alu_arith(ALU_ADD, d, get_gpr(e, e->reg, size), size, &flags);
    set_gpr(e, e->reg, size, d);
    TRY(opnd_update(e, &rm, d, res, e->lock));
    set_flags(e, flags, X86_EFLAGS_ARITH);
    return X86EMUL_OKAY;
}

/* MOVS CMPS STOS LODS SCAS, with REP/REPE/REPNE */
static int exec_string(struct emul *e)
{
    unsigned int size = (e->op & 1) ? e->opsize : 1, kind = (e->op - 0xa4) >> 1;
    unsigned int budget = e->c->max_reps ? e->c->max_reps : DEFAULT_MAX_REPS;
    int src_seg = e->seg_ovr >= 0 ? e->seg_ovr : x86_seg_ds;
    uint64_t am = addr_mask(e), step = (e->r.rflags & X86_EFLAGS_DF) ? 0 - (uint64_t)size : size;
    bool rep = e->rep != 0;

    /* kind: 0 MOVS, 1 CMPS, 3 STOS, 4 LODS, 5 SCAS (2 is TEST AL/rAX, Iz: not here) */
    for (unsigned int n = 0;; n++) {
        uint64_t si = e->r.gpr[REG_RSI] & am, di = e->r.gpr[REG_RDI] & am;
        uint64_t a = 0, b = 0, flags = e->r.rflags;
        if (rep) {
            if (!(e->r.gpr[REG_RCX] & am))
                break;
            if (n == budget) {
                e->no_advance = true; /* the rest after the guest ran again */
                return X86EMUL_OKAY;
            }
        }
        switch (kind) {
        case 0:
            TRY(mem_read(e, src_seg, si, &a, size));
            TRY(mem_write(e, x86_seg_es, di, &a, size));
            break;
        case 1:
            TRY(mem_read(e, src_seg, si, &a, size));
            TRY(mem_read(e, x86_seg_es, di, &b, size));
            alu_arith(ALU_CMP, a, b, size, &flags);
            break;
        case 3:
            a = get_gpr(e, REG_RAX, size);
            TRY(mem_write(e, x86_seg_es, di, &a, size));
            break;
        case 4:
            TRY(mem_read(e, src_seg, si, &a, size));
            break;
        default:
            TRY(mem_read(e, x86_seg_es, di, &b, size));
            alu_arith(ALU_CMP, get_gpr(e, REG_RAX, size), b, size, &flags);
            break;
        }
        /* The iteration completed: its register updates stand even if a later one faults. */
        if (kind == 4)
            set_gpr(e, REG_RAX, size, a);
        if (kind == 0 || kind == 1 || kind == 4)
            set_gpr(e, REG_RSI, e->adsize, si + step);
        if (kind != 4)
            set_gpr(e, REG_RDI, e->adsize, di + step);
        if (kind == 1 || kind == 5)
            set_flags(e, flags, X86_EFLAGS_ARITH);
        e->partial = true;
        if (!rep)
            break;
        set_gpr(e, REG_RCX, e->adsize, (e->r.gpr[REG_RCX] & am) - 1);
        if (kind == 1 || kind == 5) {
            bool zf = e->r.rflags & X86_EFLAGS_ZF;
            if ((e->rep == 0xf3 && !zf) || (e->rep == 0xf2 && zf))
                break;
        }
    }
    return X86EMUL_OKAY;
}

/* MOV to CRn (0F 22), LMSW (0F 01 /6), CLTS (0F 06) */
static int exec_cr(struct emul *e)
{
    const struct x86_emul_ops *ops = e->c->ops;
    unsigned int cr = 0;
    uint64_t val, cr0;

    if (!ops->write_cr || !ops->read_cr)
        return unhandleable(e, "no control-register operations");
    if (e->map == 2 && e->op == 0x01 && (e->reg & 7) != 6)
        return unhandleable(e, "group 7 form not emulated");
    if (e->map == 2 && e->op == 0x22) {
        if (e->lock)
            return unhandleable(e, "LOCK MOV CR0 (AMD's CR8)");
        cr = e->reg;
        if (cr == 8)
            return unhandleable(e, "MOV to CR8");
    }
    if (e->r.cpl)
        return raise(e, EXC_GP, true, 0);
    if (e->op == 0x22) {
        /* A register operand (see decode_modrm), 64-bit in 64-bit mode. */
        val = e->r.gpr[e->rm] & (e->mode == 64 ? ~0ULL : 0xffffffffULL);
        return ops->write_cr(e->c, cr, val);
    }
    TRY(ops->read_cr(e->c, 0, &cr0));
    if (e->op == 0x06) /* CLTS */
        return ops->write_cr(e->c, 0, cr0 & ~CR0_TS);
    /* LMSW: loads MP, EM, TS and can set PE but never clear it */
    struct opnd rm = rm_opnd(e, 2);
    TRY(opnd_read(e, &rm, &val));
    return ops->write_cr(e->c, 0, (cr0 & ~0xeULL) | (val & 0xf) | (cr0 & CR0_PE));
}

static int execute(struct emul *e)
{
    uint8_t op = e->op;

    if (e->map == 2) {
        switch (op) {
        case 0x01: case 0x06: case 0x22:
            return exec_cr(e);
        case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba:
            return exec_bt(e);
        case 0xaf:
            return exec_imul(e);
        case 0xb0: case 0xb1:
            return exec_cmpxchg(e);
        case 0xb6: case 0xb7: case 0xbe: case 0xbf:
            return exec_movx(e);
        case 0xc0: case 0xc1:
            return exec_xadd(e);
        case 0xc3: { /* MOVNTI My,Gy */
            struct opnd rm = rm_opnd(e, e->opsize);
            if (!e->mem || e->opsize == 2)
                return raise(e, EXC_UD, false, 0);
            return opnd_write(e, &rm, get_gpr(e, e->reg, e->opsize));
        }
        case 0xc7:
            return exec_cmpxchg8b(e);
        default:
            break;
        }
        if ((op & 0xf0) == 0x90) { /* SETcc Eb */
            struct opnd rm = rm_opnd(e, 1);
            return opnd_write(e, &rm, alu_cond(op & 15, e->r.rflags));
        }
        /* CMOVcc Gv,Ev: the source is read whatever the condition; a 32-bit destination
         * is zero-extended even when nothing moves. */
        struct opnd rm = rm_opnd(e, e->opsize);
        uint64_t v;
        TRY(opnd_read(e, &rm, &v));
        if (alu_cond(op & 15, e->r.rflags))
            set_gpr(e, e->reg, e->opsize, v);
        else if (e->opsize == 4)
            set_gpr(e, e->reg, 4, get_gpr(e, e->reg, 4));
        return X86EMUL_OKAY;
    }
    if (op < 0x40)
        return exec_alu(e);
    switch (op) {
    case 0x63:
        return exec_movx(e);
    case 0x69: case 0x6b:
        return exec_imul(e);
    case 0x80: case 0x81: case 0x82: case 0x83:
        return exec_group1(e);
    case 0x84: case 0x85: {
        unsigned int size = (op & 1) ? e->opsize : 1;
        struct opnd rm = rm_opnd(e, size);
        uint64_t d, flags = e->r.rflags;
        TRY(opnd_read(e, &rm, &d));
        alu_test(d, get_gpr(e, e->reg, size), size, &flags);
        set_flags(e, flags, X86_EFLAGS_ARITH);
        return X86EMUL_OKAY;
    }
    case 0x86: case 0x87:
        return exec_xchg(e);
    case 0x8f:
        return exec_pop(e);
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        return exec_shift(e);
    case 0xf6: case 0xf7:
        return exec_group3(e);
    case 0xfe: case 0xff:
        return exec_group45(e);
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac:
    case 0xad: case 0xae: case 0xaf:
        return exec_string(e);
    default:
        return exec_mov(e);
    }
}

int x86_emulate(struct x86_emul_ctxt *ctxt)
{
    struct emul e = { .c = ctxt, .r = *ctxt->state };
    struct insn_info info;
    int rc;

    ctxt->insn_len = 0;
    ctxt->why = NULL;
    e.mode = x86_emul_mode(&e.r);
    if (!e.mode)
        return unhandleable(&e, "virtual-8086 mode");
    if (!ctxt->insn || !ctxt->insn_avail)
        return unhandleable(&e, "no instruction bytes");

    rc = decode(&e);
    if (rc != X86EMUL_OKAY)
        return rc;
    ctxt->insn_len = e.pos;
    /* LOCK on anything but a read-modify-write of memory is #UD (SDM vol. 2, LOCK). CR
     * writes keep AMD's LOCK MOV CR0 meaning CR8, refused in exec_cr. */
    if (e.lock && !lockable(&e) && !(e.map == 2 && e.op == 0x22))
        return raise(&e, EXC_UD, false, 0);
    /* CR1, CR5-CR7 and CR9-CR15 do not exist (#UD, which the length decoder refuses). */
    if (e.map == 2 && e.op == 0x22 && e.reg != 0 && e.reg != 2 && e.reg != 3 && e.reg != 4 &&
        e.reg != 8)
        return raise(&e, EXC_UD, false, 0);
    if (insn_decode(ctxt->insn, ctxt->insn_avail, e.mode, &info) || info.length != e.pos)
        return unhandleable(&e, "the length decoder disagrees");

    rc = execute(&e);
    if (rc == X86EMUL_OKAY) {
        if (!e.no_advance)
            e.r.rip = e.mode == 64 ? e.r.rip + e.pos : (uint32_t)(e.r.rip + e.pos);
        *ctxt->state = e.r;
    } else if (rc == X86EMUL_EXCEPTION && e.partial) {
        *ctxt->state = e.r; /* the completed REP iterations; RIP stays on the instruction */
    }
    return rc;
}
