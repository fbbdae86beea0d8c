// SPDX-License-Identifier: MIT
/* Guest-virtual to guest-physical translation and checked copies to and from guest memory. */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)

/*
 * The frame at gpa, referenced for the caller (put_page when done), if the domain may access
 * it that way; NULL otherwise. The reference keeps the frame from being freed and reused
 * while Tern copies, even if another vCPU gives it back meanwhile.
 */
static struct page_info *gpa_frame(struct domain *d, uint64_t gpa, bool write)
{
    enum p2m_type t;
    struct page_info *pg = p2m_get_page(d, gpa >> PAGE_SHIFT, &t);

    if (!pg)
        return NULL;
    switch (t) {
    case p2m_ram_rw:
    case p2m_grant_rw:
    case p2m_xen_shared:
    case p2m_map_foreign:
        return pg;
    case p2m_ram_ro:
    case p2m_grant_ro:
        if (!write)
            return pg;
        break;
    default:
        break;
    }
    put_page(pg);
    return NULL;
}

static int gpa_copy(struct domain *d, uint64_t gpa, void *buf, size_t len, int dir)
{
    /* dir: 0 read into buf, 1 write from buf, 2 zero */
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        struct page_info *pg = gpa_frame(d, gpa, dir != 0);
        if (!pg)
            return -EFAULT;
        uint8_t *p = (uint8_t *)page_to_virt(pg) + (gpa & (PAGE_SIZE - 1));
        if (dir == 0)
            memcpy(buf, p, chunk);
        else if (dir == 1)
            memcpy(p, buf, chunk);
        else
            memset(p, 0, chunk);
        put_page(pg);
        if (buf)
            buf = (uint8_t *)buf + chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return gpa_copy(d, gpa, dst, len, 0);
}

int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return gpa_copy(d, gpa, (void *)src, len, 1);
}

int clear_gpa(struct domain *d, uint64_t gpa, size_t len)
{
    return gpa_copy(d, gpa, NULL, len, 2);
}

static int read_pte(struct domain *d, uint64_t gpa, unsigned int size, uint64_t *pte)
{
    *pte = 0;
    return copy_from_gpa(d, pte, gpa, size);
}

/*
 * Walk the guest's own page tables in whatever mode it is in (AMD APM vol. 2, 5.3-5.4):
 * no paging, 32-bit (with 4 MiB pages), PAE, or 4-level long mode.
 */
int guest_virt_to_phys(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    struct domain *d = v->domain;
    uint64_t cr0 = hvm_funcs->get_reg(v, HVM_CR0);
    uint64_t cr3 = hvm_funcs->get_reg(v, HVM_CR3);
    uint64_t cr4 = hvm_funcs->get_reg(v, HVM_CR4);
    uint64_t efer = hvm_funcs->get_reg(v, HVM_EFER);
    bool check_rw = write && (cr0 & X86_CR0_WP);
    uint64_t pte;

    if (!(cr0 & X86_CR0_PG)) {
        *gpa = gva & 0xffffffffULL;
        return 0;
    }
    if (!(cr4 & X86_CR4_PAE)) { /* 32-bit paging */
        gva &= 0xffffffffULL;
        if (read_pte(d, (cr3 & 0xfffff000) + ((gva >> 22) << 2), 4, &pte) || !(pte & PTE_P))
            return -EFAULT;
        if (check_rw && !(pte & PTE_RW))
            return -EFAULT;
        if ((pte & PTE_PS) && (cr4 & (1u << 4))) {
            *gpa = (pte & 0xffc00000ULL) | (gva & 0x3fffff);
            return 0;
        }
        if (read_pte(d, (pte & 0xfffff000) + (((gva >> 12) & 1023) << 2), 4, &pte) ||
            !(pte & PTE_P) || (check_rw && !(pte & PTE_RW)))
            return -EFAULT;
        *gpa = (pte & 0xfffff000) | (gva & 0xfff);
        return 0;
    }

    int levels;
    uint64_t table;
    if (efer & EFER_LMA) {
        if (cr4 & (1u << 12))
            return -EFAULT; /* 5-level paging is not offered to guests */
        /* Canonical addresses only. */
        if ((int64_t)(gva << 16) >> 16 != (int64_t)gva)
            return -EFAULT;
        levels = 4;
        table = cr3 & 0x000ffffffffff000ULL;
    } else {
        gva &= 0xffffffffULL;
        if (read_pte(d, (cr3 & 0xffffffe0) + ((gva >> 30) << 3), 8, &pte) || !(pte & PTE_P))
            return -EFAULT;
        levels = 2;
        table = pte & 0x000ffffffffff000ULL;
    }
    for (int l = levels; l >= 1; l--) {
        unsigned int shift = 12 + 9 * (l - 1);
        if (read_pte(d, table + (((gva >> shift) & 511) << 3), 8, &pte) || !(pte & PTE_P))
            return -EFAULT;
        if (check_rw && !(pte & PTE_RW))
            return -EFAULT;
        if (l > 1 && (pte & PTE_PS)) {
            if (l > 3)
                return -EFAULT;
            uint64_t mask = (1ULL << shift) - 1;
            *gpa = (pte & 0x000ffffffffff000ULL & ~mask) | (gva & mask);
            return 0;
        }
        table = pte & 0x000ffffffffff000ULL;
    }
    *gpa = table | (gva & 0xfff);
    return 0;
}

static int guest_copy(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool write)
{
    if (!v || len > (1u << 24))
        return -EFAULT;
    while (len) {
        uint64_t gpa;
        size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
        if (guest_virt_to_phys(v, gva, write, &gpa) ||
            gpa_copy(v->domain, gpa, buf, chunk, write ? 1 : 0))
            return -EFAULT;
        buf = (uint8_t *)buf + chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest_vcpu(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return guest_copy(v, gva, dst, len, false);
}

int copy_to_guest_vcpu(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return guest_copy(v, gva, (void *)src, len, true);
}

int copy_from_guest(void *dst, uint64_t gva, size_t len)
{
    return guest_copy(current, gva, dst, len, false);
}

int copy_to_guest(uint64_t gva, const void *src, size_t len)
{
    return guest_copy(current, gva, (void *)src, len, true);
}
