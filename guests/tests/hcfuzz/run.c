/* SPDX-License-Identifier: MIT */
/* The fuzzing loop of each vCPU: pick, issue, count, watch the others make progress. */
#include "fuzz.h"

struct fz_config cfg;
struct fz fz_state[MAX_VCPUS];
evtchn_port_t fz_timer_port[MAX_VCPUS];

static volatile uint64_t total_calls;
static volatile int stop_all;
static volatile uint64_t run_start_ns;
/* VCPUOP_down requests and the ones vCPU0 has undone (run_revive()). */
static volatile uint64_t down_req[MAX_VCPUS];
static uint64_t down_done[MAX_VCPUS];
/* The spare vCPU: 0 not initialised, 1 initialised with our good context, 2 with junk. */
static volatile int spare_state;
static volatile int finishing;
static volatile int removal_lock;
static volatile uint64_t nr_failures;
/* Each vCPU's view of every vCPU's progress: [observer][observed]. */
static uint64_t seen_calls[MAX_VCPUS][MAX_VCPUS];
static uint64_t seen_at[MAX_VCPUS][MAX_VCPUS];

bool fz_port_reserved(uint32_t port)
{
    for (unsigned int i = 0; i < cfg.nr_fz; i++)
        if (fz_timer_port[i] == port)
            return true;
    return false;
}

void fz_note_down(unsigned int vcpu)
{
    if (vcpu < MAX_VCPUS)
        atomic_inc(&down_req[vcpu]);
}

bool fz_spare_startable(void)
{
    return spare_state == 1;
}

void fz_spare_initialised(bool good)
{
    cmpxchg(&spare_state, 0, good ? 1 : 2);
}

/* ---- Reports --------------------------------------------------------------------------- */

static void format_call(char *buf, size_t size, const struct fz_call *c)
{
    int n = snprintf(buf, size, "%s: nr %#lx args (%#lx, %#lx, %#lx, %#lx, %#lx)%s%s",
                     c->name ? c->name : "?", c->nr, c->a[0], c->a[1], c->a[2], c->a[3],
                     c->a[4], c->via_page ? " via the hypercall page" : "",
                     c->irqs_off ? " with interrupts off" : "");

    if (c->arg_len && n > 0 && (size_t)n < size) {
        n += snprintf(buf + n, size - n, "; %u bytes at %#lx:", c->arg_len, c->arg);
        for (unsigned int i = 0; i < c->arg_len && n > 0 && (size_t)n < size; i++)
            n += snprintf(buf + n, size - n, " %02x", c->bytes[i]);
    }
}

void fz_fail(const struct fz_call *c, long rc, const char *fmt, ...)
{
    char what[160], call[512];
    va_list ap;
    uint64_t n = atomic_inc(&nr_failures);

    /* Plenty to go on after a few; the count is in the summary. */
    if (n > 20)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    format_call(call, sizeof(call), c);
    xtf_failure("hcfuzz: vCPU%u call #%lu returned %ld (%s): %s [%s]", smp_id(),
                fz_self()->calls, rc, errno_name(rc), what, call);
}

/* ---- Issuing --------------------------------------------------------------------------- */

static long raw_call(const struct fz_call *c)
{
    uint64_t nr = c->nr;

    if (c->via_page && nr < PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE) {
        void *fn = xen_hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE;

        return HYPERCALL_ASM("call *%[fn]", nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4],
                             [fn] "r"(fn));
    }
    return HYPERCALL_ASM("vmmcall", nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
}

static void print_progress(uint64_t total)
{
    uint64_t ms = (now_ns() - run_start_ns) / 1000000;
    char per[160];
    int n = 0;

    for (unsigned int i = 0; i < cfg.nr_fz && n >= 0 && (size_t)n < sizeof(per); i++)
        n += snprintf(per + n, sizeof(per) - n, "%s%lu", i ? " " : "", fz_state[i].calls);
    printk("hcfuzz: %lu calls in %lu.%03lu s (%lu/s); per vCPU: %s\n", total, ms / 1000,
           ms % 1000, ms ? total * 1000 / ms : 0, per);
}

static void run_revive(struct fz *f);

long fz_issue(struct fz *f, struct fz_call *c)
{
    long rc;
    uint64_t total;

    /* The record a stalled call is reported from: a sequence count brackets the update. */
    f->in_flight_seq++;
    smp_wmb();
    f->cur = *c;
    f->started_ns = now_ns();
    smp_wmb();
    f->in_flight_seq++;

    if (f->calls + 1 >= cfg.trace_from && c->quiet < 2) {
        char call[512];

        format_call(call, sizeof(call), c);
        printk("hcfuzz: vCPU%u #%lu issuing %s\n", f->id, f->calls + 1, call);
    }
    /*
     * avoid_known=1: two CPUs removing p2m entries of our domain at once each waited 100 ms
     * for the other's vCPU in the old p2m_sync_vcpus() (a Tern bug this fuzzer found, fixed
     * in issue 7 by p2m_flush_sync): one such call at a time.
     */
    if (c->removes && cfg.avoid_known) {
        while (xchg(&removal_lock, 1)) {
            cpu_relax();
            /* The holder may have been downed: only vCPU0 brings it back. */
            if (f->id == 0)
                run_revive(f);
        }
    }
    if (c->irqs_off)
        irq_disable();
    rc = raw_call(c);
    /* Before interrupts come back: a lost IDT mapping would triple-fault at the next one. */
    sentinel_check(c, rc);
    if (!c->stay_irqs_off)
        irq_enable();
    if (c->removes && cfg.avoid_known)
        __atomic_store_n(&removal_lock, 0, __ATOMIC_RELEASE);

    f->calls++;
    if (c->nr < ARRAY_SIZE(f->per_nr))
        f->per_nr[c->nr]++;
    total = atomic_inc(&total_calls);

    if (c->quiet)
        return rc;
    if (f->calls >= cfg.trace_from)
        printk("hcfuzz: vCPU%u #%lu returned %ld\n", f->id, f->calls, rc);
    /* Tern's continuations (-ERESTART) re-execute the call: the guest never sees one. */
    if (rc == -ERESTART)
        fz_fail(c, rc, "-ERESTART reached the guest");
    else if (rc < -4095)
        fz_fail(c, rc, "no errno is that large");
    else if (rc > c->max_rc)
        fz_fail(c, rc, "a positive result where at most %ld is plausible", (long)c->max_rc);
    else if (c->verify)
        c->verify(c, rc);

    /* Each total is seen by exactly one vCPU: that one reports the round numbers. */
    if (total % cfg.progress_every == 0)
        print_progress(total);
    return rc;
}

long fz_issue_simple(struct fz *f, const char *name, uint64_t nr, uint64_t a1, uint64_t a2,
                     uint64_t a3)
{
    struct fz_call c = { .nr = nr, .a = { a1, a2, a3 }, .name = name, .max_rc = 1 };

    return fz_issue(f, &c);
}

/* ---- Keeping the vCPUs alive --------------------------------------------------------- */

/*
 * vCPU0 brings back the vCPUs a VCPUOP_down took away (the fuzzer downs vCPUs on purpose;
 * vCPU0 itself is never downed, so someone is always there to do this). A request is done
 * once the vCPU was seen down and brought up: if it is still running, its down is yet to
 * come and we look again next time.
 */
static void run_revive(struct fz *f)
{
    for (unsigned int j = 1; j < cfg.nr_fz; j++) {
        uint64_t req = down_req[j];

        if (req == down_done[j])
            continue;
        if (fz_issue_simple(f, "vcpu_op/is_up (revive)", __HYPERVISOR_vcpu_op, VCPUOP_is_up,
                            j, 0) == 0) {
            long rc = fz_issue_simple(f, "vcpu_op/up (revive)", __HYPERVISOR_vcpu_op,
                                      VCPUOP_up, j, 0);

            if (rc)
                fz_fail(&f->cur, rc, "VCPUOP_up of vCPU%u, which we downed, failed", j);
            down_done[j] = req;
        }
    }
}

static __noreturn void run_finish(struct fz *f, const char *why);

/* A consistent copy of o's current (or last) call; returns when it was issued. */
static uint64_t snapshot_call(struct fz *o, struct fz_call *c)
{
    uint64_t seq, started;

    do {
        seq = o->in_flight_seq;
        smp_rmb();
        *c = o->cur;
        started = o->started_ns;
        smp_rmb();
    } while ((seq & 1) || seq != o->in_flight_seq);
    return started;
}

/* What the other vCPUs are issuing (or issued last), when a failure may be theirs. */
void fz_report_in_flight(void)
{
    char call[512];
    struct fz_call c;

    for (unsigned int j = 0; j < cfg.nr_fz; j++) {
        if (j == smp_id())
            continue;
        snapshot_call(&fz_state[j], &c);
        format_call(call, sizeof(call), &c);
        printk("hcfuzz: meanwhile vCPU%u, call #%lu or the one before: %s\n", j,
               fz_state[j].calls + 1, call);
    }
}

/* Every vCPU watches every other: one that makes no call for stall_ns is a FAILURE. */
static void run_monitor(struct fz *f)
{
    uint64_t now = now_ns();

    for (unsigned int j = 0; j < cfg.nr_fz; j++) {
        struct fz *o = &fz_state[j];
        uint64_t calls = o->calls;
        struct fz_call c;
        uint64_t started;
        char call[512];

        if (j == f->id || !o->running || calls != seen_calls[f->id][j] ||
            !seen_at[f->id][j]) {
            seen_calls[f->id][j] = calls;
            seen_at[f->id][j] = now;
            continue;
        }
        if (now - seen_at[f->id][j] < cfg.stall_ns)
            continue;
        started = snapshot_call(o, &c);
        format_call(call, sizeof(call), &c);
        xtf_failure("hcfuzz: vCPU%u made no progress for %lu s: its call #%lu, issued %lu s "
                    "ago, never returned: %s", j, (now - seen_at[f->id][j]) / SEC(1),
                    calls + 1, (now - started) / SEC(1), call);
        stop_all = 1;
        run_finish(f, "a vCPU stopped making progress");
    }
}

/* ---- The loop -------------------------------------------------------------------------- */

static const struct {
    unsigned int nr;
    uint8_t weight;
    void (*gen)(struct fz *f, struct fz_call *c);
} families[] = {
    { __HYPERVISOR_memory_op, 18, gen_memory_op },
    { __HYPERVISOR_grant_table_op, 18, gen_grant_table_op },
    { __HYPERVISOR_event_channel_op, 16, gen_event_channel_op },
    { __HYPERVISOR_vcpu_op, 12, gen_vcpu_op },
    { __HYPERVISOR_sched_op, 8, gen_sched_op },
    { __HYPERVISOR_hvm_op, 8, gen_hvm_op },
    { __HYPERVISOR_xen_version, 6, gen_xen_version },
    { __HYPERVISOR_console_io, 3, gen_console_io },
    { __HYPERVISOR_set_timer_op, 3, gen_set_timer_op },
    { __HYPERVISOR_vm_assist, 2, gen_vm_assist },
    { __HYPERVISOR_multicall, 2, gen_multicall },
    { 64, 6, gen_unknown }, /* numbers Tern does not implement; 64: any of them */
};

static void generate(struct fz *f, struct fz_call *c)
{
    uint8_t w[ARRAY_SIZE(families)];
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(families); i++)
        w[i] = (!cfg.only || (families[i].nr < 64 && (cfg.only >> families[i].nr) & 1) ||
                (families[i].nr == 64 && (cfg.only >> 63) & 1)) ? families[i].weight : 0;
    i = pick(f, w, ARRAY_SIZE(families));
    families[i].gen(f, c);
    /* Xen's page has ud2 in place of the iret stub (23): the guest would fault. */
    c->via_page = c->nr < 64 && c->nr != __HYPERVISOR_iret && one_in(f, 8);
    c->irqs_off |= one_in(f, 8);
}

void fz_vcpu_main(unsigned int id, void *arg)
{
    struct fz *f = &fz_state[id];

    f->running = 1;
    irq_enable();
    while (!stop_all && total_calls < cfg.iterations) {
        struct fz_call c;

        if (id == 0)
            run_revive(f);
        if ((f->calls & 127) == 0)
            run_monitor(f);
        /* Now and then, rewrite some of our grant entries (plain memory writes). */
        if (one_in(f, 32))
            gen_grant_entries(f);
        memset(&c, 0, sizeof(c));
        generate(f, &c);
        if (c.name)
            fz_issue(f, &c);
    }
    f->running = 0;
    if (id == 0)
        run_finish(f, NULL);
}

void fz_run_start(void);
void fz_run_start(void)
{
    run_start_ns = now_ns();
}

/* ---- The end ----------------------------------------------------------------------- */

static __noreturn void run_finish(struct fz *f, const char *why)
{
    uint64_t ms, total, end;
    char per[200];
    int n = 0;
    struct sched_shutdown code = { .reason = SHUTDOWN_poweroff };

    if (xchg(&finishing, 1)) {
        /* Someone else is ending the test: stop here. */
        for (;;)
            HYPERVISOR_vcpu_op(VCPUOP_down, f->id, NULL);
    }
    stop_all = 1;
    /* Let the others leave their loops (a stalled one never will: it was reported). */
    end = now_ns() + SEC(5);
    for (unsigned int j = 0; j < cfg.nr_fz; j++) {
        while (j != f->id && fz_state[j].running && now_ns() < end) {
            if (f->id == 0)
                run_revive(f);
            wait_step();
        }
    }
    total = total_calls;
    ms = (now_ns() - run_start_ns) / 1000000;
    for (unsigned int i = 0; i < cfg.nr_fz && n >= 0 && (size_t)n < sizeof(per); i++)
        n += snprintf(per + n, sizeof(per) - n, "%s%lu", i ? " " : "", fz_state[i].calls);
    /* A partial line of junk a call may have left on our console must not swallow ours. */
    HYPERVISOR_console_io(CONSOLEIO_write, 1, "\n");
    printk("hcfuzz: total %lu hypercalls in %lu.%03lu s (%lu/s), seed %#lx; per vCPU: %s\n",
           total, ms / 1000, ms % 1000, ms ? total * 1000 / ms : 0, cfg.seed, per);
    for (unsigned int nr = 0; nr < 64; nr++) {
        uint64_t sum = 0;

        for (unsigned int i = 0; i < cfg.nr_fz; i++)
            sum += fz_state[i].per_nr[nr];
        if (sum)
            printk("hcfuzz:   hypercall %2u: %lu\n", nr, sum);
    }
    if (nr_failures)
        printk("hcfuzz: %lu implausible results (the first 20 are above)\n", nr_failures);
    /* The fuzzer sets random shutdown codes; the domain must still end as powered off. */
    HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code);
    if (why)
        xtf_failure("hcfuzz: %s", why);
    else if (total < cfg.iterations)
        xtf_failure("hcfuzz: stopped after %lu of %lu calls", total, cfg.iterations);
    xtf_success();
    xtf_exit();
}
