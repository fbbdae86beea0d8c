/* SPDX-License-Identifier: MIT */
/* PVH entry of a test guest: 32-bit protected mode to long mode, then guest_start(). */

#include <public/elfnote.h>

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_PS 0x080
#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define GDT_CS64 0x08
#define GDT_DS 0x10

/*
 * The PVH note (pvh-abi.md §1): owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY, a 4-byte
 * descriptor holding the 32-bit physical entry point.
 */
        .section .note.Xen, "a", @note
        .balign 4
        .long 2f - 1f           /* namesz */
        .long 4f - 3f           /* descsz */
        .long XEN_ELFNOTE_PHYS32_ENTRY
1:      .asciz "Xen"
2:      .balign 4
3:      .long pvh_start
4:      .balign 4

/*
 * Entry state (pvh-abi.md §1): protected mode, paging off, flat CS/DS/ES/SS, EBX = physical
 * address of struct hvm_start_info, no stack, other registers undefined.
 */
        .section .text.head, "ax"
        .code32
        .globl pvh_start
pvh_start:
        cli
        cld
        movl    %ebx, start_info_pa

        /* Zero .bss (page tables and stacks live there). Tern zero-fills memsz too. */
        movl    $__bss_start, %edi
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        shrl    $2, %ecx
        xorl    %eax, %eax
        rep stosl

        /*
         * Identity map of the first 4 GiB: PML4[0] -> PDPT[0..3] -> 4 page directories of
         * 2 MiB pages, except the first 2 MiB, mapped with 4 KiB pages and page 0 absent so
         * that a NULL (or 0x1) pointer faults in the guest and is rejected by hypercalls.
         */
        movl    $pdpt + (PTE_P | PTE_W), pml4

        movl    $pdpt, %edi
        movl    $pd + (PTE_P | PTE_W), %eax
        movl    $4, %ecx
1:      movl    %eax, (%edi)
        addl    $4096, %eax
        addl    $8, %edi
        loop    1b

        movl    $pd, %edi
        movl    $(PTE_P | PTE_W | PTE_PS), %eax
        movl    $2048, %ecx
2:      movl    %eax, (%edi)
        addl    $0x200000, %eax
        addl    $8, %edi
        loop    2b

        movl    $pt0 + (PTE_P | PTE_W), pd
        movl    $pt0 + 8, %edi
        movl    $0x1000 + (PTE_P | PTE_W), %eax
        movl    $511, %ecx
3:      movl    %eax, (%edi)
        addl    $4096, %eax
        addl    $8, %edi
        loop    3b

        /* PAE, then EFER.LME, then paging: long mode (AMD APM vol. 2, 14.6.1). */
        movl    $pml4, %eax
        movl    %eax, %cr3
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG | CR0_WP | CR0_PE), %eax
        movl    %eax, %cr0

        lgdt    gdt_desc
        ljmp    $GDT_CS64, $start64

        .code64
start64:
        movl    $GDT_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs
        leaq    boot_stack + 16384(%rip), %rsp
        movq    start_info_pa(%rip), %rdi
        call    guest_start
5:      cli
        hlt
        jmp     5b

/*
 * Secondary vCPUs start here in 64-bit mode (VCPUOP_initialise, VCPU_HVM_MODE_64B): CS is a
 * flat 64-bit segment with selector 0, CR3 is ours, RSP is the vCPU's stack and RDI its
 * struct percpu. Load our GDT and real selectors, then continue in C.
 */
        .globl ap_entry64
ap_entry64:
        cli
        lgdt    gdt_desc(%rip)
        pushq   $GDT_CS64
        leaq    1f(%rip), %rax
        pushq   %rax
        lretq
1:      movl    $GDT_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs
        andq    $~15, %rsp
        call    smp_ap_start
6:      cli
        hlt
        jmp     6b

        .section .rodata
        .balign 16
gdt:
        .quad   0                       /* null */
        .quad   0x00af9b000000ffff      /* 0x08: 64-bit code, DPL 0 */
        .quad   0x00cf93000000ffff      /* 0x10: flat data */
gdt_end:
        .balign 8
        .word   0
gdt_desc:                               /* lgdt reads 6 bytes in 32-bit mode, 10 in 64-bit */
        .word   gdt_end - gdt - 1
        .quad   gdt

        .data
        .balign 8
        .globl start_info_pa
start_info_pa:
        .quad   0

        .section .bss.page_aligned, "aw", @nobits
        .balign 4096
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4 * 4096
pt0:    .skip   4096
        .globl boot_stack
boot_stack:
        .skip   16384
