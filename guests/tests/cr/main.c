/* SPDX-License-Identifier: MIT */
/*
 * CR0, CR4 and EFER writes with Xen 4.17's rules: each illegal value #GPs and leaves the
 * register as it was, each legal one sticks (LMSW and CLTS included), and the domain keeps
 * running; VCPUOP_initialise refuses the same illegal values with -EINVAL.
 */
#include "lib.h"

const char test_title[] = "CR0/CR4/EFER validity";

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR0_AM (1UL << 18)
#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)

#define CR4_TSD (1UL << 2)
#define CR4_DE (1UL << 3)
#define CR4_PGE (1UL << 7)
#define CR4_PCE (1UL << 8)
#define CR4_LA57 (1UL << 12)
#define CR4_VMXE (1UL << 13)
#define CR4_SMXE (1UL << 14)
#define CR4_PCIDE (1UL << 17)
#define CR4_PKE (1UL << 22)
#define CR4_CET (1UL << 23)

#define EFER_SCE (1UL << 0)
#define EFER_NXE (1UL << 11)
#define EFER_SVME (1UL << 12)

/* "mov %rax, %crN" (or WRMSR) that may fault: -1, or the vector it raised. */
#define DEFINE_WRITE_CR(n)                                                                 \
    static int write_cr##n##_safe(uint64_t v)                                              \
    {                                                                                      \
        this_cpu()->fault_vector = -1;                                                     \
        asm volatile("leaq 1f(%%rip), %%r11\n\t"                                           \
                     "movq %%r11, %%gs:8\n\t"                                              \
                     "mov %0, %%cr" #n "\n"                                                \
                     "1:\tmovq $0, %%gs:8"                                                 \
                     :                                                                     \
                     : "r"(v)                                                              \
                     : "r11", "memory");                                                   \
        return (int)this_cpu()->fault_vector;                                              \
    }
DEFINE_WRITE_CR(0)
DEFINE_WRITE_CR(4)

static void lmsw(uint16_t v)
{
    asm volatile("lmsw %0" ::"r"(v) : "memory");
}

static void clts(void)
{
    asm volatile("clts" ::: "memory");
}

static void expect_gp(const char *what, int (*write)(uint64_t), uint64_t (*read)(void),
                      uint64_t val)
{
    uint64_t before = read();
    int f = write(val);

    check(f == X86_EXC_GP, "%s (%#lx): expected #GP, got %s%d", what, val,
          f < 0 ? "no fault " : "vector ", f);
    check(read() == before, "%s: the register changed to %#lx after a refused write", what,
          read());
}

static void expect_ok(const char *what, int (*write)(uint64_t), uint64_t (*read)(void),
                      uint64_t val, uint64_t want)
{
    int f = write(val);

    check(f < 0, "%s (%#lx): expected to be accepted, got vector %d", what, val, f);
    check(read() == want, "%s: reads %#lx, expected %#lx", what, read(), want);
}

static int wrmsr_efer(uint64_t v)
{
    return wrmsr_safe(MSR_EFER, v);
}

static uint64_t rdmsr_efer(void)
{
    return rdmsr(MSR_EFER);
}

static void check_cr0(void)
{
    uint64_t cr0 = read_cr0();

    expect_gp("CR0 bit 32", write_cr0_safe, read_cr0, cr0 | (1UL << 32));
    expect_gp("CR0 bit 63", write_cr0_safe, read_cr0, cr0 | (1UL << 63));
    expect_gp("CR0.NW without CD", write_cr0_safe, read_cr0, cr0 | CR0_NW);
    expect_gp("CR0.PE cleared with PG", write_cr0_safe, read_cr0, cr0 & ~X86_CR0_PE);
    expect_gp("CR0.PG cleared in 64-bit mode", write_cr0_safe, read_cr0, cr0 & ~X86_CR0_PG);
    /* Legal ones stick; reserved bits of 31:0 are dropped without a fault; ET stays */
    expect_ok("CR0.MP|TS", write_cr0_safe, read_cr0, cr0 | CR0_MP | CR0_TS,
              cr0 | CR0_MP | CR0_TS);
    expect_ok("CR0.AM", write_cr0_safe, read_cr0, cr0 | CR0_AM, cr0 | CR0_AM);
    expect_ok("CR0.WP cleared", write_cr0_safe, read_cr0, cr0 & ~CR0_WP, cr0 & ~CR0_WP);
    expect_ok("CR0 reserved bits 6 and 17", write_cr0_safe, read_cr0,
              cr0 | (1UL << 6) | (1UL << 17), cr0);
    expect_ok("CR0.CD|NW", write_cr0_safe, read_cr0, cr0 | CR0_CD | CR0_NW,
              cr0 | CR0_CD | CR0_NW);
    expect_ok("CR0 back", write_cr0_safe, read_cr0, cr0, cr0);
    /* LMSW loads MP, EM, TS and cannot clear PE; CLTS clears TS */
    lmsw(CR0_TS | CR0_MP);
    check(read_cr0() == ((cr0 & ~0xeUL) | CR0_TS | CR0_MP), "lmsw 0xa: CR0 %#lx",
          read_cr0());
    lmsw(0);
    check(read_cr0() == (cr0 & ~0xeUL), "lmsw 0 must keep PE: CR0 %#lx", read_cr0());
    lmsw(CR0_TS);
    clts();
    check(!(read_cr0() & CR0_TS), "clts left TS set: CR0 %#lx", read_cr0());
    expect_ok("CR0 restored", write_cr0_safe, read_cr0, cr0, cr0);
}

/* CR4 bits this guest may set, from its CPUID (Xen's hvm_cr4_guest_valid_bits) */
static uint64_t cr4_valid(void)
{
    struct cpuid_regs l1 = cpuid(1), l7 = cpuid_count(7, 0);
    uint64_t v = CR4_PCE;

    if (l1.d & (1u << 1))
        v |= 3;                 /* VME PVI */
    if (l1.d & (1u << 4))
        v |= CR4_TSD;
    if (l1.d & (1u << 2))
        v |= CR4_DE;
    if (l1.d & (1u << 3))
        v |= 1UL << 4;          /* PSE */
    if (l1.d & (1u << 6))
        v |= X86_CR4_PAE;
    if (l1.d & ((1u << 7) | (1u << 14)))
        v |= 1UL << 6;          /* MCE */
    if (l1.d & (1u << 13))
        v |= CR4_PGE;
    if (l1.d & (1u << 24))
        v |= 1UL << 9;          /* OSFXSR */
    if (l1.d & (1u << 25))
        v |= 1UL << 10;         /* OSXMMEXCPT */
    if (l7.c & (1u << 2))
        v |= 1UL << 11;         /* UMIP */
    if (l7.b & 1)
        v |= 1UL << 16;         /* FSGSBASE */
    if (l1.c & (1u << 17))
        v |= CR4_PCIDE;
    if (l1.c & (1u << 26))
        v |= 1UL << 18;         /* OSXSAVE */
    if (l7.b & (1u << 7))
        v |= 1UL << 20;         /* SMEP */
    if (l7.b & (1u << 20))
        v |= 1UL << 21;         /* SMAP */
    if (l7.c & (1u << 3))
        v |= CR4_PKE;
    if ((l7.c & (1u << 7)) || (l7.d & (1u << 20)))
        v |= CR4_CET;
    return v;
}

static void check_cr4(void)
{
    uint64_t cr4 = read_cr4(), valid = cr4_valid();
    char what[48];

    expect_gp("CR4.PAE cleared in long mode", write_cr4_safe, read_cr4, cr4 & ~X86_CR4_PAE);
    expect_gp("CR4.LA57", write_cr4_safe, read_cr4, cr4 | CR4_LA57);
    expect_gp("CR4.VMXE (no nested virtualisation)", write_cr4_safe, read_cr4,
              cr4 | CR4_VMXE);
    expect_gp("CR4.SMXE", write_cr4_safe, read_cr4, cr4 | CR4_SMXE);
    expect_gp("CR4 bit 32", write_cr4_safe, read_cr4, cr4 | (1UL << 32));
    /* Every bit the CPUID does not offer */
    for (unsigned int b = 0; b < 32; b++) {
        if ((valid >> b) & 1)
            continue;
        snprintf(what, sizeof(what), "CR4 bit %u (not offered)", b);
        expect_gp(what, write_cr4_safe, read_cr4, cr4 | (1UL << b));
    }
    /* Legal toggles stick */
    expect_ok("CR4.PGE cleared", write_cr4_safe, read_cr4, cr4 & ~CR4_PGE, cr4 & ~CR4_PGE);
    expect_ok("CR4.PGE set", write_cr4_safe, read_cr4, cr4 | CR4_PGE, cr4 | CR4_PGE);
    expect_ok("CR4.TSD|DE|PCE", write_cr4_safe, read_cr4,
              cr4 | (valid & (CR4_TSD | CR4_DE | CR4_PCE)),
              cr4 | (valid & (CR4_TSD | CR4_DE | CR4_PCE)));
    if (valid & CR4_PCIDE) {
        expect_ok("CR4.PCIDE in long mode", write_cr4_safe, read_cr4, cr4 | CR4_PCIDE,
                  cr4 | CR4_PCIDE);
        expect_gp("CR0.PG cleared with PCIDE", write_cr0_safe, read_cr0,
                  read_cr0() & ~X86_CR0_PG);
    }
    expect_ok("CR4 restored", write_cr4_safe, read_cr4, cr4, cr4);
}

static void check_efer(void)
{
    uint64_t efer = rdmsr(MSR_EFER);
    struct cpuid_regs e1 = cpuid(0x80000001);

    check(!(efer & EFER_SVME), "EFER.SVME visible to the guest: %#lx", efer);
    expect_gp("EFER.SVME", wrmsr_efer, rdmsr_efer, efer | EFER_SVME);
    expect_gp("EFER bit 13 (LMSLE)", wrmsr_efer, rdmsr_efer, efer | (1UL << 13));
    expect_gp("EFER bit 15", wrmsr_efer, rdmsr_efer, efer | (1UL << 15));
    expect_gp("EFER bit 63", wrmsr_efer, rdmsr_efer, efer | (1UL << 63));
    expect_gp("EFER.LME cleared with paging on", wrmsr_efer, rdmsr_efer, efer & ~EFER_LME);
    if (e1.d & (1u << 20)) {
        expect_ok("EFER.NXE set", wrmsr_efer, rdmsr_efer, efer | EFER_NXE, efer | EFER_NXE);
        expect_ok("EFER.NXE cleared", wrmsr_efer, rdmsr_efer, efer & ~EFER_NXE,
                  efer & ~EFER_NXE);
    } else {
        expect_gp("EFER.NXE without NX", wrmsr_efer, rdmsr_efer, efer | EFER_NXE);
    }
    if (e1.d & (1u << 11))
        expect_ok("EFER.SCE", wrmsr_efer, rdmsr_efer, efer | EFER_SCE, efer | EFER_SCE);
    /* LMA is read-only: writing it clear changes nothing */
    expect_ok("EFER.LMA written 0", wrmsr_efer, rdmsr_efer, efer & ~EFER_LMA, efer);
    expect_ok("EFER restored", wrmsr_efer, rdmsr_efer, efer, efer);
}

static volatile uint64_t ap_cr4;

static void ap_fn(unsigned int id, void *arg)
{
    ap_cr4 = read_cr4();
}

/* VCPUOP_initialise with a 64-bit context: the runtime's own, with one register changed. */
static long init_with(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
    struct vcpu_hvm_context ctx = { .mode = VCPU_HVM_MODE_64B };

    ctx.cpu_regs.x86_64.rip = 0x100000;
    ctx.cpu_regs.x86_64.cr0 = cr0;
    ctx.cpu_regs.x86_64.cr3 = cr3;
    ctx.cpu_regs.x86_64.cr4 = cr4;
    ctx.cpu_regs.x86_64.efer = efer;
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx);
}

static void check_initialise(void)
{
    uint64_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);

    check_rc(init_with(cr0 | CR0_NW, cr3, cr4, efer), -EINVAL, "initialise: CR0.NW without CD");
    check_rc(init_with(cr0 | (1UL << 32), cr3, cr4, efer), -EINVAL, "initialise: CR0 bit 32");
    check_rc(init_with(cr0, cr3, cr4 | CR4_LA57, efer), -EINVAL, "initialise: CR4.LA57");
    check_rc(init_with(cr0, cr3, cr4 | CR4_VMXE, efer), -EINVAL, "initialise: CR4.VMXE");
    check_rc(init_with(cr0, cr3, cr4, efer | EFER_SVME), -EINVAL, "initialise: EFER.SVME");
    check_rc(init_with(cr0, cr3, cr4, efer | (1UL << 13)), -EINVAL,
             "initialise: EFER bit 13");
    check_rc(init_with(cr0, 1UL << 52, cr4, efer), -EINVAL,
             "initialise: CR3 beyond the physical address width");
    /* The runtime's valid context still starts the vCPU, with the CR4 it asked for */
    if (check_rc(vcpu_start(1, ap_fn, NULL), 0, "vcpu_start(1)"))
        check(wait_until(ap_cr4 != 0, SEC(5)) && ap_cr4 == cr4,
              "vCPU1's CR4: expected %#lx, got %#lx", cr4, ap_cr4);
}

void test_main(void)
{
    check_cr0();
    check_cr4();
    check_efer();
    check_initialise();
    xtf_success();
}
