/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry: one small stub per vector pushes a uniform frame
 * (error code, vector) and jumps to common code that saves every register as a
 * struct cpu_user_regs and calls do_trap() or do_irq().
 */
#include <asm/config.h>

/* Vectors for which the CPU pushes an error code (SDM vol. 3 6.13; AMD APM vol. 2 8.2). */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)

        .text
        .balign 16
        .globl entry_stubs
entry_stubs:
        .set v, 0
        .rept 256
        .balign 16
        .if !HAS_ERRCODE(v)
        pushq   $0
        .endif
        pushq   $v
        jmp     common_entry
        .set v, v + 1
        .endr

common_entry:
        cld
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %rcx
        pushq   %rax
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        mov     %rsp, %rdi
        /* Frame pointer chain for backtraces: link to the interrupted RBP and RIP. */
        pushq   16*8+8(%rsp)            /* interrupted RIP (after vector and error code) */
        pushq   %rbp
        mov     %rsp, %rbp
        /* Keep the C ABI's 16-byte stack alignment. */
        mov     %rsp, %rbx
        and     $~15, %rsp
        cmpq    $32, 15*8(%rdi)
        jb      1f
        call    do_irq
        jmp     2f
1:      call    do_trap
2:      mov     %rbx, %rsp
        add     $16, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rax
        popq    %rcx
        popq    %rdx
        popq    %rsi
        popq    %rdi
        add     $16, %rsp               /* vector and error code */
        iretq
