/* SPDX-License-Identifier: MIT */
/* Secondary vCPUs: VCPUOP_initialise with a 64-bit context, up/down, vcpu_info placement. */
#include "lib.h"

struct percpu percpu[MAX_VCPUS];
static uint8_t vcpu_stacks[MAX_VCPUS][VCPU_STACK_SIZE] __aligned(16);
/* Per-vCPU vcpu_info areas for VCPUOP_register_vcpu_info: 64-byte slots in one page. */
static struct vcpu_info vcpu_info_areas[PAGE_SIZE / sizeof(struct vcpu_info)] __page_aligned;

extern const char ap_entry64[];

/* Point %gs at this CPU's struct percpu (this_cpu() reads %gs:0). */
void percpu_setup(struct percpu *pc);
void percpu_setup(struct percpu *pc)
{
    pc->self = pc;
    wrmsr(MSR_GS_BASE, (uintptr_t)pc);
}

void smp_ap_start(struct percpu *pc);
void smp_ap_start(struct percpu *pc)
{
    percpu_setup(pc);
    traps_load();
    smp_wmb();
    pc->online = 1;
    pc->fn(pc->id, pc->arg);
    pc->done = 1;
    /* Park: go down; if brought up again, go down again. */
    for (;;) {
        if (HYPERVISOR_vcpu_op(VCPUOP_down, pc->id, NULL) != 0)
            for (;;)
                asm volatile("cli; hlt");
    }
}

long vcpu_initialise(unsigned int id, vcpu_fn_t fn, void *arg)
{
    struct percpu *pc;
    struct vcpu_hvm_context ctx;

    if (id == 0 || id >= MAX_VCPUS)
        xtf_fatal("vcpu_initialise(%u): the runtime supports vCPUs 1..%u", id, MAX_VCPUS - 1);
    pc = &percpu[id];
    pc->self = pc;
    pc->id = id;
    pc->fn = fn;
    pc->arg = arg;
    pc->online = 0;
    pc->done = 0;

    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = VCPU_HVM_MODE_64B;
    ctx.cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
        .rip = (uintptr_t)ap_entry64,
        .rsp = (uintptr_t)&vcpu_stacks[id][VCPU_STACK_SIZE],
        .rdi = (uintptr_t)pc,
        .rflags = 0x2, /* IF clear */
        .cr0 = read_cr0(),
        .cr3 = read_cr3(),
        .cr4 = read_cr4(),
        .efer = rdmsr(MSR_EFER),
    };
    smp_wmb();
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &ctx);
}

long vcpu_up(unsigned int id)
{
    return HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
}

long vcpu_down(unsigned int id)
{
    return HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL);
}

long vcpu_is_up(unsigned int id)
{
    return HYPERVISOR_vcpu_op(VCPUOP_is_up, id, NULL);
}

long vcpu_start(unsigned int id, vcpu_fn_t fn, void *arg)
{
    long rc = vcpu_initialise(id, fn, arg);

    if (rc) {
        xtf_failure("VCPUOP_initialise(vCPU%u, 64-bit context): expected 0, got %ld (%s)", id,
                    rc, errno_name(rc));
        return rc;
    }
    rc = vcpu_up(id);
    if (rc) {
        xtf_failure("VCPUOP_up(vCPU%u): expected 0, got %ld (%s)", id, rc, errno_name(rc));
        return rc;
    }
    if (!wait_until(percpu[id].online, SEC(5))) {
        xtf_failure("vCPU%u did not start running within 5 s of VCPUOP_up", id);
        return -ETIMEDOUT;
    }
    return 0;
}

long vcpu_register_vcpu_info(unsigned int id)
{
    struct vcpu_info *area = &vcpu_info_areas[id];
    struct vcpu_register_vcpu_info info = {
        .mfn = virt_to_gfn(area),
        .offset = (uintptr_t)area & (PAGE_SIZE - 1),
    };
    long rc;

    if (id >= MAX_VCPUS)
        xtf_fatal("vcpu_register_vcpu_info(%u): the runtime supports %u vCPUs", id, MAX_VCPUS);
    rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, id, &info);
    if (rc == 0)
        percpu[id].vcpu_info = area;
    return rc;
}
