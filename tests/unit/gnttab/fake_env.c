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
#include <tern/page_ref.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

#define MAX_DOMS 8
#define MAX_P2M 1024
#define MAX_PAGES 4096

struct fake_p2m_entry {
    uint64_t gfn;
    mfn_t mfn;
    enum p2m_type t;
};

/* Frames the fake knows (RAM and Tern's shared pages), with the real reference counts. */
struct fake_page {
    mfn_t mfn;
    struct page_info pi;
    bool xen; /* a Tern page (alloc_shared_xen_page / alloc_xen_page) */
    bool freed;
};
static struct fake_page fpages[MAX_PAGES];
static unsigned int nr_fpages;

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

static struct fake_page *fpage_of(mfn_t mfn)
{
    for (unsigned int i = 0; i < nr_fpages; i++)
        if (fpages[i].mfn == mfn && !fpages[i].freed)
            return &fpages[i];
    return NULL;
}

static struct fake_page *fpage_new(void *va, struct domain *owner, uint32_t count, bool xen)
{
    struct fake_page *fp = NULL;
    for (unsigned int i = 0; i < nr_fpages && !fp; i++)
        if (fpages[i].freed)
            fp = &fpages[i];
    if (!fp) {
        CHECK(nr_fpages < MAX_PAGES, "fake frame table full");
        fp = &fpages[nr_fpages++];
    }
    memset(fp, 0, sizeof(*fp));
    fp->mfn = (uintptr_t)va >> PAGE_SHIFT;
    fp->pi.owner = owner;
    fp->pi.count_info = count;
    fp->xen = xen;
    return fp;
}

static struct fake_page *fp_of(const struct page_info *pg)
{
    return container_of(pg, struct fake_page, pi);
}

int fake_xsm_map_rc, fake_xsm_copy_rc, fake_xsm_query_rc;
int fake_p2m_set_fail;
long fake_alloc_fail_after = -1;
uint64_t fake_fault_lo, fake_fault_hi;
int fake_cont_calls;
uint64_t fake_cont_args[3];

/* Removals still waiting for p2m_flush(), and flushes made: the batch tests count them. */
int fake_p2m_unflushed, fake_p2m_flushes;
void (*fake_p2m_flush_hook)(void);

void fake_reset(void)
{
    fake_xsm_map_rc = fake_xsm_copy_rc = fake_xsm_query_rc = 0;
    fake_p2m_set_fail = 0;
    fake_alloc_fail_after = -1;
    fake_fault_lo = fake_fault_hi = 0;
    fake_cont_calls = 0;
    memset(fake_cont_args, 0, sizeof(fake_cont_args));
    fake_p2m_unflushed = fake_p2m_flushes = 0;
    fake_p2m_flush_hook = NULL;
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
    /* As p2m_teardown then domain_relinquish_pages: entry references, then allocation
     * references; frames another domain still maps live on. */
    for (unsigned int i = 0; i < f->n; i++)
        if (f->p2m[i].t != p2m_invalid)
            put_page(mfn_to_page(f->p2m[i].mfn));
    for (unsigned int i = 0; i < nr_fpages; i++)
        if (!fpages[i].freed && !fpages[i].xen && fpages[i].pi.owner == d)
            put_page_alloc_ref(&fpages[i].pi);
    for (unsigned int i = 0; i < nr_fpages; i++)
        if (!fpages[i].freed && fpages[i].pi.owner == d)
            fpages[i].pi.owner = NULL; /* a zombie frame: its owner struct is gone */
    CHECK(f->refs == 0, "d%u destroyed with %d references held", d->domain_id, f->refs);
    if (cur == &f->v)
        cur = NULL;
    free(f);
}

uint32_t fake_page_count(void *va)
{
    struct fake_page *fp = fpage_of((uintptr_t)va >> PAGE_SHIFT);
    return fp ? fp->pi.count_info & PGC_count_mask : 0;
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

static struct fake_p2m_entry *p2m_slot(struct domain *d)
{
    struct fake_dom *f = fd(d);
    for (unsigned int i = 0; i < f->n; i++)
        if (f->p2m[i].t == p2m_invalid)
            return &f->p2m[i];
    CHECK(f->n < MAX_P2M, "fake p2m full");
    return &f->p2m[f->n++];
}

void *fake_ram(struct domain *d, uint64_t gfn, enum p2m_type t)
{
    void *pg = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(pg, 0, PAGE_SIZE);
    /* The allocation reference and the p2m entry's. */
    fpage_new(pg, d, PGC_allocated | 2, false);
    *p2m_slot(d) = (struct fake_p2m_entry){ gfn, (uintptr_t)pg >> PAGE_SHIFT, t };
    return pg;
}

bool fake_release_ram(struct domain *d, uint64_t gfn)
{
    struct page_info *pg;
    if (p2m_remove_entry(d, gfn, P2M_RAM, P2M_ANY_MFN, &pg))
        return false;
    put_page_alloc_ref(pg);
    put_page(pg);
    return true;
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
    CHECK(fake_p2m_unflushed == 0, "%d p2m removals never flushed", fake_p2m_unflushed);
    for (unsigned int i = 0; i < nr_fpages; i++)
        CHECK(fpages[i].freed, "frame %#llx still has count_info %#x",
              (unsigned long long)fpages[i].mfn, fpages[i].pi.count_info);
    nr_fpages = 0;
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
    nr_fpages = 0;
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

/* ---- frames and references: the real rules, on fake frames ------------------------------ */

struct page_info *mfn_to_page(mfn_t mfn)
{
    struct fake_page *fp = fpage_of(mfn);
    return fp ? &fp->pi : NULL;
}

mfn_t page_to_mfn(const struct page_info *pg)
{
    return fp_of(pg)->mfn;
}

struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page((mfn_t)(uintptr_t)va >> 12);
}

void *page_to_virt(const struct page_info *pg)
{
    return fake_mfn_to_virt(page_to_mfn(pg));
}

bool get_page_ref(struct page_info *pg)
{
    uint32_t n = pg->count_info & PGC_count_mask;
    CHECK(!fp_of(pg)->freed, "reference taken on a freed frame");
    if (n == 0 || n == PGC_count_mask)
        return false;
    pg->count_info++;
    return true;
}

void put_page(struct page_info *pg)
{
    struct fake_page *fp = fp_of(pg);
    CHECK(!fp->freed && (pg->count_info & PGC_count_mask), "put_page of frame %#llx with no "
          "reference", (unsigned long long)fp->mfn);
    if (--pg->count_info & PGC_count_mask)
        return;
    fp->freed = true;
    free(fake_mfn_to_virt(fp->mfn));
    if (fp->xen)
        pages_out--;
}

bool put_page_alloc_ref(struct page_info *pg)
{
    if (!(pg->count_info & PGC_allocated))
        return false;
    pg->count_info &= ~PGC_allocated;
    put_page(pg);
    return true;
}

void *alloc_shared_xen_page(struct domain *d)
{
    if (!alloc_allowed())
        return NULL;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(p, 0, PAGE_SIZE);
    pages_out++;
    fpage_new(p, d, PGC_xen_heap | PGC_allocated | 1, true);
    return p;
}

void free_shared_xen_page(void *va)
{
    CHECK(va != NULL, "free_shared_xen_page(NULL)");
    put_page_alloc_ref(mfn_to_page((uintptr_t)va >> PAGE_SHIFT));
}

/* ---- the p2m ------------------------------------------------------------------------------ */

int p2m_add_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t)
{
    CHECK(order == 0, "grant mappings are single pages");
    if (fake_p2m_set_fail)
        return -ENOMEM;
    if (p2m_find(d, gfn))
        return -EEXIST;
    struct page_info *pg = mfn_to_page(mfn);
    if (!pg || !get_page_ref(pg))
        return -EINVAL;
    *p2m_slot(d) = (struct fake_p2m_entry){ gfn, mfn, t };
    return 0;
}

int p2m_remove_entry(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                     struct page_info **pg)
{
    struct fake_p2m_entry *e = p2m_find(d, gfn);
    if (pg)
        *pg = NULL;
    if (!e)
        return -ENOENT;
    if (!(types & P2M_BIT(e->t)) || (expect != P2M_ANY_MFN && expect != e->mfn))
        return -EINVAL;
    e->t = p2m_invalid;
    if (pg)
        *pg = mfn_to_page(e->mfn);
    else
        put_page(mfn_to_page(e->mfn));
    return 0;
}


int p2m_remove_entry_deferred(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                              struct page_info **pg)
{
    CHECK(pg != NULL, "a deferred removal hands its reference to the caller");
    int rc = p2m_remove_entry(d, gfn, types, expect, pg);
    if (!rc)
        fake_p2m_unflushed++;
    return rc;
}

void p2m_flush(struct domain *d)
{
    (void)d;
    if (fake_p2m_flush_hook)
        fake_p2m_flush_hook();
    fake_p2m_unflushed = 0;
    fake_p2m_flushes++;
}

struct page_info *p2m_get_page(struct domain *d, uint64_t gfn, enum p2m_type *t)
{
    struct fake_p2m_entry *e = p2m_find(d, gfn);
    struct page_info *pg = e ? mfn_to_page(e->mfn) : NULL;
    if (t)
        *t = pg ? e->t : p2m_invalid;
    if (pg)
        CHECK(get_page_ref(pg), "a mapped frame always has a reference");
    return pg;
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

/* The hypercall layer's log of unimplemented sub-ops (nothing to log in these tests). */
void hypercall_unknown_subop(unsigned int nr, unsigned int op)
{
    (void)nr;
    (void)op;
}
