/* SPDX-License-Identifier: MIT */
/* Time (pvh-abi.md §5): the pvclock, the wallclock, and the timers that raise VIRQ_TIMER. */
#include "lib.h"

const char test_title[] = "pvclock, wallclock and VIRQ_TIMER timers";

#define UNIX_2020 1577836800UL /* 2020-01-01T00:00:00Z */
#define UNIX_2100 4102444800UL
/* TCG is slow: a timer may fire late, but never early. */
#define TIMER_SLACK MS(500)

static evtchn_port_t timer_port;
static volatile uint64_t fired_at;

static void timer_handler(evtchn_port_t port, void *arg)
{
    fired_at = now_ns();
}

static void check_pvclock(void)
{
    volatile struct vcpu_time_info *t = &this_vcpu_info()->time;
    struct cpuid_regs leaf = cpuid_count(xen_cpuid_base + XEN_CPUID_LEAF_TIME, 0);
    uint64_t prev, now, khz;

    printk("pvclock: version %u, mul %u, shift %d, flags %#x, system_time %lu\n", t->version,
           t->tsc_to_system_mul, t->tsc_shift, t->flags, t->system_time);
    if (!check(t->tsc_to_system_mul != 0, "vcpu_time_info.tsc_to_system_mul is 0 once "
               "shared_info is mapped (Linux divides by it)"))
        xtf_exit();
    check(t->tsc_shift > -32 && t->tsc_shift < 32, "vcpu_time_info.tsc_shift %d out of range",
          t->tsc_shift);

    /* The TSC frequency the pvclock implies, against CPUID's guest kHz. */
    khz = (1000000ULL << 32) / t->tsc_to_system_mul;
    khz = t->tsc_shift >= 0 ? khz >> t->tsc_shift : khz << -t->tsc_shift;
    printk("pvclock implies a %lu kHz TSC; CPUID %#x.0 says %u kHz\n", khz,
           xen_cpuid_base + XEN_CPUID_LEAF_TIME, leaf.c);
    if (leaf.c)
        check(khz * 100 > (uint64_t)leaf.c * 98 && khz * 100 < (uint64_t)leaf.c * 102,
              "pvclock TSC rate %lu kHz is more than 2%% away from CPUID's %u kHz", khz, leaf.c);

    prev = now_ns();
    for (unsigned int i = 0; i < 100000; i++) {
        now = now_ns();
        if (!check(now >= prev, "pvclock went backwards on vCPU0: %lu then %lu", prev, now))
            break;
        prev = now;
    }

    /* 20 ms measured with the TSC at CPUID's rate must read as ~20 ms of system time. Each
     * time is taken with the TSC value it was computed from, so being descheduled between
     * two reads (other domains share the CPU) cannot skew the comparison. */
    if (leaf.c) {
        uint64_t tsc0, tsc1, ticks = (uint64_t)leaf.c * 20, dns, expect;
        uint64_t ns0 = pvclock_read_tsc(&this_vcpu_info()->time, &tsc0);

        while (rdtsc() - tsc0 < ticks)
            cpu_relax();
        dns = pvclock_read_tsc(&this_vcpu_info()->time, &tsc1) - ns0;
        expect = (tsc1 - tsc0) * 1000000 / leaf.c; /* ns at CPUID's kHz */
        check(dns * 100 > expect * 98 && dns * 100 < expect * 102,
              "%lu TSC ticks (%lu ns at CPUID's rate) advanced system time by %lu ns",
              tsc1 - tsc0, expect, dns);
    }
}

static void check_wallclock(void)
{
    volatile struct shared_info *s = shared_info();
    uint32_t nsec;
    uint64_t sec = wallclock_sec(&nsec), now = sec + now_ns() / SEC(1);

    printk("wallclock: boot at %lu.%09u, now %lu (Unix time)\n", sec, nsec, now);
    check(!(s->wc_version & 1), "shared_info.wc_version %u is odd at rest", s->wc_version);
    check(nsec < 1000000000U, "shared_info.wc_nsec %u is not below 10^9", nsec);
    check(now > UNIX_2020 && now < UNIX_2100,
          "wallclock %lu (wc_sec + system time) is not between 2020 and 2100", now);
}

/* A stable copy of this vCPU's record (version protocol). */
static void copy_record(struct vcpu_time_info *out)
{
    volatile struct vcpu_time_info *t = &this_vcpu_info()->time;
    uint32_t ver;

    do {
        ver = t->version;
        smp_rmb();
        out->tsc_timestamp = t->tsc_timestamp;
        out->system_time = t->system_time;
        out->tsc_to_system_mul = t->tsc_to_system_mul;
        out->tsc_shift = t->tsc_shift;
        smp_rmb();
    } while ((ver & 1) || ver != t->version);
}

static uint64_t record_at(const struct vcpu_time_info *r, uint64_t tsc)
{
    uint64_t delta = tsc - r->tsc_timestamp;

    delta = r->tsc_shift < 0 ? delta >> -r->tsc_shift : delta << r->tsc_shift;
    return r->system_time + (uint64_t)(((unsigned __int128)delta * r->tsc_to_system_mul) >> 32);
}

/*
 * A record written a second ago and a fresh one agree on the time of the same TSC value: the
 * scale in the record is system time's own. With a scale that differs in the 7th digit, a vCPU
 * left running on one record drifts by hundreds of ns per second from a vCPU whose record was
 * just written, and their clocks cross.
 */
static void check_stale_record(void)
{
    struct vcpu_time_info old, fresh;
    uint64_t tsc, a, b;

    copy_record(&old);
    delay_ns(SEC(1));
    /* Sleep 20 ms (a poll of no ports, interrupts off): Tern writes the record at wake-up. */
    struct sched_poll p = { .nr_ports = 0, .timeout = now_ns() + MS(20) };
    bool was_on = irqs_enabled();
    irq_disable();
    check_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0, "SCHEDOP_poll of no ports, 20 ms");
    if (was_on)
        irq_enable();
    if (!check(this_vcpu_info()->time.tsc_timestamp != old.tsc_timestamp,
               "this vCPU's time record was not rewritten when it woke from a poll"))
        return;
    copy_record(&fresh);
    tsc = rdtsc();
    a = record_at(&old, tsc);
    b = record_at(&fresh, tsc);
    check(a <= b + 2 && b <= a + 2,
          "TSC %lu is %lu ns by a record %lu ticks old but %lu ns by a fresh one", tsc, a,
          tsc - old.tsc_timestamp, b);
}

/* The pvclock of vCPU1 against vCPU0's, by ping-pong: each read follows the other's. */
static volatile uint64_t pp_time;
static volatile unsigned int pp_turn;
#define PP_ROUNDS 500

static void pingpong_ap(unsigned int id, void *arg)
{
    for (unsigned int i = 1; i < 2 * PP_ROUNDS; i += 2) {
        uint64_t t;

        while (pp_turn != i)
            cpu_relax();
        t = now_ns();
        if (t < pp_time)
            xtf_failure("vCPU1 read pvclock %lu after vCPU0 read %lu (round %u)", t, pp_time,
                        i / 2);
        pp_time = t;
        smp_wmb();
        pp_turn = i + 1;
    }
}

static void check_cross_vcpu(void)
{
    if (vcpu_start(1, pingpong_ap, NULL))
        return;
    for (unsigned int i = 0; i < 2 * PP_ROUNDS; i += 2) {
        uint64_t t;

        if (!wait_until(pp_turn == i, SEC(5))) {
            xtf_failure("vCPU1 stopped answering the pvclock ping-pong at round %u", i / 2);
            return;
        }
        t = now_ns();
        if (t < pp_time) {
            xtf_failure("vCPU0 read pvclock %lu after vCPU1 read %lu (round %u)", t, pp_time,
                        i / 2);
            return;
        }
        pp_time = t;
        smp_wmb();
        pp_turn = i + 1;
    }
    printk("pvclock consistent across vCPU0 and vCPU1 over %u rounds\n", PP_ROUNDS);
}

/*
 * After arming a timer for deadline at armed_at (base: the port's count before arming, as a
 * deadline in the past may fire before the arming hypercall even returns), check VIRQ_TIMER
 * fires at, not before, the deadline.
 */
static void check_fires(const char *what, uint64_t deadline, uint64_t armed_at, uint64_t base)
{
    uint64_t lateness, expect = deadline > armed_at ? deadline : armed_at;

    if (!check(wait_until(evtchn_count(timer_port) > base, expect - armed_at + SEC(5)),
               "%s: VIRQ_TIMER did not fire within 5 s of the deadline", what))
        return;
    check(fired_at >= deadline || deadline < armed_at,
          "%s: VIRQ_TIMER fired %lu ns before the deadline", what, deadline - fired_at);
    lateness = fired_at - expect;
    check(fired_at < expect || lateness < TIMER_SLACK,
          "%s: VIRQ_TIMER fired %lu ms after the deadline (limit %lu ms)", what,
          lateness / MS(1), TIMER_SLACK / MS(1));
}

static long sshot(unsigned int vcpu, uint64_t deadline, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline, .flags = flags };

    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &t);
}

static void check_timers(void)
{
    struct vcpu_set_periodic_timer per = { .period_ns = MS(1) / 2 };
    uint64_t t0, deadline, count;
    long rc;

    if (!check_rc(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind VIRQ_TIMER on vCPU0"))
        return;
    evtchn_register(timer_port, 0, timer_handler, NULL);
    irq_enable();

    /* Linux stops the periodic timer, then uses the singleshot one. */
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
             "VCPUOP_stop_periodic_timer");

    count = evtchn_count(timer_port);
    t0 = now_ns();
    deadline = t0 + MS(50);
    if (check_rc(sshot(0, deadline, 0), 0, "VCPUOP_set_singleshot_timer(now + 50 ms)"))
        check_fires("singleshot now + 50 ms", deadline, t0, count);

    /* A deadline in the past fires at once (Linux relies on it). */
    count = evtchn_count(timer_port);
    t0 = now_ns();
    deadline = t0 - MS(1);
    if (check_rc(sshot(0, deadline, 0), 0, "VCPUOP_set_singleshot_timer(now - 1 ms)"))
        check_fires("singleshot in the past", deadline, t0, count);

    /* With VCPU_SSHOTTMR_future: Xen 4.17 says -ETIME; later Xen ignores the flag. */
    count = evtchn_count(timer_port);
    t0 = now_ns();
    rc = sshot(0, t0 - MS(1), VCPU_SSHOTTMR_future);
    if (rc == 0)
        check_fires("singleshot in the past, flag future ignored", t0 - MS(1), t0, count);
    else
        check(rc == -ETIME, "VCPUOP_set_singleshot_timer(past, VCPU_SSHOTTMR_future): "
              "expected -62 (ETIME) or 0, got %ld (%s)", rc, errno_name(rc));

    /* Stopped before its deadline: no event. */
    count = evtchn_count(timer_port);
    if (check_rc(sshot(0, now_ns() + MS(100), 0), 0, "VCPUOP_set_singleshot_timer(+100 ms)") &&
        check_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0,
                 "VCPUOP_stop_singleshot_timer")) {
        delay_ns(MS(300));
        check(evtchn_count(timer_port) == count, "VIRQ_TIMER fired after "
              "VCPUOP_stop_singleshot_timer");
    }

    /* Only the calling vCPU's own singleshot timer may be set or stopped. */
    check_rc(sshot(1, now_ns() + MS(100), 0), -EINVAL,
             "VCPUOP_set_singleshot_timer for vCPU1 from vCPU0");
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL), -EINVAL,
             "VCPUOP_stop_singleshot_timer for vCPU1 from vCPU0");

    /* set_timer_op (hypercall 15) drives the same timer. */
    count = evtchn_count(timer_port);
    t0 = now_ns();
    deadline = t0 + MS(30);
    if (check_rc(HYPERVISOR_set_timer_op(deadline), 0, "set_timer_op(now + 30 ms)"))
        check_fires("set_timer_op now + 30 ms", deadline, t0, count);

    /* Periodic: below 1 ms is refused; 20 ms ticks until stopped. */
    check_rc(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), -EINVAL,
             "VCPUOP_set_periodic_timer(0.5 ms)");
    per.period_ns = MS(20);
    count = evtchn_count(timer_port);
    if (check_rc(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0,
                 "VCPUOP_set_periodic_timer(20 ms)")) {
        check(wait_until(evtchn_count(timer_port) >= count + 3, SEC(5)),
              "periodic 20 ms timer: %lu events in 5 s, expected at least 3",
              evtchn_count(timer_port) - count);
        check_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
                 "VCPUOP_stop_periodic_timer");
        delay_ns(MS(50));
        count = evtchn_count(timer_port);
        delay_ns(MS(300));
        check(evtchn_count(timer_port) == count,
              "periodic timer still firing after VCPUOP_stop_periodic_timer (%lu more)",
              evtchn_count(timer_port) - count);
    }
    irq_disable();
}

void test_main(void)
{
    long rc = events_init();

    if (rc)
        xtf_fatal("events_init: HVM_PARAM_CALLBACK_IRQ returned %ld (%s)", rc, errno_name(rc));
    check_pvclock();
    check_wallclock();
    check_stale_record();
    check_cross_vcpu();
    check_timers();
    xtf_success();
}
