/* SPDX-License-Identifier: MIT */
/*
 * A well-behaved domain beside hostile ones: its heartbeat must not stop and its memory must
 * not change. It fills 8 MiB with a pattern of its own, then for duration=<s> seconds takes a
 * timer tick every 20 ms (singleshot timer, then SCHEDOP_block), prints "heartbeat <n>" once
 * a second, and records the largest gap between two ticks. SUCCESS only if that gap stayed
 * under max_gap_ms=<ms> (default 3000: QEMU TCG on a loaded host is slow) and the pattern is
 * intact; otherwise FAILURE naming the gap or the first changed address.
 */
#include "lib.h"

const char test_title[] = "bystander: heartbeat and memory of a domain beside hostile ones";

#define TICK MS(20)
#define FILL_WORDS (1UL << 20) /* 8 MiB */

static uint64_t fill[FILL_WORDS];

static uint64_t pattern(unsigned long i, uint64_t seed)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
    return x ^ (x >> 29);
}

void test_main(void)
{
    long duration = cmdline_get_int("duration", 10);
    long max_gap_ms = cmdline_get_int("max_gap_ms", 3000);
    uint64_t seed = 0x5eed0000ULL + xen_domid();
    evtchn_port_t port;
    uint64_t start, last, worst = 0, ticks = 0, next_print;

    if (events_init() || evtchn_bind_virq(VIRQ_TIMER, 0, &port))
        xtf_fatal("cannot set up the timer event");
    evtchn_register(port, 0, NULL, NULL);
    for (unsigned long i = 0; i < FILL_WORDS; i++)
        fill[i] = pattern(i, seed);
    printk("bystander: %ld s, ticks every 20 ms, max gap %ld ms, 8 MiB pattern\n", duration,
           max_gap_ms);

    start = last = now_ns();
    next_print = start + SEC(1);
    while (now_ns() < start + SEC(duration)) {
        uint64_t count = evtchn_count(port), now;
        struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = now_ns() + TICK };

        HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
        while (evtchn_count(port) == count) {
            sched_block_irq_enable();
            irq_disable();
        }
        now = now_ns();
        if (now - last > worst)
            worst = now - last;
        last = now;
        ticks++;
        if (now >= next_print) {
            printk("heartbeat %lu (largest gap %lu ms)\n", ticks, worst / MS(1));
            next_print += SEC(1);
        }
    }
    printk("bystander: %lu ticks in %ld s, largest gap %lu ms\n", ticks, duration,
           worst / MS(1));
    check(worst < MS(max_gap_ms), "heartbeat stopped for %lu ms (limit %ld ms)",
          worst / MS(1), max_gap_ms);
    for (unsigned long i = 0; i < FILL_WORDS; i++)
        if (!check(fill[i] == pattern(i, seed), "memory at %p changed: %#lx, expected %#lx",
                   (void *)&fill[i], fill[i], pattern(i, seed)))
            break;
    xtf_success();
}
