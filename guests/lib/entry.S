/* SPDX-License-Identifier: MIT */
/* Interrupt and exception stubs: save the registers, call do_trap(struct cpu_regs *). */

/* Vectors for which the CPU pushes an error code (AMD APM vol. 2, 8.2). */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)

        .text
        .code64

.macro STUBADDR vec
        .quad   stub_\vec
.endm

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

        .altmacro
        /* One stub per vector: exceptions, the event upcall and interrupts that tests
         * register handlers for (irq_register); any other is reported as unexpected. */
        .set    vec, 0
        .rept   256
        STUB    %vec
        .set    vec, vec + 1
        .endr

        .section .rodata
        .balign 8
        .globl trap_stubs
trap_stubs:                             /* entry points of vectors 0..255 */
        .set    vec, 0
        .rept   256
        STUBADDR %vec
        .set    vec, vec + 1
        .endr
