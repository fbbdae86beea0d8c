/* SPDX-License-Identifier: MIT */
/* sched_op (hypercall 29): yield, block, poll (pvh-abi.md §4, pitfall 5), shutdown_code. */
#include "lib.h"

const char test_title[] = "sched_op: yield, block, poll and their errors";

static evtchn_port_t timer_port, ipi_port;

static long poll(evtchn_port_t *ports, uint32_t nr, uint64_t timeout)
{
    struct sched_poll p = { .ports_gva = HC_PTR(ports), .nr_ports = nr, .timeout = timeout };

    return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static long sshot(uint64_t deadline)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };

    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

static void check_block(void)
{
    uint64_t t0 = now_ns(), deadline = t0 + MS(50), count = evtchn_count(timer_port), t1;
    unsigned int wakeups = 0;

    if (!check_rc(sshot(deadline), 0, "VCPUOP_set_singleshot_timer(+50 ms) for SCHEDOP_block"))
        return;
    printk("SCHEDOP_block until the timer fires\n");
    /* Other events may end a block early; block again until the timer's upcall ran. */
    while (evtchn_count(timer_port) == count && now_ns() < t0 + SEC(5)) {
        long rc;

        rc = sched_block_irq_enable();
        wakeups++;
        if (!check_rc(rc, 0, "SCHEDOP_block"))
            break;
        delay_ns(MS(1)); /* let a pending upcall in */
        irq_disable();
    }
    t1 = now_ns();
    irq_disable();
    if (check(evtchn_count(timer_port) > count, "SCHEDOP_block: no timer upcall within 5 s"))
        check(t1 >= deadline, "SCHEDOP_block returned for good %lu ns before the timer deadline",
              deadline - t1);
    printk("SCHEDOP_block woke after %lu ms (%u returns)\n", (t1 - t0) / MS(1), wakeups);
}

static void check_poll(void)
{
    volatile uint64_t *mask = shared_info()->evtchn_mask;
    uint64_t saved[XEN_EVTCHN_2L_WORDS], t0, t1;
    evtchn_port_t ports[2] = { ipi_port, timer_port }, bad = 4095;
    long rc;

    /* Mask every port: nothing raises an upcall, only polled ports can end a poll. */
    for (unsigned int i = 0; i < XEN_EVTCHN_2L_WORDS; i++)
        saved[i] = xchg(&mask[i], ~0UL);

    /* Timeout: absolute system time; the poll returns 0 at, not before, it. */
    t0 = now_ns();
    rc = poll(&ipi_port, 1, t0 + MS(100));
    t1 = now_ns();
    if (check_rc(rc, 0, "SCHEDOP_poll(idle port %u, timeout +100 ms)", ipi_port)) {
        check(t1 >= t0 + MS(100), "SCHEDOP_poll returned after %lu us, before its 100 ms "
              "timeout", (t1 - t0) / 1000);
        check(t1 < t0 + MS(100) + SEC(2), "SCHEDOP_poll returned %lu ms after a 100 ms timeout",
              (t1 - t0) / MS(1));
    }

    /* A pending port (masked) ends the poll at once. */
    evtchn_send(ipi_port);
    t0 = now_ns();
    rc = poll(&ipi_port, 1, t0 + SEC(5));
    t1 = now_ns();
    if (check_rc(rc, 0, "SCHEDOP_poll(pending port %u)", ipi_port))
        check(t1 - t0 < SEC(1), "SCHEDOP_poll on a pending port took %lu ms", (t1 - t0) / MS(1));
    evtchn_clear_pending(ipi_port);

    /* A masked port raised during the poll wakes it (Linux's PV spinlocks rely on it). */
    for (unsigned int nr = 1; nr <= 2; nr++) {
        evtchn_port_t *list = nr == 1 ? &timer_port : ports;

        t0 = now_ns();
        if (!check_rc(sshot(t0 + MS(50)), 0, "VCPUOP_set_singleshot_timer(+50 ms)"))
            break;
        rc = poll(list, nr, t0 + SEC(5));
        t1 = now_ns();
        if (check_rc(rc, 0, "SCHEDOP_poll(%u ports, masked timer port %u)", nr, timer_port)) {
            check(t1 >= t0 + MS(50) && t1 < t0 + SEC(2),
                  "SCHEDOP_poll(%u ports) on the masked timer port returned after %lu ms; "
                  "the timer was due at 50 ms", nr, (t1 - t0) / MS(1));
            check(evtchn_is_pending(timer_port), "timer port %u not pending after the poll",
                  timer_port);
        }
        evtchn_clear_pending(timer_port);
    }

    /* Errors. */
    check_rc(poll(&ipi_port, 129, 0), -EINVAL, "SCHEDOP_poll with 129 ports");
    check_rc(poll(&bad, 1, now_ns() + MS(10)), -EINVAL, "SCHEDOP_poll(port 4095)");
    /* Port 0 is reserved but inside the table (Xen's port_is_valid): polling it just waits
     * for the timeout. */
    bad = 0;
    check_rc(poll(&bad, 1, now_ns() + MS(10)), 0, "SCHEDOP_poll(port 0, reserved)");
    check_rc(poll((evtchn_port_t *)0xdead0000000UL, 1, now_ns() + MS(10)), -EFAULT,
             "SCHEDOP_poll with ports at 0xdead0000000");
    check_rc(HYPERVISOR_sched_op(SCHEDOP_poll, (void *)0xdead0000000UL), -EFAULT,
             "SCHEDOP_poll with its argument at 0xdead0000000");

    /* Restore the masks; unmask through Xen what became pending meanwhile. */
    for (unsigned int i = 0; i < XEN_EVTCHN_2L_WORDS; i++) {
        uint64_t pend = shared_info()->evtchn_pending[i] & ~saved[i];

        mask[i] = saved[i] | pend;
        for (; pend; pend &= pend - 1)
            evtchn_unmask(i * 64 + __builtin_ctzll(pend));
    }
}

void test_main(void)
{
    struct sched_shutdown code = { .reason = SHUTDOWN_poweroff };
    struct sched_remote_shutdown remote = { .domain_id = 12345, .reason = SHUTDOWN_poweroff };
    long rc = events_init();

    if (rc)
        xtf_fatal("events_init: HVM_PARAM_CALLBACK_IRQ returned %ld (%s)", rc, errno_name(rc));
    if (!check_rc(evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port), 0, "bind VIRQ_TIMER") ||
        !check_rc(evtchn_bind_ipi(0, &ipi_port), 0, "EVTCHNOP_bind_ipi(vCPU0)"))
        xtf_exit();
    evtchn_register(timer_port, 0, NULL, NULL);
    evtchn_register(ipi_port, 0, NULL, NULL);

    check_rc(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0, "SCHEDOP_yield");
    check_block();
    check_poll();

    /* shutdown_code records the reason of a later shutdown; poweroff is what we end with. */
    check_rc(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code), 0,
             "SCHEDOP_shutdown_code(poweroff)");
    check_rc(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, (void *)0xdead0000000UL), -EFAULT,
             "SCHEDOP_shutdown_code with its argument at 0xdead0000000");
    check_rc(HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)0xdead0000000UL), -EFAULT,
             "SCHEDOP_shutdown with its argument at 0xdead0000000");
    check_rc(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), -ESRCH,
             "SCHEDOP_remote_shutdown(dom 12345)");
    remote.domain_id = xen_domid();
    printk("SCHEDOP_remote_shutdown of ourselves: a domU may not (if the domain stops here, "
           "the hypervisor allowed it)\n");
    check_rc(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), -EPERM,
             "SCHEDOP_remote_shutdown(our own domid %u) from a domU", remote.domain_id);
    check_rc(HYPERVISOR_sched_op(99, NULL), -ENOSYS, "sched_op 99");
    xtf_success();
}
