/* SPDX-License-Identifier: MIT */
/* Interrupt and exception stubs: save the registers, call do_trap(struct cpu_regs *). */

/* Vectors for which the CPU pushes an error code (AMD APM vol. 2, 8.2). */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)

        .text
        .code64

.macro STUB vec
        .balign 16
stub_\vec:
        .ifeq HAS_ERRCODE(\vec)
        pushq   $0
        .endif
        pushq   $\vec
        jmp     trap_common
.endm

        .balign 16
trap_common:
        /* Layout must match struct cpu_regs (traps.c). */
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, %rdi
        movq    %rsp, %rbx              /* callee-saved: restore after realigning */
        andq    $~15, %rsp
        cld
        call    do_trap
        movq    %rbx, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        addq    $16, %rsp               /* vector and error code */
        iretq

        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, \
                16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        STUB \v
        .endr
        STUB 0xf3
        STUB 0xff

        .section .rodata
        .balign 8
        .globl trap_stubs
trap_stubs:                             /* entry points of vectors 0..31 */
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, \
                16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   stub_\v
        .endr
        .globl trap_stub_upcall, trap_stub_spurious
trap_stub_upcall:
        .quad   stub_0xf3
trap_stub_spurious:                     /* every other vector: reported as unexpected */
        .quad   stub_0xff
