/* SPDX-License-Identifier: MIT */
/* vcpu_op arguments: bring-up, up/down, timers, runstate and vcpu_info areas. */
#include "fuzz.h"

extern const char ap_entry64[];
static uint8_t spare_stack[VCPU_STACK_SIZE] __aligned(16);

static void spare_fn(unsigned int id, void *arg)
{
    /* Returns at once: the runtime then parks the vCPU with VCPUOP_down. */
}

void fz_spare_context(struct vcpu_hvm_context *ctx)
{
    struct percpu *pc = &percpu[cfg.spare];

    pc->self = pc;
    pc->id = (unsigned int)cfg.spare;
    pc->fn = spare_fn;
    pc->arg = NULL;
    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_64B;
    ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
        .rip = (uintptr_t)ap_entry64,
        .rsp = (uintptr_t)&spare_stack[VCPU_STACK_SIZE],
        .rdi = (uintptr_t)pc,
        .rflags = 0x2,
        .cr0 = read_cr0(),
        .cr3 = read_cr3(),
        .cr4 = read_cr4(),
        .efer = rdmsr(MSR_EFER),
    };
}

static const char *const names[] = {
    [VCPUOP_initialise] = "vcpu_op/initialise",
    [VCPUOP_up] = "vcpu_op/up",
    [VCPUOP_down] = "vcpu_op/down",
    [VCPUOP_is_up] = "vcpu_op/is_up",
    [VCPUOP_get_runstate_info] = "vcpu_op/get_runstate_info",
    [VCPUOP_register_runstate_memory_area] = "vcpu_op/register_runstate_memory_area",
    [VCPUOP_set_periodic_timer] = "vcpu_op/set_periodic_timer",
    [VCPUOP_stop_periodic_timer] = "vcpu_op/stop_periodic_timer",
    [VCPUOP_set_singleshot_timer] = "vcpu_op/set_singleshot_timer",
    [VCPUOP_stop_singleshot_timer] = "vcpu_op/stop_singleshot_timer",
    [VCPUOP_register_vcpu_info] = "vcpu_op/register_vcpu_info",
    [VCPUOP_send_nmi] = "vcpu_op/send_nmi",
    [VCPUOP_get_physid] = "vcpu_op/get_physid",
    [VCPUOP_register_vcpu_time_memory_area] = "vcpu_op/register_vcpu_time_memory_area",
};

/* A context for VCPUOP_initialise: random, or plausible with one thing wrong. */
static void random_context(struct fz *f, struct vcpu_hvm_context *ctx)
{
    fz_fill(f, ctx, sizeof(*ctx));
    if (pct(f, 50)) {
        ctx->mode = (uint32_t)below(f, 3);
        if (ctx->mode == VCPU_HVM_MODE_64B) {
            struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;

            r->cr0 = pct(f, 50) ? read_cr0() : r->cr0;
            r->cr4 = pct(f, 50) ? read_cr4() : r->cr4;
            r->efer = pct(f, 50) ? rdmsr(MSR_EFER) : r->efer;
            r->cr3 = pct(f, 50) ? fz_gfn(f, GFN_DATA) << PAGE_SHIFT : r->cr3;
            r->rip = pct(f, 50) ? fz_interesting(f) : r->rip;
        }
    }
}

/* Runstate and time areas are written by Tern whenever it likes: only where nothing of
 * ours is (never a lane, whose structs are being built). */
static uint64_t area_addr(struct fz *f, size_t len)
{
    switch (PICK(f, 40, 20, 30, 10)) {
    case 0:
        return FZ_SINK_GFN * PAGE_SIZE + below(f, FZ_SINK_PAGES * PAGE_SIZE - len);
    case 1:
        return fz_gfn(f, GFN_DATA) * PAGE_SIZE + below(f, PAGE_SIZE);
    case 2:
        return fz_bad_ptr(f);
    default:
        return 0;
    }
}

static void check_vcpu_op(struct fz_call *c, long rc)
{
    unsigned int cmd = (unsigned int)c->a[0], id = (unsigned int)c->a[1];

    switch (cmd) {
    case VCPUOP_initialise:
        if (rc == 0 && id < cfg.nr_fz)
            fz_fail(c, rc, "VCPUOP_initialise of vCPU%u, running since the start, must be "
                    "-EEXIST", id);
        if (rc == 0 && (int)id == cfg.spare)
            fz_spare_initialised(c->note[1]);
        break;
    case VCPUOP_is_up:
        /* 1, unless a sibling has just taken us down (VCPUOP_down of another vCPU takes
         * effect when it next leaves the hypervisor, on Xen as on Tern): only then 0. */
        if (rc > 1 && id < cfg.nr_fz && id == smp_id())
            fz_fail(c, rc, "VCPUOP_is_up of the calling vCPU must be 1 (or 0 while going down)");
        break;
    case VCPUOP_get_runstate_info: {
        const struct vcpu_runstate_info *r = (const void *)(uintptr_t)c->note[0];

        if (rc == 0 && c->note[0] && r->state > RUNSTATE_offline)
            fz_fail(c, rc, "runstate %d is no RUNSTATE_*", r->state);
        break;
    }
    default:
        break;
    }
}

void gen_vcpu_op(struct fz *f, struct fz_call *c)
{
    unsigned int cmd = PICK(f, 6, 8, 6, 8, 8, 6, 8, 6, 10, 6, 8, 2, 3, 3, 3);
    uint32_t id = fz_vcpu_id(f);
    uint8_t *s = fz_lane_struct(f, sizeof(struct vcpu_hvm_context));
    size_t len = 0;
    uint64_t arg = 0;

    c->verify = check_vcpu_op;
    switch (cmd) {
    case VCPUOP_initialise:
        if ((int)id == cfg.spare && !fz_spare_startable() && one_in(f, 4)) {
            fz_spare_context((void *)s);
            c->note[1] = 1;
        } else {
            random_context(f, (void *)s);
        }
        len = sizeof(struct vcpu_hvm_context);
        break;
    case VCPUOP_up:
        /* The spare only runs a context we gave it; junk would crash the domain. */
        if ((int)id == cfg.spare && !fz_spare_startable())
            id = (uint32_t)below(f, cfg.nr_fz);
        arg = fz_u64(f);
        break;
    case VCPUOP_down:
        /*
         * Never vCPU0: it brings the others back (run.c). avoid_known=1: two vCPUs
         * downing each other at once hang Tern (a known bug), so only vCPU0 downs others
         * and the rest only themselves.
         */
        if (id == 0 || (cfg.avoid_known && f->id != 0 && id < cfg.nr_fz && id != f->id))
            id = f->id ? f->id : 1 + (uint32_t)below(f, cfg.nr_vcpus - 1);
        if (id == 0)
            id = cfg.nr_vcpus; /* a single vCPU: a refused id instead */
        arg = fz_u64(f);
        if (id == f->id) {
            fz_note_down(id); /* vCPU0 brings us back */
            break;
        }
        /*
         * Another vCPU stops wherever it is, maybe holding a lock of ours (the console's):
         * bring it back at once, before we could wait for that lock ourselves.
         */
        {
            struct fz_call down = { .nr = __HYPERVISOR_vcpu_op, .name = names[cmd],
                                    .a = { cmd, id, arg }, .quiet = 1 };

            fz_issue(f, &down);
        }
        cmd = (int)id == cfg.spare && !fz_spare_startable() ? VCPUOP_is_up : VCPUOP_up;
        c->quiet = 2;
        break;
    case VCPUOP_is_up:
    case VCPUOP_stop_periodic_timer:
        arg = fz_u64(f);
        break;
    case VCPUOP_get_runstate_info:
        arg = fz_ptr_out(f, sizeof(struct vcpu_runstate_info));
        if (fz_in_lane(f, 1, arg, sizeof(struct vcpu_runstate_info)))
            c->note[0] = arg;
        break;
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_register_vcpu_time_memory_area:
        ((struct vcpu_register_runstate_memory_area *)s)->addr_gva = area_addr(f, 64);
        len = sizeof(struct vcpu_register_runstate_memory_area);
        break;
    case VCPUOP_set_periodic_timer: {
        uint64_t *p = (uint64_t *)s;

        switch (PICK(f, 20, 40, 10, 30)) {
        case 0:
            *p = below(f, MS(1));
            break;
        case 1:
            *p = MS(1) + below(f, MS(50));
            break;
        case 2:
            *p = (1ULL << 50) + below(f, 1000);
            break;
        default:
            *p = fz_u64(f);
            break;
        }
        len = sizeof(struct vcpu_set_periodic_timer);
        break;
    }
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer *t = (void *)s;

        if (pct(f, 70))
            id = f->id;
        switch (PICK(f, 20, 40, 10, 10, 20)) {
        case 0:
            t->timeout_abs_ns = now_ns() - below(f, SEC(1));
            break;
        case 1:
            t->timeout_abs_ns = fz_now_plus(f, MS(50));
            break;
        case 2:
            t->timeout_abs_ns = now_ns() + SEC(3600) + rnd(f) % SEC(3600);
            break;
        case 3:
            t->timeout_abs_ns = 0;
            break;
        default:
            t->timeout_abs_ns = fz_u64(f);
            break;
        }
        t->flags = PICK(f, 60, 25, 15) == 0 ? 0 : one_in(f, 2) ? VCPU_SSHOTTMR_future
                                                               : fz_u32(f);
        len = sizeof(*t);
        break;
    }
    case VCPUOP_stop_singleshot_timer:
        if (pct(f, 70))
            id = f->id;
        arg = fz_u64(f);
        break;
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info *r = (void *)s;

        /*
         * Only the spare is unregistered (the runtime registered the others at the start,
         * and Xen allows it once). avoid_known=1: registering it in a frame that another
         * vCPU frees at the same time is a known bug, so it gets a page of its own.
         */
        r->mfn = cfg.avoid_known && (int)id == cfg.spare ? FZ_SPARE_VI_GFN
                                                        : fz_gfn(f, GFN_DATA);
        r->offset = pct(f, 70) ? (uint32_t)(below(f, PAGE_SIZE - 64) & ~7ULL) : fz_u32(f);
        r->rsvd = pct(f, 80) ? 0 : fz_u32(f);
        len = sizeof(*r);
        break;
    }
    case VCPUOP_send_nmi:
        /* Xen refuses a non-NULL argument; an NMI would kill the runtime (no handler). */
        arg = (uintptr_t)s;
        break;
    case VCPUOP_get_physid:
        arg = fz_ptr_out(f, sizeof(struct vcpu_get_physid));
        break;
    default:
        cmd = fz_unknown_op(f, VCPUOP_register_vcpu_time_memory_area + 1);
        arg = fz_bad_ptr(f);
        break;
    }
    c->nr = __HYPERVISOR_vcpu_op;
    c->name = cmd < ARRAY_SIZE(names) ? names[cmd] : "vcpu_op/unknown";
    c->max_rc = cmd == VCPUOP_is_up;
    c->a[0] = cmd;
    /* Junk above the 32-bit vCPU id now and then (the id itself stays as steered). */
    c->a[1] = id | (one_in(f, 20) ? fz_u64(f) << 32 : 0);
    c->a[2] = len ? fz_pass(f, c, s, len, 16) : arg;
}
