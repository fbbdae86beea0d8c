// SPDX-License-Identifier: MIT
/* Native execution of one instruction in an arena, and the comparison with x86_emulate(). */
#include "native.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uint8_t *arena;
uint8_t *data;
uint64_t native_exit_stub;
unsigned int arena_reads, arena_writes, arena_cmpxchgs;

/* The trampoline's globals (RIP-relative from the assembly below). */
struct cpu native_in, native_out;
uint64_t native_saved_rsp, native_code, native_via_stub;
void native_enter(void);
void native_return(void);
void native_return_stub(void);

/*
 * native_enter: save the callee-saved registers and RSP, load flags and all 16 registers from
 * native_in (RSP included), jump to the code. The code jumps back to native_return (or a
 * branch lands on the stub, which goes to native_return_stub); every register is stored
 * to native_out with RIP-relative moves, which change no flag, then the flags.
 */
asm(".text\n"
    ".globl native_enter\n"
    "native_enter:\n"
    "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  mov %rsp, native_saved_rsp(%rip)\n"
    "  movq $0, native_via_stub(%rip)\n"
    "  lea native_in(%rip), %rax\n"
    "  pushq 128(%rax)\n"
    "  popfq\n"
    "  mov 8(%rax), %rcx\n mov 16(%rax), %rdx\n mov 24(%rax), %rbx\n"
    "  mov 40(%rax), %rbp\n mov 48(%rax), %rsi\n mov 56(%rax), %rdi\n"
    "  mov 64(%rax), %r8\n mov 72(%rax), %r9\n mov 80(%rax), %r10\n mov 88(%rax), %r11\n"
    "  mov 96(%rax), %r12\n mov 104(%rax), %r13\n mov 112(%rax), %r14\n"
    "  mov 120(%rax), %r15\n"
    "  mov 32(%rax), %rsp\n"
    "  mov 0(%rax), %rax\n"
    "  jmp *native_code(%rip)\n"
    ".globl native_return_stub\n"
    "native_return_stub:\n"
    "  movq $1, native_via_stub(%rip)\n"
    ".globl native_return\n"
    "native_return:\n"
    "  mov %rax, native_out+0(%rip)\n mov %rcx, native_out+8(%rip)\n"
    "  mov %rdx, native_out+16(%rip)\n mov %rbx, native_out+24(%rip)\n"
    "  mov %rsp, native_out+32(%rip)\n mov %rbp, native_out+40(%rip)\n"
    "  mov %rsi, native_out+48(%rip)\n mov %rdi, native_out+56(%rip)\n"
    "  mov %r8, native_out+64(%rip)\n mov %r9, native_out+72(%rip)\n"
    "  mov %r10, native_out+80(%rip)\n mov %r11, native_out+88(%rip)\n"
    "  mov %r12, native_out+96(%rip)\n mov %r13, native_out+104(%rip)\n"
    "  mov %r14, native_out+112(%rip)\n mov %r15, native_out+120(%rip)\n"
    "  mov native_saved_rsp(%rip), %rsp\n"
    "  pushfq\n"
    "  popq native_out+128(%rip)\n"
    "  cld\n"
    "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "  ret\n");

/* An absolute jump that changes no register: jmp *0(%rip) followed by the target. */
static void put_abs_jump(uint8_t *p, uint64_t target)
{
    static const uint8_t jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 };

    memcpy(p, jmp, 6);
    memcpy(p + 6, &target, 8);
}

#define STUB_OFF 0x800

void arena_init(void)
{
    if (arena)
        return;
    /* Below 2 GiB, so that disp32 forms and 32-bit addressing reach the data. */
    arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    CHECK(arena != MAP_FAILED, "mmap of an executable arena below 2 GiB failed");
    data = arena + DATA_OFF + 0x800;
    native_exit_stub = (uint64_t)(uintptr_t)(arena + STUB_OFF);
    put_abs_jump(arena + STUB_OFF, (uint64_t)(uintptr_t)native_return_stub);
}

void enc_bytes(struct enc *e, const uint8_t *p, unsigned int n)
{
    CHECK(e->n + n <= sizeof(e->b), "instruction too long");
    if (n)
        memcpy(e->b + e->n, p, n);
    e->n += n;
}

void enc_u8(struct enc *e, uint8_t v)
{
    enc_bytes(e, &v, 1);
}

void enc_imm(struct enc *e, uint64_t v, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        enc_u8(e, (uint8_t)(v >> (8 * i)));
}

void enc_mem_insn(struct enc *e, struct cpu *cpu, const uint8_t *pfx, unsigned int npfx,
                  bool rexw, unsigned int reg, const uint8_t *op, unsigned int nop,
                  enum amode am, int off, uint64_t imm, unsigned int nimm)
{
    uint64_t target = (uint64_t)(uintptr_t)(data + off);
    uint8_t rex = 0x40 | (rexw ? 8 : 0) | ((reg & 8) ? 4 : 0);
    unsigned int disp_at = 0;
    bool force_rex = reg & 0x100;

    e->n = 0;
    enc_bytes(e, pfx, npfx);
    if (am == AM_ADDR32)
        enc_u8(e, 0x67);
    if (am == AM_R13)
        rex |= 1;
    if (rex != 0x40 || force_rex)
        enc_u8(e, rex);
    enc_bytes(e, op, nop);
    reg &= 7;
    switch (am) {
    case AM_BASE:
        enc_u8(e, (uint8_t)(0x00 | reg << 3 | 3));
        cpu->gpr[RBX] = target;
        break;
    case AM_DISP8:
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 3));
        enc_u8(e, 0x10);
        cpu->gpr[RBX] = target - 0x10;
        break;
    case AM_DISP32:
        enc_u8(e, (uint8_t)(0x80 | reg << 3 | 3));
        enc_imm(e, 0x1000, 4);
        cpu->gpr[RBX] = target - 0x1000;
        break;
    case AM_SIB:
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 4));
        enc_u8(e, (2 << 6) | (6 << 3) | 3);
        enc_u8(e, 0xf8); /* -8 */
        cpu->gpr[RSI] = 3;
        cpu->gpr[RBX] = target - 12 + 8;
        break;
    case AM_RSP:
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 4));
        enc_u8(e, (0 << 6) | (4 << 3) | 4);
        enc_u8(e, 0x20);
        cpu->gpr[RSP] = target - 0x20;
        break;
    case AM_RBP:
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 5));
        enc_u8(e, 0x08);
        cpu->gpr[RBP] = target - 8;
        break;
    case AM_RIP:
        enc_u8(e, (uint8_t)(0x00 | reg << 3 | 5));
        disp_at = e->n;
        enc_imm(e, 0, 4);
        break;
    case AM_R13:
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 5));
        enc_u8(e, 0x7f);
        cpu->gpr[R13] = target - 0x7f;
        break;
    case AM_NOBASE:
        enc_u8(e, (uint8_t)(0x00 | reg << 3 | 4));
        enc_u8(e, (3 << 6) | (6 << 3) | 5);
        enc_imm(e, target - 8, 4);
        cpu->gpr[RSI] = 1;
        break;
    default: /* AM_ADDR32 */
        enc_u8(e, (uint8_t)(0x40 | reg << 3 | 3));
        enc_u8(e, 0x04);
        cpu->gpr[RBX] = 0xdead000000000000ULL | (uint32_t)(target - 4); /* upper half ignored */
        break;
    }
    enc_imm(e, imm, nimm);
    if (disp_at) {
        uint64_t next = (uint64_t)(uintptr_t)arena + e->n;
        uint32_t d = (uint32_t)(target - next);
        memcpy(e->b + disp_at, &d, 4);
    }
}

void native_run(const struct enc *e, const struct cpu *in, struct cpu *out)
{
    memcpy(arena, e->b, e->n);
    put_abs_jump(arena + e->n, (uint64_t)(uintptr_t)native_return);
    native_code = (uint64_t)(uintptr_t)arena;
    native_in = *in;
    native_enter();
    *out = native_out;
}

static uint16_t host_sel(int seg)
{
    uint16_t v = 0;

    switch (seg) {
    case x86_seg_es: asm("mov %%es, %0" : "=r"(v)); break;
    case x86_seg_cs: asm("mov %%cs, %0" : "=r"(v)); break;
    case x86_seg_ss: asm("mov %%ss, %0" : "=r"(v)); break;
    case x86_seg_ds: asm("mov %%ds, %0" : "=r"(v)); break;
    case x86_seg_fs: asm("mov %%fs, %0" : "=r"(v)); break;
    default: asm("mov %%gs, %0" : "=r"(v)); break;
    }
    return v;
}

void emul_state(struct x86_emul_state *s, const struct cpu *in)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->gpr, in->gpr, sizeof(s->gpr));
    s->rip = (uint64_t)(uintptr_t)arena;
    s->rflags = in->rflags | 0x202;
    for (int i = 0; i < X86_NR_SEGS; i++)
        s->seg[i] = (struct x86_seg_reg){ .sel = host_sel(i), .attr = 0xcf3,
                                          .limit = 0xffffffff };
    s->seg[x86_seg_cs].attr = 0xafb; /* 64-bit user code */
    s->cr0 = 0x80050033;
    s->cr4 = 0x6f0;
    s->efer = 0xd01;
    s->cpl = 3;
}

static bool in_arena(uint64_t lin, unsigned int len)
{
    uint64_t a = (uint64_t)(uintptr_t)arena;

    return lin >= a && lin + len <= a + ARENA_SIZE && len <= 16;
}

static int a_read(struct x86_emul_ctxt *c, uint64_t lin, void *buf, unsigned int len)
{
    CHECK(in_arena(lin, len), "emulator read %u bytes at %#llx, outside the arena", len,
          (unsigned long long)lin);
    memcpy(buf, (void *)(uintptr_t)lin, len);
    arena_reads++;
    return X86EMUL_OKAY;
}

static int a_write(struct x86_emul_ctxt *c, uint64_t lin, const void *buf, unsigned int len)
{
    CHECK(in_arena(lin, len), "emulator wrote %u bytes at %#llx, outside the arena", len,
          (unsigned long long)lin);
    memcpy((void *)(uintptr_t)lin, buf, len);
    arena_writes++;
    return X86EMUL_OKAY;
}

static int a_cmpxchg(struct x86_emul_ctxt *c, uint64_t lin, void *old, const void *new,
                     unsigned int len, bool *ok)
{
    CHECK(in_arena(lin, len), "emulator cmpxchg of %u bytes at %#llx, outside the arena", len,
          (unsigned long long)lin);
    arena_cmpxchgs++;
    *ok = !memcmp((void *)(uintptr_t)lin, old, len);
    if (*ok)
        memcpy((void *)(uintptr_t)lin, new, len);
    else
        memcpy(old, (void *)(uintptr_t)lin, len);
    return X86EMUL_OKAY;
}

const struct x86_emul_ops arena_ops = {
    .read = a_read,
    .write = a_write,
    .cmpxchg = a_cmpxchg,
};

int emul_run(const struct enc *e, struct x86_emul_state *s, struct x86_emul_ctxt *out)
{
    memcpy(arena, e->b, e->n);
    *out = (struct x86_emul_ctxt){ .ops = out->ops ? out->ops : &arena_ops, .state = s,
                                   .insn = arena, .insn_avail = 15,
                                   .max_reps = out->max_reps };
    return x86_emulate(out);
}

static void hex(char *buf, size_t size, const struct enc *e)
{
    size_t p = 0;

    buf[0] = 0;
    for (unsigned int i = 0; i < e->n && p + 4 < size; i++)
        p += (size_t)snprintf(buf + p, size - p, "%02x ", e->b[i]);
}

static const char *const regname[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

bool compare_one(const char *what, const struct enc *e, const struct cpu *in,
                 const uint8_t *mem, uint64_t undef_flags)
{
    static uint8_t after_native[DATA_SIZE];
    struct cpu out;
    struct x86_emul_state s;
    struct x86_emul_ctxt c = { 0 };
    char bytes[100];
    int rc;

    hex(bytes, sizeof(bytes), e);
    memcpy(arena + DATA_OFF, mem, DATA_SIZE);
    native_run(e, in, &out);
    bool via_stub = native_via_stub;
    memcpy(after_native, arena + DATA_OFF, DATA_SIZE);

    memcpy(arena + DATA_OFF, mem, DATA_SIZE);
    emul_state(&s, in);
    rc = emul_run(e, &s, &c);
    CHECK(rc == X86EMUL_OKAY, "%s [%s]: emulator returned %d (%s), expected OKAY", what, bytes,
          rc, c.why ? c.why : "-");
    CHECK(c.insn_len == e->n, "%s [%s]: emulator length %u, encoded %u", what, bytes,
          c.insn_len, e->n);
    uint64_t want_rip = via_stub ? native_exit_stub : (uint64_t)(uintptr_t)arena + e->n;
    CHECK(s.rip == want_rip, "%s [%s]: RIP %#llx after emulation, expected %#llx", what, bytes,
          (unsigned long long)s.rip, (unsigned long long)want_rip);
    for (int i = 0; i < 16; i++)
        CHECK(s.gpr[i] == out.gpr[i],
              "%s [%s]: %s = %#llx after emulation, %#llx natively (was %#llx)", what, bytes,
              regname[i], (unsigned long long)s.gpr[i], (unsigned long long)out.gpr[i],
              (unsigned long long)in->gpr[i]);
    uint64_t fmask = (X86_EFLAGS_ARITH | X86_EFLAGS_DF) & ~undef_flags;
    CHECK(((s.rflags ^ out.rflags) & fmask) == 0,
          "%s [%s]: flags %#llx after emulation, %#llx natively (compared %#llx, in %#llx)",
          what, bytes, (unsigned long long)(s.rflags & fmask),
          (unsigned long long)(out.rflags & fmask), (unsigned long long)fmask,
          (unsigned long long)in->rflags);
    for (unsigned int i = 0; memcmp(arena + DATA_OFF, after_native, DATA_SIZE) && i < DATA_SIZE;
         i++)
        CHECK(arena[DATA_OFF + i] == after_native[i],
              "%s [%s]: memory at data%+d is %#x after emulation, %#x natively", what, bytes,
              (int)(DATA_OFF + i) - (int)(data - arena), arena[DATA_OFF + i], after_native[i]);
    return true;
}
