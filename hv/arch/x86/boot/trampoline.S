/* SPDX-License-Identifier: MIT */
/*
 * Secondary-CPU start-up trampoline, copied to TRAMPOLINE_PHYS. A CPU arrives here in real
 * mode from a SIPI, switches to protected mode, then long mode on Tern's page tables, and
 * jumps to start_secondary() on the stack the boot CPU prepared.
 * Parameters are written by smp.c at the offsets named tramp_* below.
 */
#include <asm/config.h>

#define TADDR(sym) (TRAMPOLINE_PHYS + ((sym) - trampoline_start))

        .section .trampoline, "a"
        .code16
        .globl trampoline_start
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   tramp_gdt_desc - trampoline_start
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $__HYPERVISOR_CS32, $TADDR(tramp32)

        .code32
tramp32:
        mov     $__HYPERVISOR_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $((1 << 5) | (1 << 7)), %eax    /* PAE, PGE */
        mov     %eax, %cr4
        mov     TADDR(tramp_cr3), %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx               /* EFER */
        rdmsr
        or      TADDR(tramp_efer), %eax         /* LME, and NXE when the BSP uses NX */
        wrmsr
        mov     %cr0, %eax
        or      $((1 << 31) | (1 << 16)), %eax  /* PG, WP */
        mov     %eax, %cr0
        ljmp    $__HYPERVISOR_CS, $TADDR(tramp64)

        .code64
tramp64:
        mov     TADDR(tramp_stack), %rsp
        mov     TADDR(tramp_cpu), %rdi
        xor     %ebp, %ebp
        movabs  $start_secondary, %rax
        call    *%rax
1:      hlt
        jmp     1b

        .balign 8
tramp_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
        .quad 0x00cf9a000000ffff        /* 0x18: 32-bit code */
tramp_gdt_end:
tramp_gdt_desc:
        .short tramp_gdt_end - tramp_gdt - 1
        .long TADDR(tramp_gdt)
        .balign 8
        .globl tramp_cr3, tramp_efer, tramp_stack, tramp_cpu
tramp_cr3:
        .long 0, 0
tramp_efer:
        .long 0, 0
tramp_stack:
        .quad 0
tramp_cpu:
        .quad 0
        .globl trampoline_end
trampoline_end:
