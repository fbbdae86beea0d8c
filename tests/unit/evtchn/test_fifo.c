// SPDX-License-Identifier: MIT
/* The FIFO event-channel ABI: init_control, expand_array, set_priority, linking, masking,
 * busy ports, polling, reset to 2-level, and the references on the guest's frames. */
#include "fake_env.h"
#include "harness.h"

#include <string.h>
#include <tern/errno.h>

#define CB_GFN 0x100
#define ARRAY_GFN 0x200
#define P_BIT (1u << EVTCHN_FIFO_PENDING)
#define M_BIT (1u << EVTCHN_FIFO_MASKED)
#define L_BIT (1u << EVTCHN_FIFO_LINKED)

struct fifo_guest {
    struct domain *d;
    struct vcpu *v0;
    struct evtchn_fifo_control_block *cb;
    event_word_t *words;
};

static long init_control(struct vcpu *v, uint64_t gfn, uint32_t offset, uint32_t vcpu,
                         uint8_t *link_bits)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = fake_op(v, EVTCHNOP_init_control, &ic);
    if (link_bits)
        *link_bits = ic.link_bits;
    return rc;
}

static long expand(struct vcpu *v, uint64_t gfn)
{
    struct evtchn_expand_array ea = { .array_gfn = gfn };
    return fake_op(v, EVTCHNOP_expand_array, &ea);
}

static long set_priority(struct vcpu *v, evtchn_port_t port, uint32_t prio)
{
    struct evtchn_set_priority sp = { .port = port, .priority = prio };
    return fake_op(v, EVTCHNOP_set_priority, &sp);
}

/* A domain switched to FIFO with vCPU0's control block at offset 64 and one array page. */
static struct fifo_guest fifo_domain(unsigned int nr_vcpus)
{
    struct fifo_guest g;
    uint8_t link_bits = 0;

    fake_setup();
    g.d = fake_domain(1, nr_vcpus);
    g.v0 = g.d->vcpu[0];
    g.cb = (void *)((uint8_t *)fake_guest_frame(g.d, CB_GFN) + 64);
    g.words = fake_guest_frame(g.d, ARRAY_GFN);
    CHECK_EQ(init_control(g.v0, CB_GFN, 64, 0, &link_bits), 0);
    CHECK_EQ(link_bits, EVTCHN_FIFO_LINK_BITS);
    CHECK_EQ(expand(g.v0, ARRAY_GFN), 0);
    return g;
}

static void done(struct fifo_guest *g)
{
    fake_domain_free(g->d);
    fake_frames_release();
    fake_teardown();
}

TEST(fifo_init_control_errors_as_xen)
{
    uint8_t link_bits = 0;

    fake_setup();
    struct domain *d = fake_domain(1, 2);
    struct vcpu *v = d->vcpu[0];
    fake_guest_frame(d, CB_GFN);
    /* Before any control block: no event array to expand, no priorities. */
    CHECK_EQ(expand(v, ARRAY_GFN), -EOPNOTSUPP);
    long p = fake_bind_ipi(v, 0);
    CHECK(p > 0, "bind_ipi under 2-level");
    CHECK_EQ(set_priority(v, p, 3), -ENOSYS);
    CHECK_EQ(set_priority(v, 4095, 3), -EINVAL);
    CHECK_EQ(init_control(v, CB_GFN, 0, 2, &link_bits), -ENOENT);
    CHECK_EQ(init_control(v, CB_GFN, 0, 0xffffffff, NULL), -ENOENT);
    CHECK_EQ(init_control(v, CB_GFN, PAGE_SIZE - 72 + 8, 0, NULL), -EINVAL);
    CHECK_EQ(init_control(v, CB_GFN, 12, 0, NULL), -EINVAL); /* not 8-byte aligned */
    long heap = fake_heap_live;
    CHECK_EQ(init_control(v, 0x999, 0, 0, NULL), -EINVAL);   /* no RAM there */
    CHECK_EQ(fake_heap_live, heap); /* nothing left behind by the refusals */
    CHECK_EQ(init_control(v, CB_GFN, PAGE_SIZE - 72, 0, &link_bits), 0);
    CHECK_EQ(link_bits, 17);
    CHECK_EQ(init_control(v, CB_GFN, 0, 0, NULL), -EINVAL); /* once per vCPU */
    CHECK_EQ(init_control(v, CB_GFN, 0, 1, NULL), 0);       /* same frame for vCPU1: fine */
    CHECK_EQ(expand(v, 0x999), -EINVAL);
    CHECK_EQ(set_priority(v, p, 16), -EINVAL);
    CHECK_EQ(set_priority(v, p, 15), 0);
    fake_domain_free(d);
    fake_frames_release();
    fake_teardown();
}

TEST(fifo_event_links_onto_its_queue_and_sets_ready)
{
    struct fifo_guest g = fifo_domain(1);
    long p1 = fake_bind_ipi(g.v0, 0), p2 = fake_bind_ipi(g.v0, 0);

    CHECK(p1 > 0 && p2 > 0, "two IPI ports");
    fake_clear_kicks();
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p1), 0);
    CHECK_EQ(g.words[p1] & (P_BIT | L_BIT | M_BIT), P_BIT | L_BIT);
    CHECK_EQ(g.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
    CHECK_EQ(g.cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK(g.v0->vcpu_info->evtchn_upcall_pending, "upcall pending");
    CHECK_EQ(fake_kicks(g.v0), 1);
    /* A second event is linked after the first: LINK of p1 names p2; no new upcall edge. */
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p2), 0);
    CHECK_EQ(g.words[p1] & EVTCHN_FIFO_LINK_MASK, p2);
    CHECK_EQ(g.words[p2] & (P_BIT | L_BIT), P_BIT | L_BIT);
    CHECK_EQ(fake_kicks(g.v0), 1);
    /* Sending a pending, linked port again changes nothing. */
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p1), 0);
    CHECK_EQ(g.words[p1] & EVTCHN_FIFO_LINK_MASK, p2);
    done(&g);
}

TEST(fifo_guest_consumes_then_new_events_start_a_new_list)
{
    struct fifo_guest g = fifo_domain(1);
    long p1 = fake_bind_ipi(g.v0, 0), p2 = fake_bind_ipi(g.v0, 0);

    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p1), 0);
    /* The guest takes p1 off: clears LINKED (and LINK) and PENDING, empties the queue. */
    g.words[p1] = 0;
    g.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] = 0;
    g.cb->ready = 0;
    g.v0->vcpu_info->evtchn_upcall_pending = 0;
    /* Tern still has p1 as the tail, but it is no longer linked: p2 becomes the head. */
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p2), 0);
    CHECK_EQ(g.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p2);
    CHECK_EQ(g.words[p1], 0);
    CHECK_EQ(g.cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK(g.v0->vcpu_info->evtchn_upcall_pending, "a new upcall");
    done(&g);
}

TEST(fifo_masked_event_waits_for_unmask)
{
    struct fifo_guest g = fifo_domain(1);
    long p = fake_bind_ipi(g.v0, 0);

    g.words[p] = M_BIT;
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK_EQ(g.words[p], M_BIT | P_BIT); /* pending, not linked */
    CHECK_EQ(g.cb->ready, 0);
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_unmask, p), 0);
    CHECK_EQ(g.words[p], P_BIT | L_BIT);
    CHECK_EQ(g.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
    /* Unmasking an idle port links nothing. */
    long q = fake_bind_ipi(g.v0, 0);
    g.words[q] = M_BIT;
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_unmask, q), 0);
    CHECK_EQ(g.words[q], 0);
    done(&g);
}

TEST(fifo_priorities_choose_the_queue)
{
    struct fifo_guest g = fifo_domain(1);
    long p = fake_bind_ipi(g.v0, 0), q = fake_bind_ipi(g.v0, 0);

    CHECK_EQ(set_priority(g.v0, p, 2), 0);
    CHECK_EQ(set_priority(g.v0, q, EVTCHN_FIFO_PRIORITY_MIN), 0);
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, q), 0);
    CHECK_EQ(g.cb->head[2], p);
    CHECK_EQ(g.cb->head[EVTCHN_FIFO_PRIORITY_MIN], q);
    CHECK_EQ(g.cb->ready, (1u << 2) | (1u << EVTCHN_FIFO_PRIORITY_MIN));
    CHECK_EQ(g.words[p] & EVTCHN_FIFO_LINK_MASK, 0); /* separate queues, not chained */
    done(&g);
}

TEST(fifo_events_before_the_array_page_are_raised_when_it_comes)
{
    fake_setup();
    struct domain *d = fake_domain(1, 1);
    struct vcpu *v = d->vcpu[0];
    struct evtchn_fifo_control_block *cb = fake_guest_frame(d, CB_GFN);
    event_word_t *words = fake_guest_frame(d, ARRAY_GFN);
    long p = fake_bind_ipi(v, 0);

    /* Pending under 2-level at the switch: carried over. */
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, p), 0);
    CHECK_EQ(init_control(v, CB_GFN, 0, 0, NULL), 0);
    long q = fake_bind_ipi(v, 0);
    CHECK_EQ(fake_port_op(v, EVTCHNOP_send, q), 0); /* no word for it yet */
    CHECK_EQ(cb->ready, 0);
    CHECK_EQ(expand(v, ARRAY_GFN), 0);
    CHECK_EQ(words[p] & (P_BIT | L_BIT), P_BIT | L_BIT);
    CHECK_EQ(words[q] & (P_BIT | L_BIT), P_BIT | L_BIT);
    CHECK_EQ(cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
    CHECK_EQ(words[p] & EVTCHN_FIFO_LINK_MASK, q);
    fake_domain_free(d);
    fake_frames_release();
    fake_teardown();
}

TEST(fifo_linked_port_is_not_handed_out_again)
{
    struct fifo_guest g = fifo_domain(1);
    long p = fake_bind_ipi(g.v0, 0);

    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_close, p), 0);
    CHECK_EQ(g.words[p] & P_BIT, 0); /* closing clears PENDING, the guest still unlinks */
    long q = fake_bind_ipi(g.v0, 0);
    CHECK(q != p, "port %ld still linked was handed out again", q);
    g.words[p] = 0; /* the guest unlinks it */
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_close, q), 0);
    CHECK_EQ(fake_bind_ipi(g.v0, 0), p);
    done(&g);
}

TEST(fifo_reset_returns_to_2level_and_lets_go_of_the_frames)
{
    struct fifo_guest g = fifo_domain(2);
    CHECK_EQ(init_control(g.v0, CB_GFN, 128, 1, NULL), 0);
    CHECK_EQ(fake_frame_refs(g.words), 3);
    CHECK_EQ(fake_reset(g.v0, DOMID_SELF), 0);
    CHECK_EQ(fake_frame_refs(g.words), 2);
    CHECK_EQ(expand(g.v0, ARRAY_GFN), -EOPNOTSUPP);
    long p = fake_bind_ipi(g.v0, 0);
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK(g.d->shared_info->evtchn_pending[0] & (1ULL << p), "2-level pending bit");
    /* And FIFO can be set up again afterwards. */
    CHECK_EQ(init_control(g.v0, CB_GFN, 64, 0, NULL), 0);
    CHECK_EQ(expand(g.v0, ARRAY_GFN), 0);
    done(&g);
}

TEST(fifo_wakes_pollers_and_reports_pending)
{
    struct fifo_guest g = fifo_domain(2);
    struct vcpu *v1 = g.d->vcpu[1];
    long p = fake_bind_ipi(g.v0, 1);

    /* Without vCPU1's control block the event would be dropped, as Xen does. */
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK(!evtchn_port_is_pending(g.d, p), "dropped: vCPU1 has no control block");
    CHECK_EQ(init_control(g.v0, CB_GFN, 256, 1, NULL), 0);

    g.words[p] = M_BIT;
    v1->poll_ports[0] = p;
    v1->nr_poll_ports = 1;
    v1->pause_flags = VPF_polling;
    CHECK(!evtchn_port_is_pending(g.d, p), "idle");
    CHECK_EQ(fake_port_op(g.v0, EVTCHNOP_send, p), 0);
    CHECK(evtchn_port_is_pending(g.d, p), "pending after send");
    CHECK_EQ(v1->pause_flags & VPF_polling, 0); /* woken though masked */
    done(&g);
}
