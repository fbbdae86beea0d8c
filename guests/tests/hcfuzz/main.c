/* SPDX-License-Identifier: MIT */
/* Hypercall fuzzer: random and structure-aware arguments on every vCPU; Tern must answer. */
#include "fuzz.h"

const char test_title[] = "hypercall fuzzer: random arguments from every vCPU at once";

/*
 * Command line (extra = "..."):
 *   seed=<n>         replay a run (default: from the TSC); each vCPU's stream is derived
 *   iterations=<n>   hypercalls in total over all vCPUs (default 1000000)
 *   avoid_known=0|1  steer around bugs that were once open (default 0; fuzz.h)
 *   spare=0|1        keep the last vCPU as the never-started target of VCPUOP_initialise
 *                    (default 1 when the domain has more than 2 vCPUs)
 *   peers=<d,d,...>  other domains' ids to aim at (default: 1..8 but ours)
 *   only=<n,n,...>   fuzz only these hypercall numbers (64: the unknown ones)
 *   stall_s=<s>      a vCPU without progress this long is a FAILURE (default 60)
 *   progress=<n>     a progress line every n calls (default 100000)
 *   trace_from=<n>   print every call from each vCPU's n-th call on
 */

extern uint64_t fz_max_pages;
extern long fz_xen_version;
void fz_run_start(void);

static uint8_t hypercall_page[PAGE_SIZE] __page_aligned;

/* A comma-separated list of numbers; returns how many were stored. */
static unsigned int parse_list(const char *key, uint64_t *out, unsigned int max)
{
    char buf[128];
    const char *p = buf;
    unsigned int n = 0;

    if (!cmdline_get(key, buf, sizeof(buf)))
        return 0;
    while (*p && n < max) {
        const char *end;

        out[n++] = strtoul(p, &end, 0);
        if (end == p)
            break;
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void parse_cmdline(void)
{
    uint64_t list[16];
    unsigned int n;

    cfg.seed = (uint64_t)cmdline_get_int("seed", 0);
    if (!cmdline_get("seed", NULL, 0)) {
        uint64_t t = rdtsc();

        cfg.seed = splitmix64(&t);
    }
    cfg.iterations = (uint64_t)cmdline_get_int("iterations", 1000000);
    cfg.avoid_known = cmdline_get_int("avoid_known", 0) != 0;
    cfg.stall_ns = SEC((uint64_t)cmdline_get_int("stall_s", 60));
    cfg.progress_every = (uint64_t)cmdline_get_int("progress", 100000);
    if (!cfg.progress_every)
        cfg.progress_every = ~0ULL;
    cfg.trace_from = (uint64_t)cmdline_get_int("trace_from", -1);
    n = parse_list("only", list, ARRAY_SIZE(list));
    for (unsigned int i = 0; i < n; i++)
        cfg.only |= 1ULL << (list[i] >= 64 ? 63 : list[i]);
    n = parse_list("peers", list, ARRAY_SIZE(cfg.others));
    for (unsigned int i = 0; i < n; i++)
        cfg.others[cfg.nr_others++] = (domid_t)list[i];
    if (!n)
        for (domid_t d = 1; d <= 8; d++)
            if (d != cfg.self)
                cfg.others[cfg.nr_others++] = d;
}

static unsigned int count_vcpus(void)
{
    unsigned int n = 0;

    while (n < MAX_VCPUS && vcpu_is_up(n) != -ENOENT)
        n++;
    return n;
}

/* What the run needs from the runtime before the first random call. */
static void setup(void)
{
    long rc;
    domid_t self = DOMID_SELF;

    if (events_init())
        xtf_fatal("hcfuzz: HVM_PARAM_CALLBACK_IRQ could not be set");
    cfg.shinfo_gfn = virt_to_gfn(shared_info());
    if (hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &cfg.callback_irq))
        xtf_fatal("hcfuzz: HVM_PARAM_CALLBACK_IRQ could not be read");
    if (xen_install_hypercall_page(hypercall_page) >= 0)
        xtf_fatal("hcfuzz: the hypercall page could not be installed");
    fz_xen_version = HYPERVISOR_xen_version(XENVER_version, NULL);
    rc = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    if (rc <= 0)
        xtf_fatal("hcfuzz: XENMEM_maximum_reservation: %ld", rc);
    fz_max_pages = (uint64_t)rc;
    layout_init();
    grant_view_init();
    sentinel_init();

    /*
     * Each fuzzing vCPU gets its vcpu_info registered now, where the runtime keeps it:
     * Xen allows that once, so the fuzzer's own VCPUOP_register_vcpu_info calls cannot
     * move it later. And a VIRQ_TIMER port, which nothing closes (fuzz.h).
     */
    for (unsigned int i = 0; i < cfg.nr_fz; i++) {
        rc = vcpu_register_vcpu_info(i);
        if (rc)
            xtf_fatal("hcfuzz: VCPUOP_register_vcpu_info(vCPU%u): %ld (%s)", i, rc,
                      errno_name(rc));
        rc = evtchn_bind_virq(VIRQ_TIMER, i, &fz_timer_port[i]);
        if (rc)
            xtf_fatal("hcfuzz: EVTCHNOP_bind_virq(VIRQ_TIMER, vCPU%u): %ld (%s)", i, rc,
                      errno_name(rc));
        evtchn_register(fz_timer_port[i], i, NULL, NULL);
    }
}

void test_main(void)
{
    uint64_t s;
    long spare;

    cfg.self = xen_domid();
    parse_cmdline();
    cfg.nr_vcpus = count_vcpus();
    spare = cmdline_get_int("spare", cfg.nr_vcpus > 2);
    cfg.spare = spare && cfg.nr_vcpus > 1 ? (int)cfg.nr_vcpus - 1 : -1;
    cfg.nr_fz = cfg.nr_vcpus - (cfg.spare >= 0);
    setup();

    printk("hcfuzz: seed %#lx (replay: extra = \"seed=%#lx iterations=%lu\"), %lu calls on "
           "%u vCPUs%s, avoid_known=%d, domain %u, arena %#lx-%#lx\n", cfg.seed, cfg.seed,
           cfg.iterations, cfg.iterations, cfg.nr_fz,
           cfg.spare >= 0 ? " (+ a spare)" : "", cfg.avoid_known, cfg.self,
           (unsigned long)FZ_ARENA_GFN, cfg.arena_hi);
    s = cfg.seed;
    for (unsigned int i = 0; i < cfg.nr_fz; i++) {
        struct fz *f = &fz_state[i];

        f->id = i;
        f->seed = splitmix64(&s);
        f->rng = f->seed ? f->seed : 1;
        printk("hcfuzz: vCPU%u seed %#lx\n", i, f->seed);
    }

    fz_run_start();
    for (unsigned int i = 1; i < cfg.nr_fz; i++)
        if (vcpu_start(i, fz_vcpu_main, NULL))
            xtf_fatal("hcfuzz: vCPU%u did not start", i);
    fz_vcpu_main(0, NULL); /* ends the test */
}
