// SPDX-License-Identifier: MIT
/* The p2m on AMD nested page tables: 4-level, 4 KiB and 2 MiB leaves, type in software bits. */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>

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

static uint64_t leaf_bits(enum p2m_type t)
{
    uint64_t e = NPT_P | NPT_US | ((uint64_t)t << NPT_TYPE_SHIFT);
    if (t == p2m_ram_rw || t == p2m_grant_rw || t == p2m_xen_shared)
        e |= NPT_RW;
    return e;
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

static void free_level(struct domain *d, uint64_t *t, int level)
{
    if (level > 1)
        for (int i = 0; i < 512; i++)
            if ((t[i] & NPT_P) && !(t[i] & NPT_PS))
                free_level(d, maddr_to_virt(t[i] & NPT_ADDR), level - 1);
    free_xen_page(t);
    d->arch.p2m_table_pages--;
}

void p2m_teardown(struct domain *d)
{
    if (d->arch.p2m_root)
        free_level(d, d->arch.p2m_root, 4);
    d->arch.p2m_root = NULL;
}

paddr_t p2m_root(struct domain *d)
{
    return d->arch.p2m_root_pa;
}

uint64_t p2m_table_bytes(struct domain *d)
{
    return d->arch.p2m_table_pages * PAGE_SIZE;
}

/* Turn a 2 MiB leaf into a table of 512 4 KiB leaves with the same mapping. */
static int split_large(struct domain *d, uint64_t *entry)
{
    uint64_t *t = table_alloc(d);
    if (!t)
        return -ENOMEM;
    uint64_t base = *entry & NPT_ADDR & ~((1ULL << 21) - 1);
    uint64_t bits = *entry & ~(NPT_ADDR | NPT_PS);
    for (int i = 0; i < 512; i++)
        t[i] = (base + ((uint64_t)i << 12)) | bits;
    *entry = virt_to_maddr(t) | NPT_TABLE;
    return 0;
}

/* The entry for gfn at `level` (2 = 2 MiB, 1 = 4 KiB), creating tables on the way if alloc. */
static uint64_t *walk(struct domain *d, uint64_t gfn, int level, bool alloc, int *rc)
{
    uint64_t *t = d->arch.p2m_root;
    *rc = 0;
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
            *e = virt_to_maddr(n) | NPT_TABLE;
        } else if (*e & NPT_PS) {
            if (l - 1 == 1 && !alloc)
                return e; /* a 2 MiB leaf answers a 4 KiB lookup */
            if ((*rc = split_large(d, e)) < 0)
                return NULL;
        }
        t = maddr_to_virt(*e & NPT_ADDR);
    }
    return &t[(gfn >> (9 * (level - 1))) & 511];
}

int p2m_set_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t)
{
    unsigned long flags;
    int rc;
    if ((order != 0 && order != 9) || gfn >= GFN_LIMIT || (gfn & ((1ULL << order) - 1)) ||
        (mfn & ((1ULL << order) - 1)) || t == p2m_invalid)
        return -EINVAL;

    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    uint64_t *e = walk(d, gfn, order ? 2 : 1, true, &rc);
    if (e) {
        uint64_t old = *e;
        if (order && (old & NPT_P) && !(old & NPT_PS)) {
            /* A 2 MiB leaf replaces a table of small ones. */
            *e = 0;
            free_level(d, maddr_to_virt(old & NPT_ADDR), 1);
        }
        *e = (mfn << PAGE_SHIFT) | leaf_bits(t) | (order ? NPT_PS : 0);
        if (old & NPT_P)
            __atomic_add_fetch(&d->arch.p2m_generation, 1, __ATOMIC_SEQ_CST);
        if (gfn + (1ULL << order) > d->arch.max_gfn)
            d->arch.max_gfn = gfn + (1ULL << order);
    }
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    return e ? 0 : rc;
}

/*
 * After a mapping was removed, no vCPU of d may keep using a cached translation: make each
 * one running on another CPU leave guest mode (its next entry flushes the TLB, see
 * svm_run) and wait until it has. Waiting on the exit sequence, not on the exit handling,
 * keeps this safe while the caller holds locks the exit handler may want.
 */
static void p2m_sync_vcpus(struct domain *d)
{
    unsigned int self = smp_processor_id();
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v || !v->is_running || v->processor == self)
            continue;
        uint64_t seq = v->arch.vmexit_seq;
        smp_send_event_check(v->processor);
        for (s_time_t end = NOW() + MILLISECS(100);
             v->is_running && v->arch.vmexit_seq == seq && NOW() < end;)
            cpu_relax();
    }
}

int p2m_remove_entry(struct domain *d, uint64_t gfn)
{
    unsigned long flags;
    int rc;
    if (gfn >= GFN_LIMIT)
        return -EINVAL;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    uint64_t *e = walk(d, gfn, 1, false, &rc);
    if (e && (*e & NPT_PS)) {
        /* The 4 KiB lookup returned the covering 2 MiB leaf: split it to remove one page. */
        rc = split_large(d, e);
        e = rc ? NULL : walk(d, gfn, 1, false, &rc);
    }
    if (e && (*e & NPT_P)) {
        *e = 0;
        __atomic_add_fetch(&d->arch.p2m_generation, 1, __ATOMIC_SEQ_CST);
        rc = 0;
    } else if (!rc) {
        rc = -ENOENT;
    }
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    if (rc == 0)
        p2m_sync_vcpus(d);
    return rc;
}

enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    unsigned long flags;
    int rc;
    enum p2m_type t = p2m_invalid;
    if (gfn >= GFN_LIMIT || !d->arch.p2m_root)
        return p2m_invalid;
    spin_lock_irqsave(&d->arch.p2m_lock, flags);
    uint64_t *e = walk(d, gfn, 1, false, &rc);
    if (e && (*e & NPT_P)) {
        t = (*e & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT;
        uint64_t base = (*e & NPT_ADDR) >> PAGE_SHIFT;
        if (*e & NPT_PS)
            base = (base & ~511ULL) + (gfn & 511);
        if (mfn)
            *mfn = base;
    }
    spin_unlock_irqrestore(&d->arch.p2m_lock, flags);
    return t;
}
