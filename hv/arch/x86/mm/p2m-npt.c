// SPDX-License-Identifier: MIT
/* The p2m on AMD nested page tables: 4-level, 4 KiB and 2 MiB leaves, type in software bits. */
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/smp.h>

/* Nested page-table entries use the long-mode format; guest accesses count as user accesses
 * (AMD APM vol. 2, 15.25.5), so U/S must be set at every level. */
#define NPT_P (1ULL << 0)
#define NPT_RW (1ULL << 1)
#define NPT_US (1ULL << 2)
#define NPT_PS (1ULL << 7)
#define NPT_TYPE_SHIFT 52 /* bits 52-55 are free for software */
#define NPT_TYPE_MASK (0xfULL << NPT_TYPE_SHIFT)
#define NPT_ADDR 0x000ffffffffff000ULL
#define NPT_TABLE (NPT_P | NPT_RW | NPT_US)
#define GFN_LIMIT (1ULL << 36) /* 48-bit guest-physical addresses */
#define LARGE_MASK 511ULL      /* frames of a 2 MiB leaf - 1 */

static uint64_t leaf_bits(enum p2m_type t)
{
    uint64_t e = NPT_P | NPT_US | ((uint64_t)t << NPT_TYPE_SHIFT);
    if (t == p2m_ram_rw || t == p2m_grant_rw || t == p2m_xen_shared || t == p2m_map_foreign)
        e |= NPT_RW;
    return e;
}

static enum p2m_type entry_type(uint64_t e)
{
    return (e & NPT_P) ? (enum p2m_type)((e & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT) : p2m_invalid;
}

static mfn_t entry_mfn(uint64_t e)
{
    return (e & NPT_ADDR) >> PAGE_SHIFT;
}

static uint64_t *table_alloc(struct domain *d)
{
    uint64_t *t = alloc_xen_page();
    if (t)
        d->arch.p2m_table_pages++;
    return t;
}

int p2m_init(struct domain *d)
{
    spin_lock_init(&d->arch.p2m_lock);
    d->arch.p2m_root = table_alloc(d);
    if (!d->arch.p2m_root)
        return -ENOMEM;
    d->arch.p2m_root_pa = virt_to_maddr(d->arch.p2m_root);
    return 0;
}

/* Put the references the leaves under t hold, then free t and its tables. */
static void free_level(struct domain *d, uint64_t *t, int level)
{
    for (int i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (!(e & NPT_P))
            continue;
        if (level > 1 && !(e & NPT_PS)) {
            free_level(d, maddr_to_virt(e & NPT_ADDR), level - 1);
            continue;
        }
        unsigned int n = level == 2 ? 512 : 1;
        for (unsigned int k = 0; k < n; k++)
            put_page(mfn_to_page(entry_mfn(e) + k));
    }
    free_xen_page(t);
    d->arch.p2m_table_pages--;
}

void p2m_teardown(struct domain *d)
{
    unsigned long flags;
    uint64_t *root;

    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    root = d->arch.p2m_root;
    d->arch.p2m_root = NULL;
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    /* put_page may free frames (and zombie domains): never under the lock. */
    if (root)
        free_level(d, root, 4);
}

paddr_t p2m_root(struct domain *d)
{
    return d->arch.p2m_root_pa;
}

uint64_t p2m_table_bytes(struct domain *d)
{
    return d->arch.p2m_table_pages * PAGE_SIZE;
}

/* Turn a 2 MiB leaf into a table of 512 4 KiB leaves with the same mapping and references.
 * Translations cached from the large leaf stay correct, so no flush is needed for this. */
static int split_large(struct domain *d, uint64_t *entry)
{
    uint64_t *t = table_alloc(d);
    if (!t)
        return -ENOMEM;
    uint64_t base = *entry & NPT_ADDR & ~((1ULL << 21) - 1);
    uint64_t bits = *entry & ~(NPT_ADDR | NPT_PS);
    for (int i = 0; i < 512; i++)
        t[i] = (base + ((uint64_t)i << 12)) | bits;
    __atomic_store_n(entry, virt_to_maddr(t) | NPT_TABLE, __ATOMIC_RELEASE);
    return 0;
}

/*
 * The entry for gfn at `level` (2 = 2 MiB, 1 = 4 KiB). alloc creates missing tables; split
 * turns a 2 MiB leaf on the way into small ones. Otherwise a 2 MiB leaf covering a 4 KiB
 * lookup is returned as it is (check NPT_PS), and a missing table gives NULL.
 */
static uint64_t *walk(struct domain *d, uint64_t gfn, int level, bool alloc, bool split,
                      int *rc)
{
    uint64_t *t = d->arch.p2m_root;
    *rc = 0;
    if (!t) { /* torn down (p2m_teardown): nothing is mapped and nothing can be */
        *rc = -EINVAL;
        return NULL;
    }
    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[(gfn >> (9 * (l - 1))) & 511];
        if (!(*e & NPT_P)) {
            if (!alloc)
                return NULL;
            uint64_t *n = table_alloc(d);
            if (!n) {
                *rc = -ENOMEM;
                return NULL;
            }
            __atomic_store_n(e, virt_to_maddr(n) | NPT_TABLE, __ATOMIC_RELEASE);
        } else if (*e & NPT_PS) {
            if (!split)
                return e;
            if ((*rc = split_large(d, e)) < 0)
                return NULL;
        }
        t = maddr_to_virt(*e & NPT_ADDR);
    }
    return &t[(gfn >> (9 * (level - 1))) & 511];
}

/* ---- TLB shootdown ---------------------------------------------------------------------- */

/*
 * After entries were removed or replaced, no vCPU of d may go on using a translation of the
 * old ones. Each pCPU names the domain it runs in guest mode (hvm_cpu_guest), set with
 * interrupts held off before the vCPU's TLB tag is chosen from the p2m generation, and
 * cleared after the exit. So: publish a new generation; then every pCPU still in guest mode
 * for d entered before it and is sent an interrupt, which ends its guest mode at once (GIF
 * keeps it pending until VMRUN, which then exits immediately); its next entry sees the new
 * generation and takes a fresh TLB tag. The wait is bounded by one entry and exit of the
 * target, and the target holds no lock while it is in that window.
 */
static void p2m_flush_sync(struct domain *d)
{
    unsigned int self = smp_processor_id();
    uint64_t seen[NR_CPUS];
    bool wait[NR_CPUS], any = false;

    __atomic_add_fetch(&d->arch.p2m_generation, 1, __ATOMIC_SEQ_CST);
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        wait[c] = c != self && __atomic_load_n(&hvm_cpu_guest[c].dom, __ATOMIC_SEQ_CST) == d;
        if (!wait[c])
            continue;
        seen[c] = __atomic_load_n(&hvm_cpu_guest[c].exits, __ATOMIC_ACQUIRE);
        smp_send_event_check(c);
        any = true;
    }
    if (any)
        __atomic_add_fetch(&d->arch.p2m_flush_ipis, 1, __ATOMIC_RELAXED);
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        if (!wait[c])
            continue;
        while (__atomic_load_n(&hvm_cpu_guest[c].dom, __ATOMIC_ACQUIRE) == d &&
               __atomic_load_n(&hvm_cpu_guest[c].exits, __ATOMIC_ACQUIRE) == seen[c])
            cpu_relax();
    }
}

/* The reference a removed entry held: to the caller, or dropped. */
static void hand_over(struct page_info *pg, struct page_info **out)
{
    if (out)
        *out = pg;
    else if (pg)
        put_page(pg);
}

/* ---- changes ------------------------------------------------------------------------------ */

/* Take one reference on each of n frames from mfn; all or nothing. */
static bool ref_frames(mfn_t mfn, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct page_info *pg = mfn_to_page(mfn + i);
        if (!pg || !get_page_ref(pg)) {
            while (i--)
                put_page(mfn_to_page(mfn + i));
            return false;
        }
    }
    return true;
}

static void note_max_gfn(struct domain *d, uint64_t end)
{
    if (end > d->arch.max_gfn)
        d->arch.max_gfn = end;
}

int p2m_add_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t)
{
    uint64_t n = 1ULL << order;
    unsigned long flags;
    uint64_t *e, *small = NULL;
    int rc;

    if ((order != 0 && order != 9) || gfn >= GFN_LIMIT || (gfn & (n - 1)) ||
        (mfn & (n - 1)) || t == p2m_invalid)
        return -EINVAL;
    if (!ref_frames(mfn, n))
        return -EINVAL;

    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    e = walk(d, gfn, order ? 2 : 1, true, false, &rc);
    if (!e)
        goto out;
    if (!order && (*e & NPT_PS)) {
        rc = -EEXIST; /* inside a 2 MiB leaf */
    } else if (order && (*e & NPT_P) && !(*e & NPT_PS)) {
        /* A table is here already (tables stay until teardown): fill it when it is empty. */
        small = maddr_to_virt(*e & NPT_ADDR);
        for (unsigned int i = 0; i < 512 && !rc; i++)
            if (small[i] & NPT_P)
                rc = -EEXIST;
        for (unsigned int i = 0; i < 512 && !rc; i++)
            __atomic_store_n(&small[i], ((mfn + i) << PAGE_SHIFT) | leaf_bits(t),
                             __ATOMIC_RELEASE);
    } else if (*e & NPT_P) {
        rc = -EEXIST;
    } else {
        __atomic_store_n(e, (mfn << PAGE_SHIFT) | leaf_bits(t) | (order ? NPT_PS : 0),
                         __ATOMIC_RELEASE);
    }
    if (!rc)
        note_max_gfn(d, gfn + n);
out:
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    if (rc)
        for (uint64_t i = 0; i < n; i++)
            put_page(mfn_to_page(mfn + i));
    return rc;
}

/* Remove the entry; with flush, complete on return, else the caller flushes (see p2m.h). */
static int remove_entry(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                        struct page_info **pg, bool flush)
{
    unsigned long flags;
    mfn_t old = 0;
    uint64_t *e;
    int rc;

    if (pg)
        *pg = NULL;
    if (gfn >= GFN_LIMIT || !d->arch.p2m_root)
        return -EINVAL;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    e = walk(d, gfn, 1, false, false, &rc);
    if (e && (*e & NPT_PS)) {
        /* Only split what will be changed: a refused removal leaves the large leaf. */
        mfn_t m = entry_mfn(*e) + (gfn & LARGE_MASK);
        if (!(types & P2M_BIT(entry_type(*e))) || (expect != P2M_ANY_MFN && expect != m))
            rc = -EINVAL;
        else
            e = walk(d, gfn, 1, false, true, &rc);
        if (rc)
            e = NULL;
    }
    if (e && (*e & NPT_P)) {
        old = entry_mfn(*e);
        if (!(types & P2M_BIT(entry_type(*e))) || (expect != P2M_ANY_MFN && expect != old))
            rc = -EINVAL;
        else
            __atomic_store_n(e, 0, __ATOMIC_RELEASE);
    } else if (!rc) {
        rc = -ENOENT;
    }
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    if (rc)
        return rc;
    if (flush)
        p2m_flush_sync(d);
    hand_over(mfn_to_page(old), pg);
    return 0;
}

int p2m_remove_entry(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                     struct page_info **pg)
{
    return remove_entry(d, gfn, types, expect, pg, true);
}

int p2m_remove_entry_deferred(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                              struct page_info **pg)
{
    if (!pg)
        return -EINVAL; /* the reference must outlive the flush */
    return remove_entry(d, gfn, types, expect, pg, false);
}

void p2m_flush(struct domain *d)
{
    p2m_flush_sync(d);
}

int p2m_replace_entry(struct domain *d, uint64_t gfn, mfn_t mfn, enum p2m_type t,
                      unsigned int types, struct page_info **old, enum p2m_type *old_t)
{
    unsigned long flags;
    enum p2m_type ot = p2m_invalid;
    uint64_t *e, prev = 0;
    int rc;

    if (old)
        *old = NULL;
    if (old_t)
        *old_t = p2m_invalid;
    if (gfn >= GFN_LIMIT || t == p2m_invalid)
        return -EINVAL;
    if (!ref_frames(mfn, 1))
        return -EINVAL;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    e = walk(d, gfn, 1, true, false, &rc);
    if (e && (*e & NPT_PS)) {
        if (!(types & P2M_BIT(entry_type(*e))))
            rc = -EBUSY;
        else
            e = walk(d, gfn, 1, true, true, &rc);
        if (rc)
            e = NULL;
    }
    if (e) {
        prev = *e;
        ot = entry_type(prev);
        if (!(types & P2M_BIT(ot)))
            rc = -EBUSY;
        else
            __atomic_store_n(e, (mfn << PAGE_SHIFT) | leaf_bits(t), __ATOMIC_RELEASE);
    }
    if (!rc)
        note_max_gfn(d, gfn + 1);
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    if (rc) {
        put_page(mfn_to_page(mfn));
        return rc;
    }
    if (old_t)
        *old_t = ot;
    if (prev & NPT_P) {
        p2m_flush_sync(d);
        hand_over(mfn_to_page(entry_mfn(prev)), old);
    }
    return 0;
}

/* Under the lock: the 4 KiB translation of gfn as an entry value (0 when unmapped). */
static uint64_t lookup_locked(struct domain *d, uint64_t gfn)
{
    int rc;
    uint64_t *e = walk(d, gfn, 1, false, false, &rc);
    if (!e || !(*e & NPT_P))
        return 0;
    if (*e & NPT_PS)
        return ((entry_mfn(*e) + (gfn & LARGE_MASK)) << PAGE_SHIFT) | (*e & NPT_TYPE_MASK) |
               NPT_P;
    return *e;
}

struct page_info *p2m_get_page(struct domain *d, uint64_t gfn, enum p2m_type *t)
{
    unsigned long flags;
    struct page_info *pg = NULL;
    uint64_t e;

    if (t)
        *t = p2m_invalid;
    if (gfn >= GFN_LIMIT || !d->arch.p2m_root)
        return NULL;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    e = lookup_locked(d, gfn);
    if (e) {
        pg = mfn_to_page(entry_mfn(e));
        /* The entry holds a reference, so this cannot fail unless the books are wrong. */
        if (pg && !get_page_ref(pg)) {
            printk(XENLOG_ERR "d%u: gfn %#llx maps frame %#llx, which has no reference\n",
                   d->domain_id, (unsigned long long)gfn, (unsigned long long)entry_mfn(e));
            pg = NULL;
        }
        if (pg && t)
            *t = entry_type(e);
    }
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    return pg;
}

enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    unsigned long flags;
    uint64_t e;

    if (gfn >= GFN_LIMIT || !d->arch.p2m_root)
        return p2m_invalid;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    e = lookup_locked(d, gfn);
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    if (e && mfn)
        *mfn = entry_mfn(e);
    return entry_type(e);
}
