// SPDX-License-Identifier: MIT
/* Fake domains, vCPUs, guest copies, console ring and host counts for the domctl/sysctl tests. */
#include "fake_env.h"
#include "harness.h"

#include <public/vcpu.h>
#include <stdlib.h>
#include <string.h>
#include <tern/bootmem.h>
#include <tern/console.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/smp.h>
#include <tern/time.h>

#define MAX_FAKE_DOMAINS 16

static struct domain *domains[MAX_FAKE_DOMAINS];
static struct vcpu *current_v;
static char conring[FAKE_CONRING_SIZE];
static uint32_t conring_prod, conring_cons; /* Xen's 32-bit indices */

unsigned int fake_nr_cpus = 2;
uint64_t fake_total_pages = 32768, fake_free_pages = 20000, fake_max_mfn = 0x40000;
uint64_t fake_running_ns = 1000;
bool fake_copy_out_fails;
int fake_create_fails;
unsigned int fake_vcpu_create_fails_from = ~0u;
uint32_t fake_max_evtchn_port;
domid_t fake_max_evtchn_port_of;
unsigned int fake_deferred_requests, fake_dom_exc_sent;
static struct domain *unlisted[MAX_FAKE_DOMAINS]; /* destroyed, kept by references */
unsigned int fake_copy_out_fail_in;

/* ---- Domains and the current vCPU ---------------------------------------------------- */

struct domain *domain_get_next(domid_t from)
{
    struct domain *best = NULL;

    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i] && domains[i]->domain_id >= from &&
            (!best || domains[i]->domain_id < best->domain_id))
            best = domains[i];
    if (best)
        best->refcount++;
    return best;
}

struct domain *domain_get_by_id(domid_t domid)
{
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        if (domains[i] && domains[i]->domain_id == domid) {
            domains[i]->refcount++;
            return domains[i];
        }
    }
    return NULL;
}

unsigned int domain_count(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++)
        n += domains[i] != NULL;
    return n;
}

void domain_get(struct domain *d)
{
    d->refcount++;
}

bool domain_vcpus_get(struct domain *d)
{
    if (d->is_dying)
        return false;
    d->vcpu_users++;
    return true;
}

void domain_vcpus_put(struct domain *d)
{
    CHECK(d->vcpu_users > 0, "d%u: domain_vcpus_put() without a get", d->domain_id);
    d->vcpu_users--;
}

void domain_put(struct domain *d)
{
    CHECK(d->refcount > 1, "d%u: domain_put() would drop the owner's reference", d->domain_id);
    d->refcount--;
}

void domain_pause_nosync(struct domain *d)
{
    d->pause_count++;
}

void domain_unpause(struct domain *d)
{
    CHECK(d->pause_count > 0, "d%u: domain_unpause() below 0", d->domain_id);
    d->pause_count--;
}

struct vcpu *current_vcpu(void)
{
    return current_v;
}

void set_current_vcpu(struct vcpu *v)
{
    current_v = v;
}

void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info)
{
    memset(info, 0, sizeof(*info));
    info->state = v->is_running ? RUNSTATE_running : RUNSTATE_runnable;
    info->time[RUNSTATE_running] = fake_running_ns;
}

struct domain *domain_create(domid_t domid, const char *name, unsigned int max_vcpus, int *rc)
{
    struct domain *d;

    CHECK(domid && domid < DOMID_FIRST_RESERVED, "domain_create(%u): not a domU id", domid);
    if (fake_create_fails) {
        *rc = fake_create_fails;
        return NULL;
    }
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i] && domains[i]->domain_id == domid) {
            *rc = -EEXIST;
            return NULL;
        }
    d = fake_domain(domid, 0, false);
    d->max_vcpus = max_vcpus;
    d->pause_count = 1;
    snprintf(d->name, sizeof(d->name), "%s", name);
    *rc = 0;
    return d;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int vcpu_id)
{
    struct vcpu *v;

    CHECK(vcpu_id < d->max_vcpus && !d->vcpu[vcpu_id], "vcpu_create(d%u, %u) misused",
          d->domain_id, vcpu_id);
    if (vcpu_id >= fake_vcpu_create_fails_from || !(v = calloc(1, sizeof(*v))))
        return NULL;
    v->vcpu_id = vcpu_id;
    v->domain = d;
    v->pause_flags = VPF_down;
    d->vcpu[vcpu_id] = v;
    return v;
}

void sched_request_deferred_work(void)
{
    fake_deferred_requests++;
}

void evtchn_set_max_port(struct domain *d, uint32_t max_port)
{
    fake_max_evtchn_port = max_port;
    fake_max_evtchn_port_of = d->domain_id;
}

int evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    CHECK(v->domain->domain_id == 0 && v->vcpu_id == 0 && virq == VIRQ_DOM_EXC,
          "VIRQ %u sent to d%u v%u, expected VIRQ_DOM_EXC to d0 v0", virq,
          v->domain->domain_id, v->vcpu_id);
    fake_dom_exc_sent++;
    return 0;
}

void fake_unlist(struct domain *d)
{
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        if (domains[i] == d) {
            domains[i] = NULL;
            for (unsigned int u = 0; u < MAX_FAKE_DOMAINS; u++)
                if (!unlisted[u]) {
                    unlisted[u] = d;
                    break;
                }
        }
    }
    d->is_dying = true;
}

void fake_run_deferred_destroy(struct domain *d)
{
    CHECK(d->destroy_requested && d->pause_count, "d%u torn down without a paused request",
          d->domain_id);
    fake_unlist(d);
    d->is_dead = true;
    domain_send_dom_exc();
}

struct domain *fake_domain(domid_t id, unsigned int nr_vcpus, bool privileged)
{
    struct domain *d = calloc(1, sizeof(*d));
    unsigned int slot;

    for (slot = 0; slot < MAX_FAKE_DOMAINS && domains[slot]; slot++)
        ;
    CHECK(d && slot < MAX_FAKE_DOMAINS, "out of fake domain slots");
    d->domain_id = id;
    d->refcount = 1;
    d->max_vcpus = nr_vcpus;
    d->is_privileged = privileged;
    d->shutdown_code = -1;
    d->shared_info_gfn = ~0ULL;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = calloc(1, sizeof(*v));

        CHECK(v, "calloc");
        v->vcpu_id = i;
        v->domain = d;
        v->affinity = ~0ULL;
        v->processor = i % 2;
        d->vcpu[i] = v;
    }
    domains[slot] = d;
    return d;
}

static void free_domains(bool check)
{
    /* A destroyed domain had the list's reference dropped: only others may remain. */
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        struct domain *d = unlisted[i];

        if (!d)
            continue;
        unlisted[i] = NULL;
        unsigned int refs = d->refcount;
        for (unsigned int v = 0; v < MAX_VIRT_CPUS; v++)
            free(d->vcpu[v]);
        free(d);
        if (check)
            CHECK(refs == 1, "a destroyed domain kept %u references besides the list's", refs - 1);
    }
    for (unsigned int i = 0; i < MAX_FAKE_DOMAINS; i++) {
        struct domain *d = domains[i];

        if (!d)
            continue;
        domains[i] = NULL;
        for (unsigned int v = 0; v < MAX_VIRT_CPUS; v++)
            free(d->vcpu[v]);
        unsigned int refs = d->refcount, users = d->vcpu_users;
        free(d);
        if (check) {
            CHECK(refs == 1, "a domain kept %u references after the test, expected 1", refs);
            CHECK(users == 0, "%u calls still hold the domain's vCPUs after the test", users);
        }
    }
    current_v = NULL;
}

void fake_setup(void)
{
    free_domains(false);
    conring_prod = conring_cons = 0;
    fake_nr_cpus = 2;
    fake_running_ns = 1000;
    fake_copy_out_fails = false;
    fake_copy_out_fail_in = 0;
    fake_create_fails = 0;
    fake_vcpu_create_fails_from = ~0u;
    fake_deferred_requests = fake_dom_exc_sent = fake_hvmcontext_calls = 0;
    fake_cpu_policy_calls = 0;
}

void fake_teardown(void)
{
    free_domains(true);
}

void fake_set_caller(struct domain *d)
{
    current_v = d->vcpu[0];
}

/* ---- Hypercall wrappers -------------------------------------------------------------- */

void fake_domctl_init(struct xen_domctl *op, uint32_t cmd, domid_t dom)
{
    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
}

void fake_sysctl_init(struct xen_sysctl *op, uint32_t cmd)
{
    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
}

long fake_domctl(struct xen_domctl *op)
{
    return do_domctl((uint64_t)(uintptr_t)op);
}

long fake_sysctl(struct xen_sysctl *op)
{
    return do_sysctl((uint64_t)(uintptr_t)op);
}

/* ---- Guest copies -------------------------------------------------------------------- */

static bool bad_range(uint64_t gva, size_t len)
{
    return !gva || (gva < FAKE_BAD_GVA + (1ULL << 20) && gva + len > FAKE_BAD_GVA);
}

int copy_from_guest(void *dst, uint64_t gva, size_t len)
{
    if (bad_range(gva, len))
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t len)
{
    if (bad_range(gva, len) || fake_copy_out_fails ||
        (fake_copy_out_fail_in && --fake_copy_out_fail_in == 0))
        return -EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

/* ---- Console ring, as console.c keeps it --------------------------------------------- */

void fake_console_write(const char *s)
{
    for (; *s; s++) {
        conring[conring_prod++ & (FAKE_CONRING_SIZE - 1)] = *s;
        if (conring_prod - conring_cons > FAKE_CONRING_SIZE)
            conring_cons = conring_prod - FAKE_CONRING_SIZE;
    }
}

void console_ring_bounds(uint32_t *c, uint32_t *p)
{
    *c = conring_cons;
    *p = conring_prod;
}

size_t console_ring_fetch(uint32_t c, char *buf, size_t len)
{
    size_t done = 0;

    if (conring_prod - c <= FAKE_CONRING_SIZE)
        while (done < len && c != conring_prod)
            buf[done++] = conring[c++ & (FAKE_CONRING_SIZE - 1)];
    return done;
}

void console_ring_clear(uint32_t c)
{
    conring_cons = conring_prod - c > FAKE_CONRING_SIZE ? conring_prod - FAKE_CONRING_SIZE : c;
}

/* ---- Host ---------------------------------------------------------------------------- */

unsigned int num_online_cpus(void)
{
    return fake_nr_cpus;
}

uint64_t tsc_khz(void)
{
    return 2500000;
}

uint64_t page_alloc_total_count(void)
{
    return fake_total_pages;
}

uint64_t page_alloc_free_count(void)
{
    return fake_free_pages;
}

mfn_t bootmem_max_mfn(void)
{
    return fake_max_mfn;
}

/* ---- Arch sub-ops (their own suites test them): only that domctl routes to them ------- */

unsigned int fake_hvmcontext_calls;

long domctl_hvmcontext(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg)
{
    (void)caller, (void)d, (void)op, (void)arg;
    fake_hvmcontext_calls++;
    return -ENODATA;
}

uint64_t outstanding_claims_total(void)
{
    return 0; /* page_ref.c's claims are not part of this suite */
}

unsigned int fake_cpu_policy_calls;

long domctl_cpu_policy(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg)
{
    (void)caller, (void)d, (void)op, (void)arg;
    fake_cpu_policy_calls++;
    return -ENODATA;
}

void physinfo_hw_cap(uint32_t cap[8])
{
    for (unsigned int i = 0; i < 8; i++)
        cap[i] = 0x1000 + i;
}

long sysctl_cpu_policy(struct xen_sysctl *op, uint64_t arg)
{
    (void)op, (void)arg;
    fake_cpu_policy_calls++;
    return -ENODATA;
}
