// SPDX-License-Identifier: MIT
/* Grant tables v1: grant entries, map/unmap/copy of granted frames, teardown. */
#include <public/grant_table.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/grant_table.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/spinlock.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

/* The hypercall layer (common/hypercall.c): the guest's first three argument registers are
 * rewritten so that a handler returning -ERESTART is re-executed from where it stopped. */
void hypercall_set_continuation_args(uint64_t a0, uint64_t a1, uint64_t a2);

#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1)) /* 512 */
/* Elements of a batched op handled per hypercall entry before it is continued. */
#define GNTTAB_BATCH 256
/* Xen keeps continuation state of cache_flush in cmd bits 12 and up; nothing else may. */
#define GNTTAB_CMD_MASK 0xfffu
/* The p2m's reach: 48-bit guest-physical addresses. */
#define GNTTAB_GFN_LIMIT (1ULL << 36)
/* Pins per active entry and kind; further maps of the same grant are refused (as Xen). */
#define PIN_MAX 0xfffeu
#define INVALID_FRAME (~0ULL)

/*
 * Tern's shadow of a grant entry while it is in use (Xen's "active entry"). Only pins (maps
 * and copies in progress) keep GTF_reading / GTF_writing set in the guest-visible entry, so
 * the granter's revoke (cmpxchg of flags to 0) fails exactly while the frame is reachable.
 * While pinned, the entry holds a reference on the frame, so the granter giving the frame
 * back (decrease_reservation) cannot free it under a map or copy.
 */
struct active_grant {
    uint16_t rd_pins; /* read-only maps, and copies reading from the frame */
    uint16_t wr_pins; /* writable maps, and copies writing into it */
    domid_t domid;    /* the grantee that pinned it: only it adds pins while pinned */
    uint16_t pad;
    struct page_info *page; /* referenced at the first pin; later pins reuse it, as Xen */
};

/* One mapping a domain holds on another's grant; its index is the handle. */
struct maptrack {
    uint64_t gfn : 48;   /* where the mapper sees the frame */
    uint64_t flags : 16; /* MT_* */
    grant_ref_t ref;     /* the granter's ref; while unused, the next free handle */
    domid_t domid;       /* the granter */
    uint16_t serial;     /* the granter table's serial: tells a reused domid apart */
};
_Static_assert(sizeof(struct maptrack) == 16, "maptrack entries pack 256 to a page");
#define MT_PER_CHUNK (PAGE_SIZE / sizeof(struct maptrack))
#define MT_USED (1u << 0)
#define MT_RO (1u << 1)
#define MT_NONE 0xffffffffu

struct grant_table {
    spinlock_t lock;              /* everything below, and the guest entries' in-use bits */
    struct domain *owner;         /* whose frames the table's pages are (never dereferenced
                                   * after grant_table_destroy detached the table) */
    domid_t domid;                /* owner, for the lock order */
    uint16_t serial;
    unsigned int nr_frames;
    unsigned int max_frames;
    unsigned int nr_pinned;       /* active entries with a pin (others' maps and copies) */
    struct grant_entry_v1 *shared[GNTTAB_DEFAULT_MAX_FRAMES]; /* guest-visible frames */
    struct active_grant *active[GNTTAB_DEFAULT_MAX_FRAMES];   /* ENTRIES_PER_FRAME each */
    /* maptrack: a directory of one-page chunks, allocated when the domain first maps */
    struct maptrack **mt_dir;
    unsigned int mt_dir_size;
    unsigned int mt_chunks;
    unsigned int max_mt_chunks;
    uint32_t mt_free;             /* head of the free-handle list */
};

/*
 * d->grant_table is read and its lock taken under this lock, and grant_table_destroy()
 * clears the pointer under it: a table cannot be freed between the two steps. Nothing takes
 * it while holding a table lock, so the order is always lookup lock -> table locks -> p2m.
 */
static DEFINE_SPINLOCK(gnttab_lookup_lock);
static uint16_t gnttab_serial;

static unsigned int nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * ENTRIES_PER_FRAME;
}

/*
 * Callers have checked ref < nr_entries(gt); the clamp keeps a mispredicted check from
 * reading beyond the table under speculation.
 */
static struct grant_entry_v1 *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
    ref = array_index_nospec(ref, nr_entries(gt));
    return &gt->shared[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

static struct active_grant *active_entry(struct grant_table *gt, grant_ref_t ref)
{
    ref = array_index_nospec(ref, nr_entries(gt));
    return &gt->active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

/* ---- locking ---------------------------------------------------------------------------- */

#define GT_SET_MAX 2

/*
 * Lock the tables of up to two domains (NULL slots are skipped). gts[i] is NULL where the
 * domain has no table (not created yet, or detached by grant_table_destroy()). Distinct
 * tables are locked once each, lower domid first.
 */
static void gt_lock_set(struct domain *const doms[GT_SET_MAX],
                        struct grant_table *gts[GT_SET_MAX])
{
    spin_lock(&gnttab_lookup_lock);
    gts[0] = doms[0] ? doms[0]->grant_table : NULL;
    gts[1] = doms[1] ? doms[1]->grant_table : NULL;
    if (gts[0] && gts[1] && gts[0] != gts[1]) {
        bool first0 = gts[0]->domid < gts[1]->domid;
        spin_lock(&gts[first0 ? 0 : 1]->lock);
        spin_lock(&gts[first0 ? 1 : 0]->lock);
    } else if (gts[0] || gts[1]) {
        spin_lock(&(gts[0] ? gts[0] : gts[1])->lock);
    }
    spin_unlock(&gnttab_lookup_lock);
}

static void gt_unlock_set(struct grant_table *gts[GT_SET_MAX])
{
    if (gts[0])
        spin_unlock(&gts[0]->lock);
    if (gts[1] && gts[1] != gts[0])
        spin_unlock(&gts[1]->lock);
}

/* One domain's table, locked, or NULL. Unlock with spin_unlock(&gt->lock). */
static struct grant_table *gt_lock_one(struct domain *d)
{
    struct domain *doms[GT_SET_MAX] = { d, NULL };
    struct grant_table *gts[GT_SET_MAX];
    gt_lock_set(doms, gts);
    return gts[0];
}

/*
 * A domain named by a guest: DOMID_SELF (where allowed) and the caller's own id give the
 * caller, reserved ids give NULL, others a reference (*put) to drop with domain_put().
 */
static struct domain *domain_lookup(domid_t domid, struct domain *ld, bool allow_self,
                                    bool *put)
{
    struct domain *d;
    *put = false;
    if ((domid == DOMID_SELF && allow_self) || domid == ld->domain_id)
        return ld;
    if (domid >= DOMID_FIRST_RESERVED)
        return NULL;
    d = domain_get_by_id(domid);
    *put = d != NULL;
    return d;
}

/* ---- table frames ----------------------------------------------------------------------- */

static void gt_free(struct grant_table *gt)
{
    for (unsigned int i = 0; i < gt->nr_frames; i++) {
        /* Pins still held by mappers: their p2m entries keep the frames alive from now on. */
        for (unsigned int k = 0; gt->nr_pinned && k < ENTRIES_PER_FRAME; k++) {
            struct active_grant *act = &gt->active[i][k];
            if (act->rd_pins || act->wr_pins) {
                put_page(act->page);
                gt->nr_pinned--;
            }
        }
        free_shared_xen_page(gt->shared[i]);
        xfree(gt->active[i]);
    }
    for (unsigned int i = 0; i < gt->mt_chunks; i++)
        free_xen_page(gt->mt_dir[i]);
    xfree(gt->mt_dir);
    xfree(gt);
}

/* Grow to nr frames (caller holds the lock, or owns gt). Nothing changes on failure. */
static int gt_grow(struct grant_table *gt, unsigned int nr)
{
    unsigned int i;
    if (nr > gt->max_frames)
        return -EINVAL;
    for (i = gt->nr_frames; i < nr; i++) {
        gt->shared[i] = alloc_shared_xen_page(gt->owner);
        gt->active[i] = xmalloc_array(struct active_grant, ENTRIES_PER_FRAME);
        if (!gt->shared[i] || !gt->active[i])
            goto fail;
    }
    if (nr > gt->nr_frames)
        gt->nr_frames = nr;
    return 0;

fail:
    for (unsigned int j = gt->nr_frames; j <= i; j++) {
        if (gt->shared[j])
            free_shared_xen_page(gt->shared[j]);
        xfree(gt->active[j]);
        gt->shared[j] = NULL;
        gt->active[j] = NULL;
    }
    return -ENOMEM;
}

int grant_table_init(struct domain *d)
{
    struct grant_table *gt = xmalloc(struct grant_table);
    int rc;
    if (!gt)
        return -ENOMEM;
    spin_lock_init(&gt->lock);
    gt->owner = d;
    gt->domid = d->domain_id;
    gt->max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
    gt->max_mt_chunks = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
    gt->mt_free = MT_NONE;
    rc = gt_grow(gt, 1);
    if (rc) {
        xfree(gt);
        return rc;
    }
    spin_lock(&gnttab_lookup_lock);
    if (d->grant_table) {
        rc = -EEXIST;
    } else {
        gt->serial = ++gnttab_serial;
        d->grant_table = gt;
    }
    spin_unlock(&gnttab_lookup_lock);
    if (rc)
        gt_free(gt);
    return rc;
}

int grant_table_set_limits(struct domain *d, unsigned int max_frames,
                           unsigned int max_maptrack_frames)
{
    struct grant_table *gt;
    int rc = 0;
    if (max_frames < 1 || max_frames > GNTTAB_DEFAULT_MAX_FRAMES ||
        max_maptrack_frames > GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES)
        return -EINVAL;
    gt = gt_lock_one(d);
    if (!gt)
        return -EINVAL;
    if (max_frames < gt->nr_frames || max_maptrack_frames < gt->mt_chunks) {
        rc = -EBUSY;
    } else {
        gt->max_frames = max_frames;
        gt->max_mt_chunks = max_maptrack_frames;
    }
    spin_unlock(&gt->lock);
    return rc;
}

int grant_table_get_frame(struct domain *d, unsigned int idx, mfn_t *mfn)
{
    struct grant_table *gt = gt_lock_one(d);
    int rc = 0;
    if (!gt)
        return -EINVAL;
    if (idx >= gt->max_frames)
        rc = -EINVAL;
    else if (idx >= gt->nr_frames)
        rc = gt_grow(gt, idx + 1);
    if (!rc)
        *mfn = virt_to_maddr(gt->shared[idx]) >> PAGE_SHIFT;
    spin_unlock(&gt->lock);
    return rc;
}

int grant_table_get_frame_ref(struct domain *d, unsigned int idx, struct page_info **pg)
{
    struct grant_table *gt = gt_lock_one(d);
    int rc = 0;
    if (!gt)
        return -EINVAL;
    if (idx >= gt->max_frames)
        rc = -EINVAL;
    else if (idx >= gt->nr_frames)
        rc = gt_grow(gt, idx + 1);
    if (!rc) {
        /* Under the table's lock the frame is still held by the table (its allocation
         * reference), so the caller's reference is taken before teardown could drop it. */
        *pg = virt_to_page(gt->shared[idx]);
        if (!get_page_ref(*pg))
            rc = -EINVAL;
    }
    spin_unlock(&gt->lock);
    return rc;
}

unsigned int grant_table_max_frames(struct domain *d)
{
    struct grant_table *gt = gt_lock_one(d);
    unsigned int nr;
    if (!gt)
        return 0;
    nr = gt->max_frames;
    spin_unlock(&gt->lock);
    return nr;
}

unsigned int grant_table_nr_frames(struct domain *d)
{
    struct grant_table *gt = gt_lock_one(d);
    unsigned int nr;
    if (!gt)
        return 0;
    nr = gt->nr_frames;
    spin_unlock(&gt->lock);
    return nr;
}

int gnttab_grant_access_builder(struct domain *d, grant_ref_t ref, domid_t grantee,
                                uint64_t gfn, bool ro)
{
    struct grant_table *gt;
    int rc = 0;
    if (grantee >= DOMID_FIRST_RESERVED || gfn > UINT32_MAX)
        return -EINVAL;
    gt = gt_lock_one(d);
    if (!gt)
        return -EINVAL;
    if (ref >= nr_entries(gt)) {
        rc = -EINVAL;
    } else if (active_entry(gt, ref)->rd_pins || active_entry(gt, ref)->wr_pins) {
        rc = -EBUSY;
    } else {
        struct grant_entry_v1 *e = shared_entry(gt, ref);
        /* The granter's protocol: frame and domid first, then flags. */
        e->frame = (uint32_t)gfn;
        e->domid = grantee;
        __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0)),
                         __ATOMIC_RELEASE);
    }
    spin_unlock(&gt->lock);
    return rc;
}

/* ---- maptrack (the mapper's side) ------------------------------------------------------- */

static struct maptrack *mt_slot(struct grant_table *gt, uint32_t h)
{
    return &gt->mt_dir[h / MT_PER_CHUNK][h % MT_PER_CHUNK];
}

/* The entry behind a guest-supplied handle, if it is in use. */
static struct maptrack *maptrack_lookup(struct grant_table *gt, uint32_t h)
{
    struct maptrack *mt;
    if (h >= gt->mt_chunks * MT_PER_CHUNK)
        return NULL;
    mt = mt_slot(gt, array_index_nospec(h, gt->mt_chunks * MT_PER_CHUNK));
    return (mt->flags & MT_USED) ? mt : NULL;
}

/* One more chunk of handles; the directory doubles as needed, so small users stay small. */
static int maptrack_grow(struct grant_table *gt)
{
    struct maptrack *chunk;
    uint32_t base;
    if (gt->mt_chunks >= gt->max_mt_chunks)
        return -ENOSPC;
    if (gt->mt_chunks == gt->mt_dir_size) {
        unsigned int n = MIN(gt->mt_dir_size ? 2 * gt->mt_dir_size : 8, gt->max_mt_chunks);
        struct maptrack **dir = xmalloc_array(struct maptrack *, n);
        if (!dir)
            return -ENOMEM;
        if (gt->mt_chunks)
            memcpy(dir, gt->mt_dir, gt->mt_chunks * sizeof(*dir));
        xfree(gt->mt_dir);
        gt->mt_dir = dir;
        gt->mt_dir_size = n;
    }
    chunk = alloc_xen_page();
    if (!chunk)
        return -ENOMEM;
    base = gt->mt_chunks * MT_PER_CHUNK;
    for (uint32_t i = MT_PER_CHUNK; i-- > 0;) {
        chunk[i].ref = gt->mt_free;
        gt->mt_free = base + i;
    }
    gt->mt_dir[gt->mt_chunks++] = chunk;
    return 0;
}

/* A free handle, not yet marked used (the caller fills it at commit), or MT_NONE. */
static uint32_t maptrack_alloc(struct grant_table *gt)
{
    uint32_t h;
    if (gt->mt_free == MT_NONE && maptrack_grow(gt))
        return MT_NONE;
    h = gt->mt_free;
    gt->mt_free = mt_slot(gt, h)->ref;
    return h;
}

static void maptrack_free(struct grant_table *gt, uint32_t h)
{
    struct maptrack *mt = mt_slot(gt, h);
    mt->flags = 0;
    mt->gfn = 0;
    mt->ref = gt->mt_free;
    gt->mt_free = h;
}

/*
 * Unmaps of one grant_table_op call whose p2m removal waits for the call's single flush, as
 * Xen flushes once per batch: a flush interrupts every other CPU running the mapper and waits
 * for it, which under QEMU TCG costs milliseconds. Until the flush each unmap keeps the
 * removed entry's frame reference and its pin on the grant, so the granter can neither
 * revoke the grant nor free the frame while a stale translation may still reach it.
 */
#define UNMAP_BATCH 32

struct unmap_done {
    struct page_info *page; /* the removed p2m entry's reference */
    grant_ref_t ref;
    domid_t domid;          /* the granter */
    uint16_t serial;        /* its table's serial when unmapped */
    bool ro;
    bool live;              /* the pin is still to drop (the granter's table was there) */
};

struct gnttab_batch {
    unsigned int n;
    struct unmap_done done[UNMAP_BATCH];
};

/* ---- pins (the granter's side) ---------------------------------------------------------- */

/* flags @0 and domid @2 of a v1 entry are one aligned 32-bit word, updated as a pair. */
typedef uint32_t __attribute__((may_alias)) entry_word_t;

/*
 * Set GTF_reading (and GTF_writing unless ro) in the guest's entry with a cmpxchg on flags
 * and domid together, so the checks and the update see one consistent entry. The guest may
 * race us; like Xen, give up after five attempts rather than let it livelock us. The owner
 * and type are only checked on the first pin (check_owner).
 */
static int16_t entry_set_inuse(struct grant_entry_v1 *e, domid_t grantee, bool ro,
                               bool check_owner, bool mapping)
{
    entry_word_t *word = (entry_word_t *)e;
    uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    /* A v1 entry with the (v2-only) sub_page bit cannot be mapped, as in Xen. */
    uint16_t mask = GTF_type_mask | (mapping ? GTF_sub_page : 0);
    for (int tries = 0;; tries++) {
        uint16_t flags = (uint16_t)old;
        domid_t domid = (domid_t)(old >> 16);
        uint32_t new = old | GTF_reading | (ro ? 0 : GTF_writing);
        if (check_owner && ((flags & mask) != GTF_permit_access || domid != grantee))
            return GNTST_general_error;
        if (!ro && (flags & GTF_readonly))
            return GNTST_general_error;
        if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == 4)
            return GNTST_general_error;
    }
}

/* Drop in-use bits Tern set and no remaining pin needs (never any other bit). */
static void entry_clear_inuse(struct grant_entry_v1 *e, const struct active_grant *act,
                              bool dropped_write)
{
    uint16_t clear = 0;
    if (dropped_write && !act->wr_pins)
        clear |= GTF_writing;
    if (!act->rd_pins && !act->wr_pins)
        clear |= GTF_reading;
    if (clear)
        __atomic_fetch_and(&e->flags, (uint16_t)~clear, __ATOMIC_ACQ_REL);
}

/*
 * Pin ref of rd's table (locked, ref in range) for the grantee: on success the entry's
 * in-use bits are set, a pin is counted and *pg is the frame (referenced by the active
 * entry while any pin lasts). On failure nothing changed.
 */
static int16_t pin_grant(struct grant_table *rgt, struct domain *rd, grant_ref_t ref,
                         domid_t grantee, bool ro, bool mapping, struct page_info **pg)
{
    struct active_grant *act = active_entry(rgt, ref);
    struct grant_entry_v1 *e = shared_entry(rgt, ref);
    bool pinned = act->rd_pins || act->wr_pins;
    int16_t rc;

    if (pinned && (act->domid != grantee || act->rd_pins >= PIN_MAX || act->wr_pins >= PIN_MAX))
        return GNTST_general_error;
    if (!pinned || (!ro && !act->wr_pins)) {
        rc = entry_set_inuse(e, grantee, ro, !pinned, mapping);
        if (rc != GNTST_okay)
            return rc;
    }
    if (!pinned) {
        /* The frame is read after the entry is pinned: from now on the granter cannot
         * revoke it, and later changes to the frame field are ignored (as Xen). Looking it
         * up and referencing it is one step, so a concurrent release cannot free it. */
        uint64_t gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
        enum p2m_type t;
        struct page_info *page = p2m_get_page(rd, gfn, &t);
        /* Only the granter's own RAM can be granted; never MMIO, shared or foreign frames. */
        if (!page || (t != p2m_ram_rw && !(ro && t == p2m_ram_ro)) || page->owner != rd) {
            if (page)
                put_page(page);
            entry_clear_inuse(e, act, !ro);
            return GNTST_bad_page;
        }
        act->domid = grantee;
        act->page = page;
        rgt->nr_pinned++;
    }
    if (ro)
        act->rd_pins++;
    else
        act->wr_pins++;
    *pg = act->page;
    return GNTST_okay;
}

static void unpin_grant(struct grant_table *rgt, grant_ref_t ref, bool ro)
{
    struct active_grant *act = active_entry(rgt, ref);
    if (ro)
        act->rd_pins--;
    else
        act->wr_pins--;
    if (!act->rd_pins && !act->wr_pins) {
        rgt->nr_pinned--;
        put_page(act->page);
        act->page = NULL;
    }
    entry_clear_inuse(shared_entry(rgt, ref), act, !ro);
}

/* ---- teardown ---------------------------------------------------------------------------- */

/*
 * The maps dying d holds on others' grants: drop their pins so the granters can revoke.
 * d's own p2m is left alone: its vCPUs no longer run, and p2m_teardown() drops the
 * references its entries hold.
 */
static void release_own_maps(struct domain *d, struct grant_table *gt)
{
    for (uint32_t h = 0; h < gt->mt_chunks * MT_PER_CHUNK; h++) {
        struct maptrack *mt = mt_slot(gt, h);
        struct domain *rd;
        if (!(mt->flags & MT_USED) || mt->domid == d->domain_id)
            continue;
        rd = domain_get_by_id(mt->domid);
        if (rd) {
            struct grant_table *rgt = gt_lock_one(rd);
            if (rgt && rgt->serial == mt->serial && mt->ref < nr_entries(rgt))
                unpin_grant(rgt, mt->ref, mt->flags & MT_RO);
            if (rgt)
                spin_unlock(&rgt->lock);
            domain_put(rd);
        }
        mt->flags = 0;
    }
}

/*
 * Maps other domains hold on d's grants are not revoked (as Xen): each p2m entry keeps its
 * frame referenced, so the frame (and d's struct, as a zombie) lives until that domain
 * unmaps it or is destroyed itself; its later unmap finds the table gone and just removes
 * the entry.
 */
void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt;
    spin_lock(&gnttab_lookup_lock);
    gt = d->grant_table;
    d->grant_table = NULL;
    spin_unlock(&gnttab_lookup_lock);
    if (!gt)
        return;
    /* Whoever found the table before it was detached holds its lock: wait for them. */
    spin_lock(&gt->lock);
    spin_unlock(&gt->lock);

    release_own_maps(d, gt);
    if (gt->nr_pinned)
        printk(XENLOG_INFO "d%u: %u grants still mapped by other domains at teardown\n",
               d->domain_id, gt->nr_pinned);
    gt_free(gt);
}

/* ---- GNTTABOP_map_grant_ref / unmap_grant_ref ------------------------------------------- */

static int16_t map_grant(struct gnttab_map_grant_ref *op, struct domain *ld)
{
    bool ro = op->flags & GNTMAP_readonly;
    uint64_t gfn = op->host_addr >> PAGE_SHIFT;
    struct domain *doms[GT_SET_MAX] = { ld, NULL };
    struct grant_table *gts[GT_SET_MAX], *lgt, *rgt;
    struct maptrack *mt;
    struct page_info *pg;
    uint32_t handle = MT_NONE;
    bool put;
    int16_t rc;

    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        return GNTST_bad_gntref;
    /* A PVH/HVM mapper gets p2m mappings only: no bus mappings, no PV page-table forms. */
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
        return GNTST_general_error;
    doms[1] = domain_lookup(op->dom, ld, false, &put);
    if (!doms[1])
        return GNTST_bad_domain;
    if (xsm_grant_mapref(ld, doms[1], ro)) {
        rc = GNTST_permission_denied;
        goto out_put;
    }
    /* host_addr is the GPA to map at: a whole page, inside the p2m, not the zero page
     * (host_addr 0 means "no host mapping" to unmap). */
    if (!op->host_addr || (op->host_addr & ~PAGE_MASK) || gfn >= GNTTAB_GFN_LIMIT) {
        rc = GNTST_general_error;
        goto out_put;
    }

    gt_lock_set(doms, gts);
    lgt = gts[0];
    rgt = gts[1];
    if (!rgt || !lgt) {
        rc = rgt ? GNTST_general_error : GNTST_bad_domain;
        goto out_unlock;
    }
    handle = maptrack_alloc(lgt);
    if (handle == MT_NONE) {
        rc = GNTST_no_device_space;
        goto out_unlock;
    }
    if (op->ref >= nr_entries(rgt)) {
        rc = GNTST_bad_gntref;
        goto out_unlock;
    }
    rc = pin_grant(rgt, doms[1], op->ref, ld->domain_id, ro, true, &pg);
    if (rc != GNTST_okay)
        goto out_unlock;
    /* Only where nothing is mapped (never over RAM, shared pages or another grant
     * mapping), decided by the p2m in one step; the entry takes its own reference. */
    if (p2m_add_entry(ld, gfn, page_to_mfn(pg), 0, ro ? p2m_grant_ro : p2m_grant_rw)) {
        unpin_grant(rgt, op->ref, ro);
        rc = GNTST_general_error;
        goto out_unlock;
    }
    mt = mt_slot(lgt, handle);
    mt->gfn = gfn;
    mt->ref = op->ref;
    mt->domid = doms[1]->domain_id;
    mt->serial = rgt->serial;
    mt->flags = MT_USED | (ro ? MT_RO : 0);
    op->handle = handle;
    /* No device mappings for PVH: keep host-physical addresses to ourselves. */
    op->dev_bus_addr = 0;
    handle = MT_NONE;

out_unlock:
    if (handle != MT_NONE)
        maptrack_free(lgt, handle);
    gt_unlock_set(gts);
out_put:
    if (put)
        domain_put(doms[1]);
    return rc;
}

/*
 * Complete the batch's unmaps (no lock held): one flush of ld's p2m, then each frame
 * reference and pin goes. A pin is dropped only while the granter's table is the one it was
 * taken in (same serial): a table destroyed meanwhile took its pins with it.
 */
static void unmap_batch_finish(struct gnttab_batch *b, struct domain *ld)
{
    if (!b->n)
        return;
    p2m_flush(ld);
    for (unsigned int i = 0; i < b->n; i++) {
        struct unmap_done *u = &b->done[i];
        struct grant_table *rgt;
        struct domain *rd;

        put_page(u->page);
        if (!u->live)
            continue;
        rd = u->domid == ld->domain_id ? ld : domain_get_by_id(u->domid);
        rgt = rd ? gt_lock_one(rd) : NULL;
        if (rgt && rgt->serial == u->serial && u->ref < nr_entries(rgt)) {
            struct active_grant *act = active_entry(rgt, u->ref);
            if (u->ro ? act->rd_pins : act->wr_pins)
                unpin_grant(rgt, u->ref, u->ro);
        }
        if (rgt)
            spin_unlock(&rgt->lock);
        if (rd && rd != ld)
            domain_put(rd);
    }
    b->n = 0;
}

/*
 * Unmap (GNTTABOP_unmap_grant_ref, and GNTTABOP_unmap_and_replace with new_addr), into batch
 * b. As Xen for a PVH/HVM caller, there is no other mapping to move into the freed slot: a
 * non-zero new_addr is refused (GNTST_general_error) once the handle is known good, and the
 * mapping stays.
 */
static int16_t unmap_grant(const struct gnttab_unmap_grant_ref *op, uint64_t new_addr,
                           struct domain *ld, struct gnttab_batch *b)
{
    struct domain *doms[GT_SET_MAX] = { ld, NULL };
    struct grant_table *gts[GT_SET_MAX], *lgt, *rgt;
    struct maptrack seen = { 0 }, *mt;
    struct page_info *page;
    mfn_t mfn = 0;
    bool put = false, live;
    int16_t rc;

    if (b->n == UNMAP_BATCH)
        unmap_batch_finish(b, ld);
    /* Learn the granter from the handle; its domain is then looked up with no lock held. */
    lgt = gt_lock_one(ld);
    mt = lgt ? maptrack_lookup(lgt, op->handle) : NULL;
    if (mt)
        seen = *mt;
    if (lgt)
        spin_unlock(&lgt->lock);
    if (!mt)
        return GNTST_bad_handle;
    if (seen.domid != ld->domain_id) {
        doms[1] = domain_get_by_id(seen.domid);
        put = doms[1] != NULL;
    }

    gt_lock_set(doms, gts);
    lgt = gts[0];
    rgt = seen.domid == ld->domain_id ? lgt : gts[1];
    /* Another vCPU may have unmapped (and reused) the handle while no lock was held. */
    mt = lgt ? maptrack_lookup(lgt, op->handle) : NULL;
    if (!mt || mt->domid != seen.domid || mt->ref != seen.ref || mt->gfn != seen.gfn) {
        rc = GNTST_bad_handle;
        goto out;
    }
    /* Unless the granter is gone (its table freed or replaced: its pins went with it), the
     * pin this map holds is dropped below and names the frame. */
    live = rgt && rgt->serial == mt->serial && mt->ref < nr_entries(rgt) &&
           (active_entry(rgt, mt->ref)->rd_pins || active_entry(rgt, mt->ref)->wr_pins);
    if (live)
        mfn = page_to_mfn(active_entry(rgt, mt->ref)->page);
    else
        p2m_lookup(ld, mt->gfn, &mfn);
    if (op->dev_bus_addr && op->dev_bus_addr != (uint64_t)mfn << PAGE_SHIFT) {
        rc = GNTST_general_error;
        goto out;
    }
    /* As Xen: without host_addr the host mapping (and so the handle) stays. */
    if (!op->host_addr) {
        rc = GNTST_okay;
        goto out;
    }
    if (new_addr) {
        rc = GNTST_general_error;
        goto out;
    }
    /* The entry goes only if it is still this grant mapping; the pin and the frame go in
     * unmap_batch_finish(), once the removal is complete (no vCPU of ld can still reach the
     * frame). The handle is free at once: the batch keeps what the pin's release needs. */
    if (op->host_addr != (uint64_t)mt->gfn << PAGE_SHIFT ||
        p2m_remove_entry_deferred(ld, mt->gfn,
                                  P2M_BIT((mt->flags & MT_RO) ? p2m_grant_ro : p2m_grant_rw),
                                  live ? mfn : P2M_ANY_MFN, &page)) {
        rc = GNTST_general_error;
        goto out;
    }
    b->done[b->n++] = (struct unmap_done){ .page = page, .ref = mt->ref, .domid = mt->domid,
                                           .serial = mt->serial, .ro = mt->flags & MT_RO,
                                           .live = live };
    maptrack_free(lgt, op->handle);
    rc = GNTST_okay;

out:
    gt_unlock_set(gts);
    if (put)
        domain_put(doms[1]);
    return rc;
}

/* ---- GNTTABOP_copy ------------------------------------------------------------------------ */

struct copy_side {
    struct domain *d;
    bool put;    /* d holds a reference from domain_get_by_id() */
    bool gref;   /* named by a grant ref of d, else by a GFN of the caller */
    bool pinned; /* a grant side: the pin holds the frame */
    struct page_info *page; /* the frame; a GFN side holds its own reference */
};

static int16_t copy_side_lookup(const struct gnttab_copy_ptr *p, bool gref, struct domain *ld,
                                struct copy_side *s)
{
    s->gref = gref;
    /* Only the caller's own frames may be named by GFN (as Xen: DOMID_SELF only). */
    if (!gref && p->domid != DOMID_SELF)
        return GNTST_permission_denied;
    s->d = domain_lookup(p->domid, ld, true, &s->put);
    return s->d ? GNTST_okay : GNTST_bad_domain;
}

static int16_t copy_side_claim(const struct gnttab_copy_ptr *p, struct copy_side *s,
                               struct grant_table *gt, struct domain *ld, bool ro)
{
    enum p2m_type t;
    if (s->gref) {
        int16_t rc;
        if (!gt)
            return GNTST_bad_domain;
        if (p->u.ref >= nr_entries(gt))
            return GNTST_bad_gntref;
        rc = pin_grant(gt, s->d, p->u.ref, ld->domain_id, ro, false, &s->page);
        s->pinned = rc == GNTST_okay;
        return rc;
    }
    if (p->u.gmfn >= GNTTAB_GFN_LIMIT)
        return GNTST_bad_page;
    s->page = p2m_get_page(ld, p->u.gmfn, &t);
    if (s->page && (t == p2m_ram_rw || (ro && t == p2m_ram_ro)))
        return GNTST_okay;
    if (s->page)
        put_page(s->page);
    s->page = NULL;
    return GNTST_bad_page;
}

/* Drop what copy_side_claim() took (the caller holds the granter's table lock). */
static void copy_side_release(const struct gnttab_copy_ptr *p, struct copy_side *s,
                              struct grant_table *gt, bool ro)
{
    if (s->pinned)
        unpin_grant(gt, p->u.ref, ro);
    else if (!s->gref && s->page)
        put_page(s->page);
}

static int16_t copy_grant(const struct gnttab_copy *op, struct domain *ld)
{
    struct copy_side src = { 0 }, dst = { 0 };
    struct domain *doms[GT_SET_MAX];
    struct grant_table *gts[GT_SET_MAX];
    int16_t rc;

    rc = copy_side_lookup(&op->source, op->flags & GNTCOPY_source_gref, ld, &src);
    if (rc == GNTST_okay)
        rc = copy_side_lookup(&op->dest, op->flags & GNTCOPY_dest_gref, ld, &dst);
    if (rc == GNTST_okay && xsm_grant_copy(ld, src.d, dst.d))
        rc = GNTST_permission_denied;
    if (rc == GNTST_okay && (op->source.offset + op->len > PAGE_SIZE ||
                             op->dest.offset + op->len > PAGE_SIZE))
        rc = GNTST_bad_copy_arg;
    if (rc != GNTST_okay)
        goto out;

    /* The granters' locks are held across the copy, so the pins cannot outlive a table. */
    doms[0] = src.gref ? src.d : NULL;
    doms[1] = dst.gref ? dst.d : NULL;
    gt_lock_set(doms, gts);
    rc = copy_side_claim(&op->source, &src, gts[0], ld, true);
    if (rc == GNTST_okay)
        rc = copy_side_claim(&op->dest, &dst, gts[1], ld, false);
    if (rc == GNTST_okay) {
        uint8_t *to = page_to_virt(dst.page);
        const uint8_t *from = page_to_virt(src.page);
        /* Source and destination may be the same frame. */
        memmove(to + op->dest.offset, from + op->source.offset, op->len);
    }
    copy_side_release(&op->dest, &dst, gts[1], false);
    copy_side_release(&op->source, &src, gts[0], true);
    gt_unlock_set(gts);

out:
    if (src.put)
        domain_put(src.d);
    if (dst.put)
        domain_put(dst.d);
    return rc;
}

/* ---- single ops: setup_table, query_size, set_version, get_version ---------------------- */

/* Grows the table. PVH/HVM guests map frames with XENMEM_add_to_physmap, and Tern does not
 * track where: like Xen for a frame a translated guest has not mapped, each frame number
 * reads as invalid. */
static int16_t setup_table(const struct gnttab_setup_table *op, struct domain *ld)
{
    struct grant_table *gt;
    struct domain *d;
    bool put;
    int16_t rc = GNTST_okay;

    d = domain_lookup(op->dom, ld, true, &put);
    if (!d)
        return GNTST_bad_domain;
    if (xsm_grant_query_size(ld, d)) {
        rc = GNTST_permission_denied;
        goto out;
    }
    gt = gt_lock_one(d);
    if (!gt)
        rc = GNTST_bad_domain;
    else if (op->nr_frames > gt->max_frames || gt_grow(gt, op->nr_frames))
        rc = GNTST_general_error;
    if (gt)
        spin_unlock(&gt->lock);
    for (uint32_t i = 0; rc == GNTST_okay && i < op->nr_frames; i++) {
        uint64_t frame = INVALID_FRAME;
        if (copy_to_guest(op->frame_list_gva + i * sizeof(frame), &frame, sizeof(frame)))
            rc = GNTST_bad_virt_addr;
    }
out:
    if (put)
        domain_put(d);
    return rc;
}

static int16_t query_size(struct gnttab_query_size *op, struct domain *ld)
{
    struct grant_table *gt;
    struct domain *d;
    bool put;
    int16_t rc = GNTST_okay;

    d = domain_lookup(op->dom, ld, true, &put);
    if (!d)
        return GNTST_bad_domain;
    if (xsm_grant_query_size(ld, d)) {
        rc = GNTST_permission_denied;
    } else if ((gt = gt_lock_one(d)) != NULL) {
        op->nr_frames = gt->nr_frames;
        op->max_nr_frames = gt->max_frames;
        spin_unlock(&gt->lock);
    } else {
        rc = GNTST_bad_domain;
    }
    if (put)
        domain_put(d);
    return rc;
}

/* ---- hypercall ----------------------------------------------------------------------------- */

union gnttab_op_buf {
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_unmap_and_replace replace;
    struct gnttab_setup_table setup;
    struct gnttab_copy copy;
    struct gnttab_query_size query;
    struct gnttab_set_version set_version;
    struct gnttab_get_version get_version;
};

/* Each handler fills its op struct (status included) and returns 0 or a negative errno. */
static long op_map(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    b->map.status = map_grant(&b->map, ld);
    return 0;
}

static long op_unmap(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    b->unmap.status = unmap_grant(&b->unmap, 0, ld, ub);
    return 0;
}

static long op_unmap_and_replace(union gnttab_op_buf *b, struct domain *ld,
                                 struct gnttab_batch *ub)
{
    struct gnttab_unmap_grant_ref u = {
        .host_addr = b->replace.host_addr, .dev_bus_addr = 0, .handle = b->replace.handle,
    };
    b->replace.status = unmap_grant(&u, b->replace.new_addr, ld, ub);
    return 0;
}

static long op_copy(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    b->copy.status = copy_grant(&b->copy, ld);
    return 0;
}

static long op_setup_table(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    b->setup.status = setup_table(&b->setup, ld);
    return 0;
}

static long op_query_size(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    b->query.status = query_size(&b->query, ld);
    return 0;
}

/* Tern implements v1 only, like Xen booted with gnttab=max-ver:1: 2 is -ENOSYS, anything
 * else -EINVAL, and the version in force is reported back either way. */
static long op_set_version(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    uint32_t want = b->set_version.version;
    b->set_version.version = 1;
    if (want == 1)
        return 0;
    return want == 2 ? -ENOSYS : -EINVAL;
}

static long op_get_version(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub)
{
    bool put;
    long rc;
    struct domain *d = domain_lookup(b->get_version.dom, ld, true, &put);
    if (!d)
        return -ESRCH;
    rc = xsm_grant_query_size(ld, d);
    if (!rc)
        b->get_version.version = 1;
    if (put)
        domain_put(d);
    return rc;
}

enum { OP_BATCH, OP_ONE, OP_ANY_COUNT };

struct gnttab_op_desc {
    long (*fn)(union gnttab_op_buf *b, struct domain *ld, struct gnttab_batch *ub);
    uint8_t size;       /* bytes of one element */
    uint8_t out_off;    /* what goes back to the guest: [out_off, out_off + out_len) */
    uint8_t out_len;
    uint8_t kind;       /* OP_BATCH: count elements; OP_ONE: count must be 1 (Xen -EINVAL);
                         * OP_ANY_COUNT: one element whatever count says (as Xen) */
    bool out_on_error;  /* write back even when fn fails (set_version reports the version) */
};

#define OUT_FIELD(type, field) offsetof(type, field), sizeof(((type *)0)->field)

static const struct gnttab_op_desc gnttab_ops[] = {
    [GNTTABOP_map_grant_ref] = { op_map, sizeof(struct gnttab_map_grant_ref), 0,
                                 sizeof(struct gnttab_map_grant_ref), OP_BATCH, false },
    [GNTTABOP_unmap_grant_ref] = { op_unmap, sizeof(struct gnttab_unmap_grant_ref),
                                   OUT_FIELD(struct gnttab_unmap_grant_ref, status),
                                   OP_BATCH, false },
    [GNTTABOP_setup_table] = { op_setup_table, sizeof(struct gnttab_setup_table),
                               OUT_FIELD(struct gnttab_setup_table, status), OP_ONE, false },
    [GNTTABOP_copy] = { op_copy, sizeof(struct gnttab_copy),
                        OUT_FIELD(struct gnttab_copy, status), OP_BATCH, false },
    [GNTTABOP_unmap_and_replace] = { op_unmap_and_replace,
                                     sizeof(struct gnttab_unmap_and_replace),
                                     OUT_FIELD(struct gnttab_unmap_and_replace, status),
                                     OP_BATCH, false },
    [GNTTABOP_query_size] = { op_query_size, sizeof(struct gnttab_query_size), 0,
                              sizeof(struct gnttab_query_size), OP_ONE, false },
    [GNTTABOP_set_version] = { op_set_version, sizeof(struct gnttab_set_version), 0,
                               sizeof(struct gnttab_set_version), OP_ANY_COUNT, true },
    [GNTTABOP_get_version] = { op_get_version, sizeof(struct gnttab_get_version),
                               OUT_FIELD(struct gnttab_get_version, version), OP_ANY_COUNT,
                               false },
};

/*
 * grant_table_op(cmd, uop, count). Returns 0 once the array is processed (each element's
 * status says how it went), -EFAULT if an element cannot be read or written back, -EINVAL
 * for bad cmd bits or count, -ENOSYS for ops Tern does not implement (transfer, the v2 ops,
 * swap_grant_ref, cache_flush). Batches longer than GNTTAB_BATCH continue through -ERESTART
 * with the arguments advanced past the elements done.
 */
long do_grant_table_op(unsigned int cmd, uint64_t uop, unsigned int count)
{
    const struct gnttab_op_desc *desc;
    struct vcpu *v = current;
    union gnttab_op_buf buf;
    struct gnttab_batch batch;
    unsigned int n;
    long rc = 0;

    if (!v)
        return -EPERM;
    if ((int)count < 0 || (cmd & ~GNTTAB_CMD_MASK))
        return -EINVAL;
    if (cmd >= ARRAY_SIZE(gnttab_ops) || !gnttab_ops[cmd].fn) {
        hypercall_unknown_subop(__HYPERVISOR_grant_table_op, cmd);
        return -ENOSYS;
    }
    desc = &gnttab_ops[cmd];
    if (desc->kind == OP_ONE && count != 1)
        return -EINVAL;
    n = desc->kind == OP_BATCH ? MIN(count, GNTTAB_BATCH) : 1;

    batch.n = 0;
    for (unsigned int i = 0; i < n && !rc; i++) {
        uint64_t gva = uop + (uint64_t)i * desc->size;
        if (copy_from_guest(&buf, gva, desc->size)) {
            rc = -EFAULT;
            break;
        }
        rc = desc->fn(&buf, v->domain, &batch);
        if ((!rc || desc->out_on_error) &&
            copy_to_guest(gva + desc->out_off, (uint8_t *)&buf + desc->out_off, desc->out_len))
            rc = -EFAULT;
    }
    /* Every unmap is complete before the guest runs again, however the loop ended. */
    unmap_batch_finish(&batch, v->domain);
    if (rc)
        return rc;
    if (desc->kind == OP_BATCH && count > n) {
        hypercall_set_continuation_args(cmd, uop + (uint64_t)n * desc->size, count - n);
        return -ERESTART;
    }
    return 0;
}
