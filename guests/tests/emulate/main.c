/* SPDX-License-Identifier: MIT */
/*
 * Every memory-operand form the instruction emulator handles, aimed at guest-physical memory
 * with nothing behind it (0xc0000000) and at the vLAPIC's xAPIC page, each compared with the
 * same instruction run on RAM that holds what the emulated memory reads as: all-ones for the
 * unbacked window (Xen's behaviour without a device model: reads all-ones, writes
 * discarded), the register's value for the APIC's TMICT. Registers, the defined flags and
 * memory must agree; the unbacked window must still read all-ones afterwards.
 */
#include "lib.h"

const char test_title[] = "instruction emulation of unbacked and vLAPIC memory";

#define UNBACKED 0xc0001000UL /* operand address: the window starts 4 KiB below */
#define APIC_TMICT 0xfee00380UL
#define APIC_LVT_TIMER 0xfee00320UL

#define CF 0x001UL
#define PF 0x004UL
#define AF 0x010UL
#define ZF 0x040UL
#define SF 0x080UL
#define OF 0x800UL
#define DF 0x400UL
#define ARITH (CF | PF | AF | ZF | SF | OF)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

struct regs {
    uint64_t gpr[16];
    uint64_t flags;
};

/* ---- running one instruction ---- */

struct regs tr_in, tr_out;
uint64_t tr_saved_rsp, tr_code;
void tr_enter(void);
void tr_return(void);

/* Load all registers and flags from tr_in, run the code at tr_code (which jumps back to
 * tr_return), store them to tr_out. Interrupts stay off (tr_in.flags has IF clear). */
asm(".text\n"
    ".globl tr_enter\n"
    "tr_enter:\n"
    "  pushfq\n push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  mov %rsp, tr_saved_rsp(%rip)\n"
    "  lea tr_in(%rip), %rax\n"
    "  pushq 128(%rax)\n popfq\n"
    "  mov 8(%rax), %rcx\n mov 16(%rax), %rdx\n mov 24(%rax), %rbx\n"
    "  mov 40(%rax), %rbp\n mov 48(%rax), %rsi\n mov 56(%rax), %rdi\n"
    "  mov 64(%rax), %r8\n mov 72(%rax), %r9\n mov 80(%rax), %r10\n mov 88(%rax), %r11\n"
    "  mov 96(%rax), %r12\n mov 104(%rax), %r13\n mov 112(%rax), %r14\n"
    "  mov 120(%rax), %r15\n mov 32(%rax), %rsp\n mov 0(%rax), %rax\n"
    "  jmp *tr_code(%rip)\n"
    ".globl tr_return\n"
    "tr_return:\n"
    "  mov %rax, tr_out+0(%rip)\n mov %rcx, tr_out+8(%rip)\n mov %rdx, tr_out+16(%rip)\n"
    "  mov %rbx, tr_out+24(%rip)\n mov %rsp, tr_out+32(%rip)\n mov %rbp, tr_out+40(%rip)\n"
    "  mov %rsi, tr_out+48(%rip)\n mov %rdi, tr_out+56(%rip)\n mov %r8, tr_out+64(%rip)\n"
    "  mov %r9, tr_out+72(%rip)\n mov %r10, tr_out+80(%rip)\n mov %r11, tr_out+88(%rip)\n"
    "  mov %r12, tr_out+96(%rip)\n mov %r13, tr_out+104(%rip)\n"
    "  mov %r14, tr_out+112(%rip)\n mov %r15, tr_out+120(%rip)\n"
    "  mov tr_saved_rsp(%rip), %rsp\n"
    "  pushfq\n popq tr_out+128(%rip)\n"
    "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n popfq\n"
    "  ret\n");

static uint8_t code[64] __aligned(64);
/* RAM: the reference operand in the middle of a page of all-ones, a second area for the other
 * side of string instructions, and a stack for PUSH/POP. */
static uint8_t ram[2 * PAGE_SIZE] __page_aligned;
static uint8_t other[PAGE_SIZE] __page_aligned;
static uint8_t stack[PAGE_SIZE] __page_aligned;
#define RAM_OP ((uintptr_t)(ram + PAGE_SIZE))
#define OTHER_OP ((uintptr_t)(other + PAGE_SIZE / 2))
#define STACK_TOP ((uintptr_t)(stack + PAGE_SIZE / 2))

static void run(const uint8_t *insn, unsigned int n, const struct regs *in, struct regs *out)
{
    uint64_t back = (uintptr_t)tr_return;

    memcpy(code, insn, n);
    code[n] = 0xff; /* jmp *0(%rip) */
    code[n + 1] = 0x25;
    memset(code + n + 2, 0, 4);
    memcpy(code + n + 6, &back, 8);
    tr_code = (uintptr_t)code;
    tr_in = *in;
    tr_enter();
    *out = tr_out;
}

/* ---- the forms ---- */

/* Where the operand pointer lives: [rbx] (ModRM 00 reg 011), or a string's RSI/RDI. */
enum ptr { P_RBX, P_RSI, P_RDI, P_BOTH };

struct form {
    char name[24];
    uint8_t b[15];
    uint8_t n;
    uint8_t size;    /* operand bytes */
    uint8_t ptr;     /* enum ptr */
    uint8_t div;     /* DIV/IDIV: RDX:RAX kept small */
    uint8_t bt_reg;  /* BT* with a register bit offset: RDX is the offset */
    uint8_t apic_ok; /* fits one 32-bit APIC register at offset 0 */
    uint64_t undef;  /* flags the architecture leaves undefined */
};

#define MAX_FORMS 900
static struct form forms[MAX_FORMS];
static unsigned int nforms;

/* prefix (66, 48, F0, F3, 0) + opcode bytes + ModRM (mod 00, reg, rm 011 = [rbx]) + imm. */
static struct form *add(const char *name, uint8_t pfx1, uint8_t pfx2, const uint8_t *op,
                        unsigned int nop, int reg, uint64_t imm, unsigned int nimm,
                        unsigned int size, uint64_t undef)
{
    struct form *f;

    if (nforms == MAX_FORMS)
        xtf_fatal("too many forms");
    f = &forms[nforms++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s/%u", name, size);
    if (pfx1)
        f->b[f->n++] = pfx1;
    if (pfx2)
        f->b[f->n++] = pfx2;
    memcpy(f->b + f->n, op, nop);
    f->n += nop;
    if (reg >= 0)
        f->b[f->n++] = (uint8_t)((reg << 3) | 3);
    for (unsigned int i = 0; i < nimm; i++)
        f->b[f->n++] = (uint8_t)(imm >> (8 * i));
    f->size = (uint8_t)size;
    f->undef = undef;
    f->apic_ok = size <= 4;
    return f;
}

/* The operand-size prefix for a size: 66 for 2, REX.W for 8, none for 1 and 4. */
static uint8_t size_pfx(unsigned int size)
{
    return size == 2 ? 0x66 : size == 8 ? 0x48 : 0;
}

static const unsigned int vsizes[3] = { 2, 4, 8 };

/* A form in each size: byte opcode op (if byte_op), then op + 1 in 16, 32 and 64 bits. */
static void add_sized(const char *name, uint8_t pfx, uint8_t op_byte, bool byte_op, int reg,
                      uint64_t imm, bool iz, uint64_t undef)
{
    uint8_t op;

    if (byte_op) {
        op = op_byte;
        add(name, pfx, 0, &op, 1, reg, imm, iz ? 1 : (imm ? 1 : 0), 1, undef);
    }
    for (unsigned int i = 0; i < 3; i++) {
        unsigned int s = vsizes[i];
        op = (uint8_t)(op_byte + (byte_op ? 1 : 0));
        add(name, pfx, size_pfx(s), &op, 1, reg, imm, iz ? (s == 2 ? 2 : 4) : (imm ? 1 : 0),
            s, undef);
    }
}

static void add_0f(const char *name, uint8_t op2, int reg, uint64_t imm, unsigned int nimm,
                   bool byte_too, uint64_t undef)
{
    uint8_t op[2] = { 0x0f, op2 };

    if (byte_too)
        add(name, 0, 0, op, 2, reg, imm, nimm, 1, undef);
    op[1] = (uint8_t)(op2 + (byte_too ? 1 : 0));
    for (unsigned int i = 0; i < 3; i++)
        add(name, size_pfx(vsizes[i]), 0, op, 2, reg, imm, nimm, vsizes[i], undef);
}

static void build_forms(void)
{
    static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor",
                                        "cmp" };
    static const char *const sh[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal",
                                       "sar" };
    uint8_t op;

    for (unsigned int o = 0; o < 8; o++) {
        uint64_t u = (o == 1 || o == 4 || o == 6) ? AF : 0;
        add_sized(alu[o], 0, (uint8_t)(o << 3), true, RDX, 0, false, u);       /* Ev,Gv */
        add_sized(alu[o], 0, (uint8_t)(o << 3 | 2), true, RDX, 0, false, u);   /* Gv,Ev */
        add_sized(alu[o], 0, 0x80, true, (int)o, 0x5a, true, u);               /* 80, 81 */
        for (unsigned int i = 0; i < 3; i++) {                                 /* 83 */
            op = 0x83;
            add(alu[o], size_pfx(vsizes[i]), 0, &op, 1, (int)o, 0x85, 1, vsizes[i], u);
        }
        if (o != 7) { /* LOCK */
            op = (uint8_t)(o << 3 | 1);
            add(alu[o], 0xf0, 0, &op, 1, RDX, 0, 0, 4, u);
            op = 0x83;
            add(alu[o], 0xf0, 0x48, &op, 1, (int)o, 0x7f, 1, 8, u);
        }
    }
    add_sized("test", 0, 0x84, true, RDX, 0, false, AF);
    add_sized("testi", 0, 0xf6, true, 0, 0x3c, true, AF);
    add_sized("xchg", 0, 0x86, true, RDX, 0, false, 0);
    add_sized("mov", 0, 0x88, true, RDX, 0, false, 0);
    add_sized("mov", 0, 0x8a, true, RDX, 0, false, 0);
    add_sized("movi", 0, 0xc6, true, 0, 0x11223344, true, 0);
    op = 0x8c;
    add("movsr", 0, 0, &op, 1, 3 /* %ds */, 0, 0, 2, 0);
    {
        /* The memory operand is the source: a byte or a word whatever the destination. */
        unsigned int first = nforms;
        add_0f("movzxb", 0xb6, RDX, 0, 0, false, 0);
        add_0f("movzxw", 0xb7, RDX, 0, 0, false, 0);
        add_0f("movsxb", 0xbe, RDX, 0, 0, false, 0);
        add_0f("movsxw", 0xbf, RDX, 0, 0, false, 0);
        for (unsigned int i = first; i < nforms; i++)
            forms[i].apic_ok = 1;
    }
    op = 0x63;
    add("movsxd", 0x48, 0, &op, 1, RDX, 0, 0, 4, 0);
    {
        uint8_t nti[2] = { 0x0f, 0xc3 };
        add("movnti", 0, 0, nti, 2, RDX, 0, 0, 4, 0);
        add("movnti", 0x48, 0, nti, 2, RDX, 0, 0, 8, 0);
    }
    add_sized("not", 0, 0xf6, true, 2, 0, false, 0);
    add_sized("neg", 0, 0xf6, true, 3, 0, false, 0);
    add_sized("mul", 0, 0xf6, true, 4, 0, false, SF | ZF | AF | PF);
    add_sized("imul", 0, 0xf6, true, 5, 0, false, SF | ZF | AF | PF);
    for (unsigned int r = 6; r < 8; r++) {
        unsigned int first = nforms;
        add_sized(r == 6 ? "div" : "idiv", 0, 0xf6, true, (int)r, 0, false, ARITH);
        for (unsigned int i = first; i < nforms; i++)
            forms[i].div = 1;
    }
    add_sized("inc", 0, 0xfe, true, 0, 0, false, 0);
    add_sized("dec", 0, 0xfe, true, 1, 0, false, 0);
    op = 0xfe;
    add("lockinc", 0xf0, 0, &op, 1, 0, 0, 0, 1, 0);
    op = 0xf7;
    add("locknot", 0xf0, 0, &op, 1, 2, 0, 0, 4, 0);
    for (unsigned int r = 0; r < 8; r++) {
        add_sized(sh[r], 0, 0xc0, true, (int)r, 1, false, AF);           /* by imm8 1 */
        add_sized(sh[r], 0, 0xc0, true, (int)r, 7, false, AF | OF);      /* by imm8 7 */
        add_sized(sh[r], 0, 0xd0, true, (int)r, 0, false, AF);           /* by 1 */
        add_sized(sh[r], 0, 0xd2, true, (int)r, 0, false, AF | OF);      /* by CL (3) */
    }
    add_0f("imul", 0xaf, RDX, 0, 0, false, SF | ZF | AF | PF);
    for (unsigned int i = 0; i < 3; i++) {
        op = 0x69;
        add("imul3", size_pfx(vsizes[i]), 0, &op, 1, RDX, 0x1234567, vsizes[i] == 2 ? 2 : 4,
            vsizes[i], SF | ZF | AF | PF);
        op = 0x6b;
        add("imul3", size_pfx(vsizes[i]), 0, &op, 1, RDX, 0x85, 1, vsizes[i],
            SF | ZF | AF | PF);
    }
    for (unsigned int k = 0; k < 4; k++) {
        static const char *const bt[4] = { "bt", "bts", "btr", "btc" };
        unsigned int first = nforms;
        add_0f(bt[k], (uint8_t)(0xa3 + 8 * k), RDX, 0, 0, false, OF | SF | AF | PF);
        for (unsigned int i = first; i < nforms; i++)
            forms[i].bt_reg = 1;
        add_0f(bt[k], 0xba, (int)(4 + k), 0x25, 1, false, OF | SF | AF | PF);
        if (k) {
            uint8_t l[2] = { 0x0f, (uint8_t)(0xa3 + 8 * k) };
            add(bt[k], 0xf0, 0, l, 2, RDX, 0, 0, 4, OF | SF | AF | PF)->bt_reg = 1;
        }
    }
    add_0f("cmpxchg", 0xb0, RDX, 0, 0, true, 0);
    {
        uint8_t l[2] = { 0x0f, 0xb1 };
        add("lockcmpxchg", 0xf0, 0, l, 2, RDX, 0, 0, 4, 0);
        add("lockcmpxchg", 0xf0, 0x48, l, 2, RDX, 0, 0, 8, 0);
        uint8_t c8[2] = { 0x0f, 0xc7 };
        add("cmpxchg8b", 0xf0, 0, c8, 2, 1, 0, 0, 8, 0);
        add("cmpxchg16b", 0xf0, 0x48, c8, 2, 1, 0, 0, 16, 0);
        uint8_t xl[2] = { 0x0f, 0xc1 };
        add("lockxadd", 0xf0, 0, xl, 2, RDX, 0, 0, 4, 0);
    }
    add_0f("xadd", 0xc0, RDX, 0, 0, true, 0);
    for (unsigned int cc = 0; cc < 16; cc++) {
        uint8_t s[2] = { 0x0f, (uint8_t)(0x90 + cc) };
        add("setcc", 0, 0, s, 2, 0, 0, 0, 1, 0);
        add_0f("cmovcc", (uint8_t)(0x40 + cc), RDX, 0, 0, false, 0);
    }
    op = 0xff;
    add("push", 0, 0, &op, 1, 6, 0, 0, 8, 0);
    add("push", 0x66, 0, &op, 1, 6, 0, 0, 2, 0);
    op = 0x8f;
    add("pop", 0, 0, &op, 1, 0, 0, 0, 8, 0);
    add("pop", 0x66, 0, &op, 1, 0, 0, 0, 2, 0);
    /* Strings: the emulated side through RSI (source) or RDI (destination) */
    static const uint8_t str[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    static const char *const sname[5] = { "movs", "cmps", "stos", "lods", "scas" };
    for (unsigned int i = 0; i < 5; i++) {
        for (unsigned int rep = 0; rep < 3; rep++) {
            uint8_t r = rep == 0 ? 0 : rep == 1 ? 0xf3 : 0xf2;
            if (r == 0xf2 && (str[i] == 0xa4 || str[i] == 0xaa || str[i] == 0xac))
                continue; /* REPNE only for CMPS/SCAS */
            for (unsigned int s = 0; s < 4; s++) {
                unsigned int size = s == 0 ? 1 : vsizes[s - 1];
                uint8_t b[3];
                unsigned int n = 0;
                if (r)
                    b[n++] = r;
                if (size_pfx(size))
                    b[n++] = size_pfx(size);
                b[n++] = (uint8_t)(str[i] + (size > 1));
                struct form *f = add(sname[i], 0, 0, b, n, -1, 0, 0, size, 0);
                f->ptr = str[i] == 0xaa || str[i] == 0xae ? P_RDI
                         : str[i] == 0xac           ? P_RSI
                                                    : P_BOTH;
                f->apic_ok = size <= 4 && !r; /* one iteration only for the APIC */
            }
        }
    }
}

/* ---- the comparison ---- */

enum target { T_UNBACKED, T_APIC };

static uint32_t apic_value;

/* Base registers for a run: the operand at op (the emulated or the RAM one). */
static void point(const struct form *f, struct regs *r, uint64_t op, uint64_t other_op,
                  bool swap)
{
    if (f->ptr == P_RBX)
        r->gpr[RBX] = op;
    else if (f->ptr == P_RSI)
        r->gpr[RSI] = op;
    else if (f->ptr == P_RDI)
        r->gpr[RDI] = op;
    else if (!swap) { /* MOVS/CMPS: the emulated side as the source */
        r->gpr[RSI] = op;
        r->gpr[RDI] = other_op;
    } else {
        r->gpr[RSI] = other_op;
        r->gpr[RDI] = op;
    }
}

static bool is_ptr(const struct form *f, unsigned int reg)
{
    return (f->ptr == P_RBX && reg == RBX) || (f->ptr != P_RBX && (reg == RSI || reg == RDI));
}

static void reset_ram(enum target t)
{
    memset(ram, 0xff, sizeof(ram));
    if (t == T_APIC) {
        memset(ram + PAGE_SIZE, 0, 16); /* bytes 4-15 of an APIC register read 0 */
        memcpy(ram + PAGE_SIZE, &apic_value, 4);
    }
    for (unsigned int i = 0; i < sizeof(other); i++)
        other[i] = (uint8_t)(i * 7);
    memset(stack, 0x5a, sizeof(stack));
}

static unsigned int failures;

static bool compare(const struct form *f, enum target t, const struct regs *in, bool swap)
{
    static uint8_t other_ref[PAGE_SIZE], stack_ref[PAGE_SIZE];
    uint64_t op = t == T_APIC ? APIC_TMICT : UNBACKED;
    struct regs a = *in, b = *in, ra, rb;
    uint32_t ram_cell;

    /* Reference: the same instruction on RAM holding what the emulated memory reads. */
    reset_ram(t);
    point(f, &a, RAM_OP, OTHER_OP, swap);
    run(f->b, f->n, &a, &ra);
    memcpy(other_ref, other, sizeof(other));
    memcpy(stack_ref, stack, sizeof(stack));
    memcpy(&ram_cell, ram + PAGE_SIZE, 4);

    reset_ram(t);
    if (t == T_APIC)
        *(volatile uint32_t *)APIC_TMICT = apic_value;
    point(f, &b, op, OTHER_OP, swap);
    run(f->b, f->n, &b, &rb);

    for (unsigned int i = 0; i < 16; i++) {
        uint64_t want = ra.gpr[i], got = rb.gpr[i];
        if (is_ptr(f, i)) { /* compare how far the pointers moved */
            want -= a.gpr[i];
            got -= b.gpr[i];
        }
        if (want != got) {
            xtf_failure("%s [%s] swap %d: register %u is %#lx, expected %#lx as on RAM "
                        "(all-ones memory)", f->name, t == T_APIC ? "vLAPIC" : "unbacked",
                        swap, i, got, want);
            return false;
        }
    }
    uint64_t fm = (ARITH | DF) & ~f->undef;
    if ((ra.flags ^ rb.flags) & fm) {
        xtf_failure("%s [%s]: flags %#lx, expected %#lx as on RAM (compared %#lx)", f->name,
                    t == T_APIC ? "vLAPIC" : "unbacked", rb.flags & fm, ra.flags & fm, fm);
        return false;
    }
    if (memcmp(other, other_ref, sizeof(other)) || memcmp(stack, stack_ref, sizeof(stack))) {
        xtf_failure("%s [%s]: RAM written differently than with the RAM operand", f->name,
                    t == T_APIC ? "vLAPIC" : "unbacked");
        return false;
    }
    if (t == T_UNBACKED) {
        volatile uint64_t *p = (volatile uint64_t *)(UNBACKED - 16);
        for (unsigned int i = 0; i < 6; i++)
            if (p[i] != ~0ULL) {
                xtf_failure("%s: unbacked memory reads %#lx after the instruction, not "
                            "all-ones", f->name, p[i]);
                return false;
            }
    } else {
        uint32_t now = *(volatile uint32_t *)APIC_TMICT;
        if (now != ram_cell) {
            xtf_failure("%s [vLAPIC]: TMICT is %#x, expected %#x as the RAM cell", f->name,
                        now, ram_cell);
            return false;
        }
    }
    return true;
}

static void base_regs(struct regs *r, const struct form *f, unsigned int set, uint64_t flags)
{
    for (unsigned int i = 0; i < 16; i++)
        r->gpr[i] = 0x0101010101010101ULL * (i + 1);
    r->gpr[RSP] = STACK_TOP;
    if (set == 0) {
        r->gpr[RAX] = 0xffffffffffffffffULL; /* equal to unbacked memory (CMPXCHG, SCAS) */
        r->gpr[RCX] = 3;
        r->gpr[RDX] = 0x5;
    } else {
        r->gpr[RAX] = 0x8000000000001234ULL;
        r->gpr[RCX] = 0x21;
        r->gpr[RDX] = 0x7fffffff7fff7f9cULL;
    }
    if (f->div) { /* small enough that IDIV by -1 (all-ones) does not overflow a byte */
        r->gpr[RAX] = 0x12;
        r->gpr[RDX] = 0;
    }
    if (f->bt_reg) /* beyond the operand, both ways, within the page around it */
        r->gpr[RDX] = set ? (uint64_t)-77 : 45;
    r->flags = 0x2 | flags;
}

static void run_all(enum target t)
{
    unsigned int done = 0;

    for (unsigned int i = 0; i < nforms && failures < 10; i++) {
        const struct form *f = &forms[i];
        if (t == T_APIC && !f->apic_ok)
            continue;
        for (unsigned int set = 0; set < 2; set++) {
            for (unsigned int fl = 0; fl < 2; fl++) {
                for (unsigned int swap = 0; swap < (f->ptr == P_BOTH ? 2u : 1u); swap++) {
                    struct regs in;
                    base_regs(&in, f, set, fl ? (ARITH | (set ? DF : 0)) : 0);
                    if (t == T_APIC)
                        in.gpr[RDX] &= 0x1f; /* BT register offsets stay in the register */
                    if (!compare(f, t, &in, swap))
                        failures++;
                    done++;
                }
            }
        }
    }
    printk("%s: %u runs of %u forms\n", t == T_APIC ? "vLAPIC TMICT" : "unbacked window",
           done, nforms);
}

void test_main(void)
{
    build_forms();
    /* The APIC timer stays masked: TMICT is a plain 32-bit register for this test. */
    check(*(volatile uint32_t *)APIC_LVT_TIMER & (1u << 16), "LVT timer masked at reset");
    check(*(volatile uint32_t *)UNBACKED == 0xffffffff, "unbacked memory reads all-ones");
    run_all(T_UNBACKED);
    apic_value = 0x9a5c3e71;
    run_all(T_APIC);
    apic_value = 0x00000080;
    run_all(T_APIC);
    xtf_success();
}
