// SPDX-License-Identifier: MIT
/* CR0, CR4 and EFER writes and initial states: which #GP (or -EINVAL), and the side effects
 * (EFER.LMA following CR0.PG, CS.L dropped when LME is set). */
#include "harness.h"

#include "../../../hv/arch/x86/hvm/cr_rules.h"

/* CPUID of a typical guest: everything but PCID; a second one with nothing optional. */
static struct cr_caps full, bare;

static void caps(void)
{
    uint32_t l1[4] = { 0, 0, (1u << 26), 0 }, l7[4] = { 0, (1u << 0) | (1u << 7) | (1u << 20),
                                                        (1u << 2), 0 };
    uint32_t e1[4] = { 0, 0, 0, (1u << 11) | (1u << 20) | (1u << 25) | (1u << 29) };
    uint32_t e8[4] = { 40, 0, 0, 0 }, zero[4] = { 0 };

    /* VME DE PSE TSC PAE MCE PGE FXSR SSE */
    l1[3] = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) |
            (1u << 13) | (1u << 24) | (1u << 25);
    cr_caps_from_cpuid(&full, l1, l7, e1, e8);
    cr_caps_from_cpuid(&bare, zero, zero, zero, zero);
}

/* A 32-bit protected-mode state without paging, and a 64-bit one. */
static const struct cr_state prot32 = { .cr0 = CR0_PE | CR0_ET, .cr4 = 0, .efer = 0 };
static const struct cr_state long64 = { .cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP,
                                        .cr3 = 0x1000, .cr4 = CR4_PAE,
                                        .efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE,
                                        .cs_l = true };

TEST(cr4_valid_bits_follow_cpuid)
{
    caps();
    uint64_t want = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |
                    CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP | CR4_FSGSBASE |
                    CR4_OSXSAVE | CR4_SMEP | CR4_SMAP;
    CHECK_EQ(full.cr4_valid, want);
    CHECK_EQ(bare.cr4_valid, CR4_PCE);
    CHECK(full.lm && full.nx && full.syscall && full.ffxsr, "extended features");
    CHECK_EQ(full.maxphysaddr, 40);
    CHECK_EQ(bare.maxphysaddr, 36);
}

TEST(cr0_writes)
{
    struct cr_state n;

    caps();
    CHECK(!cr0_write(&full, &prot32, 0x60000011, &n), "CD|NW|ET|PE is valid");
    CHECK_EQ(n.cr0, 0x60000011);
    CHECK(!cr0_write(&full, &prot32, 0x7ffc0001ULL, &n), "reserved low bits are dropped");
    CHECK_EQ(n.cr0, CR0_PE | CR0_ET | CR0_CD | CR0_NW | CR0_AM);
    CHECK(!cr0_write(&full, &prot32, 0, &n), "PE cleared without paging: real mode");
    CHECK_EQ(n.cr0, CR0_ET);                        /* ET always reads 1 */
    CHECK(cr0_write(&full, &prot32, 1ULL << 32, &n), "bit 32 #GP");
    CHECK(cr0_write(&full, &prot32, CR0_PG, &n), "PG without PE #GP");
    CHECK(cr0_write(&full, &prot32, CR0_PE | CR0_NW, &n), "NW without CD #GP");
    CHECK(cr0_write(&full, &long64, CR0_ET | CR0_PG, &n), "clearing PE while PG #GP");
    /* Entering long mode: needs PAE; LMA follows */
    struct cr_state pre = prot32;
    pre.efer = EFER_LME;
    CHECK(cr0_write(&full, &pre, CR0_PE | CR0_PG, &n), "PG with LME without PAE #GP");
    pre.cr4 = CR4_PAE;
    CHECK(!cr0_write(&full, &pre, CR0_PE | CR0_PG, &n), "PG with LME and PAE");
    CHECK_EQ(n.efer, EFER_LME | EFER_LMA);
    /* Leaving: not from 64-bit code; from compatibility mode LMA clears */
    CHECK(cr0_write(&full, &long64, CR0_PE, &n), "PG cleared in 64-bit mode #GP");
    struct cr_state compat = long64;
    compat.cs_l = false;
    CHECK(!cr0_write(&full, &compat, CR0_PE, &n), "PG cleared in compatibility mode");
    CHECK_EQ(n.efer & EFER_LMA, 0);
    compat.cr4 |= CR4_PCIDE;
    CHECK(cr0_write(&full, &compat, CR0_PE, &n), "PG cleared with PCIDE #GP");
    /* A refused write changes nothing */
    CHECK_EQ(n.cr0, compat.cr0);
}

TEST(cr4_writes)
{
    struct cr_state n;

    caps();
    CHECK(!cr4_write(&full, &prot32, CR4_PAE | CR4_PGE | CR4_OSFXSR, &n), "valid bits");
    CHECK_EQ(n.cr4, CR4_PAE | CR4_PGE | CR4_OSFXSR);
    CHECK(cr4_write(&full, &prot32, CR4_PCIDE, &n), "PCID not offered #GP");
    CHECK(cr4_write(&full, &prot32, CR4_LA57, &n), "LA57 #GP");
    CHECK(cr4_write(&full, &prot32, CR4_VMXE, &n), "VMXE #GP");
    CHECK(cr4_write(&full, &prot32, CR4_PKE, &n), "PKU not offered #GP");
    CHECK(cr4_write(&full, &prot32, 1ULL << 32, &n), "bit 32 #GP");
    CHECK(cr4_write(&bare, &prot32, CR4_PAE, &n), "PAE not offered #GP");
    CHECK(cr4_write(&full, &long64, 0, &n), "PAE cleared in long mode #GP");
    CHECK(!cr4_write(&full, &long64, CR4_PAE | CR4_SMEP, &n), "SMEP in long mode");
    /* PCIDE: only in long mode with CR3[11:0] = 0 */
    struct cr_caps pcid = full;
    pcid.cr4_valid |= CR4_PCIDE;
    CHECK(cr4_write(&pcid, &prot32, CR4_PCIDE, &n), "PCIDE outside long mode #GP");
    struct cr_state lm = long64;
    lm.cr3 = 0x1001;
    CHECK(cr4_write(&pcid, &lm, CR4_PAE | CR4_PCIDE, &n), "PCIDE with CR3[11:0] != 0 #GP");
    CHECK(!cr4_write(&pcid, &long64, CR4_PAE | CR4_PCIDE, &n), "PCIDE in long mode");
}

TEST(efer_writes)
{
    struct cr_state n;

    caps();
    CHECK(!efer_write(&full, &prot32, EFER_LME | EFER_SCE | EFER_NXE, &n), "valid");
    CHECK_EQ(n.efer, EFER_LME | EFER_SCE | EFER_NXE);
    CHECK(!efer_write(&full, &prot32, EFER_LMA, &n), "LMA is read-only: ignored");
    CHECK_EQ(n.efer, 0);
    CHECK(efer_write(&full, &prot32, EFER_SVME, &n), "SVME #GP (no nested virtualisation)");
    CHECK(efer_write(&full, &prot32, 1ULL << 13, &n), "LMSLE (unknown) #GP");
    CHECK(efer_write(&full, &prot32, 1ULL << 15, &n), "TCE #GP");
    CHECK(efer_write(&full, &prot32, 1ULL << 63, &n), "bit 63 #GP");
    CHECK(efer_write(&bare, &prot32, EFER_LME, &n), "LME without long mode #GP");
    CHECK(efer_write(&bare, &prot32, EFER_NXE, &n), "NXE without NX #GP");
    CHECK(efer_write(&bare, &prot32, EFER_SCE, &n), "SCE without SYSCALL #GP");
    CHECK(efer_write(&bare, &prot32, EFER_FFXSE, &n), "FFXSE without FFXSR #GP");
    CHECK(efer_write(&full, &long64, EFER_SCE | EFER_NXE, &n), "LME cleared with PG #GP");
    CHECK(!efer_write(&full, &long64, EFER_LME | EFER_NXE, &n), "SCE cleared in long mode");
    CHECK_EQ(n.efer, EFER_LME | EFER_LMA | EFER_NXE); /* LMA kept */
    struct cr_state legacy_l = prot32;
    legacy_l.cs_l = true;
    CHECK(!efer_write(&full, &legacy_l, EFER_LME, &n), "LME set");
    CHECK(!n.cs_l, "CS.L dropped when LME becomes set");
}

TEST(initial_states)
{
    struct cr_state s;

    caps();
    CHECK(!cr_state_check(&full, &long64), "a long-mode state");
    CHECK(!cr_state_check(&full, &prot32), "a protected-mode state");
    s = long64;
    s.cr0 |= 1ULL << 40;
    CHECK(cr_state_check(&full, &s), "CR0 high bits");
    s = prot32;
    s.cr0 |= CR0_NW;
    CHECK(cr_state_check(&full, &s), "NW without CD");
    s = prot32;
    s.cr0 = CR0_PG;
    CHECK(cr_state_check(&full, &s), "PG without PE");
    s = long64;
    s.cr4 = 0;
    CHECK(cr_state_check(&full, &s), "long mode without PAE");
    s = long64;
    s.cr3 = 1ULL << 40;
    CHECK(cr_state_check(&full, &s), "CR3 beyond 40 bits");
    s = long64;
    s.cr4 |= CR4_LA57;
    CHECK(cr_state_check(&full, &s), "LA57");
    s = long64;
    s.efer |= EFER_SVME;
    CHECK(cr_state_check(&full, &s), "SVME");
    s = prot32;
    s.efer = EFER_LMA;
    CHECK(cr_state_check(&full, &s), "LMA without LME");
    CHECK(cr_state_check(&bare, &long64), "long mode the CPUID does not offer");
}
