// SPDX-License-Identifier: MIT
/* Fakes of the hypervisor around grant_table.c, on host memory (mfn = host address >> 12). */
#include "fake_env.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include <tern/errno.h>
#include <tern/grant_table.h>
#include <tern/guest_access.h>
#include <tern/mm.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

#define MAX_DOMS 8
#define MAX_P2M 1024

struct fake_p2m_entry {
    uint64_t gfn;
    mfn_t mfn;
    enum p2m_type t;
    bool ram; /* the fake owns the page (fake_ram) */
};

struct fake_dom {
    struct domain d;
    struct vcpu v;
    int refs;
    unsigned int n;
    struct fake_p2m_entry p2m[MAX_P2M];
};

static struct fake_dom *doms[MAX_DOMS];
static struct vcpu *cur;
static long pages_out, heap_out;

int fake_xsm_map_rc, fake_xsm_copy_rc, fake_xsm_query_rc;
int fake_p2m_set_fail;
long fake_alloc_fail_after = -1;
uint64_t fake_fault_lo, fake_fault_hi;
int fake_cont_calls;
uint64_t fake_cont_args[3];

void fake_reset(void)
{
    fake_xsm_map_rc = fake_xsm_copy_rc = fake_xsm_query_rc = 0;
    fake_p2m_set_fail = 0;
    fake_alloc_fail_after = -1;
    fake_fault_lo = fake_fault_hi = 0;
    fake_cont_calls = 0;
    memset(fake_cont_args, 0, sizeof(fake_cont_args));
}

static struct fake_dom *fd(struct domain *d)
{
    return container_of(d, struct fake_dom, d);
}

static bool alloc_allowed(void)
{
    if (fake_alloc_fail_after < 0)
        return true;
    if (fake_alloc_fail_after == 0)
        return false;
    fake_alloc_fail_after--;
    return true;
}

struct domain *fake_domain_create(domid_t id)
{
    for (int i = 0; i < MAX_DOMS; i++) {
        if (doms[i])
            continue;
        struct fake_dom *f = calloc(1, sizeof(*f));
        f->d.domain_id = id;
        f->v.domain = &f->d;
        f->d.vcpu[0] = &f->v;
        f->d.max_vcpus = 1;
        doms[i] = f;
        CHECK(grant_table_init(&f->d) == 0, "grant_table_init d%u", id);
        return &f->d;
    }
    CHECK(0, "too many fake domains");
    return NULL;
}

void fake_domain_destroy(struct domain *d)
{
    struct fake_dom *f = fd(d);
    grant_table_destroy(d);
    for (int i = 0; i < MAX_DOMS; i++)
        if (doms[i] == f)
            doms[i] = NULL;
    for (unsigned int i = 0; i < f->n; i++)
        if (f->p2m[i].ram)
            free(fake_mfn_to_virt(f->p2m[i].mfn));
    CHECK(f->refs == 0, "d%u destroyed with %d references held", d->domain_id, f->refs);
    if (cur == &f->v)
        cur = NULL;
    free(f);
}

void fake_set_current(struct domain *d)
{
    cur = d ? &fd(d)->v : NULL;
}

void *fake_mfn_to_virt(mfn_t mfn)
{
    return (void *)(uintptr_t)(mfn << PAGE_SHIFT);
}

static struct fake_p2m_entry *p2m_find(struct domain *d, uint64_t gfn)
{
    struct fake_dom *f = fd(d);
    for (unsigned int i = 0; i < f->n; i++)
        if (f->p2m[i].gfn == gfn && f->p2m[i].t != p2m_invalid)
            return &f->p2m[i];
    return NULL;
}

static struct fake_p2m_entry *p2m_slot(struct domain *d, uint64_t gfn)
{
    struct fake_dom *f = fd(d);
    struct fake_p2m_entry *e = p2m_find(d, gfn);
    if (e)
        return e;
    for (unsigned int i = 0; i < f->n; i++)
        if (f->p2m[i].t == p2m_invalid && !f->p2m[i].ram)
            return &f->p2m[i];
    CHECK(f->n < MAX_P2M, "fake p2m full");
    return &f->p2m[f->n++];
}

void *fake_ram(struct domain *d, uint64_t gfn, enum p2m_type t)
{
    void *pg = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(pg, 0, PAGE_SIZE);
    struct fake_dom *f = fd(d);
    CHECK(f->n < MAX_P2M, "fake p2m full");
    /* RAM slots are never reused, so the page is freed with the domain. */
    f->p2m[f->n++] = (struct fake_p2m_entry){ gfn, (uintptr_t)pg >> PAGE_SHIFT, t, true };
    return pg;
}

enum p2m_type fake_p2m(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    struct fake_p2m_entry *e = p2m_find(d, gfn);
    if (e && mfn)
        *mfn = e->mfn;
    return e ? e->t : p2m_invalid;
}

void fake_check_clean(void)
{
    for (int i = 0; i < MAX_DOMS; i++)
        if (doms[i])
            fake_domain_destroy(&doms[i]->d);
    CHECK(pages_out == 0, "%ld Tern pages not freed", pages_out);
    CHECK(heap_out == 0, "%ld heap objects not freed", heap_out);
    fake_reset();
}

void fake_start(void)
{
    for (int i = 0; i < MAX_DOMS; i++)
        if (doms[i]) {
            doms[i]->refs = 0;
            fake_domain_destroy(&doms[i]->d);
        }
    pages_out = heap_out = 0;
    cur = NULL;
    fake_reset();
}

/* ---- what grant_table.c calls --------------------------------------------------------- */

struct domain *domain_get_by_id(domid_t id)
{
    for (int i = 0; i < MAX_DOMS; i++)
        if (doms[i] && doms[i]->d.domain_id == id) {
            doms[i]->refs++;
            return &doms[i]->d;
        }
    return NULL;
}

void domain_put(struct domain *d)
{
    CHECK(fd(d)->refs > 0, "domain_put of d%u without a reference", d->domain_id);
    fd(d)->refs--;
}

void for_each_domain(void (*fn)(struct domain *d, void *arg), void *arg)
{
    for (int i = 0; i < MAX_DOMS; i++)
        if (doms[i])
            fn(&doms[i]->d, arg);
}

struct vcpu *current_vcpu(void)
{
    return cur;
}

static bool faults(uint64_t gva, size_t len)
{
    uint64_t end = gva + len;
    if (end > BAD_GVA && gva < BAD_GVA + 0x10000)
        return true;
    return fake_fault_hi && end > fake_fault_lo && gva < fake_fault_hi;
}

int copy_from_guest(void *dst, uint64_t gva, size_t len)
{
    if (faults(gva, len))
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t len)
{
    if (faults(gva, len))
        return -EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

int p2m_set_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t)
{
    CHECK(order == 0, "grant mappings are single pages");
    if (fake_p2m_set_fail)
        return -ENOMEM;
    struct fake_p2m_entry *e = p2m_slot(d, gfn);
    CHECK(!e->ram, "grant mapping replaced RAM at gfn %#llx", (unsigned long long)gfn);
    *e = (struct fake_p2m_entry){ gfn, mfn, t, false };
    return 0;
}

int p2m_remove_entry(struct domain *d, uint64_t gfn)
{
    struct fake_p2m_entry *e = p2m_find(d, gfn);
    if (!e)
        return -ENOENT;
    CHECK(!e->ram, "RAM removed at gfn %#llx", (unsigned long long)gfn);
    e->t = p2m_invalid;
    return 0;
}

enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    return fake_p2m(d, gfn, mfn);
}

void *alloc_xen_page(void)
{
    if (!alloc_allowed())
        return NULL;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(p, 0, PAGE_SIZE);
    pages_out++;
    return p;
}

void free_xen_page(void *va)
{
    CHECK(va != NULL, "free_xen_page(NULL)");
    pages_out--;
    free(va);
}

void *maddr_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)pa;
}

paddr_t virt_to_maddr(const void *va)
{
    return (paddr_t)(uintptr_t)va;
}

void *xmalloc_bytes(size_t size)
{
    if (!alloc_allowed())
        return NULL;
    heap_out++;
    return calloc(1, size);
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
        heap_out--;
    free(p);
}

int xsm_grant_mapref(struct domain *d, struct domain *granter, bool readonly)
{
    return fake_xsm_map_rc;
}

int xsm_grant_copy(struct domain *d, struct domain *src, struct domain *dst)
{
    return fake_xsm_copy_rc;
}

int xsm_grant_query_size(struct domain *d, struct domain *target)
{
    return d == target ? 0 : fake_xsm_query_rc;
}

void hypercall_set_continuation_args(uint64_t a0, uint64_t a1, uint64_t a2)
{
    fake_cont_calls++;
    fake_cont_args[0] = a0;
    fake_cont_args[1] = a1;
    fake_cont_args[2] = a2;
}
