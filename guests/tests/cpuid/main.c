/* SPDX-License-Identifier: MIT */
/* Xen's CPUID leaves (pvh-abi.md §2) and the hypercall page, against direct VMMCALL. */
#include "lib.h"

const char test_title[] = "Xen CPUID leaves and the hypercall page";

static uint8_t hcall_page[PAGE_SIZE] __page_aligned;

static void check_leaves(uint32_t base)
{
    struct cpuid_regs r;

    check(base == XEN_CPUID_FIRST_LEAF,
          "Xen leaves found at %#x: expected %#x (Xen moves them only for Viridian)", base,
          XEN_CPUID_FIRST_LEAF);

    /* No second hypervisor signature: Linux would pick the best-scoring one (e.g. KVM). */
    for (uint32_t b = XEN_CPUID_FIRST_LEAF; b < XEN_CPUID_FIRST_LEAF + 0x10000; b += 0x100) {
        r = cpuid(b);
        if (b != base && (r.b == 0x4b4d564b /* "KVMK" */ || r.b == XEN_CPUID_SIGNATURE_EBX))
            xtf_failure("CPUID %#x: a second hypervisor signature (ebx %#x)", b, r.b);
    }

    r = cpuid(base);
    check(r.a == base + XEN_CPUID_MAX_NUM_LEAVES,
          "CPUID %#x eax (highest leaf): expected %#x, got %#x", base,
          base + XEN_CPUID_MAX_NUM_LEAVES, r.a);

    r = cpuid(base + XEN_CPUID_LEAF_VERSION);
    printk("version leaf: %u.%u\n", r.a >> 16, r.a & 0xffff);
    check(r.a == XEN_CPUID_VERSION(4, 17), "CPUID %#x eax (version): expected %#x (4.17), "
          "got %#x", base + 1, XEN_CPUID_VERSION(4, 17), r.a);

    r = cpuid(base + XEN_CPUID_LEAF_HYPERCALL);
    check(r.a == 1, "CPUID %#x eax (hypercall pages): expected 1, got %u", base + 2, r.a);
    check(r.b == XEN_CPUID_HYPERCALL_MSR, "CPUID %#x ebx (hypercall MSR): expected %#x, got %#x",
          base + 2, XEN_CPUID_HYPERCALL_MSR, r.b);
    check(r.c == 0 && r.d == 0, "CPUID %#x ecx/edx: expected 0/0 for a PVH guest, got %#x/%#x",
          base + 2, r.c, r.d);

    r = cpuid(1);
    check(r.c & (1U << 31), "CPUID 1 ecx bit 31 (hypervisor present) is clear");

    r = cpuid_count(base + XEN_CPUID_LEAF_TIME, 0);
    printk("time leaf: flags %#x, tsc_mode %u, guest %u kHz\n", r.a, r.b, r.c);
    check(r.c != 0, "CPUID %#x.0 ecx (guest TSC kHz) is 0", base + 3);
    r = cpuid_count(base + XEN_CPUID_LEAF_TIME, 2);
    check(r.a != 0, "CPUID %#x.2 eax (host TSC kHz) is 0", base + 3);

    r = cpuid(base + XEN_CPUID_LEAF_HVM);
    printk("HVM leaf: flags %#x, vcpu %u, domid %u\n", r.a, r.b, r.c);
    if (check(r.a & XEN_HVM_CPUID_VCPU_ID_PRESENT,
              "CPUID %#x eax %#x: VCPU_ID_PRESENT (bit 3) clear; Xen always sets it", base + 4,
              r.a))
        check(r.b == 0, "CPUID %#x ebx (vcpu id) on vCPU0: expected 0, got %u", base + 4, r.b);
    if (check(r.a & XEN_HVM_CPUID_DOMID_PRESENT,
              "CPUID %#x eax %#x: DOMID_PRESENT (bit 4) clear; Xen always sets it", base + 4, r.a))
        check(r.c < DOMID_FIRST_RESERVED, "CPUID %#x ecx (domid) %#x is a reserved id",
              base + 4, r.c);
}

static void check_hypercall_page(void)
{
    char direct[XEN_EXTRAVERSION_LEN] = "", paged[XEN_EXTRAVERSION_LEN] = "";
    long v_direct, v_page, rc1, rc2;
    int fault;

    /* Xen fills the whole page (0xcc), then one stub per hypercall. */
    memset(hcall_page, 0xc3, sizeof(hcall_page));

    /* A non-zero page index in the low bits, and a GFN that is not RAM: #GP. */
    fault = wrmsr_safe(XEN_CPUID_HYPERCALL_MSR, (uintptr_t)hcall_page | 1);
    check(fault == X86_EXC_GP, "wrmsr(%#x, %#lx) (page index 1): expected #GP, got %s%d",
          XEN_CPUID_HYPERCALL_MSR, (uintptr_t)hcall_page | 1, fault < 0 ? "no fault " : "#",
          fault);
    fault = wrmsr_safe(XEN_CPUID_HYPERCALL_MSR, 0xc0000000UL);
    check(fault == X86_EXC_GP, "wrmsr(%#x, 0xc0000000) (not RAM): expected #GP, got %s%d",
          XEN_CPUID_HYPERCALL_MSR, fault < 0 ? "no fault " : "#", fault);

    fault = xen_install_hypercall_page(hcall_page);
    if (!check(fault < 0, "wrmsr(%#x, %p) to install the hypercall page raised vector %d",
               XEN_CPUID_HYPERCALL_MSR, hcall_page, fault))
        return;
    if (!check(hcall_page[0] != 0xc3, "hypercall page unchanged after the MSR write"))
        return;

    for (unsigned int nr = 0; nr < XEN_HYPERCALL_PAGE_STUBS; nr++) {
        const uint8_t *p = hcall_page + nr * XEN_HYPERCALL_STUB_SIZE;
        uint32_t imm = p[1] | p[2] << 8 | p[3] << 16 | (uint32_t)p[4] << 24;

        if (nr == __HYPERVISOR_iret) {
            check(p[0] == 0x0f && p[1] == 0x0b,
                  "hypercall stub 23 (iret): expected ud2 (0f 0b), got %02x %02x", p[0], p[1]);
            continue;
        }
        if (!check(p[0] == 0xb8 && imm == nr && p[5] == 0x0f && p[6] == 0x01 &&
                   (p[7] == 0xd9 || p[7] == 0xc1) && p[8] == 0xc3,
                   "hypercall stub %u: expected b8 <%u> 0f 01 d9 c3, got %02x %08x %02x %02x "
                   "%02x %02x", nr, nr, p[0], imm, p[5], p[6], p[7], p[8]))
            break;
        check(p[7] == 0xd9, "hypercall stub %u uses vmcall (0f 01 c1) on an AMD host", nr);
        for (unsigned int i = 9; i < XEN_HYPERCALL_STUB_SIZE; i++)
            if (!check(p[i] == 0xcc, "hypercall stub %u byte %u: expected 0xcc padding, "
                       "got %#x", nr, i, p[i]))
                break;
    }

    v_page = hypercall_page2(__HYPERVISOR_xen_version, XENVER_version, 0);
    v_direct = HYPERVISOR_xen_version(XENVER_version, NULL);
    check_rc(v_page, XEN_CPUID_VERSION(4, 17), "xen_version(XENVER_version) via the page");
    check_rc(v_direct, XEN_CPUID_VERSION(4, 17), "xen_version(XENVER_version) via vmmcall");

    rc1 = hypercall_page2(__HYPERVISOR_xen_version, XENVER_extraversion, HC_PTR(paged));
    rc2 = HYPERVISOR_xen_version(XENVER_extraversion, direct);
    check_rc(rc1, 0, "xen_version(XENVER_extraversion) via the page");
    check_rc(rc2, 0, "xen_version(XENVER_extraversion) via vmmcall");
    check(!memcmp(paged, direct, sizeof(direct)),
          "XENVER_extraversion differs: \"%.16s\" via the page, \"%.16s\" via vmmcall", paged,
          direct);

    /* An unknown hypercall through its stub. */
    check_rc(hypercall_page2(60, 0, 0), -ENOSYS, "hypercall 60 via the page");
}

static void write_cr4(uint64_t v)
{
    asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static void xsetbv0(uint64_t v)
{
    asm volatile("xsetbv" ::"c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return lo | ((uint64_t)hi << 32);
}

/* CPUID 0xd's EBX for XCR0 = xcr0: the end of the furthest enabled component. */
static uint32_t xsave_size(uint64_t xcr0)
{
    uint32_t size = 576; /* legacy area and XSAVE header */
    for (unsigned int i = 2; i < 63; i++) {
        if (xcr0 & (1ULL << i)) {
            struct cpuid_regs c = cpuid_count(0xd, i);
            size = c.a + c.b > size ? c.a + c.b : size;
        }
    }
    return size;
}

/*
 * The XCR0 the guest sets is the one CPUID 0xd sizes (Linux checks one against the other and
 * turns XSAVE off when they differ), and it stays across a block that gives the pCPU away.
 * Under QEMU's SVM, XSETBV does not exit: Tern learns XCR0 from the register.
 */
static void check_xcr0(void)
{
    struct cpuid_regs d0 = cpuid_count(0xd, 0);
    uint64_t all = d0.a | ((uint64_t)d0.d << 32), want = all & 0x7; /* x87, SSE, AVX */
    evtchn_port_t port;

    if (!(cpuid(1).c & (1u << 26))) {
        printk("no XSAVE: XCR0 not checked\n");
        return;
    }
    write_cr4(read_cr4() | (1UL << 18)); /* CR4.OSXSAVE */
    check(cpuid(1).c & (1u << 27), "CPUID 1 OSXSAVE: expected it set with CR4.OSXSAVE");
    xsetbv0(want);
    d0 = cpuid_count(0xd, 0);
    check(d0.b == xsave_size(want), "CPUID 0xd ebx with XCR0 %#lx: expected %u, got %u",
          want, xsave_size(want), d0.b);
    if (events_init() || evtchn_bind_virq(VIRQ_TIMER, 0, &port))
        xtf_fatal("cannot set up the timer event");
    evtchn_register(port, 0, NULL, NULL);
    for (unsigned int i = 0; i < 3; i++) {
        uint64_t count = evtchn_count(port);
        struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = now_ns() + 2000000 };

        HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
        irq_disable();
        while (evtchn_count(port) == count) {
            sched_block_irq_enable();
            irq_disable();
        }
        irq_enable();
    }
    check(xgetbv0() == want, "XCR0 after blocking: expected %#lx, got %#lx", want, xgetbv0());
    xsetbv0(1);
    d0 = cpuid_count(0xd, 0);
    check(d0.b == 576, "CPUID 0xd ebx with XCR0 1: expected 576, got %u", d0.b);
    printk("XCR0 %#lx: %u bytes of XSAVE state\n", want, xsave_size(want));
}

void test_main(void)
{
    printk("Xen CPUID leaves at %#x\n", xen_cpuid_base);
    check_leaves(xen_cpuid_base);
    check_hypercall_page();
    check_xcr0();
    xtf_success();
}
