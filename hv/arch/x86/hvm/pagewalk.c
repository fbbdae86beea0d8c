// SPDX-License-Identifier: MIT
/*
 * Guest page-table walks for the instruction emulator: a linear address to guest-physical
 * with the checks and the #PF error code the processor would produce (AMD APM vol. 2 5.3-5.6,
 * Intel SDM vol. 3 4.6-4.8: present, write with CR0.WP, user, NX, SMAP, reserved bits), and
 * the accessed and dirty bits it would set. Unlike guest_walk.c (hypercall buffers, where
 * any failure is -EFAULT) the guest must see the exact fault here.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include "hvm_private.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define ADDR_MASK 0x000ffffffffff000ULL

#define CR0_WP_ (1ULL << 16)
#define CR4_PSE_ (1ULL << 4)
#define CR4_SMAP_ (1ULL << 21)
#define RFLAGS_AC (1ULL << 18)

/* The entry at gpa, when the guest's page tables are in its RAM. */
static void *pte_at(struct domain *d, uint64_t gpa, bool *writable)
{
    mfn_t mfn;
    enum p2m_type t = p2m_lookup(d, gpa >> PAGE_SHIFT, &mfn);

    if (t != p2m_ram_rw && t != p2m_ram_ro)
        return NULL;
    *writable = t == p2m_ram_rw;
    return (uint8_t *)maddr_to_virt(mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
}

/* Physical-address bits beyond the processor's width are reserved in every entry. */
static uint64_t reserved_address_bits(void)
{
    static uint64_t mask;

    if (!mask) {
        unsigned int width = cpuid_eax(0x80000008) & 0xff;
        if (width < 36 || width > 52)
            width = 52;
        mask = ADDR_MASK & ~((1ULL << width) - 1);
        if (!mask)
            mask = 1ULL << 62; /* never set for a 52-bit width: bit 62 is not an address bit */
    }
    return mask;
}

struct walked {
    void *p;
    bool wide, writable;
};

int hvm_guest_walk(struct vcpu *v, uint64_t lin, uint32_t pfec, uint64_t *gpa, uint32_t *fault)
{
    struct domain *d = v->domain;
    uint64_t cr0 = hvm_funcs->get_reg(v, HVM_CR0), cr3 = hvm_funcs->get_reg(v, HVM_CR3);
    uint64_t cr4 = hvm_funcs->get_reg(v, HVM_CR4), efer = hvm_funcs->get_reg(v, HVM_EFER);
    bool nxe = efer & EFER_NXE, write = pfec & PFEC_WRITE, user = pfec & PFEC_USER;
    bool rw = true, us = true, nx = false;
    uint64_t rsvd = reserved_address_bits() | (nxe ? 0 : PTE_NX), entry = 0, leaf_mask;
    struct walked seen[5];
    unsigned int n = 0;
    int levels;

    if (!(cr0 & X86_CR0_PG)) {
        *gpa = (efer & EFER_LMA) ? lin : lin & 0xffffffffULL;
        return 0;
    }

    if (!(cr4 & X86_CR4_PAE)) {
        /* 32-bit paging: 4-byte entries, 4 MiB pages with CR4.PSE, no NX. */
        uint64_t table = cr3 & 0xfffff000ULL;
        lin &= 0xffffffffULL;
        for (levels = 2; levels >= 1; levels--) {
            unsigned int shift = levels == 2 ? 22 : 12;
            bool w;
            uint32_t *p = pte_at(d, table + (((lin >> shift) & 1023) << 2), &w);
            if (!p)
                return -ENXIO;
            entry = __atomic_load_n(p, __ATOMIC_RELAXED);
            if (!(entry & PTE_P))
                goto not_present;
            seen[n++] = (struct walked){ p, false, w };
            rw &= !!(entry & PTE_RW);
            us &= !!(entry & PTE_US);
            if (levels == 2 && (entry & PTE_PS) && (cr4 & CR4_PSE_)) {
                *gpa = (entry & 0xffc00000ULL) | (((entry >> 13) & 0xff) << 32) |
                       (lin & 0x3fffff);
                goto permissions;
            }
            table = entry & 0xfffff000ULL;
        }
        *gpa = table | (lin & 0xfff);
        goto permissions;
    }

    uint64_t table;
    if (efer & EFER_LMA) {
        levels = 4;
        table = cr3 & ADDR_MASK;
    } else {
        /* PAE: the four PDPTEs at CR3[31:5] (read here, not cached at the CR3 load). */
        bool w;
        uint64_t *p;
        lin &= 0xffffffffULL;
        p = pte_at(d, (cr3 & 0xffffffe0ULL) + ((lin >> 30) & 3) * 8, &w);
        if (!p)
            return -ENXIO;
        entry = __atomic_load_n(p, __ATOMIC_RELAXED);
        if (!(entry & PTE_P))
            goto not_present;
        if (entry & (reserved_address_bits() | 0x1e6ULL | PTE_NX))
            goto reserved;
        levels = 2;
        table = entry & ADDR_MASK;
    }
    for (int l = levels; l >= 1; l--) {
        unsigned int shift = 12 + 9 * (l - 1);
        bool w;
        uint64_t *p = pte_at(d, table + (((lin >> shift) & 511) << 3), &w);
        if (!p)
            return -ENXIO;
        entry = __atomic_load_n(p, __ATOMIC_RELAXED);
        if (!(entry & PTE_P))
            goto not_present;
        if (entry & rsvd)
            goto reserved;
        if (l == 4 && (entry & PTE_PS))
            goto reserved;
        seen[n++] = (struct walked){ p, true, w };
        rw &= !!(entry & PTE_RW);
        us &= !!(entry & PTE_US);
        nx |= nxe && (entry & PTE_NX);
        if (l > 1 && (entry & PTE_PS)) {
            /* 1 GiB (l == 3) or 2 MiB (l == 2) page: the low address bits are reserved */
            leaf_mask = (1ULL << shift) - 1;
            if (entry & leaf_mask & ADDR_MASK & ~0x1000ULL)
                goto reserved;
            *gpa = (entry & ADDR_MASK & ~leaf_mask) | (lin & leaf_mask);
            goto permissions;
        }
        table = entry & ADDR_MASK;
    }
    *gpa = table | (lin & 0xfff);

permissions:
    if (user) {
        if (!us || (write && !rw))
            goto protection;
    } else {
        if (write && !rw && (cr0 & CR0_WP_))
            goto protection;
        /* SMAP: supervisor data accesses to user pages, unless EFLAGS.AC allows them */
        if (us && (cr4 & CR4_SMAP_) && !(hvm_funcs->get_reg(v, HVM_RFLAGS) & RFLAGS_AC))
            goto protection;
    }
    if ((pfec & PFEC_INSN) && nx)
        goto protection;
    /* The walk succeeded: accessed bits on every level, dirty on the leaf for a write. */
    for (unsigned int i = 0; i < n; i++) {
        uint64_t bits = PTE_A | ((write && i == n - 1) ? PTE_D : 0);
        if (!seen[i].writable)
            continue;
        if (seen[i].wide)
            __atomic_fetch_or((uint64_t *)seen[i].p, bits, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_or((uint32_t *)seen[i].p, (uint32_t)bits, __ATOMIC_SEQ_CST);
    }
    return 0;

not_present:
    *fault = pfec & (PFEC_WRITE | PFEC_USER | (nxe ? PFEC_INSN : 0));
    return -EFAULT;
reserved:
    *fault = PFEC_PRESENT | PFEC_RSVD | (pfec & (PFEC_WRITE | PFEC_USER));
    return -EFAULT;
protection:
    *fault = PFEC_PRESENT | (pfec & (PFEC_WRITE | PFEC_USER | (nxe ? PFEC_INSN : 0)));
    return -EFAULT;
}
