/* SPDX-License-Identifier: MIT */
/* vcpu_op (hypercall 24): VCPUOP_initialise/up/down/is_up, runstate, vcpu_info placement. */
#include "lib.h"

const char test_title[] = "vcpu_op: bring-up, up/down, is_up and vcpu_info";

#define NR 4

static volatile uint32_t cpuid_id[NR];
static volatile uint64_t spin[NR];
static volatile int stop[NR], after_up[NR], ipi_ok[NR];
static volatile long down_rc[NR];
static volatile uint32_t seen_mul[NR];

/* vCPU1 registered its vcpu_info before it started: events and time must use the new area. */
static void ap_registered_checks(unsigned int id)
{
    evtchn_port_t port;

    seen_mul[id] = this_vcpu_info()->time.tsc_to_system_mul;
    irq_enable();
    if (evtchn_bind_ipi(id, &port) == 0) {
        evtchn_register(port, id, NULL, NULL);
        ipi_ok[id] = evtchn_send(port) == 0 && wait_until(evtchn_count(port) > 0, SEC(2)) ? 1
                                                                                          : 2;
        evtchn_close(port);
    } else {
        ipi_ok[id] = 3;
    }
    irq_disable();
}

static void ap_main(unsigned int id, void *arg)
{
    cpuid_id[id] = cpuid(xen_cpuid_base + XEN_CPUID_LEAF_HVM).b;
    if (id == 1)
        ap_registered_checks(id);
    while (!stop[id]) {
        spin[id]++;
        cpu_relax();
    }
    /* Down ourselves; VCPUOP_up resumes us right after the hypercall. */
    down_rc[id] = vcpu_down(id);
    after_up[id] = 1;
}

static long init_ctx(unsigned int id, struct vcpu_hvm_context *ctx)
{
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, id, ctx);
}

/* A context Xen accepts (it would start at a ud2: it is never brought up). */
static void valid_ctx(struct vcpu_hvm_context *ctx)
{
    static const uint8_t ud2[2] = { 0x0f, 0x0b };

    *ctx = (struct vcpu_hvm_context){ .mode = VCPU_HVM_MODE_64B };
    ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
        .rip = (uintptr_t)ud2, .rflags = 2, .cr0 = read_cr0(), .cr3 = read_cr3(),
        .cr4 = read_cr4(), .efer = rdmsr(MSR_EFER),
    };
}

/* Set when the hypervisor accepted a bad context for vCPU3: never bring vCPU3 up then. */
static bool vcpu3_tainted;

static void bad_init(struct vcpu_hvm_context *ctx, const char *what)
{
    long rc = init_ctx(3, ctx);

    if (!check_rc(rc, -EINVAL, "VCPUOP_initialise(vCPU3, %s)", what) && rc == 0)
        vcpu3_tainted = true;
}

static void check_initialise_errors(void)
{
    struct vcpu_hvm_context ctx;
    struct vcpu_hvm_x86_64 *r = &ctx.cpu_regs.x86_64;

    valid_ctx(&ctx);
    ctx.mode = 7;
    bad_init(&ctx, "mode 7");
    ctx.mode = VCPU_HVM_MODE_64B;
    r->cr0 &= ~X86_CR0_PG;
    bad_init(&ctx, "64-bit, CR0.PG clear");
    r->cr0 = read_cr0();
    r->cr4 &= ~X86_CR4_PAE;
    bad_init(&ctx, "64-bit, CR4.PAE clear");
    r->cr4 = read_cr4();
    r->efer &= ~(uint64_t)EFER_LME;
    bad_init(&ctx, "64-bit, EFER.LME clear");
    r->efer = rdmsr(MSR_EFER);
    r->rip = 0x0000800000000000UL;
    bad_init(&ctx, "non-canonical rip");
    check_rc(init_ctx(3, (void *)0xdead0000000UL), -EFAULT,
             "VCPUOP_initialise(vCPU3) with its context at 0xdead0000000");
    check_rc(init_ctx(99, &ctx), -ENOENT, "VCPUOP_initialise(vCPU99)");
    if (vcpu3_tainted) {
        printk("vCPU3 holds a context Xen would have refused: the test goes on without it\n");
        return;
    }
    /* Nothing above left vCPU3 initialised. */
    check_rc(vcpu_up(3), -EINVAL, "VCPUOP_up(vCPU3) after only failed initialisations");
}

static void check_vcpu_info_placement(void)
{
    static uint8_t page[PAGE_SIZE] __page_aligned;
    struct vcpu_register_vcpu_info bad = { .mfn = virt_to_gfn(page) };
    volatile struct vcpu_info *vi;
    long rc;

    bad.offset = PAGE_SIZE - 32;
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 2, &bad), -ENXIO,
             "VCPUOP_register_vcpu_info(offset %#x: crosses the page)", bad.offset);
    bad.offset = 4;
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 2, &bad), -ENXIO,
             "VCPUOP_register_vcpu_info(offset 4: misaligned)");
    bad = (struct vcpu_register_vcpu_info){ .mfn = 0xc0000 };
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 2, &bad), -EINVAL,
             "VCPUOP_register_vcpu_info(gfn 0xc0000, not RAM)");

    /* vCPU1 is down: another vCPU may place its vcpu_info. */
    check_rc(vcpu_register_vcpu_info(1), 0, "VCPUOP_register_vcpu_info(vCPU1, down)");

    /* Our own: Xen copies the old contents and marks everything pending. */
    irq_disable();
    rc = vcpu_register_vcpu_info(0);
    if (check_rc(rc, 0, "VCPUOP_register_vcpu_info(vCPU0)")) {
        vi = this_vcpu_info();
        check(vi != &shared_info()->vcpu_info[0], "runtime did not switch to the new area");
        check(vi->evtchn_upcall_pending && vi->evtchn_pending_sel == ~0UL,
              "new vcpu_info: upcall_pending %u, pending_sel %#lx; Xen sets 1 and ~0 so no "
              "event is lost", vi->evtchn_upcall_pending, vi->evtchn_pending_sel);
        check(vi->time.tsc_to_system_mul != 0, "new vcpu_info: time not filled in");
        irq_enable(); /* take the spurious upcall */
        delay_ns(MS(10));
        irq_disable();
        rc = vcpu_register_vcpu_info(0);
        check(rc == -EINVAL || rc == -EBUSY, "VCPUOP_register_vcpu_info(vCPU0) a second time: "
              "expected -22 (EINVAL, Xen 4.17) or -16 (EBUSY), got %ld (%s)", rc,
              errno_name(rc));
    }
}

static void check_runstate(unsigned int id, int state)
{
    struct vcpu_runstate_info ri;
    long rc = HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, id, &ri);

    if (check_rc(rc, 0, "VCPUOP_get_runstate_info(vCPU%u)", id))
        check(ri.state == state, "VCPUOP_get_runstate_info(vCPU%u): state %d, expected %d", id,
              ri.state, state);
}

void test_main(void)
{
    unsigned int top;
    uint64_t s;

    if (events_init())
        xtf_fatal("events_init failed");
    check_rc(vcpu_is_up(0), 1, "VCPUOP_is_up(vCPU0)");
    for (unsigned int i = 1; i < NR; i++)
        check_rc(vcpu_is_up(i), 0, "VCPUOP_is_up(vCPU%u) before bring-up", i);
    check_rc(vcpu_is_up(NR), -ENOENT, "VCPUOP_is_up(vCPU%u), beyond vcpus=%u", NR, NR);
    check_rc(vcpu_is_up(0xffffffff), -ENOENT, "VCPUOP_is_up(vCPU 0xffffffff)");
    check_rc(vcpu_up(1), -EINVAL, "VCPUOP_up(vCPU1) before VCPUOP_initialise");
    check_rc(HYPERVISOR_vcpu_op(99, 0, NULL), -ENOSYS, "vcpu_op 99");

    check_initialise_errors();
    check_vcpu_info_placement();
    check_runstate(0, RUNSTATE_running);
    check_runstate(1, RUNSTATE_offline);

    top = vcpu3_tainted ? NR - 2 : NR - 1;
    for (unsigned int i = 1; i <= top; i++)
        if (vcpu_start(i, ap_main, NULL))
            xtf_exit();
    for (unsigned int i = 1; i <= top; i++) {
        check_rc(vcpu_is_up(i), 1, "VCPUOP_is_up(vCPU%u) after VCPUOP_up", i);
        check(wait_until(cpuid_id[i] != 0, SEC(2)) && cpuid_id[i] == i,
              "CPUID %#x ebx on vCPU%u: vcpu id %u", xen_cpuid_base + 4, i, cpuid_id[i]);
    }
    {
        struct vcpu_hvm_context ctx;

        valid_ctx(&ctx);
        check_rc(init_ctx(1, &ctx), -EEXIST, "VCPUOP_initialise(vCPU1) again");
    }
    check(wait_until(ipi_ok[1] != 0, SEC(5)) && ipi_ok[1] == 1,
          "vCPU1 with a registered vcpu_info: IPI to itself not delivered (state %d)",
          ipi_ok[1]);
    check(seen_mul[1] != 0, "vCPU1's registered vcpu_info has no time information");
    /* A running vCPU's vcpu_info can no longer be placed by someone else. */
    check_rc(vcpu_register_vcpu_info(top), -EINVAL,
             "VCPUOP_register_vcpu_info(vCPU%u) from vCPU0 while it runs", top);

    /* Down from outside: vCPU2 stops making progress until it is up again. */
    check_rc(vcpu_down(2), 0, "VCPUOP_down(vCPU2) from vCPU0");
    check(wait_until(vcpu_is_up(2) == 0, SEC(2)), "VCPUOP_is_up(vCPU2) still %ld after down",
          vcpu_is_up(2));
    delay_ns(MS(20));
    s = spin[2];
    delay_ns(MS(100));
    check(spin[2] == s, "vCPU2 kept running after VCPUOP_down (%lu more iterations)",
          spin[2] - s);
    check_runstate(2, RUNSTATE_offline);
    check_rc(vcpu_up(2), 0, "VCPUOP_up(vCPU2)");
    check_rc(vcpu_is_up(2), 1, "VCPUOP_is_up(vCPU2) after up");
    s = spin[2];
    check(wait_until(spin[2] != s, SEC(2)), "vCPU2 did not resume after VCPUOP_up");

    /* Down by itself: VCPUOP_up resumes it after its own hypercall, which returns 0. */
    for (unsigned int i = 1; i <= top; i++) {
        stop[i] = 1;
        if (!check(wait_until(vcpu_is_up(i) == 0, SEC(2)), "vCPU%u did not go down", i))
            continue;
        check(!after_up[i], "vCPU%u ran past its own VCPUOP_down", i);
        check_rc(vcpu_up(i), 0, "VCPUOP_up(vCPU%u) after it downed itself", i);
        if (check(wait_until(after_up[i], SEC(2)), "vCPU%u did not resume after VCPUOP_up", i))
            check_rc(down_rc[i], 0, "VCPUOP_down(vCPU%u) by itself, once resumed", i);
    }
    /* They park (down) again. */
    for (unsigned int i = 1; i <= top; i++)
        check(wait_until(vcpu_is_up(i) == 0, SEC(2)), "vCPU%u did not park", i);
    xtf_success();
}
