/* SPDX-License-Identifier: MIT */
/*
 * First instructions: Multiboot and Multiboot2 headers, the 32-bit entry both loaders jump to,
 * the switch to long mode on static boot page tables, and the jump to the high-half image.
 */
#include <asm/config.h>

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* page-align modules, mem info, addresses */
#define MB2_MAGIC 0xE85250D6

#define PHYS(sym) ((sym) - TERN_VIRT_OFFSET)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

        .section .boot.header, "a"
        .code32
        /* Multiboot (v1), which QEMU's -kernel loads; the address fields allow a flat image. */
        .balign 4
mb1_header:
        .long MB1_MAGIC
        .long MB1_FLAGS
        .long -(MB1_MAGIC + MB1_FLAGS)
        .long mb1_header                /* header_addr */
        .long __image_start_phys        /* load_addr */
        .long PHYS(__data_end)          /* load_end_addr */
        .long PHYS(__bss_end)           /* bss_end_addr */
        .long start32                   /* entry_addr */

        /* Multiboot2, which GRUB uses on real machines. */
        .balign 8
mb2_header:
        .long MB2_MAGIC
        .long 0                         /* architecture: i386 protected mode */
        .long mb2_header_end - mb2_header
        .long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
        /* address tag */
        .balign 8
        .short 2, 0
        .long 24
        .long mb2_header
        .long __image_start_phys
        .long PHYS(__data_end)
        .long PHYS(__bss_end)
        /* entry address tag */
        .balign 8
        .short 3, 0
        .long 12
        .long start32
        /* module alignment tag: modules on page boundaries */
        .balign 8
        .short 6, 0
        .long 8
        /* end tag */
        .balign 8
        .short 0, 0
        .long 8
mb2_header_end:

        .section .boot.text, "ax"
        .code32
        .globl start32
start32:
        cli
        cld
        mov     %eax, %edi              /* loader magic */
        mov     %ebx, %esi              /* loader information */
        mov     $PHYS(boot_stack_top), %esp

        /* Long mode and NX are required; say so on COM1 if they are missing. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode
        mov     %edx, %ebp              /* bit 20: NX */

        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        bt      $20, %ebp
        jnc     1f
        or      $EFER_NXE, %eax
1:      wrmsr
        mov     %cr0, %eax
        or      $(CR0_PE | CR0_WP | CR0_PG), %eax
        mov     %eax, %cr0
        lgdt    boot_gdt_desc
        ljmp    $__HYPERVISOR_CS, $start64_low

no_long_mode:
        mov     $no_lm_msg, %ebx
1:      movb    (%ebx), %al
        test    %al, %al
        jz      2f
        mov     $0x3f8, %dx
        outb    %al, %dx
        inc     %ebx
        jmp     1b
2:      hlt
        jmp     2b

        .code64
start64_low:
        mov     $__HYPERVISOR_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        movabs  $start64, %rax
        jmp     *%rax

no_lm_msg:
        .asciz  "Tern: this CPU has no 64-bit long mode; cannot boot.\r\n"

        .section .boot.data, "aw"
        .balign 8
boot_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
        .quad 0x00cf9a000000ffff        /* 0x18: 32-bit code */
boot_gdt_end:
boot_gdt_desc:
        .short boot_gdt_end - boot_gdt - 1
        .long boot_gdt

        /*
         * Boot page tables: the first 4 GiB mapped with 2 MiB pages at 0 (identity, for the
         * switch), at DIRECTMAP_VIRT_START (to read loader data) and the first 1 GiB at
         * TERN_VIRT_OFFSET (the image). Replaced by paging_init() before anything else runs.
         */
        .balign 4096
        .globl boot_pml4
boot_pml4:
        .quad boot_pdpt_low + 0x3
        .fill 261, 8, 0
        .quad boot_pdpt_low + 0x3       /* 262: DIRECTMAP_VIRT_START */
        .fill 248, 8, 0
        .quad boot_pdpt_high + 0x3      /* 511 */
boot_pdpt_low:
        .quad boot_pd + 0x0000 + 0x3
        .quad boot_pd + 0x1000 + 0x3
        .quad boot_pd + 0x2000 + 0x3
        .quad boot_pd + 0x3000 + 0x3
        .fill 508, 8, 0
boot_pdpt_high:
        .fill 510, 8, 0
        .quad boot_pd + 0x3             /* 510: -2 GiB = physical 0 */
        .quad 0
boot_pd:
        .set i, 0
        .rept 2048
        .quad (i << 21) | 0x83          /* present, writable, 2 MiB */
        .set i, i + 1
        .endr

        .section .text.entry, "ax"
        .code64
        .globl start64
start64:
        /* Zero .bss ourselves: not every loader honours bss_end_addr. */
        movabs  $__bss_start, %rdx
        movabs  $__bss_end, %rcx
        sub     %rdx, %rcx
        shr     $3, %rcx
        mov     %edi, %r12d
        mov     %esi, %r13d
        mov     %rdx, %rdi
        xor     %eax, %eax
        rep stosq
        movabs  $boot_stack_top, %rsp
        xor     %ebp, %ebp
        mov     %r12d, %edi
        mov     %r13d, %esi
        call    __start_tern
1:      cli
        hlt
        jmp     1b

        .bss
        .balign 4096
        .globl boot_stack, boot_stack_top
boot_stack:
        .skip STACK_SIZE
boot_stack_top:
