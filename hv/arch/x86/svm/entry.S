/* SPDX-License-Identifier: MIT */
/*
 * svm_vmrun(gprs, guest_vmcb_pa, host_vmcb_pa): enter the guest once.
 * VMRUN switches only part of the state: the host's FS/GS/TR/LDTR, syscall MSRs and
 * KernelGSBase (Tern's GS base points at per-CPU data) are saved and restored around it with
 * VMSAVE/VMLOAD on a per-CPU host VMCB (AMD APM vol. 2, 15.5.2 "VMSAVE and VMLOAD").
 * Called with GIF clear (svm_run does CLGI before and STGI after), so that a host interrupt
 * arriving in the guest causes #VMEXIT(INTR) and is taken by Tern after STGI.
 */
#define G_RBX 0
#define G_RCX 8
#define G_RDX 16
#define G_RSI 24
#define G_RDI 32
#define G_RBP 40
#define G_R8 48
#define G_R9 56
#define G_R10 64
#define G_R11 72
#define G_R12 80
#define G_R13 88
#define G_R14 96
#define G_R15 104

        .text
        .globl svm_vmrun
svm_vmrun:
        push    %rbp
        mov     %rsp, %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        push    %rdi                    /* gprs */
        push    %rdx                    /* host VMCB */
        mov     %rsi, %r15              /* guest VMCB */

        mov     %rdx, %rax
        vmsave  %rax
        mov     %r15, %rax
        vmload  %rax

        mov     G_RBX(%rdi), %rbx
        mov     G_RCX(%rdi), %rcx
        mov     G_RDX(%rdi), %rdx
        mov     G_RSI(%rdi), %rsi
        mov     G_RBP(%rdi), %rbp
        mov     G_R8(%rdi), %r8
        mov     G_R9(%rdi), %r9
        mov     G_R10(%rdi), %r10
        mov     G_R11(%rdi), %r11
        mov     G_R12(%rdi), %r12
        mov     G_R13(%rdi), %r13
        mov     G_R14(%rdi), %r14
        mov     G_R15(%rdi), %r15
        mov     G_RDI(%rdi), %rdi

        vmrun   %rax

        /* RAX is still the guest VMCB's address (RAX itself is saved in the VMCB). */
        .globl svm_vmrun_resume
svm_vmrun_resume:
        vmsave  %rax
        mov     8(%rsp), %rax           /* gprs */
        mov     %rbx, G_RBX(%rax)
        mov     %rcx, G_RCX(%rax)
        mov     %rdx, G_RDX(%rax)
        mov     %rsi, G_RSI(%rax)
        mov     %rdi, G_RDI(%rax)
        mov     %rbp, G_RBP(%rax)
        mov     %r8, G_R8(%rax)
        mov     %r9, G_R9(%rax)
        mov     %r10, G_R10(%rax)
        mov     %r11, G_R11(%rax)
        mov     %r12, G_R12(%rax)
        mov     %r13, G_R13(%rax)
        mov     %r14, G_R14(%rax)
        mov     %r15, G_R15(%rax)

        /*
         * Overwrite the return-stack buffer before Tern's first RET: the guest may have
         * filled it with addresses of its own choosing, which a RET in Tern would otherwise
         * speculate to (Xen's DO_OVERWRITE_RSB). 32 CALLs, each to the instruction after a
         * speculation trap, push 32 harmless entries; their return addresses are dropped
         * from the stack afterwards. Every register is free here.
         */
        mov     $16, %ecx
1:      call    2f
3:      pause                           /* only ever reached speculatively */
        lfence
        jmp     3b
2:      call    4f
5:      pause
        lfence
        jmp     5b
4:      dec     %ecx
        jnz     1b
        add     $(32 * 8), %rsp

        pop     %rax                    /* host VMCB */
        vmload  %rax
        add     $8, %rsp

        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret
