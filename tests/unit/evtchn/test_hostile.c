// SPDX-License-Identifier: MIT
/* A hostile guest: bad ports, commands, pointers, ids; policy denial; exhaustion; teardown. */
#include "fake_env.h"
#include "harness.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <tern/errno.h>

/* Never called: the guest side of a Tern-side port is closed by destroy, not sent on. */
static void must_not_notify(struct domain *d, evtchn_port_t port, void *data)
{
    CHECK(false, "d%u port %u: unexpected notify", d->domain_id, port);
}

static const evtchn_port_t bad_ports[] = { 0, 63 + 1, 4095, 4096, 0x10000, 0xffffffffu };

TEST(bad_ports_are_einval)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_status st;

    CHECK_EQ(fake_bind_ipi(v, 0), 1);
    for (unsigned int i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
        evtchn_port_t p = bad_ports[i];

        CHECK_EQ(fake_port_op(v, EVTCHNOP_close, p), -EINVAL);
        CHECK_EQ(fake_port_op(v, EVTCHNOP_send, p), -EINVAL);
        CHECK_EQ(fake_bind_vcpu(v, p, 0), -EINVAL);
        if (p != 0) {
            CHECK_EQ(fake_port_op(v, EVTCHNOP_unmask, p), -EINVAL);
            CHECK_EQ(fake_status(v, DOMID_SELF, p, &st), -EINVAL);
            CHECK_EQ(evtchn_raise(d, p), -EINVAL);
        }
        CHECK_EQ(fake_bind_interdomain(v, DOMID_SELF, p), -EINVAL);
    }
    /* a free port inside the table: closed, but nothing to close or send on */
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 2), -EINVAL);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, 2), -EINVAL);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 1), 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 1), -EINVAL); /* twice */
    fake_teardown();
}

TEST(garbage_commands_are_enosys)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    static const int cmds[] = { -1, INT_MIN, 15, 16, 255, 256, 1000, INT_MAX };
    uint64_t buf[8] = { 0 };

    for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        CHECK_EQ(fake_op(d->vcpu[0], cmds[i], buf), -ENOSYS);
    /* unknown commands are refused before the argument is touched */
    CHECK_EQ(fake_op(d->vcpu[0], 1000, (void *)(uintptr_t)FAKE_BAD_GVA), -ENOSYS);
    /* and no hypercall is possible from Tern's own context */
    set_current_vcpu(NULL);
    CHECK_EQ(do_event_channel_op(EVTCHNOP_send, (uint64_t)(uintptr_t)buf), -ENOSYS);
    fake_teardown();
}

TEST(bad_pointer_is_efault_with_no_state_change)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct evtchn_status st;
    static const int cmds[] = {
        EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq, EVTCHNOP_close, EVTCHNOP_send,
        EVTCHNOP_status, EVTCHNOP_alloc_unbound, EVTCHNOP_bind_ipi, EVTCHNOP_bind_vcpu,
        EVTCHNOP_unmask, EVTCHNOP_reset,
    };

    for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        CHECK_EQ(fake_op(d->vcpu[0], cmds[i], (void *)(uintptr_t)FAKE_BAD_GVA), -EFAULT);
        CHECK_EQ(fake_op(d->vcpu[0], cmds[i], NULL), -EFAULT);
    }
    CHECK_EQ(fake_status(d->vcpu[0], DOMID_SELF, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(fake_bind_ipi(d->vcpu[0], 0), 1); /* nothing was allocated before */
    fake_teardown();
}

TEST(vcpu_ids_are_checked)
{
    fake_setup();
    struct domain *d = fake_domain(1, 4);
    struct vcpu *v = d->vcpu[0];
    static const uint32_t bad[] = { 4, 5, 127, 128, 129, 0x10000, 0x80000000u, 0xffffffffu };

    d->vcpu[3] = NULL; /* a slot below max_vcpus that was never created */
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, bad[i]), -ENOENT);
        CHECK_EQ(fake_bind_ipi(v, bad[i]), -ENOENT);
    }
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 3), -ENOENT);
    CHECK_EQ(fake_bind_ipi(v, 3), -ENOENT);
    CHECK_EQ(fake_bind_virq(v, VIRQ_CONSOLE, 0xffffffffu), -EINVAL); /* global: vCPU 0 only */
    long p = fake_alloc_unbound(v, DOMID_SELF, 0);
    CHECK_EQ(fake_bind_vcpu(v, p, 3), -ENOENT);
    CHECK_EQ(fake_bind_vcpu(v, p, 0xffffffffu), -ENOENT);
    CHECK_EQ(p, 1); /* the failures above allocated nothing */
    fake_teardown();
}

TEST(virq_out_of_range)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    static const uint32_t bad[] = { NR_VIRQS, 25, 64, 0x80000000u, 0xffffffffu };

    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ(fake_bind_virq(d->vcpu[0], bad[i], 0), -EINVAL);
    CHECK_EQ(fake_bind_virq(d->vcpu[0], VIRQ_ARCH_7, 0), 1);
    CHECK_EQ(fake_bind_virq(d->vcpu[0], VIRQ_ARCH_7, 0), -EEXIST);
    fake_teardown();
}

TEST(bind_interdomain_needs_an_offer)
{
    fake_setup();
    struct domain *a = fake_domain(1, 1), *b = fake_domain(2, 1), *c = fake_domain(3, 1);
    struct vcpu *va = a->vcpu[0], *vb = b->vcpu[0], *vc = c->vcpu[0];
    struct evtchn_status st;
    long for_c = fake_alloc_unbound(va, DOMID_SELF, 3);
    long ipi = fake_bind_ipi(va, 0);

    CHECK(for_c == 1 && ipi == 2, "setup: %ld %ld", for_c, ipi);
    CHECK_EQ(fake_bind_interdomain(vb, 1, for_c), -EINVAL); /* reserved for d3 */
    CHECK_EQ(fake_bind_interdomain(vb, 1, ipi), -EINVAL);   /* not unbound */
    CHECK_EQ(fake_bind_interdomain(vb, 1, 0), -EINVAL);
    CHECK_EQ(fake_bind_interdomain(vb, 1, 3), -EINVAL);     /* free */
    CHECK_EQ(fake_bind_interdomain(vb, 1, 4096), -EINVAL);
    CHECK_EQ(fake_bind_interdomain(vb, 42, 1), -ESRCH);
    CHECK_EQ(fake_bind_interdomain(vb, DOMID_XEN, 1), -ESRCH);
    CHECK_EQ(fake_bind_interdomain(vb, DOMID_INVALID, 1), -ESRCH);
    CHECK_EQ(fake_bind_interdomain(vb, 0xffff, 1), -ESRCH);
    /* b's table is untouched by all that */
    CHECK_EQ(fake_status(vb, DOMID_SELF, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    /* c may bind; then b still may not, and nobody can bind twice */
    CHECK_EQ(fake_bind_interdomain(vc, 1, for_c), 1);
    CHECK_EQ(fake_bind_interdomain(vb, 1, for_c), -EINVAL);
    CHECK_EQ(fake_bind_interdomain(vc, 1, for_c), -EINVAL);
    /* b cannot close or send on a's ports: it only names its own */
    CHECK_EQ(fake_port_op(vb, EVTCHNOP_close, for_c), -EINVAL);
    CHECK_EQ(fake_status(va, DOMID_SELF, for_c, &st), 0);
    CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 3,
          "a's port stays connected to d3, got status %u dom %u", st.status,
          st.u.interdomain.dom);
    fake_teardown();
}

TEST(policy_denial_changes_nothing)
{
    fake_setup();
    struct domain *a = fake_domain(1, 1), *b = fake_domain(2, 1);
    struct vcpu *va = a->vcpu[0], *vb = b->vcpu[0];
    struct evtchn_status st;
    long pa = fake_alloc_unbound(va, DOMID_SELF, 2);

    fake_xsm_deny = true;
    CHECK_EQ(fake_bind_interdomain(vb, 1, pa), -EPERM);
    CHECK_EQ(fake_alloc_unbound(vb, DOMID_SELF, 1), -EPERM);
    CHECK_EQ(fake_alloc_unbound(vb, 1, 2), -EPERM);
    CHECK_EQ(fake_status(va, DOMID_SELF, pa, &st), 0);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2, "a's port still offered");
    CHECK_EQ(fake_status(vb, DOMID_SELF, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(fake_status(va, DOMID_SELF, 2, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    fake_xsm_deny = false;
    CHECK_EQ(fake_bind_interdomain(vb, 1, pa), 1);
    /* the unprivileged b may not create ports in a (the default policy) */
    CHECK_EQ(fake_alloc_unbound(vb, 1, 2), -EPERM);
    CHECK_EQ(fake_alloc_unbound(vb, 99, 2), -ESRCH);
    fake_teardown();
}

TEST(exhaust_all_ports_then_free)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    uint64_t overhead;

    for (long want = 1; want < EVTCHN_2L_NR_CHANNELS; want++) {
        long p = fake_bind_ipi(v, 0);
        CHECK(p == want, "port %ld, expected %ld", p, want);
    }
    CHECK_EQ(fake_bind_ipi(v, 0), -ENOSPC);
    CHECK_EQ(fake_alloc_unbound(v, DOMID_SELF, 0), -ENOSPC);
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 0), -ENOSPC);
    CHECK_EQ(v->virq_to_evtchn[VIRQ_TIMER], 0);
    /* a full table of 24-byte ports (with their FIFO state) stays within 97 KiB */
    overhead = d->tern_overhead_bytes;
    CHECK(overhead <= 96 * 1024 + 1024, "%llu bytes for 4096 ports",
          (unsigned long long)overhead);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 1000), 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 4095), 0);
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 0), 1000);
    CHECK_EQ(fake_bind_ipi(v, 0), 4095);
    CHECK_EQ(fake_bind_ipi(v, 0), -ENOSPC);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, 4095), 0);
    CHECK(fake_sel_bit(v, 63), "port 4095 raises selector bit 63");
    fake_teardown();
}

TEST(out_of_memory_is_enomem_with_no_state_change)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_status st;

    for (long want = 1; want < EVTCHNS_PER_BUCKET; want++)
        CHECK_EQ(fake_bind_ipi(v, 0), want);
    fake_heap_fail_in = 1; /* the next bucket */
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 0), -ENOMEM);
    CHECK_EQ(v->virq_to_evtchn[VIRQ_TIMER], 0);
    CHECK_EQ(fake_status(v, DOMID_SELF, EVTCHNS_PER_BUCKET, &st), -EINVAL);
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 0), EVTCHNS_PER_BUCKET);

    /* evtchn_init itself: either allocation may fail, and nothing leaks */
    struct domain bare;
    for (unsigned int n = 1; n <= 2; n++) {
        memset(&bare, 0, sizeof(bare));
        fake_heap_fail_in = n;
        CHECK_EQ(evtchn_init(&bare), -ENOMEM);
        CHECK(bare.evtchn == NULL, "no table after a failed init");
    }
    fake_teardown();
}

TEST(destroy_leaves_peers_unbound_and_frees_all)
{
    fake_setup();
    struct domain *a = fake_domain(1, 2), *b = fake_domain(2, 1), *c = fake_domain(3, 1);
    struct vcpu *vb = b->vcpu[0], *vc = c->vcpu[0];
    struct evtchn_status st;
    evtchn_port_t xp;
    long pb = fake_alloc_unbound(vb, DOMID_SELF, 1), pc = fake_alloc_unbound(vc, DOMID_SELF, 1);

    /* a has: two interdomain channels, a loopback pair, virqs, ipis, a Tern-side port */
    CHECK(fake_bind_interdomain(a->vcpu[0], 2, pb) > 0, "bind to b");
    CHECK(fake_bind_interdomain(a->vcpu[1], 3, pc) > 0, "bind to c");
    long self = fake_alloc_unbound(a->vcpu[0], DOMID_SELF, DOMID_SELF);
    CHECK(fake_bind_interdomain(a->vcpu[0], DOMID_SELF, self) > 0, "loopback");
    CHECK(fake_bind_virq(a->vcpu[0], VIRQ_TIMER, 1) > 0, "virq");
    CHECK(fake_bind_ipi(a->vcpu[0], 1) > 0, "ipi");
    CHECK_EQ(evtchn_alloc_xen_port(a, must_not_notify, NULL, &xp), 0);
    for (int i = 0; i < 100; i++) /* a second bucket */
        CHECK(fake_bind_ipi(a->vcpu[0], 0) > 0, "ipi %d", i);

    fake_domain_free(a); /* checks a's references and overhead */
    CHECK_EQ(fake_status(vb, DOMID_SELF, pb, &st), 0);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1, "b's end unbound for d1");
    CHECK_EQ(fake_status(vc, DOMID_SELF, pc, &st), 0);
    CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1, "c's end unbound for d1");
    CHECK_EQ(fake_port_op(vb, EVTCHNOP_send, pb), 0);
    CHECK_EQ(fake_port_op(vc, EVTCHNOP_close, pc), 0);
    CHECK_EQ(fake_bind_interdomain(vb, 1, 1), -ESRCH);
    fake_teardown(); /* and no heap block is left */
}

TEST(destroy_is_idempotent_and_blocks_new_ports)
{
    fake_setup();
    struct domain *a = fake_domain(1, 1), *b = fake_domain(2, 1);
    long pa = fake_alloc_unbound(a->vcpu[0], DOMID_SELF, 2);
    evtchn_port_t p;

    evtchn_destroy(a);
    evtchn_destroy(a);
    CHECK_EQ(evtchn_alloc_unbound_port(a, 2, &p), -EINVAL);
    CHECK_EQ(fake_bind_interdomain(b->vcpu[0], 1, pa), -EINVAL);
    CHECK_EQ(evtchn_send_virq(a->vcpu[0], VIRQ_TIMER), -ENOENT);
    CHECK_EQ(evtchn_raise(a, pa), -EINVAL);
    fake_teardown();
}

/* Every interdomain end must name a peer that names it back (checked through status). */
static void check_links(struct domain **doms, unsigned int n, struct vcpu *priv)
{
    struct evtchn_status st, back;

    for (unsigned int i = 0; i < n; i++) {
        for (evtchn_port_t p = 1; p < 256; p++) {
            if (fake_status(priv, doms[i]->domain_id, p, &st) || st.status != 2)
                continue;
            if (st.u.interdomain.dom == DOMID_XEN)
                continue;
            CHECK_EQ(fake_status(priv, st.u.interdomain.dom, st.u.interdomain.port, &back), 0);
            CHECK(back.status == EVTCHNSTAT_interdomain &&
                      back.u.interdomain.dom == doms[i]->domain_id &&
                      back.u.interdomain.port == p,
                  "d%u:%u -> d%u:%u does not point back", doms[i]->domain_id, p,
                  st.u.interdomain.dom, st.u.interdomain.port);
        }
    }
}

TEST(random_garbage_keeps_tables_consistent)
{
    fake_setup();
    struct domain *d[3] = { fake_domain(0, 1), fake_domain(1, 3), fake_domain(2, 2) };
    uint32_t buf[8];
    unsigned int seed = 12345;

    d[0]->is_privileged = true;
    for (int iter = 0; iter < 20000; iter++) {
        struct domain *dom = d[rand_r(&seed) % 3];
        struct vcpu *v = dom->vcpu[rand_r(&seed) % dom->max_vcpus];
        int cmd = rand_r(&seed) % 16;

        if (cmd == EVTCHNOP_reset && rand_r(&seed) % 8)
            continue; /* resets undo everything: keep them rare */
        /* mostly small numbers, so that ports, vCPUs and VIRQs often hit something; */
        /* a 16-bit pair of small domids; or anything */
        for (unsigned int i = 0; i < 8; i++) {
            uint32_t r = rand_r(&seed);
            buf[i] = r % 5 == 0   ? r
                     : r % 3 == 0 ? ((r >> 4) % 4) | ((r >> 8) % 4) << 16
                                  : (r >> 4) % 8;
        }
        (void)fake_op(v, cmd, buf);
        if (rand_r(&seed) % 64 == 0)
            fake_guest_ack(v);
    }
    check_links(d, 3, d[0]->vcpu[0]);
    fake_teardown();
}

/* createdomain's max_evtchn_port (xl.cfg max_event_channels, libxl's 1023 by default): no port
 * above it, whatever asks; a close below it frees one again; a larger value is capped. */
TEST(max_port_bounds_a_domain)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];

    evtchn_set_max_port(d, 100);
    for (long want = 1; want <= 100; want++) {
        long p = fake_alloc_unbound(v, DOMID_SELF, 0);
        CHECK(p == want, "port %ld, expected %ld", p, want);
    }
    CHECK_EQ(fake_alloc_unbound(v, DOMID_SELF, 0), -ENOSPC);
    CHECK_EQ(fake_bind_ipi(v, 0), -ENOSPC);
    CHECK_EQ(fake_bind_virq(v, VIRQ_TIMER, 0), -ENOSPC);
    CHECK_EQ(v->virq_to_evtchn[VIRQ_TIMER], 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_close, 64), 0);
    CHECK_EQ(fake_bind_ipi(v, 0), 64);
    CHECK_EQ(fake_bind_ipi(v, 0), -ENOSPC);
    /* capped at the table: 4095 ports in all */
    evtchn_set_max_port(d, 0xffffffffu);
    for (long want = 101; want < EVTCHN_2L_NR_CHANNELS; want++)
        CHECK_EQ(fake_bind_ipi(v, 0), want);
    CHECK_EQ(fake_bind_ipi(v, 0), -ENOSPC);
    fake_teardown();
}
