// SPDX-License-Identifier: MIT
/* Fake domains, vCPUs, scheduler, guest copies, XSM and heap for the event-channel tests. */
#include "fake_env.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/sched.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

#define MAX_FAKE_DOMAINS 8

struct fake_domain {
    struct domain d;
    struct shared_info si;
    struct vcpu *vcpus;
};

static struct fake_domain *domains[MAX_FAKE_DOMAINS];
static struct vcpu *current_v;
static struct vcpu *kick_log[1 << 14];
static unsigned int nr_kicks;

bool fake_xsm_deny;
long fake_heap_live;
unsigned int fake_heap_fail_in;
bool fake_copy_out_fails;

/* ---- Heap ---------------------------------------------------------------------------- */

static bool heap_should_fail(void)
{
    return fake_heap_fail_in && --fake_heap_fail_in == 0;
}

void *xmalloc_bytes(size_t size)
{
    void *p = heap_should_fail() ? NULL : calloc(1, size);

    if (p)
        fake_heap_live++;
    return p;
}

void *xmalloc_array_bytes(size_t elem, size_t n)
{
    if (n && elem > SIZE_MAX / n)
        return NULL;
    return xmalloc_bytes(elem * n);
}

void xfree(void *p)
{
    if (p)
        fake_heap_live--;
    free(p);
}

/* ---- Domains and the current vCPU ---------------------------------------------------- */

struct domain *domain_get_by_id(domid_t domid)
{
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        if (domains[i] && domains[i]->d.domain_id == domid) {
            domains[i]->d.refcount++;
            return &domains[i]->d;
        }
    }
    return NULL;
}

void domain_get(struct domain *d)
{
    d->refcount++;
}

void domain_put(struct domain *d)
{
    CHECK(d->refcount > 1, "d%u: domain_put() would drop the owner's reference", d->domain_id);
    d->refcount--;
}

struct vcpu *current_vcpu(void)
{
    return current_v;
}

void set_current_vcpu(struct vcpu *v)
{
    current_v = v;
}

struct domain *fake_domain(domid_t id, unsigned int nr_vcpus)
{
    struct fake_domain *f = calloc(1, sizeof(*f));
    unsigned int slot;

    for (slot = 0; slot < MAX_FAKE_DOMAINS && domains[slot]; slot++)
        ;
    CHECK(f && slot < MAX_FAKE_DOMAINS, "out of fake domain slots");
    f->vcpus = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(struct vcpu));
    CHECK(f->vcpus, "calloc");
    f->d.domain_id = id;
    f->d.refcount = 1;
    f->d.max_vcpus = nr_vcpus;
    f->d.shared_info = &f->si;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = &f->vcpus[i];

        v->vcpu_id = i;
        v->domain = &f->d;
        v->vcpu_info = i < XEN_LEGACY_MAX_VCPUS ? &f->si.vcpu_info[i] : NULL;
        f->d.vcpu[i] = v;
    }
    domains[slot] = f;
    CHECK_EQ(evtchn_init(&f->d), 0);
    return &f->d;
}

static void release(unsigned int slot, bool check)
{
    struct fake_domain *f = domains[slot];

    domains[slot] = NULL;
    evtchn_destroy(&f->d);
    evtchn_free(&f->d);
    if (check) {
        CHECK(f->d.refcount == 1, "d%u: %u references left after destroy", f->d.domain_id,
              f->d.refcount);
        CHECK(f->d.tern_overhead_bytes == 0, "d%u: %llu overhead bytes still charged",
              f->d.domain_id, (unsigned long long)f->d.tern_overhead_bytes);
    }
    free(f->vcpus);
    free(f);
}

void fake_domain_free(struct domain *d)
{
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        if (domains[i] && &domains[i]->d == d) {
            release(i, true);
            return;
        }
    }
    CHECK(false, "fake_domain_free: unknown domain %p", (void *)d);
}

void fake_setup(void)
{
    /* A failed test jumps out early: free quietly what it left. */
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i])
            release(i, false);
    fake_frames_forget();
    current_v = NULL;
    fake_xsm_deny = false;
    fake_heap_live = 0;
    fake_heap_fail_in = 0;
    fake_copy_out_fails = false;
    fake_clear_kicks();
}

void fake_teardown(void)
{
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i])
            release(i, true);
    CHECK(fake_heap_live == 0, "%ld heap blocks leaked", fake_heap_live);
}

/* ---- Guest memory -------------------------------------------------------------------- */

int copy_from_guest(void *dst, uint64_t gva, size_t len)
{
    if (gva == FAKE_BAD_GVA || !gva)
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t len)
{
    if (gva == FAKE_BAD_GVA || !gva || fake_copy_out_fails)
        return -EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

/* ---- Scheduler ----------------------------------------------------------------------- */

void vcpu_kick(struct vcpu *v)
{
    CHECK(nr_kicks < sizeof(kick_log) / sizeof(kick_log[0]), "kick log full");
    kick_log[nr_kicks++] = v;
}

void vcpu_pause_flags_clear(struct vcpu *v, uint32_t f)
{
    v->pause_flags &= ~f;
}

unsigned int fake_kicks(const struct vcpu *v)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < nr_kicks; i++)
        n += kick_log[i] == v;
    return n;
}

unsigned int fake_total_kicks(void)
{
    return nr_kicks;
}

void fake_clear_kicks(void)
{
    nr_kicks = 0;
}

/* ---- Policy: the default rules of xsm.h ---------------------------------------------- */

int xsm_evtchn_unbound(struct domain *d, struct domain *owner, struct domain *remote)
{
    if (fake_xsm_deny)
        return -EPERM;
    return d == owner || d->is_privileged ? 0 : -EPERM;
}

int xsm_evtchn_interdomain(struct domain *d, struct domain *peer)
{
    return fake_xsm_deny ? -EPERM : 0;
}

/* hvm_op.c (the late store event of test_late_store.c): self or privileged, as dummy.c. */
int xsm_hvm_param(struct domain *d, struct domain *target, bool write)
{
    if (fake_xsm_deny)
        return -EPERM;
    return d == target || d->is_privileged ? 0 : -EPERM;
}

s_time_t NOW(void)
{
    return 0;
}

/* ---- Guest view ---------------------------------------------------------------------- */

void fake_guest_ack(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_pending = 0;
    v->vcpu_info->evtchn_pending_sel = 0;
}

void fake_mask(struct domain *d, evtchn_port_t p, bool masked)
{
    uint64_t bit = 1ULL << (p % 64);

    if (masked)
        d->shared_info->evtchn_mask[p / 64] |= bit;
    else
        d->shared_info->evtchn_mask[p / 64] &= ~bit;
}

bool fake_sel_bit(const struct vcpu *v, unsigned int word)
{
    return v->vcpu_info->evtchn_pending_sel & (1ULL << word);
}

/* ---- Op wrappers --------------------------------------------------------------------- */

long fake_op(struct vcpu *v, int cmd, void *arg)
{
    current_v = v;
    return do_event_channel_op(cmd, (uint64_t)(uintptr_t)arg);
}

long fake_alloc_unbound(struct vcpu *v, domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote, .port = 0xbad };
    long rc = fake_op(v, EVTCHNOP_alloc_unbound, &a);

    return rc ? rc : (long)a.port;
}

long fake_bind_interdomain(struct vcpu *v, domid_t rdom, evtchn_port_t rport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
    long rc = fake_op(v, EVTCHNOP_bind_interdomain, &b);

    return rc ? rc : (long)b.local_port;
}

long fake_bind_virq(struct vcpu *v, uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = fake_op(v, EVTCHNOP_bind_virq, &b);

    return rc ? rc : (long)b.port;
}

long fake_bind_ipi(struct vcpu *v, uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = fake_op(v, EVTCHNOP_bind_ipi, &b);

    return rc ? rc : (long)b.port;
}

long fake_port_op(struct vcpu *v, int cmd, evtchn_port_t port)
{
    evtchn_port_t p = port; /* close, send and unmask all take just a port */

    return fake_op(v, cmd, &p);
}

long fake_bind_vcpu(struct vcpu *v, evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };

    return fake_op(v, EVTCHNOP_bind_vcpu, &b);
}

long fake_status(struct vcpu *v, domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0xa5, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return fake_op(v, EVTCHNOP_status, st);
}

long fake_reset(struct vcpu *v, domid_t dom)
{
    struct evtchn_reset r = { .dom = dom };

    return fake_op(v, EVTCHNOP_reset, &r);
}

/* The hypercall layer's log of unimplemented sub-ops: counted, so tests see it is reached. */
static unsigned int unknown_subops;

void hypercall_unknown_subop(unsigned int nr, unsigned int op)
{
    (void)nr;
    (void)op;
    unknown_subops++;
}

unsigned int fake_unknown_subops(void)
{
    return unknown_subops;
}
