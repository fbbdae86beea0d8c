// SPDX-License-Identifier: MIT
/*
 * What the host cannot run for comparison: 16- and 32-bit modes with segment bases, limits
 * and types, non-canonical addresses, #PF from the operations (and a REP stopped by one),
 * LOCK misuse, #DE, control-register writes, a lost cmpxchg race, the REP budget, and the
 * refusals (unknown opcodes, truncated bytes).
 */
#include "harness.h"
#include "native.h"

#include <string.h>

/* A flat linear space of 1 MiB, a page that faults, and a recorder for CR writes. */
#define LIN_SIZE 0x100000
static uint8_t lin[LIN_SIZE];
static uint64_t fault_page = ~0ULL; /* linear page whose access raises #PF */
static bool cmpxchg_loses;          /* the next cmpxchg finds memory changed */
static unsigned int cr_writes;
static unsigned int cr_written;
static uint64_t cr_value, cr0_now;
static bool cr_refuse;

static int pf(struct x86_emul_ctxt *c, uint64_t a, bool write)
{
    c->exn = (struct x86_emul_exception){ .vector = 14, .has_error = true,
                                          .error = write ? 2 : 0, .cr2 = a };
    return X86EMUL_EXCEPTION;
}

static bool hits_fault(uint64_t a, unsigned int len)
{
    return (a >> 12) == fault_page || ((a + len - 1) >> 12) == fault_page;
}

static int f_read(struct x86_emul_ctxt *c, uint64_t a, void *buf, unsigned int len)
{
    CHECK(a + len <= LIN_SIZE, "read at %#llx outside the fake space", (unsigned long long)a);
    if (hits_fault(a, len))
        return pf(c, a, false);
    memcpy(buf, lin + a, len);
    return X86EMUL_OKAY;
}

static int f_write(struct x86_emul_ctxt *c, uint64_t a, const void *buf, unsigned int len)
{
    CHECK(a + len <= LIN_SIZE, "write at %#llx outside the fake space", (unsigned long long)a);
    if (hits_fault(a, len))
        return pf(c, a, true);
    memcpy(lin + a, buf, len);
    return X86EMUL_OKAY;
}

static int f_cmpxchg(struct x86_emul_ctxt *c, uint64_t a, void *old, const void *new,
                     unsigned int len, bool *ok)
{
    CHECK(a + len <= LIN_SIZE, "cmpxchg at %#llx outside the fake space",
          (unsigned long long)a);
    if (cmpxchg_loses) {
        cmpxchg_loses = false;
        lin[a] ^= 1; /* another CPU got there first */
    }
    *ok = !memcmp(lin + a, old, len);
    if (*ok)
        memcpy(lin + a, new, len);
    else
        memcpy(old, lin + a, len);
    return X86EMUL_OKAY;
}

static int f_write_cr(struct x86_emul_ctxt *c, unsigned int cr, uint64_t val)
{
    cr_writes++;
    cr_written = cr;
    cr_value = val;
    if (cr_refuse) {
        c->exn = (struct x86_emul_exception){ .vector = 13, .has_error = true };
        return X86EMUL_EXCEPTION;
    }
    return X86EMUL_OKAY;
}

static int f_read_cr(struct x86_emul_ctxt *c, unsigned int cr, uint64_t *val)
{
    *val = cr0_now;
    return X86EMUL_OKAY;
}

static const struct x86_emul_ops fake_ops = {
    .read = f_read,
    .write = f_write,
    .cmpxchg = f_cmpxchg,
    .write_cr = f_write_cr,
    .read_cr = f_read_cr,
};

static struct x86_emul_state st;
static struct x86_emul_ctxt ctxt;

static void reset(int mode)
{
    memset(lin, 0, sizeof(lin));
    fault_page = ~0ULL;
    cmpxchg_loses = cr_refuse = false;
    cr_writes = 0;
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < X86_NR_SEGS; i++)
        st.seg[i] = (struct x86_seg_reg){ .attr = 0xc93, .limit = 0xffffffff };
    st.rflags = 2;
    if (mode == 64) {
        st.seg[x86_seg_cs].attr = 0xa9b;
        st.cr0 = 0x80000011;
        st.cr4 = 0x20;
        st.efer = 0x500;
    } else if (mode == 32) {
        st.seg[x86_seg_cs].attr = 0xc9b;
        st.cr0 = 0x11;
    } else {
        for (int i = 0; i < X86_NR_SEGS; i++)
            st.seg[i] = (struct x86_seg_reg){ .attr = 0x93, .limit = 0xffff };
        st.seg[x86_seg_cs].attr = 0x9b;
        st.cr0 = 0x10;
    }
    st.rip = 0x1000;
}

/* Run bytes (given as a string literal) once. */
static int run_bytes(const char *bytes, unsigned int n)
{
    ctxt = (struct x86_emul_ctxt){ .ops = &fake_ops, .state = &st,
                                   .insn = (const uint8_t *)bytes, .insn_avail = n };
    return x86_emulate(&ctxt);
}
#define RUN(b) run_bytes(b, sizeof(b) - 1)

static uint32_t rd32(uint64_t a)
{
    uint32_t v;
    memcpy(&v, lin + a, 4);
    return v;
}

TEST(mode_32_segments)
{
    reset(32);
    st.seg[x86_seg_ds].base = 0x10000;
    st.seg[x86_seg_ds].limit = 0xfff;
    st.gpr[RBX] = 0x100;
    st.gpr[RCX] = 0xdeadbeef;
    /* mov %ecx,0x10(%ebx): DS base 0x10000 */
    CHECK_EQ(RUN("\x89\x4b\x10"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x10110), 0xdeadbeef);
    CHECK_EQ(st.rip, 0x1003);
    /* The last byte beyond the limit: #GP(0), nothing written, RIP unchanged. */
    st.gpr[RBX] = 0xffd;
    CHECK_EQ(RUN("\x89\x0b"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    CHECK(ctxt.exn.has_error && ctxt.exn.error == 0, "#GP(0)");
    CHECK_EQ(st.rip, 0x1003);
    /* The same through SS ([ebp]) is #SS(0). */
    st.seg[x86_seg_ss].limit = 0xff;
    st.gpr[RBP] = 0x100;
    CHECK_EQ(RUN("\x89\x4d\x00"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 12);
    /* A segment override (ES) and a read-only data segment: writes #GP, reads work. */
    st.seg[x86_seg_es].attr = 0xc91; /* read-only, accessed */
    st.gpr[RBX] = 0x20;
    CHECK_EQ(RUN("\x26\x89\x0b"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    lin[0x20] = 0x5a;
    CHECK_EQ(RUN("\x26\x8a\x03"), X86EMUL_OKAY); /* mov %es:(%ebx),%al */
    CHECK_EQ(st.gpr[RAX] & 0xff, 0x5a);
    /* An unusable (null) segment: #GP. */
    st.seg[x86_seg_fs].attr = 0;
    CHECK_EQ(RUN("\x64\x8b\x03"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    /* Expand-down: offsets at or below the limit fault, above it work. */
    st.seg[x86_seg_gs] = (struct x86_seg_reg){ .attr = 0xc97, .limit = 0x7fff, .base = 0 };
    st.gpr[RBX] = 0x7ffe;
    CHECK_EQ(RUN("\x65\x89\x0b"), X86EMUL_EXCEPTION);
    st.gpr[RBX] = 0x8000;
    CHECK_EQ(RUN("\x65\x89\x0b"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x8000), 0xdeadbeef);
    /* Writing through a code segment override: #GP. */
    CHECK_EQ(RUN("\x2e\x89\x0b"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
}

TEST(mode_16_addressing)
{
    reset(16);
    st.seg[x86_seg_ds].base = 0x20000;
    st.seg[x86_seg_ss].base = 0x30000;
    st.gpr[RBX] = 0x1000;
    st.gpr[RSI] = 0x0234;
    st.gpr[RBP] = 0xfff0;
    st.gpr[RDI] = 0x20;
    st.gpr[RAX] = 0x1234;
    /* mov %ax,0x10(%bx,%si) -> DS:0x1244 */
    CHECK_EQ(RUN("\x89\x40\x10"), X86EMUL_OKAY);
    CHECK_EQ(lin[0x21244] | lin[0x21245] << 8, 0x1234);
    /* mov %ax,(%bp,%di): SS, and the offset wraps at 64 KiB (0xfff0 + 0x20 = 0x10) */
    CHECK_EQ(RUN("\x89\x03"), X86EMUL_OKAY);
    CHECK_EQ(lin[0x30010] | lin[0x30011] << 8, 0x1234);
    /* 66: 32-bit operand; a disp16 form */
    st.gpr[RAX] = 0xcafef00d;
    CHECK_EQ(RUN("\x66\x89\x06\x00\x05"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x20500), 0xcafef00d);
    CHECK_EQ(st.rip, 0x1000 + 3 + 2 + 5);
    /* 67: 32-bit addressing in 16-bit mode, beyond the 64 KiB real-mode limit: #GP */
    st.gpr[RBX] = 0x10000;
    CHECK_EQ(RUN("\x67\x89\x03"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
}

TEST(mode_64_canonical_and_fs_gs)
{
    reset(64);
    st.gpr[RBX] = 0x0000800000000000ULL;
    CHECK_EQ(RUN("\x89\x0b"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    CHECK(ctxt.exn.has_error && ctxt.exn.error == 0, "#GP(0)");
    st.gpr[RSP] = 0xffff7fffffffff00ULL;
    CHECK_EQ(RUN("\x89\x0c\x24"), X86EMUL_EXCEPTION); /* mov %ecx,(%rsp) */
    CHECK_EQ(ctxt.exn.vector, 12);
    /* An access whose last byte crosses into non-canonical space. */
    st.gpr[RBX] = 0x00007ffffffffffcULL;
    CHECK_EQ(RUN("\x48\x89\x0b"), X86EMUL_EXCEPTION);
    /* FS and GS bases apply; DS/ES/SS overrides do not move anything. */
    st.seg[x86_seg_fs].base = 0x4000;
    st.seg[x86_seg_gs].base = 0x8000;
    st.seg[x86_seg_ds].base = 0x77777;
    st.gpr[RBX] = 0x10;
    st.gpr[RCX] = 0x11223344;
    CHECK_EQ(RUN("\x64\x89\x0b"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x4010), 0x11223344);
    CHECK_EQ(RUN("\x65\x89\x0b"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x8010), 0x11223344);
    CHECK_EQ(RUN("\x3e\x89\x0b"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x10), 0x11223344);
    /* 67 in 64-bit mode: a 32-bit address */
    st.gpr[RBX] = 0xffffffff00000020ULL;
    CHECK_EQ(RUN("\x67\x89\x0b"), X86EMUL_OKAY);
    CHECK_EQ(rd32(0x20), 0x11223344);
}

TEST(page_faults_pass_through)
{
    reset(64);
    fault_page = 3;
    st.gpr[RBX] = 0x3008;
    st.gpr[RCX] = 7;
    uint64_t rip = st.rip;
    CHECK_EQ(RUN("\x48\x01\x0b"), X86EMUL_EXCEPTION); /* add %rcx,(%rbx) */
    CHECK_EQ(ctxt.exn.vector, 14);
    CHECK_EQ(ctxt.exn.cr2, 0x3008);
    CHECK_EQ(st.rip, rip);
    CHECK_EQ(st.gpr[RCX], 7);
    /* A page-crossing access faults on its second page: nothing of it is written. */
    st.gpr[RBX] = 0x2ffe;
    CHECK_EQ(RUN("\x48\x89\x0b"), X86EMUL_EXCEPTION);
    CHECK_EQ(lin[0x2ffe], 0);
    /* MOVS: the other operand (the source) faulting is reported as well. */
    st.gpr[RSI] = 0x3010;
    st.gpr[RDI] = 0x5000;
    CHECK_EQ(RUN("\xa5"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.cr2, 0x3010);
    CHECK_EQ(st.gpr[RSI], 0x3010);
}

TEST(rep_stopped_by_a_fault_keeps_its_progress)
{
    reset(64);
    fault_page = 3;
    for (unsigned int i = 0; i < 64; i++)
        lin[0x2fe0 + i] = (uint8_t)i;
    st.gpr[RSI] = 0x2ff0;
    st.gpr[RDI] = 0x6000;
    st.gpr[RCX] = 100;
    /* rep movsl: 4 iterations complete before the source reaches page 3 */
    CHECK_EQ(RUN("\xf3\xa5"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 14);
    CHECK_EQ(st.gpr[RCX], 96);
    CHECK_EQ(st.gpr[RSI], 0x3000);
    CHECK_EQ(st.gpr[RDI], 0x6010);
    CHECK_EQ(st.rip, 0x1000);
    CHECK(!memcmp(lin + 0x6000, lin + 0x2ff0, 16), "the first 16 bytes were copied");
}

TEST(rep_budget_continues_later)
{
    reset(64);
    for (unsigned int i = 0; i < 1000; i++)
        lin[0x10000 + i] = (uint8_t)(i * 7);
    st.gpr[RSI] = 0x10000;
    st.gpr[RDI] = 0x20000;
    st.gpr[RCX] = 1000;
    unsigned int calls = 0;
    while (st.rip == 0x1000) {
        ctxt = (struct x86_emul_ctxt){ .ops = &fake_ops, .state = &st,
                                       .insn = (const uint8_t *)"\xf3\xa4", .insn_avail = 2,
                                       .max_reps = 64 };
        CHECK_EQ(x86_emulate(&ctxt), X86EMUL_OKAY);
        CHECK(++calls <= 17, "rep movsb of 1000 bytes took more than 16 calls of 64");
    }
    CHECK_EQ(calls, 16);
    CHECK_EQ(st.rip, 0x1002);
    CHECK_EQ(st.gpr[RCX], 0);
    CHECK(!memcmp(lin + 0x10000, lin + 0x20000, 1000), "all 1000 bytes copied");
    /* REP with RCX = 0 does nothing, not even a read. */
    reset(64);
    fault_page = 0;
    CHECK_EQ(RUN("\xf3\xa5"), X86EMUL_OKAY);
    CHECK_EQ(st.rip, 0x1002);
}

TEST(lock_misuse_is_ud)
{
    reset(64);
    st.gpr[RBX] = 0x100;
    static const struct { const char *b; unsigned int n; const char *what; } bad[] = {
        { "\xf0\x01\xd0", 3, "lock add %edx,%eax (register destination)" },
        { "\xf0\x89\x0b", 3, "lock mov" },
        { "\xf0\x39\x0b", 3, "lock cmp" },
        { "\xf0\x85\x0b", 3, "lock test" },
        { "\xf0\x03\x0b", 3, "lock add (%rbx),%ecx (register destination)" },
        { "\xf0\x0f\xa3\x0b", 4, "lock bt" },
        { "\xf0\xd1\x23", 3, "lock shl" },
        { "\xf0\x0f\xb6\x0b", 4, "lock movzx" },
    };
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run_bytes(bad[i].b, bad[i].n);
        CHECK(rc == X86EMUL_EXCEPTION && ctxt.exn.vector == 6,
              "%s: expected #UD, got rc %d vector %u", bad[i].what, rc, ctxt.exn.vector);
        CHECK_EQ(st.rip, 0x1000);
    }
}

TEST(divide_errors)
{
    reset(64);
    st.gpr[RBX] = 0x100;
    st.gpr[RAX] = 5;
    CHECK_EQ(RUN("\xf7\x33"), X86EMUL_EXCEPTION); /* div (%rbx) by 0 */
    CHECK_EQ(ctxt.exn.vector, 0);
    CHECK(!ctxt.exn.has_error, "#DE has no error code");
    /* idiv: INT_MIN / -1 overflows */
    memcpy(lin + 0x100, "\xff\xff\xff\xff", 4);
    st.gpr[RAX] = 0x80000000;
    st.gpr[RDX] = 0xffffffff;
    CHECK_EQ(RUN("\xf7\x3b"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 0);
    /* div: a quotient of 0x100 does not fit AL */
    lin[0x100] = 1;
    st.gpr[RAX] = 0x100;
    CHECK_EQ(RUN("\xf6\x33"), X86EMUL_EXCEPTION);
    CHECK_EQ(st.gpr[RAX], 0x100);
}

TEST(control_register_writes)
{
    reset(64);
    st.gpr[RAX] = 0x80000033;
    CHECK_EQ(RUN("\x0f\x22\xc0"), X86EMUL_OKAY); /* mov %rax,%cr0 */
    CHECK_EQ(cr_written, 0);
    CHECK_EQ(cr_value, 0x80000033);
    st.gpr[R9] = 0x1234567890ULL;
    CHECK_EQ(RUN("\x41\x0f\x22\xe1"), X86EMUL_OKAY); /* mov %r9,%cr4 */
    CHECK_EQ(cr_written, 4);
    CHECK_EQ(cr_value, 0x1234567890ULL);
    /* mod != 3 still names a register: 0f 22 00 is mov %rax,%cr0, three bytes. */
    CHECK_EQ(RUN("\x0f\x22\x00"), X86EMUL_OKAY);
    CHECK_EQ(ctxt.insn_len, 3);
    CHECK_EQ(cr_value, 0x80000033);
    /* A refused value: the #GP comes back, RIP stays. */
    cr_refuse = true;
    uint64_t rip = st.rip;
    CHECK_EQ(RUN("\x0f\x22\xc0"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    CHECK_EQ(st.rip, rip);
    cr_refuse = false;
    /* CR1, CR5-7, CR9-15 do not exist: #UD; CPL 3: #GP before anything is written. */
    CHECK_EQ(RUN("\x0f\x22\xc8"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 6);
    CHECK_EQ(RUN("\x44\x0f\x22\xc8"), X86EMUL_EXCEPTION); /* CR9 */
    CHECK_EQ(ctxt.exn.vector, 6);
    cr_writes = 0;
    st.cpl = 3;
    CHECK_EQ(RUN("\x0f\x22\xc0"), X86EMUL_EXCEPTION);
    CHECK_EQ(ctxt.exn.vector, 13);
    CHECK_EQ(cr_writes, 0);
    st.cpl = 0;
    /* 32-bit mode: the register's low half */
    reset(32);
    st.gpr[RDX] = 0xffffffff00000011ULL;
    CHECK_EQ(RUN("\x0f\x22\xc2"), X86EMUL_OKAY);
    CHECK_EQ(cr_value, 0x11);
    /* LMSW sets MP/EM/TS and can set PE but never clear it; CLTS clears TS only. */
    cr0_now = 0x80000011;
    st.gpr[RCX] = 0xfffe;
    CHECK_EQ(RUN("\x0f\x01\xf1"), X86EMUL_OKAY); /* lmsw %cx */
    CHECK_EQ(cr_value, 0x8000001f);
    cr0_now = 0x10;
    st.gpr[RCX] = 0x1;
    CHECK_EQ(RUN("\x0f\x01\xf1"), X86EMUL_OKAY);
    CHECK_EQ(cr_value, 0x11);
    lin[0x40] = 0x08;
    st.gpr[RBX] = 0x40;
    CHECK_EQ(RUN("\x0f\x01\x33"), X86EMUL_OKAY); /* lmsw (%ebx) */
    CHECK_EQ(cr_value, 0x18);
    cr0_now = 0x8000003b;
    CHECK_EQ(RUN("\x0f\x06"), X86EMUL_OKAY);
    CHECK_EQ(cr_value, 0x80000033);
    CHECK_EQ(st.rip, 0x1000 + 3 + 3 + 3 + 3 + 2);
}

TEST(locked_update_that_loses_a_race_is_retried)
{
    reset(64);
    st.gpr[RBX] = 0x100;
    st.gpr[RCX] = 1;
    lin[0x100] = 0x10;
    cmpxchg_loses = true;
    CHECK_EQ(RUN("\xf0\x01\x0b"), X86EMUL_RETRY);
    CHECK_EQ(st.rip, 0x1000);
    CHECK_EQ(lin[0x100], 0x11); /* the other CPU's value, untouched */
    CHECK_EQ(RUN("\xf0\x01\x0b"), X86EMUL_OKAY);
    CHECK_EQ(lin[0x100], 0x12);
    /* XCHG with memory is locked without a prefix. */
    cmpxchg_loses = true;
    CHECK_EQ(RUN("\x87\x0b"), X86EMUL_RETRY);
    CHECK_EQ(st.gpr[RCX], 1);
}

TEST(refusals)
{
    static const struct { const char *b; unsigned int n; const char *what; } no[] = {
        { "\x0f\x28\x03", 3, "movaps (SSE)" },
        { "\xd9\x03", 2, "flds (x87)" },
        { "\xc4\xe2\x79\x18\x03", 5, "vbroadcastss (VEX)" },
        { "\x8e\x1b", 2, "mov to %ds" },
        { "\xff\x1b", 2, "lcall through memory" },
        { "\x0f\x38\xf0\x03", 4, "movbe" },
        { "\x89", 1, "truncated mov" },
        { "\x48", 1, "a lone REX" },
        { "\x0f\x20\xc0", 3, "mov from cr0 (not intercepted)" },
        { "\xf3\x0f\xb8\x03", 4, "popcnt" },
    };

    for (unsigned int i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        reset(64);
        st.gpr[RBX] = 0x100;
        struct x86_emul_state before = st;
        int rc = run_bytes(no[i].b, no[i].n);
        CHECK(rc == X86EMUL_UNHANDLEABLE, "%s: expected UNHANDLEABLE, got %d", no[i].what, rc);
        CHECK(ctxt.why && *ctxt.why, "%s: a reason is given", no[i].what);
        CHECK(!memcmp(&before, &st, sizeof(st)), "%s: the state is untouched", no[i].what);
    }
    /* Virtual-8086 mode is not emulated. */
    reset(32);
    st.rflags |= X86_EFLAGS_VM;
    CHECK_EQ(RUN("\x89\x0b"), X86EMUL_UNHANDLEABLE);
}

TEST(branch_targets_are_checked)
{
    reset(64);
    st.gpr[RBX] = 0x100;
    uint64_t t = 0x0000800000000000ULL;
    memcpy(lin + 0x100, &t, 8);
    CHECK_EQ(RUN("\xff\x23"), X86EMUL_EXCEPTION); /* jmp *(%rbx) to a non-canonical RIP */
    CHECK_EQ(ctxt.exn.vector, 13);
    reset(32);
    st.seg[x86_seg_cs].limit = 0xffff;
    st.gpr[RBX] = 0x100;
    st.gpr[RSP] = 0x800;
    t = 0x12345;
    memcpy(lin + 0x100, &t, 4);
    CHECK_EQ(RUN("\xff\x13"), X86EMUL_EXCEPTION); /* call *(%ebx) beyond CS's limit */
    CHECK_EQ(ctxt.exn.vector, 13);
    CHECK_EQ(st.gpr[RSP], 0x800);
    t = 0x2345;
    memcpy(lin + 0x100, &t, 4);
    CHECK_EQ(RUN("\xff\x13"), X86EMUL_OKAY);
    CHECK_EQ(st.rip, 0x2345);
    CHECK_EQ(st.gpr[RSP], 0x7fc);
    CHECK_EQ(rd32(0x7fc), 0x1002);
}
