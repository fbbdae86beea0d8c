// SPDX-License-Identifier: MIT
/*
 * hvm_guest_walk() over page tables built in a fake guest RAM: no paging, 32-bit (4 KiB and
 * 4 MiB pages), PAE and 4-level (4 KiB, 2 MiB, 1 GiB pages); not-present, protection (user,
 * write with and without CR0.WP, SMAP, NX) and reserved-bit faults with the error codes the
 * processor gives; accessed/dirty bits; page tables outside RAM or read-only.
 */
#include "harness.h"

#include <string.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/mm.h>
#include <tern/p2m.h>

#include "../../../hv/arch/x86/hvm/hvm_private.h"

/* Guest RAM: 256 frames at guest-physical 0; frame RO_GFN is mapped read-only. */
#define FRAMES 256
#define RO_GFN 200
static uint8_t guest[FRAMES * 4096] __attribute__((aligned(4096)));

static uint64_t regs[16]; /* by enum hvm_reg */

enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    if (gfn >= FRAMES)
        return p2m_invalid;
    *mfn = ((uint64_t)(uintptr_t)guest >> 12) + gfn;
    return gfn == RO_GFN ? p2m_ram_ro : p2m_ram_rw;
}

void *maddr_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)pa;
}

static uint64_t fake_get_reg(struct vcpu *v, enum hvm_reg r)
{
    return regs[r];
}

static const struct hvm_function_table fake_hvm = { .get_reg = fake_get_reg };
const struct hvm_function_table *hvm_funcs = &fake_hvm;

static struct domain dom;
static struct vcpu vcpu = { .domain = &dom };

#define P 1ULL
#define RW 2ULL
#define US 4ULL
#define A 0x20ULL
#define D 0x40ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

static uint64_t *pte64(uint64_t table_gfn, unsigned int idx)
{
    return (uint64_t *)(guest + table_gfn * 4096) + idx;
}

static uint32_t *pte32(uint64_t table_gfn, unsigned int idx)
{
    return (uint32_t *)(guest + table_gfn * 4096) + idx;
}

static int walk(uint64_t lin, uint32_t pfec, uint64_t *gpa, uint32_t *fault)
{
    *gpa = ~0ULL;
    *fault = ~0u;
    return hvm_guest_walk(&vcpu, lin, pfec, gpa, fault);
}

/*
 * 4-level tables: PML4 at gfn 1, PDPT 2, PD 3, PT 4. Linear 0x4020_1000 + x ->
 * PML4[0] PDPT[1] PD[1] PT[1] -> gfn 50.
 */
static void long_mode(uint64_t extra_leaf)
{
    memset(guest, 0, sizeof(guest));
    memset(regs, 0, sizeof(regs));
    regs[HVM_CR0] = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
    regs[HVM_CR3] = 1 << 12;
    regs[HVM_CR4] = X86_CR4_PAE;
    regs[HVM_EFER] = EFER_LME | EFER_LMA | EFER_NXE;
    regs[HVM_RFLAGS] = 2;
    *pte64(1, 0) = (2 << 12) | P | RW | US;
    *pte64(2, 1) = (3 << 12) | P | RW | US;
    *pte64(3, 1) = (4 << 12) | P | RW | US;
    *pte64(4, 1) = (50 << 12) | P | RW | US | extra_leaf;
}

#define LIN 0x0000000040201234ULL

TEST(no_paging_is_identity)
{
    uint64_t gpa;
    uint32_t f;

    memset(regs, 0, sizeof(regs));
    regs[HVM_CR0] = X86_CR0_PE;
    CHECK_EQ(walk(0x123456789ULL, PFEC_WRITE, &gpa, &f), 0);
    CHECK_EQ(gpa, 0x23456789);                      /* 32 bits outside long mode */
}

TEST(four_level_4k_and_accessed_dirty)
{
    uint64_t gpa;
    uint32_t f;

    long_mode(0);
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);
    CHECK_EQ(gpa, (50 << 12) | 0x234);
    CHECK(*pte64(1, 0) & A && *pte64(4, 1) & A, "accessed bits on every level");
    CHECK(!(*pte64(4, 1) & D), "no dirty bit for a read");
    CHECK_EQ(walk(LIN, PFEC_WRITE, &gpa, &f), 0);
    CHECK(*pte64(4, 1) & D, "dirty bit on the leaf for a write");
    CHECK(!(*pte64(3, 1) & D), "no dirty bit above the leaf");
}

TEST(large_pages)
{
    uint64_t gpa;
    uint32_t f;

    long_mode(0);
    *pte64(3, 1) = (0x600000ULL) | P | RW | PS;          /* 2 MiB page at 6 MiB */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);
    CHECK_EQ(gpa, 0x600000 | (LIN & 0x1fffff));
    *pte64(2, 1) = (0x40000000ULL) | P | RW | PS;        /* 1 GiB page at 1 GiB */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);
    CHECK_EQ(gpa, 0x40000000 | (LIN & 0x3fffffff));
    *pte64(2, 1) = (0x40000000ULL) | P | RW | PS | (1ULL << 14); /* reserved bit 14 */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_RSVD);
    *pte64(1, 0) |= PS;                                  /* PS in a PML4E is reserved */
    CHECK_EQ(walk(LIN, PFEC_WRITE, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_RSVD | PFEC_WRITE);
}

TEST(not_present_error_codes)
{
    uint64_t gpa;
    uint32_t f;

    for (unsigned int level = 0; level < 4; level++) {
        long_mode(0);
        uint64_t *e = level == 0 ? pte64(1, 0) : level == 1 ? pte64(2, 1)
                    : level == 2 ? pte64(3, 1) : pte64(4, 1);
        *e &= ~P;
        CHECK_EQ(walk(LIN, 0, &gpa, &f), -EFAULT);
        CHECK_EQ(f, 0);
        CHECK_EQ(walk(LIN, PFEC_WRITE | PFEC_USER, &gpa, &f), -EFAULT);
        CHECK_EQ(f, PFEC_WRITE | PFEC_USER);
        CHECK_EQ(walk(LIN, PFEC_INSN, &gpa, &f), -EFAULT);
        CHECK_EQ(f, PFEC_INSN);                          /* I/D reported with NXE */
        CHECK(!(*pte64(1, 0) & A) || level > 0, "no accessed bits on a failed walk");
    }
}

TEST(protection_error_codes)
{
    uint64_t gpa;
    uint32_t f;

    long_mode(0);
    *pte64(3, 1) &= ~US;                                 /* supervisor only */
    CHECK_EQ(walk(LIN, PFEC_USER, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_USER);
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);

    long_mode(0);
    *pte64(2, 1) &= ~RW;                                 /* read-only somewhere above */
    CHECK_EQ(walk(LIN, PFEC_WRITE, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_WRITE);
    CHECK_EQ(walk(LIN, PFEC_WRITE | PFEC_USER, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_WRITE | PFEC_USER);
    regs[HVM_CR0] &= ~X86_CR0_WP;                        /* supervisor writes ignore RW */
    CHECK_EQ(walk(LIN, PFEC_WRITE, &gpa, &f), 0);
    CHECK_EQ(walk(LIN, PFEC_WRITE | PFEC_USER, &gpa, &f), -EFAULT);

    long_mode(0);                                        /* SMAP: user page, supervisor */
    regs[HVM_CR4] |= X86_CR4_SMAP;
    CHECK_EQ(walk(LIN, 0, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT);
    regs[HVM_RFLAGS] |= 1u << 18;                        /* EFLAGS.AC allows it */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);

    long_mode(NX);                                       /* NX: fetches only */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), 0);
    CHECK_EQ(walk(LIN, PFEC_INSN, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_INSN);
    regs[HVM_EFER] &= ~(uint64_t)EFER_NXE;               /* without NXE, bit 63 is reserved */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_RSVD);
}

TEST(tables_outside_ram_or_read_only)
{
    uint64_t gpa;
    uint32_t f;

    long_mode(0);
    *pte64(2, 1) = (0x80000ULL << 12) | P | RW | US;     /* the PD is not RAM */
    CHECK_EQ(walk(LIN, 0, &gpa, &f), -ENXIO);
    long_mode(0);
    memcpy(guest + RO_GFN * 4096, guest + 4 * 4096, 4096); /* the PT in a read-only frame */
    *pte64(3, 1) = ((uint64_t)RO_GFN << 12) | P | RW | US;
    CHECK_EQ(walk(LIN, PFEC_WRITE, &gpa, &f), 0);
    CHECK_EQ(gpa, (50 << 12) | 0x234);
    CHECK(!(*pte64(RO_GFN, 1) & (A | D)), "no A/D bits written into a read-only frame");
}

TEST(pae_and_32_bit_paging)
{
    uint64_t gpa;
    uint32_t f;

    /* PAE: PDPTEs at CR3 (32-byte aligned), then PD and PT with 8-byte entries */
    memset(guest, 0, sizeof(guest));
    memset(regs, 0, sizeof(regs));
    regs[HVM_CR0] = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
    regs[HVM_CR4] = X86_CR4_PAE;
    regs[HVM_CR3] = (1 << 12) + 0x20;
    *pte64(1, 4 + 2) = (3 << 12) | P;                    /* PDPTE 2 (entry 6 from 0x1000) */
    *pte64(3, 5) = (4 << 12) | P | RW;
    *pte64(4, 7) = (60 << 12) | P | RW;
    uint64_t lin = (2ULL << 30) | (5 << 21) | (7 << 12) | 0x9ab;
    CHECK_EQ(walk(lin, 0, &gpa, &f), 0);
    CHECK_EQ(gpa, (60 << 12) | 0x9ab);
    *pte64(1, 4 + 2) |= 1ULL << 5;                       /* reserved PDPTE bit */
    CHECK_EQ(walk(lin, 0, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_RSVD);

    /* 32-bit: 4-byte entries, 4 MiB pages with CR4.PSE */
    memset(guest, 0, sizeof(guest));
    regs[HVM_CR4] = 0;
    regs[HVM_CR3] = 1 << 12;
    *pte32(1, 3) = (2 << 12) | P | RW | US;
    *pte32(2, 9) = (70 << 12) | P | US;
    lin = (3u << 22) | (9 << 12) | 0x123;
    CHECK_EQ(walk(lin, PFEC_USER, &gpa, &f), 0);
    CHECK_EQ(gpa, (70 << 12) | 0x123);
    CHECK(*pte32(2, 9) & A, "accessed bit in a 4-byte entry");
    CHECK_EQ(walk(lin, PFEC_USER | PFEC_WRITE, &gpa, &f), -EFAULT);
    CHECK_EQ(f, PFEC_PRESENT | PFEC_USER | PFEC_WRITE);
    *pte32(1, 3) = 0x00c00000 | P | RW | PS;            /* 4 MiB page at 12 MiB */
    regs[HVM_CR4] = 1u << 4;                             /* PSE */
    CHECK_EQ(walk(lin, 0, &gpa, &f), 0);
    CHECK_EQ(gpa, 0x00c00000 | (lin & 0x3fffff));
}
