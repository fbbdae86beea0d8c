// SPDX-License-Identifier: MIT
/*
 * insn_decode's lengths against the host's GNU as + objdump: instructions written in
 * assembler (every template below with every addressing form of the mode), and opcode sweeps
 * written as raw bytes (every opcode of every map with ModRM/SIB forms, prefix combinations,
 * and random instructions).
 */
#include "asm_oracle.h"
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../hv/arch/x86/hvm/insn_decode.h"

/* Modes an item exists in */
#define M16 1u
#define M32 2u
#define M64 4u
#define MALL (M16 | M32 | M64)
#define MLEG (M16 | M32) /* not in 64-bit mode */
/* Operand sizes a template is expanded over ('#' suffix, '~' register, '^' accumulator,
 * '!' immediate of that size) */
#define SB 1u
#define SW 2u
#define SL 4u
#define SQ 8u /* 64-bit mode only */
#define SWLQ (SW | SL | SQ)
#define SALL (SB | SW | SL | SQ)

struct tmpl {
    const char *text; /* '@' is replaced by each memory operand of the mode */
    unsigned int sizes;
    unsigned int modes;
};

/* Memory operands of every ModRM/SIB/displacement form, per mode */
static const char *const mem64[] = {
    "(%rax)",
    "(%rcx)",
    "(%rsp)",
    "(%rbp)",
    "(%r12)",
    "(%r13)",
    "0x7f(%rax)",
    "-0x80(%rsp)",
    "0x12345678(%rbx)",
    "0x12345678(%rsp)",
    "0x8(%rbp)",
    "(%rax,%rbx,1)",
    "(%rax,%rcx,2)",
    "0x10(%rsp,%rdx,4)",
    "0x12345678(%r13,%r14,8)",
    "(,%rcx,8)",
    "0x1234(,%r9,2)",
    "0x10(%rip)",
    "0x12345678(%rip)",
    "(%eax)",
    "0x10(%esp,%eax,4)",
    "0x12345678",
    "%fs:0x28",
    "%gs:(%r8)",
    "(%rbp,%r12,1)",
    "-0x1(%r12,%rbp,2)",
    NULL,
};
static const char *const mem32[] = {
    "(%eax)",
    "(%esp)",
    "(%ebp)",
    "0x7f(%eax)",
    "-0x80(%esp)",
    "0x12345678(%ebx)",
    "(%eax,%ebx,1)",
    "0x10(%esp,%edx,4)",
    "(,%ecx,8)",
    "0x1234",
    "0x12345678(%ebp,%esi,2)",
    "%fs:(%eax)",
    "%es:0x10(%edi)",
    "(%bx,%si)",
    "0x12(%bp,%di)",
    "0x1234(%bx)",
    NULL,
};
static const char *const mem16[] = {
    "(%bx,%si)",
    "(%bx,%di)",
    "(%bp,%si)",
    "(%bp,%di)",
    "(%si)",
    "(%di)",
    "(%bp)",
    "(%bx)",
    "0x1234",
    "0x12(%bx,%si)",
    "-0x10(%bp)",
    "0x1234(%bp,%di)",
    "%ss:0x10(%si)",
    "(%eax)",
    "0x10(%esp,%eax,4)",
    "0x12345678(%ebx)",
    "(%ebp)",
    NULL,
};

/* Registers of each size (b, w, l, q) used for '~', rotated through */
static const char *const regs64[][4] = {
    {"%dl", "%dx", "%edx", "%rdx"},
    {"%r10b", "%r10w", "%r10d", "%r10"},
    {"%sil", "%si", "%esi", "%rsi"},
    {"%bh", "%bx", "%ebx", "%rbx"},
};
static const char *const regs32[][4] = {
    {"%dl", "%dx", "%edx", ""},
    {"%bh", "%bx", "%ebx", ""},
    {"%cl", "%di", "%edi", ""},
};
static const char *const acc[4] = {"%al", "%ax", "%eax", "%rax"};
static const char *const imm[4] = {"$0x12", "$0x1234", "$0x12345678", "$-0x12345678"};
static const char suffix[4] = {'b', 'w', 'l', 'q'};

static const struct tmpl templates[] = {
    /* ALU, all forms */
    {"add# ~, @", SALL, MALL},
    {"add# @, ~", SALL, MALL},
    {"add# $0x12, @", SALL, MALL},
    {"add# !, @", SALL, MALL},
    {"add# !, ~", SALL, MALL},
    {"add# !, ^", SALL, MALL},
    {"add# $1, ~", SWLQ, MALL},
    {"or# ~, @", SALL, MALL},
    {"adc# @, ~", SALL, MALL},
    {"sbb# !, @", SALL, MALL},
    {"and# $0x7f, @", SALL, MALL},
    {"sub# ~, @", SALL, MALL},
    {"xor# !, ^", SALL, MALL},
    {"cmp# ~, @", SALL, MALL},
    {"cmp# !, @", SALL, MALL},
    {"cmp# @, ~", SALL, MALL},
    {"lock add# ~, @", SALL, MALL},
    {"lock sub# !, @", SALL, MALL},
    {"lock or# $3, @", SWLQ, MALL},
    /* TEST, group 3 */
    {"test# ~, @", SALL, MALL},
    {"test# !, @", SALL, MALL},
    {"test# !, ^", SALL, MALL},
    {"test# !, ~", SALL, MALL},
    {"not# @", SALL, MALL},
    {"neg# @", SALL, MALL},
    {"lock neg# @", SALL, MALL},
    {"mul# @", SALL, MALL},
    {"imul# @", SALL, MALL},
    {"div# @", SALL, MALL},
    {"idiv# @", SALL, MALL},
    /* INC/DEC, group 4/5 */
    {"inc# @", SALL, MALL},
    {"dec# @", SALL, MALL},
    {"lock inc# @", SALL, MALL},
    {"inc# ~", SALL, MALL},
    /* MOV */
    {"mov# ~, @", SALL, MALL},
    {"mov# @, ~", SALL, MALL},
    {"mov# !, @", SALL, MALL},
    {"mov# !, ~", SALL, MALL},
    {"movabs $0x123456789abcdef0, %r9", 0, M64},
    {"movabs $0x1122334455667788, %rax", 0, M64},
    {"movabs 0x1122334455667788, %al", 0, M64},
    {"movabs 0x1122334455667788, %ax", 0, M64},
    {"movabs %eax, 0x1122334455667788", 0, M64},
    {"movabs %rax, 0x1122334455667788", 0, M64},
    {"addr32 mov 0x11223344, %eax", 0, M64},
    {"mov 0x12345678, %eax", 0, M32},
    {"mov %al, 0x1234", 0, M16 | M32},
    {"mov 0x1234, %ax", 0, M16 | M32},
    {"addr32 mov 0x12345678, %ax", 0, M16},
    {"addr16 mov 0x1234, %eax", 0, M32},
    {"mov %es, @", 0, MALL},
    {"mov @, %ds", 0, MALL},
    {"mov %fs, %eax", 0, MALL},
    {"mov %eax, %ss", 0, MALL},
    {"mov %gs, @", 0, MALL},
    {"xchg# ~, @", SALL, MALL},
    {"xchg# @, ~", SALL, MALL},
    {"xchg %eax, %ecx", 0, MALL},
    /* MOVZX/MOVSX/MOVSXD, LEA */
    {"movzb# @, ~", SW | SL | SQ, MALL},
    {"movzw# @, ~", SL | SQ, MALL},
    {"movsb# @, ~", SW | SL | SQ, MALL},
    {"movsw# @, ~", SL | SQ, MALL},
    {"movslq @, %r11", 0, M64},
    {"movslq %eax, %rax", 0, M64},
    {"movzbl %bl, %eax", 0, MALL},
    {"lea# @, ~", SW | SL | SQ, MALL},
    /* Shifts and rotates */
    {"rol# @", SALL, MALL},
    {"ror# $3, @", SALL, MALL},
    {"rcl# %cl, @", SALL, MALL},
    {"rcr# $7, ~", SALL, MALL},
    {"shl# @", SALL, MALL},
    {"shr# $3, @", SALL, MALL},
    {"sar# %cl, @", SALL, MALL},
    {"sal# $1, @", SALL, MALL},
    {"shld# $3, ~, @", SW | SL | SQ, MALL},
    {"shrd# %cl, ~, @", SW | SL | SQ, MALL},
    /* IMUL, BT, SETcc, CMOVcc, bit scans */
    {"imul# @, ~", SW | SL | SQ, MALL},
    {"imul# $0x12, @, ~", SW | SL | SQ, MALL},
    {"imul# !, @, ~", SW | SL | SQ, MALL},
    {"bt# ~, @", SW | SL | SQ, MALL},
    {"bts# $5, @", SW | SL | SQ, MALL},
    {"lock btr# ~, @", SW | SL | SQ, MALL},
    {"lock btc# $63, @", SW | SL | SQ, MALL},
    {"sete @", 0, MALL},
    {"setg %al", 0, MALL},
    {"cmovne# @, ~", SW | SL | SQ, MALL},
    {"bsf# @, ~", SW | SL | SQ, MALL},
    {"bsr# @, ~", SW | SL | SQ, MALL},
    {"popcnt# @, ~", SW | SL | SQ, MALL},
    {"tzcnt# @, ~", SW | SL | SQ, MALL},
    {"lzcnt# @, ~", SW | SL | SQ, MALL},
    {"bswap %eax", 0, MALL},
    {"bswap %r9", 0, M64},
    /* CMPXCHG, XADD, MOVBE, CRC32 */
    {"cmpxchg# ~, @", SALL, MALL},
    {"lock cmpxchg# ~, @", SALL, MALL},
    {"xadd# ~, @", SALL, MALL},
    {"lock xadd# ~, @", SALL, MALL},
    {"cmpxchg8b @", 0, MALL},
    {"lock cmpxchg16b @", 0, M64},
    {"movbe# @, ~", SW | SL | SQ, MALL},
    {"movbe# ~, @", SW | SL | SQ, MALL},
    {"crc32b @, %edx", 0, MALL},
    {"crc32l @, %edx", 0, MALL},
    {"crc32q @, %rdx", 0, M64},
    /* Stack, calls and jumps */
    {"push# @", SW | SL, MLEG},
    {"push# @", SW | SQ, M64},
    {"pop# @", SW | SL, MLEG},
    {"pop# @", SW | SQ, M64},
    {"call *@", 0, MALL},
    {"jmp *@", 0, MALL},
    {"lcall *@", 0, MALL},
    {"ljmp *@", 0, MALL},
    {"push $0x12", 0, MALL},
    {"push $0x12345678", 0, M32 | M64},
    {"pushw $0x1234", 0, MALL},
    {"push %rax", 0, M64},
    {"push %r12", 0, M64},
    {"pop %r15", 0, M64},
    {"push %eax", 0, MLEG},
    {"pop %ds", 0, MLEG},
    {"push %cs", 0, MLEG},
    {"push %fs", 0, MALL},
    {"pop %gs", 0, MALL},
    {"pusha", 0, MLEG},
    {"popa", 0, MLEG},
    {"pushf", 0, MALL},
    {"popf", 0, MALL},
    {"enter $0x10, $1", 0, MALL},
    {"leave", 0, MALL},
    {"ret", 0, MALL},
    {"ret $8", 0, MALL},
    {"lret", 0, MALL},
    {"lret $8", 0, MALL},
    {"iret", 0, MALL},
    {"iretq", 0, M64},
    {"int $0x80", 0, MALL},
    {"int3", 0, MALL},
    {"into", 0, MLEG},
    {"int1", 0, MALL},
    {"jmp .+2", 0, MALL},
    {"jmp .+0x1000", 0, MALL},
    {"call .+0x1000", 0, MALL},
    {"je .+2", 0, MALL},
    {"jne .+0x1000", 0, MALL},
    {"loop .+2", 0, MALL},
    {"jecxz .+2", 0, M32 | M64},
    {"jrcxz .+2", 0, M64},
    {"jcxz .+2", 0, M16 | M32},
    {"ljmp $0x10, $0x1000", 0, MLEG},
    {"lcall $0x10, $0x12345678", 0, M32},
    {"ljmpl $0x10, $0x12345678", 0, M16},
    {"data16 call .+0x100", 0, M32},
    {"data32 jmp .+0x10000", 0, M16},
    {"xbegin .+0x1000", 0, MALL},
    {"xabort $1", 0, MALL},
    {"xend", 0, MALL},
    {"xtest", 0, MALL},
    /* BCD, segments, miscellany */
    {"aam", 0, MLEG},
    {"aad $10", 0, MLEG},
    {"daa", 0, MLEG},
    {"das", 0, MLEG},
    {"aaa", 0, MLEG},
    {"aas", 0, MLEG},
    {"les @, %eax", 0, MLEG},
    {"lds @, %bx", 0, MLEG},
    {"lss @, %eax", 0, MALL},
    {"lfs @, %edx", 0, MALL},
    {"lgs @, %ebx", 0, MALL},
    {"bound %eax, @", 0, MLEG},
    {"arpl %ax, @", 0, MLEG},
    {"nop", 0, MALL},
    {"pause", 0, MALL},
    {"hlt", 0, MALL},
    {"cpuid", 0, MALL},
    {"rdtsc", 0, MALL},
    {"rdtscp", 0, MALL},
    {"rdmsr", 0, MALL},
    {"wrmsr", 0, MALL},
    {"rdpmc", 0, MALL},
    {"syscall", 0, M64},
    {"sysretq", 0, M64},
    {"sysenter", 0, MALL},
    {"sysexit", 0, MLEG},
    {"cwtl", 0, MALL},
    {"cltq", 0, M64},
    {"cqto", 0, M64},
    {"cltd", 0, MALL},
    {"sahf", 0, MALL},
    {"lahf", 0, MALL},
    {"xlat", 0, MALL},
    {"cld", 0, MALL},
    {"std", 0, MALL},
    {"cli", 0, MALL},
    {"sti", 0, MALL},
    {"clc", 0, MALL},
    {"stc", 0, MALL},
    {"cmc", 0, MALL},
    {"in $0x60, %al", 0, MALL},
    {"in %dx, %eax", 0, MALL},
    {"out %al, $0x80", 0, MALL},
    {"outw %ax, %dx", 0, MALL},
    {"ud2", 0, MALL},
    {"ud1 @, %eax", 0, MALL},
    {"ud0 @, %eax", 0, MALL},
    {"clts", 0, MALL},
    {"invd", 0, MALL},
    {"wbinvd", 0, MALL},
    {"rsm", 0, MALL},
    {"mov %cr0, %eax", 0, MLEG},
    {"mov %cr0, %rax", 0, M64},
    {"mov %rax, %cr3", 0, M64},
    {"mov %cr8, %rax", 0, M64},
    {"mov %r9, %cr8", 0, M64},
    {"mov %db7, %rax", 0, M64},
    {"mov %rax, %db0", 0, M64},
    {"mov %eax, %cr4", 0, MLEG},
    {"mov %db6, %eax", 0, MLEG},
    /* String instructions */
    {"movsb", 0, MALL},
    {"movsw", 0, MALL},
    {"movsl", 0, MALL},
    {"movsq", 0, M64},
    {"rep movsb", 0, MALL},
    {"rep stosq", 0, M64},
    {"rep stosl", 0, MALL},
    {"lodsb", 0, MALL},
    {"scasb", 0, MALL},
    {"cmpsb", 0, MALL},
    {"repne scasb", 0, MALL},
    {"repe cmpsl", 0, MALL},
    {"stosl", 0, MALL},
    {"insb", 0, MALL},
    {"outsl", 0, MALL},
    {"rep insw", 0, MALL},
    {"rep outsb", 0, MALL},
    {"addr32 rep movsb", 0, M64},
    {"fs movsb", 0, MALL},
    {"lodsq", 0, M64},
    /* System: groups 6, 7, 9, 15, VMX, SVM */
    {"sldt @", 0, MALL},
    {"str @", 0, MALL},
    {"lldt @", 0, MALL},
    {"ltr @", 0, MALL},
    {"verr @", 0, MALL},
    {"verw @", 0, MALL},
    {"lar @, %eax", 0, MALL},
    {"lsl @, %edx", 0, MALL},
    {"sgdt @", 0, MALL},
    {"sidt @", 0, MALL},
    {"lgdt @", 0, MALL},
    {"lidt @", 0, MALL},
    {"smsw @", 0, MALL},
    {"lmsw @", 0, MALL},
    {"invlpg @", 0, MALL},
    {"smsw %eax", 0, MALL},
    {"vmrun", 0, MALL},
    {"vmmcall", 0, MALL},
    {"vmload", 0, MALL},
    {"vmsave", 0, MALL},
    {"stgi", 0, MALL},
    {"clgi", 0, MALL},
    {"skinit", 0, MALL},
    {"invlpga", 0, MALL},
    {"monitor", 0, MALL},
    {"mwait", 0, MALL},
    {"swapgs", 0, M64},
    {"xgetbv", 0, MALL},
    {"xsetbv", 0, MALL},
    {"clzero", 0, MALL},
    {"clac", 0, MALL},
    {"stac", 0, MALL},
    {"vmcall", 0, MALL},
    {"vmlaunch", 0, MALL},
    {"vmresume", 0, MALL},
    {"vmxoff", 0, MALL},
    {"getsec", 0, MALL},
    {"rdrand %eax", 0, MALL},
    {"rdseed %ecx", 0, MALL},
    {"rdpid %rax", 0, M64},
    {"vmptrld @", 0, MALL},
    {"vmclear @", 0, MALL},
    {"vmxon @", 0, MALL},
    {"vmptrst @", 0, MALL},
    {"vmread %rax, @", 0, M64},
    {"vmwrite @, %rax", 0, M64},
    {"vmread %eax, @", 0, MLEG},
    {"invept @, %rax", 0, M64},
    {"invpcid @, %rax", 0, M64},
    {"invvpid @, %eax", 0, MLEG},
    {"fxsave @", 0, MALL},
    {"fxrstor @", 0, MALL},
    {"fxsave64 @", 0, M64},
    {"ldmxcsr @", 0, MALL},
    {"stmxcsr @", 0, MALL},
    {"xsave @", 0, MALL},
    {"xrstor @", 0, MALL},
    {"xsaveopt @", 0, MALL},
    {"xsavec @", 0, MALL},
    {"xsaves @", 0, MALL},
    {"xrstors @", 0, MALL},
    {"clflush @", 0, MALL},
    {"clflushopt @", 0, MALL},
    {"clwb @", 0, MALL},
    {"lfence", 0, MALL},
    {"mfence", 0, MALL},
    {"sfence", 0, MALL},
    {"rdfsbase %rax", 0, M64},
    {"wrgsbase %r8", 0, M64},
    {"endbr64", 0, MALL},
    {"endbr32", 0, MALL},
    {"movdiri %eax, @", 0, MALL},
    {"movdir64b (%eax), %eax", 0, M32},
    {"movdir64b 0x10(%rax), %rax", 0, M64},
    {"serialize", 0, MALL},
    {"tpause %eax", 0, MALL},
    {"umwait %ecx", 0, MALL},
    {"umonitor %rax", 0, M64},
    {"prefetchnta @", 0, MALL},
    {"prefetcht0 @", 0, MALL},
    {"prefetch @", 0, MALL},
    {"prefetchw @", 0, MALL},
    {"nopw @", 0, MALL},
    {"nopl @", 0, MALL},
    {"cldemote @", 0, MALL},
    /* SSE and MMX loads and stores */
    {"movups @, %xmm1", 0, MALL},
    {"movups %xmm1, @", 0, MALL},
    {"movupd @, %xmm2", 0, MALL},
    {"movss @, %xmm2", 0, MALL},
    {"movss %xmm2, @", 0, MALL},
    {"movsd @, %xmm3", 0, MALL},
    {"movsd %xmm3, @", 0, MALL},
    {"movaps @, %xmm4", 0, MALL},
    {"movaps %xmm4, @", 0, MALL},
    {"movapd %xmm5, @", 0, MALL},
    {"movdqa @, %xmm3", 0, MALL},
    {"movdqa %xmm3, @", 0, MALL},
    {"movdqu @, %xmm6", 0, MALL},
    {"movdqu %xmm6, @", 0, MALL},
    {"movdqu @, %xmm14", 0, M64},
    {"movq @, %mm1", 0, MALL},
    {"movq %mm1, @", 0, MALL},
    {"movd @, %mm1", 0, MALL},
    {"movd %mm1, @", 0, MALL},
    {"movq @, %xmm1", 0, MALL},
    {"movq %xmm1, @", 0, MALL},
    {"movd %xmm1, @", 0, MALL},
    {"movd @, %xmm1", 0, MALL},
    {"movq %rax, %xmm1", 0, M64},
    {"movntps %xmm1, @", 0, MALL},
    {"movnti %edx, @", 0, MALL},
    {"movnti %rdx, @", 0, M64},
    {"movntdq %xmm1, @", 0, MALL},
    {"movntq %mm1, @", 0, MALL},
    {"movntdqa @, %xmm1", 0, MALL},
    {"movlps @, %xmm1", 0, MALL},
    {"movhps %xmm1, @", 0, MALL},
    {"movlpd %xmm1, @", 0, MALL},
    {"movhpd @, %xmm1", 0, MALL},
    {"movhlps %xmm1, %xmm2", 0, MALL},
    {"movddup @, %xmm1", 0, MALL},
    {"movshdup @, %xmm1", 0, MALL},
    {"lddqu @, %xmm1", 0, MALL},
    {"maskmovq %mm1, %mm2", 0, MALL},
    {"maskmovdqu %xmm1, %xmm2", 0, MALL},
    /* SSE arithmetic, immediates, three-byte maps */
    {"pshufd $0x1b, @, %xmm1", 0, MALL},
    {"pshufw $0x1b, @, %mm1", 0, MALL},
    {"pshuflw $1, @, %xmm1", 0, MALL},
    {"cmpps $1, @, %xmm1", 0, MALL},
    {"cmpsd $1, @, %xmm1", 0, MALL},
    {"pinsrw $2, @, %xmm1", 0, MALL},
    {"pextrw $2, %xmm1, %eax", 0, MALL},
    {"shufps $3, @, %xmm1", 0, MALL},
    {"addps @, %xmm1", 0, MALL},
    {"mulsd @, %xmm9", 0, M64},
    {"paddb @, %mm1", 0, MALL},
    {"pxor @, %xmm1", 0, MALL},
    {"psrlw $3, %mm1", 0, MALL},
    {"pslldq $4, %xmm1", 0, MALL},
    {"psrad $4, %xmm3", 0, MALL},
    {"psllq $4, %mm3", 0, MALL},
    {"emms", 0, MALL},
    {"cvtsi2sdl @, %xmm1", 0, MALL},
    {"cvtsi2ssq @, %xmm1", 0, M64},
    {"cvttss2si @, %eax", 0, MALL},
    {"ucomiss @, %xmm1", 0, MALL},
    {"comisd @, %xmm1", 0, MALL},
    {"movmskps %xmm1, %eax", 0, MALL},
    {"pmovmskb %xmm1, %eax", 0, MALL},
    {"sqrtps @, %xmm1", 0, MALL},
    {"rcpss @, %xmm1", 0, MALL},
    {"cvtdq2pd @, %xmm1", 0, MALL},
    {"haddps @, %xmm1", 0, MALL},
    {"addsubpd @, %xmm1", 0, MALL},
    {"punpcklqdq @, %xmm1", 0, MALL},
    {"pshufb @, %xmm1", 0, MALL},
    {"pshufb @, %mm1", 0, MALL},
    {"pmovzxbw @, %xmm1", 0, MALL},
    {"pmovsxdq @, %xmm1", 0, MALL},
    {"ptest @, %xmm1", 0, MALL},
    {"pblendvb %xmm0, @, %xmm1", 0, MALL},
    {"pminud @, %xmm1", 0, MALL},
    {"pmulld @, %xmm1", 0, MALL},
    {"pcmpgtq @, %xmm1", 0, MALL},
    {"palignr $3, @, %xmm1", 0, MALL},
    {"palignr $3, @, %mm1", 0, MALL},
    {"pextrd $1, %xmm1, @", 0, MALL},
    {"pextrb $1, %xmm1, @", 0, MALL},
    {"pinsrq $1, @, %xmm1", 0, M64},
    {"pinsrb $1, @, %xmm1", 0, MALL},
    {"extractps $1, %xmm1, @", 0, MALL},
    {"insertps $1, @, %xmm1", 0, MALL},
    {"roundss $1, @, %xmm1", 0, MALL},
    {"blendps $1, @, %xmm1", 0, MALL},
    {"dpps $1, @, %xmm1", 0, MALL},
    {"mpsadbw $1, @, %xmm1", 0, MALL},
    {"pcmpestri $3, @, %xmm1", 0, MALL},
    {"pcmpistrm $3, @, %xmm1", 0, MALL},
    {"pclmulqdq $1, @, %xmm1", 0, MALL},
    {"aesenc @, %xmm1", 0, MALL},
    {"aesdeclast @, %xmm1", 0, MALL},
    {"aesimc @, %xmm1", 0, MALL},
    {"aeskeygenassist $1, @, %xmm1", 0, MALL},
    {"sha1rnds4 $1, @, %xmm1", 0, MALL},
    {"sha256rnds2 @, %xmm1", 0, MALL},
    {"sha1nexte @, %xmm1", 0, MALL},
    {"gf2p8affineqb $1, @, %xmm1", 0, MALL},
    {"gf2p8mulb @, %xmm1", 0, MALL},
    {"adcx @, %eax", 0, MALL},
    {"adox @, %rax", 0, M64},
    {"phaddw @, %xmm1", 0, MALL},
    /* AMD: SSE4a, 3DNow! */
    {"extrq $1, $2, %xmm1", 0, MALL},
    {"insertq $1, $2, %xmm2, %xmm1", 0, MALL},
    {"extrq %xmm2, %xmm1", 0, MALL},
    {"insertq %xmm2, %xmm1", 0, MALL},
    {"movntss %xmm1, @", 0, MALL},
    {"movntsd %xmm1, @", 0, MALL},
    {"pfadd @, %mm1", 0, MALL},
    {"pfmul %mm2, %mm1", 0, MALL},
    {"pi2fd @, %mm1", 0, MALL},
    {"pfrcpit2 @, %mm1", 0, MALL},
    {"pavgusb @, %mm1", 0, MALL},
    {"femms", 0, MALL},
    /* x87 */
    {"flds @", 0, MALL},
    {"fldl @", 0, MALL},
    {"fldt @", 0, MALL},
    {"fsts @", 0, MALL},
    {"fstpl @", 0, MALL},
    {"fstpt @", 0, MALL},
    {"filds @", 0, MALL},
    {"fildl @", 0, MALL},
    {"fildll @", 0, MALL},
    {"fists @", 0, MALL},
    {"fistl @", 0, MALL},
    {"fistps @", 0, MALL},
    {"fistpl @", 0, MALL},
    {"fistpll @", 0, MALL},
    {"fisttps @", 0, MALL},
    {"fisttpl @", 0, MALL},
    {"fisttpll @", 0, MALL},
    {"fadds @", 0, MALL},
    {"faddl @", 0, MALL},
    {"fiadds @", 0, MALL},
    {"fimull @", 0, MALL},
    {"fcoms @", 0, MALL},
    {"fcompl @", 0, MALL},
    {"fdivrs @", 0, MALL},
    {"fldcw @", 0, MALL},
    {"fnstcw @", 0, MALL},
    {"fnstsw @", 0, MALL},
    {"fnstenv @", 0, MALL},
    {"fldenv @", 0, MALL},
    {"fnsave @", 0, MALL},
    {"frstor @", 0, MALL},
    {"fbld @", 0, MALL},
    {"fbstp @", 0, MALL},
    {"fadd %st(2), %st", 0, MALL},
    {"fxch %st(3)", 0, MALL},
    {"fnstsw %ax", 0, MALL},
    {"fcompp", 0, MALL},
    {"fucompp", 0, MALL},
    {"fld1", 0, MALL},
    {"fldz", 0, MALL},
    {"fsin", 0, MALL},
    {"fcos", 0, MALL},
    {"fnop", 0, MALL},
    {"fninit", 0, MALL},
    {"fnclex", 0, MALL},
    {"fcomi %st(1), %st", 0, MALL},
    {"fucomip %st(1), %st", 0, MALL},
    {"fcmovb %st(1), %st", 0, MALL},
    {"ffree %st(1)", 0, MALL},
    {"faddp", 0, MALL},
    {"fdivrp", 0, MALL},
    {"fwait", 0, MALL},
    {"fchs", 0, MALL},
    {"fxam", 0, MALL},
    {"fyl2xp1", 0, MALL},
    {"fstp %st(1)", 0, MALL},
};

/* Replace the template's markers for one size (0..3) and memory operand and register set. */
static void expand(char *out, size_t size, const char *t, int sz, const char *mem,
                   const char *const *regs)
{
    size_t n = 0;
    for (; *t && n + 40 < size; t++) {
        const char *s = NULL;
        char c[2] = {*t, 0};
        switch (*t) {
        case '@':
            s = mem;
            break;
        case '#':
            c[0] = suffix[sz];
            s = c;
            break;
        case '~':
            s = regs[sz];
            break;
        case '^':
            s = acc[sz];
            break;
        case '!':
            s = imm[sz];
            break;
        default:
            s = c;
            break;
        }
        n += (size_t)snprintf(out + n, size - n, "%s", s);
    }
    out[n] = 0;
}

static void add_templates(struct asm_batch *b)
{
    int mode = b->mode;
    unsigned int mbit = mode == 16 ? M16 : mode == 32 ? M32 : M64;
    const char *const *mems = mode == 64 ? mem64 : mode == 32 ? mem32 : mem16;
    unsigned int nregs = mode == 64 ? 4 : 3, rot = 0;
    char line[256];

    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        const struct tmpl *t = &templates[i];
        bool has_mem = strchr(t->text, '@') != NULL;
        if (!(t->modes & mbit))
            continue;
        for (int sz = 0; sz < 4; sz++) {
            if (t->sizes ? !(t->sizes & (1u << sz)) : sz != 2)
                continue;
            if (sz == 3 && mode != 64)
                continue;
            for (unsigned int m = 0; has_mem ? mems[m] != NULL : m == 0; m++) {
                const char *const *regs = mode == 64 ? regs64[rot % nregs] : regs32[rot % nregs];
                rot++;
                /* %bh cannot be used with a REX prefix: skip the clashing combinations */
                if (mode == 64 && sz == 0 && !strcmp(regs[0], "%bh"))
                    regs = regs64[0];
                expand(line, sizeof(line), t->text, sz, has_mem ? mems[m] : "", regs);
                asm_add_line(b, line);
            }
        }
    }
}

/*
 * Where objdump decodes what the hardware refuses (objdump does not check LOCK, nor the
 * control and debug registers that exist, nor segment register numbers) or what the SDM's
 * maps leave undefined, insn_decode's refusal is right. VEX/EVEX/XOP: -EOPNOTSUPP by design.
 */
static bool excused(const struct asm_batch *b, unsigned int i, int rc)
{
    const char *t = b->obj_text[i] ? b->obj_text[i] : "", *p;
    const uint8_t *slot = b->img + (size_t)i * SLOT;
    uint8_t copy[SLOT];
    struct insn_info info;
    bool lock = false;

    if (rc == -EOPNOTSUPP)
        return true;
    /* 8087/287-only FENI FDISI FSETPM FRSTPM (DB E0 E1 E4 E5) */
    if (strstr(t, "8087 only") || strstr(t, "287 only"))
        return true;
    if (strstr(t, "%?")) /* MOV with segment register 6 or 7 */
        return true;
    p = strstr(t, ",%cs"); /* MOV to CS */
    if (p && (p[4] == 0 || p[4] == ' '))
        return true;
    if (b->mode != 64 && strstr(t, "sbase")) /* RDFSBASE & co: 64-bit mode only */
        return true;
    if (strstr(t, "xsha") || strstr(t, "xcrypt") || strstr(t, "xstore") ||
        strstr(t, "montmul")) /* VIA PadLock (0F A6, 0F A7) */
        return true;
    if (strstr(t, "%tr")) /* MOV to/from test registers (386/486) */
        return true;
    for (p = t; (p = strstr(p, "%cr")) != NULL; p++) {
        int n = atoi(p + 3);
        if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
            return true;
    }
    for (p = t; (p = strstr(p, "%db")) != NULL; p++)
        if (atoi(p + 3) > 7)
            return true;
    /*
     * LOCK on an instruction that cannot take it, or REP/REPNE where the opcode defines no
     * F3/F2 form (objdump then shows them as "lock", "repz", "repnz"): the same instruction
     * without them decodes to objdump's length.
     */
    if (!strstr(t, "lock ") && !strstr(t, "repz ") && !strstr(t, "repnz "))
        return false;
    memcpy(copy, slot, SLOT);
    for (unsigned int k = 0; k < 15; k++) {
        if (copy[k] == 0xf0 || (copy[k] == 0xf2 && strstr(t, "repnz ")) ||
            (copy[k] == 0xf3 && strstr(t, "repz "))) {
            copy[k] = 0x3e; /* DS segment override: another prefix of no consequence */
            lock = true;
        } else if (!(copy[k] == 0x66 || copy[k] == 0x67 || copy[k] == 0xf2 || copy[k] == 0xf3 ||
                     copy[k] == 0x2e || copy[k] == 0x36 || copy[k] == 0x3e || copy[k] == 0x26 ||
                     copy[k] == 0x64 || copy[k] == 0x65 ||
                     (b->mode == 64 && (copy[k] & 0xf0) == 0x40))) {
            break;
        }
    }
    return lock && insn_decode(copy, 15, b->mode, &info) == 0 && info.length == b->obj_len[i];
}

static void run_templates(int mode)
{
    struct asm_batch b;
    unsigned int compared, bad;
    asm_init(&b, mode);
    add_templates(&b);
    if (!asm_run(&b)) {
        asm_free(&b);
        CHECK(false, "GNU as/objdump must run in mode %d", mode);
    }
    bad = asm_compare(&b, excused, &compared);
    printf("  mode %d: %u assembled instructions, %u lengths compared, %u mismatches\n", mode, b.n,
           compared, bad);
    asm_free(&b);
    CHECK(bad == 0, "insn_decode must agree with objdump (mode %d): %u mismatches", mode, bad);
    CHECK(compared > 2000, "too few instructions compared in mode %d: %u", mode, compared);
}

TEST(asm_templates_64)
{
    run_templates(64);
}

TEST(asm_templates_32)
{
    run_templates(32);
}

TEST(asm_templates_16)
{
    run_templates(16);
}

/* ---- Sweeps over raw bytes --------------------------------------------------------------- */

/* ModRM/SIB forms for every opcode: (modrm, sib or -1) */
static const int modrm_forms[][2] = {
    {0x00, -1}, {0x04, 0x25}, {0x05, -1},   {0x06, -1},   {0x45, -1},
    {0x86, -1}, {0xc0, -1},   {0x04, 0x24}, {0x04, 0x8d}, {0x44, 0x24},
    {0x46, -1}, {0x80, -1},   {0x84, 0x25}, {0xc1, -1},   {0xc7, -1},
};

/* Emit prefix + escape + op + ModRM (+SIB); the oracle pads the slot */
static void add_op(struct asm_batch *b, const uint8_t *pfx, unsigned int npfx, const uint8_t *esc,
                   unsigned int nesc, uint8_t op, int modrm, int sib)
{
    uint8_t bytes[16];
    unsigned int n = 0;
    for (unsigned int i = 0; i < npfx; i++)
        bytes[n++] = pfx[i];
    for (unsigned int i = 0; i < nesc; i++)
        bytes[n++] = esc[i];
    bytes[n++] = op;
    if (modrm >= 0)
        bytes[n++] = (uint8_t)modrm;
    if (sib >= 0)
        bytes[n++] = (uint8_t)sib;
    asm_add_bytes(b, bytes, n);
}

static void sweep_map(struct asm_batch *b, const uint8_t *pfx, unsigned int npfx,
                      const uint8_t *esc, unsigned int nesc, bool all_reg)
{
    for (unsigned int op = 0; op < 256; op++) {
        for (unsigned int f = 0; f < sizeof(modrm_forms) / sizeof(modrm_forms[0]); f++) {
            for (unsigned int r = 0; r < 8; r++) {
                /* every ModRM.reg (groups) with the first forms, one (rotating) otherwise */
                if (!(all_reg && f < 7) && r != (op + f) % 8)
                    continue;
                add_op(b, pfx, npfx, esc, nesc, (uint8_t)op, modrm_forms[f][0] | (int)(r << 3),
                       modrm_forms[f][1]);
            }
        }
    }
}

static void run_batch(struct asm_batch *b, const char *what)
{
    unsigned int compared, bad;
    int mode = b->mode;
    bool ran = asm_run(b);
    bad = ran ? asm_compare(b, excused, &compared) : 0;
    if (ran)
        printf("  mode %d %s: %u byte sequences, %u lengths compared, %u mismatches\n", mode, what,
               b->n, compared, bad);
    asm_free(b);
    CHECK(ran, "GNU as/objdump must run (%s, mode %d)", what, mode);
    CHECK(bad == 0, "insn_decode must agree with objdump (%s, mode %d): %u mismatches", what, mode,
          bad);
}

static void sweep_maps(int mode)
{
    static const uint8_t esc0f[] = {0x0f}, esc38[] = {0x0f, 0x38}, esc3a[] = {0x0f, 0x3a};
    static const uint8_t p66[] = {0x66}, pf3[] = {0xf3}, pf2[] = {0xf2};
    static const uint8_t rexw[] = {0x4c}, p67[] = {0x67};
    struct asm_batch b;

    asm_init(&b, mode);
    sweep_map(&b, NULL, 0, NULL, 0, true);
    sweep_map(&b, p66, 1, NULL, 0, false);
    sweep_map(&b, p67, 1, NULL, 0, false);
    if (mode == 64)
        sweep_map(&b, rexw, 1, NULL, 0, false);
    run_batch(&b, "one-byte map");

    asm_init(&b, mode);
    sweep_map(&b, NULL, 0, esc0f, 1, true);
    sweep_map(&b, p66, 1, esc0f, 1, false);
    sweep_map(&b, pf3, 1, esc0f, 1, false);
    sweep_map(&b, pf2, 1, esc0f, 1, false);
    sweep_map(&b, p67, 1, esc0f, 1, false);
    run_batch(&b, "0F map");

    asm_init(&b, mode);
    sweep_map(&b, NULL, 0, esc38, 2, false);
    sweep_map(&b, p66, 1, esc38, 2, false);
    sweep_map(&b, pf2, 1, esc38, 2, false);
    sweep_map(&b, pf3, 1, esc38, 2, false);
    sweep_map(&b, NULL, 0, esc3a, 2, false);
    sweep_map(&b, p66, 1, esc3a, 2, false);
    run_batch(&b, "0F 38 and 0F 3A maps");
}

TEST(sweep_maps_64)
{
    sweep_maps(64);
}

TEST(sweep_maps_32)
{
    sweep_maps(32);
}

TEST(sweep_maps_16)
{
    sweep_maps(16);
}

/* Prefix combinations (order, repetition, REX placement, too many) on representative opcodes */
TEST(sweep_prefixes)
{
    static const uint8_t prefixes[][16] = {
        /* count, bytes... */
        {0},
        {1, 0x66},
        {1, 0x67},
        {2, 0x66, 0x67},
        {2, 0x67, 0x66},
        {1, 0xf2},
        {1, 0xf3},
        {2, 0xf2, 0xf3},
        {2, 0xf3, 0x66},
        {2, 0x66, 0xf3},
        {1, 0xf0},
        {2, 0x2e, 0x3e},
        {3, 0x64, 0x65, 0x26},
        {4, 0x66, 0x66, 0x66, 0x36},
        {1, 0x48},
        {1, 0x41},
        {1, 0x4f},
        {2, 0x66, 0x48},
        {2, 0x48, 0x66},
        {2, 0x67, 0x48},
        {2, 0x48, 0x67},
        {2, 0x40, 0x41},
        {3, 0x48, 0x66, 0x41},
        {3, 0xf0, 0x66, 0x48},
        {7, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66},
        {10, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66},
        {13, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e},
        {14, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26},
        {15, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
         0x26},
    };
    /* opcode bytes (escape included), then ModRM forms */
    static const uint8_t ops[][4] = {
        {1, 0x01},
        {1, 0x81},
        {1, 0x83},
        {1, 0xc7},
        {1, 0xc6},
        {1, 0x8b},
        {1, 0x89},
        {1, 0x69},
        {1, 0x6b},
        {1, 0xf6},
        {1, 0xf7},
        {1, 0xff},
        {1, 0x63},
        {1, 0xa1},
        {1, 0xa2},
        {1, 0xb8},
        {1, 0xb4},
        {1, 0xe8},
        {1, 0xe9},
        {1, 0xeb},
        {1, 0x68},
        {1, 0xc8},
        {1, 0xc2},
        {1, 0x9a},
        {1, 0xea},
        {1, 0xa5},
        {1, 0x90},
        {1, 0x0f},
        {2, 0x0f, 0x10},
        {2, 0x0f, 0x6f},
        {2, 0x0f, 0x7f},
        {2, 0x0f, 0x84},
        {2, 0x0f, 0xb6},
        {2, 0x0f, 0xba},
        {2, 0x0f, 0xc7},
        {2, 0x0f, 0x70},
        {2, 0x0f, 0xb8},
        {2, 0x0f, 0x78},
        {2, 0x0f, 0xc3},
        {2, 0x0f, 0xae},
        {3, 0x0f, 0x38, 0x00},
        {3, 0x0f, 0x3a, 0x0f},
        {3, 0x0f, 0x38, 0xf0},
        {2, 0x0f, 0x20},
    };
    static const int forms[][2] = {{0x00, -1}, {0x04, 0x25}, {0x45, -1}, {0x86, -1},
                                   {0xc0, -1}, {0x05, -1},   {0x3d, -1}, {0xf8, -1}};
    static const int modes[] = {64, 32, 16};

    for (unsigned int m = 0; m < 3; m++) {
        struct asm_batch b;
        asm_init(&b, modes[m]);
        for (unsigned int p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
            for (unsigned int o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
                for (unsigned int f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
                    uint8_t bytes[16];
                    unsigned int n = 0;
                    for (unsigned int i = 0; i < prefixes[p][0]; i++)
                        bytes[n++] = prefixes[p][1 + i];
                    for (unsigned int i = 0; i < ops[o][0] && n < 15; i++)
                        bytes[n++] = ops[o][1 + i];
                    if (n < 15)
                        bytes[n++] = (uint8_t)forms[f][0];
                    if (forms[f][1] >= 0 && n < 15)
                        bytes[n++] = (uint8_t)forms[f][1];
                    asm_add_bytes(&b, bytes, n);
                }
            }
        }
        run_batch(&b, "prefix combinations");
    }
}

/*
 * Random instructions: random prefixes from the legal set, a random opcode in a random map,
 * random ModRM and SIB bytes, then the slot's padding (2E bytes).
 */
TEST(sweep_random)
{
    static const uint8_t legacy[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e,
                                     0x36, 0x3e, 0x26, 0x64, 0x65};
    static const int modes[] = {64, 32, 16};
    unsigned int seed = 12345;

    for (unsigned int m = 0; m < 3; m++) {
        struct asm_batch b;
        asm_init(&b, modes[m]);
        for (unsigned int i = 0; i < 20000; i++) {
            uint8_t bytes[16];
            unsigned int n = 0, np = (unsigned int)rand_r(&seed) % 4;
            for (unsigned int k = 0; k < np; k++)
                bytes[n++] = legacy[(unsigned int)rand_r(&seed) % sizeof(legacy)];
            if (modes[m] == 64 && rand_r(&seed) % 2)
                bytes[n++] = (uint8_t)(0x40 | (rand_r(&seed) & 15));
            switch (rand_r(&seed) % 4) {
            case 0:
                break;
            case 1:
                bytes[n++] = 0x0f;
                break;
            case 2:
                bytes[n++] = 0x0f;
                bytes[n++] = 0x38;
                break;
            default:
                bytes[n++] = 0x0f;
                bytes[n++] = 0x3a;
                break;
            }
            for (unsigned int k = 0; k < 3; k++)
                bytes[n++] = (uint8_t)rand_r(&seed);
            asm_add_bytes(&b, bytes, n);
        }
        run_batch(&b, "random instructions");
    }
}
