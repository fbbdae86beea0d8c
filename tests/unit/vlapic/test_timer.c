// SPDX-License-Identifier: MIT
/* The LVT timer: one-shot, periodic, TSC-deadline, current count, divider, masking. */
#include "fake_env.h"
#include "harness.h"

#include <asm/processor.h>

static struct vcpu *timer_vcpu(void)
{
    struct domain *d = fake_domain(1);
    fake_enable(d->vcpu[0]);
    return d->vcpu[0];
}

TEST(one_shot_fires_once)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);                             /* divide by 1: 10 ns per count */
    wr(v, X_LVT_TIMER, 0xec);
    wr(v, X_TMICT, 1000);
    CHECK_EQ(rd(v, X_TMCCT), 1000);
    fake_advance(250 * TICK_NS);
    CHECK_EQ(rd(v, X_TMCCT), 750);
    fake_advance(749 * TICK_NS);
    CHECK_EQ(rd(v, X_TMCCT), 1);
    CHECK(!in_irr(v, 0xec), "not yet");
    fake_now += TICK_NS + 5;                        /* expired, callback not run yet */
    CHECK_EQ(rd(v, X_TMCCT), 0);
    fake_now -= TICK_NS + 5;
    fake_advance(TICK_NS);
    CHECK(in_irr(v, 0xec), "fired at 1000 counts (10 us)");
    CHECK_EQ(fake_log(v)->kicks, 1);
    CHECK_EQ(rd(v, X_TMCCT), 0);
    CHECK(!fake_timer_of(v)->active, "one-shot: not re-armed");
    CHECK_EQ(rd(v, X_TMICT), 1000);
    fake_advance(1000000);
    CHECK_EQ(fake_log(v)->kicks, 1);
    CHECK_EQ(fake_entry(v, true), 0xec);
}

TEST(divider)
{
    struct vcpu *v = timer_vcpu();
    static const struct { uint32_t tdcr, div; } tab[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 },
        { 0xa, 128 }, { 0xb, 1 },
    };

    wr(v, X_LVT_TIMER, 0xec);
    for (unsigned int i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        wr(v, X_TDCR, tab[i].tdcr);
        wr(v, X_TMICT, 100);
        struct timer *t = fake_timer_of(v);
        CHECK(t->active && t->expires == fake_now + 100 * TICK_NS * (s_time_t)tab[i].div,
              "TDCR %#x: expiry after %lld ns, expected %u", tab[i].tdcr,
              (long long)(t->expires - fake_now), 100 * TICK_NS * tab[i].div);
        fake_advance(tab[i].div * 10 * TICK_NS);
        CHECK_EQ(rd(v, X_TMCCT), 90);
    }
}

TEST(periodic_rearms_and_counts)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0x200ef);
    wr(v, X_TMICT, 50000);                          /* 500 us */
    s_time_t start = fake_now;
    fake_advance(500000);
    CHECK(in_irr(v, 0xef), "first period");
    CHECK_EQ(fake_entry(v, true), 0xef);
    wr(v, X_EOI, 0);
    struct timer *t = fake_timer_of(v);
    CHECK(t->active && t->expires == start + 1000000, "re-armed one period later: %lld",
          (long long)(t->expires - start));
    fake_advance(100000);
    CHECK_EQ(rd(v, X_TMCCT), 40000);
    fake_advance(400000);
    CHECK(in_irr(v, 0xef), "second period");
    CHECK_EQ(fake_log(v)->kicks, 2);
    /* The vCPU falls behind by many periods: one interrupt, no burst. */
    fake_now += 10 * 500000 + 1234;
    t->fn(t->data);
    CHECK_EQ(fake_log(v)->kicks, 3);
    CHECK(t->active && t->expires == fake_now + 500000, "next from now: %lld",
          (long long)(t->expires - fake_now));
    /* Writing 0 stops it. */
    wr(v, X_TMICT, 0);
    CHECK(!t->active, "stopped");
    CHECK_EQ(rd(v, X_TMCCT), 0);
}

TEST(periodic_has_a_minimum_period)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0x200ef);
    wr(v, X_TMICT, 10);                             /* 100 ns */
    fake_advance(10 * TICK_NS);
    CHECK_EQ(fake_log(v)->kicks, 1);
    fake_advance(1000000);                          /* 1 ms: at most 10 more firings */
    CHECK(fake_log(v)->kicks <= 11, "%u callbacks delivered in 1 ms", fake_log(v)->kicks);
    uint64_t c = rd(v, X_TMCCT);
    CHECK(c >= 1 && c <= 10, "the count still follows the 100 ns period: %llu",
          (unsigned long long)c);
}

TEST(masked_timer_delivers_nothing)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0x300ef);                    /* periodic, masked */
    wr(v, X_TMICT, 20000);
    fake_advance(1000000);
    CHECK(!in_irr(v, 0xef), "masked");
    CHECK_EQ(fake_log(v)->kicks, 0);
    CHECK(fake_timer_of(v)->active, "keeps counting while masked");
    wr(v, X_LVT_TIMER, 0x200ef);                    /* unmask */
    fake_advance(200000);
    CHECK(in_irr(v, 0xef), "delivered once unmasked");
}

TEST(disabled_apic_timer_delivers_nothing)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0xef);
    wr(v, X_TMICT, 1000);
    wr(v, X_SVR, 0xff);
    fake_advance(1000 * TICK_NS);
    CHECK(!in_irr(v, 0xef), "software-disabled");
    CHECK_EQ(fake_log(v)->kicks, 0);
}

TEST(illegal_timer_vector_sets_esr)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_ERROR, 0xfe);
    wr(v, X_LVT_TIMER, 0x07);
    wr(v, X_TMICT, 1000);
    fake_advance(1000 * TICK_NS);
    CHECK(!in_irr(v, 0x07), "vector 7 is illegal");
    CHECK(in_irr(v, 0xfe), "error interrupt instead");
    CHECK_EQ(fake_log(v)->kicks, 1);
    wr(v, X_ESR, 0);
    CHECK_EQ(rd(v, X_ESR), 0x40);                   /* receive illegal vector */
}

TEST(stale_callback_does_nothing)
{
    struct vcpu *v = timer_vcpu();

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0xef);
    wr(v, X_TMICT, 1000);
    struct timer *t = fake_timer_of(v);
    fake_now += 1000 * TICK_NS;
    /* The guest re-programs just as the old expiry is being handled on another pCPU. */
    wr(v, X_TMICT, 5000);
    t->fn(t->data);
    CHECK(!in_irr(v, 0xef), "a firing for the old count delivers nothing");
    CHECK(t->active && t->expires == fake_now + 5000 * TICK_NS, "the new count stays armed");
    wr(v, X_TMICT, 0);
    t->fn(t->data);
    CHECK(!in_irr(v, 0xef), "nor after a stop");
}

TEST(tsc_deadline)
{
    struct vcpu *v = timer_vcpu();
    struct timer *t = fake_timer_of(v);

    wr(v, X_TSC_DEADLINE, rdtsc() + 1000000);       /* not in deadline mode: ignored */
    CHECK_EQ(rd(v, X_TSC_DEADLINE), 0);
    CHECK(!t->active, "not armed");
    wr(v, X_LVT_TIMER, 0x400ee);                    /* TSC-deadline mode */
    wr(v, X_TMICT, 1000);                           /* ignored in this mode */
    CHECK_EQ(rd(v, X_TMICT), 0);
    CHECK(!t->active, "initial count ignored");
    /* 5e9 ticks of the 1 THz fake TSC: 5 ms */
    uint64_t deadline = rdtsc() + 5000000000ULL;
    wr(v, X_TSC_DEADLINE, deadline);
    CHECK_EQ(rd(v, X_TSC_DEADLINE), deadline);
    CHECK_EQ(rd(v, X_TMCCT), 0);
    s_time_t delay = t->expires - fake_now;
    CHECK(t->active && delay <= 5000000 && delay > 4000000, "armed 5 ms out: %lld",
          (long long)delay);
    fake_advance(delay);
    CHECK(in_irr(v, 0xee), "fired");
    CHECK_EQ(rd(v, X_TSC_DEADLINE), 0);             /* cleared when it fires */
    CHECK(!t->active, "one-shot");
    /* A deadline in the past fires at once. */
    CHECK_EQ(fake_entry(v, true), 0xee);
    wr(v, X_EOI, 0);
    wr(v, X_TSC_DEADLINE, 1);
    CHECK(t->active && t->expires == fake_now, "due now");
    fake_advance(0);
    CHECK(in_irr(v, 0xee), "fired at once");
    /* Far in the future: armed, without overflowing system time. */
    wr(v, X_TSC_DEADLINE, ~0ULL);
    CHECK(t->active && t->expires > fake_now, "far future armed: %lld",
          (long long)t->expires);
    /* 0 disarms. */
    wr(v, X_TSC_DEADLINE, 0);
    CHECK(!t->active, "disarmed");
}

TEST(mode_switch_to_or_from_deadline_disarms)
{
    struct vcpu *v = timer_vcpu();
    struct timer *t = fake_timer_of(v);

    wr(v, X_TDCR, 0xb);
    wr(v, X_LVT_TIMER, 0xec);
    wr(v, X_TMICT, 100000);
    wr(v, X_LVT_TIMER, 0x200ec);                    /* one-shot -> periodic: keeps going */
    CHECK(t->active, "still armed");
    CHECK_EQ(rd(v, X_TMICT), 100000);
    wr(v, X_LVT_TIMER, 0x400ec);                    /* -> TSC deadline: disarmed */
    CHECK(!t->active, "disarmed");
    CHECK_EQ(rd(v, X_TMICT), 0);
    wr(v, X_TSC_DEADLINE, rdtsc() + 1000000000ULL);
    CHECK(t->active, "deadline armed");
    wr(v, X_LVT_TIMER, 0x000ec);                    /* -> one-shot: disarmed */
    CHECK(!t->active, "disarmed again");
    CHECK_EQ(rd(v, X_TSC_DEADLINE), 0);
    fake_advance(10000000);
    CHECK(!in_irr(v, 0xec), "nothing fired");
}
